// Writing a solve's outputs: result.json (summary + audit trail) and policies.csv.
#pragma once

#include <optional>
#include <string>

#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt {

class PricingRule;

/// The summary JSON printed by `rateopt optimise --json` (one object).
std::string summary_json(const BookView& book, const OptimiseOptions& options, const SolveResult& result);

/// The text of result.json: the summary with the audit trail under "audit".
std::string result_json(const BookView& book, const OptimiseOptions& options, const SolveResult& result);

/// Write DIR/result.json and DIR/policies.csv atomically (temporary file, then rename), with
/// pricing_rule.json and, given segments, impact.csv and impact.svg (rateopt/impact.hpp), all or nothing.
/// Refuses (InputError) to replace an existing output unless `force`.  Creates DIR when missing.
void write_solve_outputs(const std::string& out_dir, const BookView& book, const OptimiseOptions& options,
                         const SolveResult& result, bool force);
struct ImpactSegment;
void write_solve_outputs(const std::string& out_dir, const BookView& book, const OptimiseOptions& options,
                         const SolveResult& result, bool force, const std::vector<ImpactSegment>& segments);

/// The solve's pricing rule as write_solve_outputs writes it to pricing_rule.json: the solved book's file and
/// SHA-256 as the audit records them.  InputError when the solve stopped before its answer was certified.
PricingRule solve_pricing_rule(const BookView& book, const OptimiseOptions& options, const SolveResult& result);

/// The frontier as one JSON object (points, passes, seconds, backend), and its chart: profit against
/// the swept quantity, the chosen limit (or else the most profitable point) marked.
std::string frontier_json(const FrontierResult& frontier);
std::string frontier_svg(const FrontierResult& frontier, const std::optional<double>& chosen_limit);

/// DIR/frontier.csv (epsilon, converged, status, profit, gwp, loss_ratio, retention, shadow_price, …),
/// DIR/frontier.svg and DIR/result.json, atomically, refusing to overwrite without force.
void write_frontier_outputs(const std::string& out_dir, const FrontierResult& frontier,
                            const std::optional<double>& chosen_limit, bool force);

/// rateopt's version and the git revision it was built from.
std::string version_string();
std::string git_revision();

}  // namespace rateopt
