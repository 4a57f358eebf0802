// Sweeps over a constraint (SPEC §2): the efficient frontier.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

/// One point of an efficient frontier.
struct FrontierPoint {
  double epsilon = 0;  ///< the swept constraint's limit at this point
  SolveStatus status = SolveStatus::numerical_failure;
  bool converged = false;
  std::string message;
  double profit = 0, gwp = 0, loss_ratio = 0, retention = 0;
  double shadow_price = 0;  ///< of the swept constraint, in its business unit (SPEC §1.6)
  std::string shadow_price_unit;
  std::optional<double> optimality_gap;
  int64_t passes = 0;
  double seconds = 0;
};

struct FrontierResult {
  std::string sweep;  ///< retention_min | gwp_min | lr_max
  std::vector<FrontierPoint> points;
  int64_t passes = 0;  ///< over the whole sweep
  double seconds = 0;
  std::string backend_used, device_name, fallback_reason;
};

/// Called after each point with (points done, points in all).
using SweepProgress = std::function<void(int, int)>;

/// Solve the book at `points` evenly spaced limits of `sweep` from `from` to `to` (the other options
/// as given).  The book is prepared and uploaded once; each point starts from its neighbour's
/// constraint multipliers, so a point typically costs a few passes instead of a cold solve.
FrontierResult efficient_frontier(const Book& book, const OptimiseOptions& options, const std::string& sweep,
                                  double from, double to, int points, const SweepProgress& progress = {});

}  // namespace rateopt
