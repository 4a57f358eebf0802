// Sweeps over a constraint: the efficient frontier.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

/// A constraint whose limit a sweep moves.
enum class SweptConstraint { retention_min, gwp_min, lr_max };
template <>
struct EnumNames<SweptConstraint> {
  static constexpr std::array<const char*, 3> names{"retention_min", "gwp_min", "lr_max"};
};

/// The constraint the solve reports for c.
ConstraintKind constraint_kind(SweptConstraint c);
/// The limit the options carry for constraint c (nullopt when unset).
std::optional<double> constraint_limit(const OptimiseOptions& options, SweptConstraint c);
/// The options with constraint c's limit set to `limit`.
OptimiseOptions with_constraint_limit(OptimiseOptions options, SweptConstraint c, double limit);

/// The most solves one sweep runs (frontier points, Pareto grid points): past it a sweep is refused
/// rather than left to run out of memory.
inline constexpr int kMaxSweepPoints = 10'000;

/// What an efficient frontier sweeps: `points` evenly spaced limits of `sweep` from `from` to `to`.
struct FrontierOptions {
  std::optional<SweptConstraint> sweep;  ///< required
  std::optional<double> from, to;        ///< required: the first and last limit
  int points = 15;
};
template <class F>
void visit_options(FrontierOptions& o, F&& f) {
  f(required({"sweep", "constraint to sweep"}), o.sweep);
  f(required({"from", "first limit"}), o.from);
  f(required({"to", "last limit"}), o.to);
  f(OptionRow{"points", "number of points", in_range(2, kMaxSweepPoints)}, o.points);
}

/// What every sweep point (frontier, Pareto, scenario) reports of its solve.
struct PointSummary {
  SolveStatus status = SolveStatus::numerical_failure;
  bool converged = false;
  std::string message;
  double profit = 0, gwp = 0, loss_ratio = 0;
  double retention = 0;  ///< NaN when the book has no renewals
  std::optional<double> optimality_gap;
  int64_t passes = 0;  ///< of this point's solve
  double seconds = 0;
};

/// The summary of one solve: its status, message, portfolio figures and gap, with the passes and
/// seconds the point took.
PointSummary point_summary(const SolveResult& result, int64_t passes, double seconds);

/// One point of an efficient frontier.
struct FrontierPoint {
  double epsilon = 0;  ///< the swept constraint's limit at this point
  PointSummary summary;
  double shadow_price = 0;  ///< of the swept constraint, in its business unit
  std::string shadow_price_unit;
};

struct FrontierResult {
  SweptConstraint sweep = SweptConstraint::retention_min;
  std::vector<FrontierPoint> points;
  int64_t passes = 0;  ///< over the whole sweep
  double seconds = 0;
  std::string backend_used, device_name, fallback_reason;
  /// The setup's warnings, the same at every point (e.g. retention_min on a book without renewals,
  /// policies priced at their ENBP cap below the floor).
  std::vector<std::string> warnings;
};

/// Called after each point with (points done, points in all).
using SweepProgress = std::function<void(int, int)>;

/// Solve the book at the frontier's limits (the other options as given).  The book is prepared and
/// uploaded once; each point starts from its neighbour's constraint multipliers, so a point
/// typically costs a few passes instead of a cold solve.
FrontierResult efficient_frontier(const BookView& book, const OptimiseOptions& options, const FrontierOptions& frontier,
                                  const SweepProgress& progress = {});

}  // namespace rateopt
