// Ratebook mode: choose new relativities of a ratebook (a base rate times one relativity per level of
// each rating factor) for the whole book under the portfolio constraints of a solve, and report what the
// structure costs against one multiplier per policy.
//
// A policy's multiplier is m_i = prior_i · exp(θ_base + Σ_f θ_{f, level_f(i)}), θ the log of new/current
// relativity (θ_base the log of the base-rate change).  The variables are the θ; the per-policy bounds of
// the solve (box, technical floor, rate-change and ENBP caps) become linear constraints on θ, as do the
// level bounds and the monotone orders; the portfolio constraints are handled by an augmented Lagrangian
// whose inner problems are Newton steps, each a small dense QP over the θ.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/option_table.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

/// Where the per-policy caps of a solve (max_rate_change, the ENBP) act in ratebook mode: as constraints
/// every policy's multiplier meets through the factors, or applied to each policy after the ratebook is
/// solved without them.
enum class CapsMode { constraints, after };
template <>
struct EnumNames<CapsMode> {
  static constexpr std::array<const char*, 2> names{"constraints", "after"};
};

/// The options of ratebook mode beyond those of a solve (OptimiseOptions).
struct RatebookOptions {
  /// "factor=lo:hi" or "factor[level]=lo:hi": new relativity within [lo, hi] × the current one; "base"
  /// names the base-rate change.  A per-level entry overrides its factor's.
  std::vector<std::string> level_bounds;
  /// "factor" (new relativities non-decreasing in the ratebook file's level order) or "factor:decreasing".
  std::vector<std::string> monotone;
  /// "factor=δ" (δ ≥ 0): neighbouring levels of the factor (in ratebook file order) change by at most δ apart,
  /// |log(new/current) of level i+1 − log(new/current) of level i| ≤ δ; equally, the step between their new
  /// relativities (in log) stays within δ of the current step.  δ = 0.05 keeps neighbours' rate changes
  /// within about 5% of each other.
  std::vector<std::string> smooth;
  /// "factor=level" holds that level at its current relativity; "factor" holds every level; "base"
  /// holds the base rate.
  std::vector<std::string> fix;
  CapsMode caps = CapsMode::constraints;
  int max_newton_iterations = 60;  ///< Newton steps per augmented-Lagrangian iteration at most
  bool structure_cost = true;      ///< also solve one multiplier per policy, for the cost of the structure

  void validate() const;
};

template <class F>
void visit_options(RatebookOptions& o, F&& f) {
  f(OptionRow{"level_bounds",
              "bounds on new/current relativity: factor=lo:hi or factor[level]=lo:hi (base: base rate)"},
    o.level_bounds);
  f(OptionRow{"monotone",
              "keep a factor's new relativities ordered as its levels in the ratebook: factor or "
              "factor:decreasing"},
    o.monotone);
  f(OptionRow{"smooth",
              "limit on how far apart neighbouring levels' changes may be: factor=δ, |log(new/current) of a "
              "level − that of the next level| ≤ δ (0.05: neighbours' rate changes within about 5% of each other)"},
    o.smooth);
  f(OptionRow{"fix", "hold relativities at their current value: factor=level, factor (all levels) or base"}, o.fix);
  f(OptionRow{"caps",
              "per-policy caps (max_rate_change, ENBP): constraints = every policy meets them through the factors; "
              "after = the ratebook is solved without them, then each policy's multiplier is capped (result.json's "
              "capping has the book before and after, policies.csv the capped prices)"},
    o.caps);
  f(OptionRow{"max_newton_iterations", "Newton steps per outer iteration at most", at_least(1)},
    o.max_newton_iterations);
  f(OptionRow{"structure_cost", "also solve one multiplier per policy to measure what the ratebook costs"},
    o.structure_cost);
}

/// The current ratebook: factors in order of first appearance, each with its levels in file order.
struct Ratebook {
  std::string source;  ///< file named in messages
  struct Factor {
    std::string name;
    std::vector<std::string> levels;
    std::vector<double> relativity;  ///< > 0
    std::vector<uint64_t> line;      ///< line of each level's row (for messages)
  };
  std::vector<Factor> factors;
  /// Index of a factor by name, or −1.
  int find(const std::string& name) const;
};

