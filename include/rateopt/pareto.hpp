// The profit–retention–fairness Pareto surface (SPEC §2): a grid over one constraint and
// fairness_max, its non-dominated set, and a TOPSIS choice.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt {

/// One grid point: the two limits and the answer's objectives.
struct ParetoPoint {
  double x_limit = 0;         ///< the swept constraint's limit (retention_min, lr_max or gwp_min)
  double fairness_limit = 0;  ///< fairness_max
  SolveStatus status = SolveStatus::numerical_failure;
  bool converged = false;
  double profit = 0, retention = 0, disparity = 0, gwp = 0, loss_ratio = 0;
  bool on_front = false;  ///< non-dominated among converged points
  int64_t passes = 0;
  double seconds = 0;
};

/// The three objectives, for dominance and TOPSIS: profit ↑, retention ↑, disparity ↓.
struct ParetoObjectives {
  double profit, retention, disparity;
};

/// Relative difference below which two objective values count as equal in the dominance test: the
/// solver's constraint tolerance (1e-9), so round-off never decides what is on the front.
inline constexpr double kParetoTolerance = 1e-9;

/// Indices of the points no other point dominates (≥ in profit and retention, ≤ in disparity, one
/// strictly, each comparison up to kParetoTolerance relative), among the usable ones, in input order.
std::vector<size_t> non_dominated(const std::vector<ParetoObjectives>& points, const std::vector<bool>& usable);

/// TOPSIS over `candidates` with weights (profit, retention, disparity): min-max normalise each
/// objective over the candidates, flip disparity (minimised), weight, and pick the largest
/// d⁻/(d⁺ + d⁻) (distances to the anti-ideal and ideal points); ties go to the earliest candidate.
/// Returns an index into points; nullopt when there are no candidates.
std::optional<size_t> topsis_choice(const std::vector<ParetoObjectives>& points, const std::vector<size_t>& candidates,
                                    const std::array<double, 3>& weights);

struct ParetoResult {
  std::string sweep_x;  ///< retention_min | lr_max | gwp_min
  std::string metric;   ///< premium_disparity | loss_ratio_disparity
  std::array<double, 3> weights{0.5, 0.3, 0.2};
  std::vector<ParetoPoint> surface;  ///< every grid point, fairness-major
  std::vector<size_t> front;         ///< indices into surface
  std::optional<size_t> choice;      ///< TOPSIS choice, index into surface
  int64_t passes = 0;
  double seconds = 0;
  std::string backend_used, device_name, fallback_reason;
};

/// Solve the grid x_from…x_to (nx points) × fairness_from…fairness_to (ny points); the book is
/// prepared and uploaded once and each point warm-starts from its neighbour along the row.
ParetoResult pareto_surface(const Book& book, const OptimiseOptions& options, const std::string& sweep_x, double x_from,
                            double x_to, int nx, double fairness_from, double fairness_to, int ny,
                            const std::string& metric, const std::array<double, 3>& weights,
                            const SweepProgress& progress = {});

/// The surface as one JSON object (weights, TOPSIS choice, front, every point, backend facts) and its
/// chart (profit against retention, front coloured by disparity, the choice marked).
std::string pareto_json(const ParetoResult& result);
std::string pareto_svg(const ParetoResult& result);

/// DIR/pareto_surface.csv (every point), DIR/pareto_front.csv (non-dominated points), DIR/pareto.svg
/// and DIR/result.json, atomically, refusing to overwrite without force.
void write_pareto_outputs(const std::string& out_dir, const ParetoResult& result, bool force);

}  // namespace rateopt