/// Read `factor,level,relativity` rows.  InputError "file:line: rule" for a relativity that is not a
/// number or ≤ 0, a (factor, level) given twice, an empty factor or level name, an empty file.
Ratebook read_ratebook_csv(const std::string& path);
/// The same from columns in memory; messages name `name` and the row index (`ratebook[3]: …`).
Ratebook ratebook_from_rows(const std::vector<std::string>& factor, const std::vector<std::string>& level,
                            const std::vector<double>& relativity, const std::string& name = "ratebook");

/// The rating-factor columns of a book: one level label per policy and factor.
struct FactorColumns {
  std::vector<std::string> names;                ///< factor names (the column is `factor.<name>`)
  std::vector<std::vector<std::string>> labels;  ///< labels[f][i], policy i in book order
};

/// The `factor.<name>` columns of a book CSV, rows in the order read_book_csv reads them.  InputError
/// when the file has no such column.
FactorColumns read_factor_columns(const std::string& book_path);

/// One (factor, level) of the answer.
struct RatebookLevel {
  std::string factor, level;  ///< factor "base" is the base rate (level "")
  double old_relativity = 1, new_relativity = 1;
  double change_pct = 0;        ///< (new/old − 1)·100
  std::string binding;          ///< "", "lower", "upper", "fixed", "monotone" or "smooth"
  int64_t policies = 0;         ///< policies at this level
  double bound_multiplier = 0;  ///< KKT multiplier of its binding bound or order, profit per unit of log relativity
};

struct RatebookResult {
  /// The answer in the terms of a solve: per-policy multipliers and their bounds, the portfolio,
  /// constraints with shadow prices, status, message and solver facts (no dual bound: see structure_cost).
  SolveResult solve;
  std::vector<RatebookLevel> levels;  ///< the base first, then every factor's levels in ratebook order
  // KKT residuals at the answer: stationarity ‖∇L‖∞ of the objective scaled to order one (profit / Σ w·tc·x0), primal
  // the worst relative constraint violation, complementarity the largest |λ·g|, and the most negative multiplier.
  double kkt_stationarity = 0, kkt_primal = 0, kkt_complementarity = 0, kkt_dual = 0;
  int64_t n_cells = 0;  ///< distinct combinations of levels in the book
  int newton_iterations = 0;
  // The per-policy solve of the same book and options: its certified bound on every ratebook's profit,
  // and bound − ratebook profit.  Null when that solve gives no bound (or was not run).
  std::optional<double> per_policy_profit, per_policy_bound, structure_cost;
  std::string per_policy_status;
  // caps = after: the ratebook's multipliers (in `solve`, solved without the caps) with every policy's caps
  // applied, in a solve's terms (multipliers, boxes with the caps, portfolio, constraints without shadow
  // prices), and how many policies the caps lowered and raised.
  std::optional<SolveResult> capped;
  int64_t n_capped_down = 0, n_capped_up = 0;
};

/// Optimise the ratebook for the book.  Validates the book, the options and the factor columns against the
/// ratebook first (InputError naming file:line: a level in the book missing from the ratebook, a factor column
/// with one level, a ratebook factor with no column).
RatebookResult optimise_ratebook(const BookView& book, const FactorColumns& factors, const Ratebook& ratebook,
                                 const OptimiseOptions& options, const RatebookOptions& ratebook_options);

/// result.json text: optimise's summary keys plus ratebook, kkt and structure-cost keys, and the audit.
std::string ratebook_result_json(const BookView& book, const OptimiseOptions& options,
                                 const RatebookOptions& ratebook_options, const RatebookResult& result);
struct ImpactSegment;
/// The impact report's segments of a ratebook solve: every factor.<name> column, its levels in ratebook order.
std::vector<ImpactSegment> factor_segments(const FactorColumns& factors, const RatebookResult& result);
/// ratebook.csv, policies.csv (the capped prices with caps = after), result.json, impact.csv and impact.svg
/// (by every factor and then by extra_segments), all or nothing.
void write_ratebook_outputs(const std::string& out_dir, const BookView& book, const FactorColumns& factors,
                            const OptimiseOptions& options, const RatebookOptions& ratebook_options,
                            const RatebookResult& result, bool force);
void write_ratebook_outputs(const std::string& out_dir, const BookView& book, const FactorColumns& factors,
                            const OptimiseOptions& options, const RatebookOptions& ratebook_options,
                            const RatebookResult& result, bool force, const std::vector<ImpactSegment>& extra_segments);
/// The files write_ratebook_outputs writes.
const std::vector<std::string>& ratebook_output_files();
/// One screen for humans.
std::string ratebook_report(const RatebookResult& result);

}  // namespace rateopt
