// The profit–retention–fairness Pareto surface: a grid over one constraint and
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

/// The grid: points_x limits of sweep_x over x_range × points_y values of fairness_max over
/// fairness_range (the disparity measure is the solve options' fairness_metric), and the TOPSIS
/// weights of (profit, retention, disparity).
struct ParetoOptions {
  std::optional<SweptConstraint> sweep_x;  ///< required
  std::optional<Range> x_range;            ///< required
  std::optional<Range> fairness_range;     ///< required
  int points_x = 5, points_y = 5;
  std::vector<double> topsis_weights{0.5, 0.3, 0.2};
  /// The weights: three finite numbers ≥ 0, not all 0; points_x·points_y ≤ kMaxSweepPoints.
  void validate() const;
};
template <class F>
void visit_options(ParetoOptions& o, F&& f) {
  f(required({"sweep_x", "constraint on the x axis"}), o.sweep_x);
  f(required({"x_range", "FROM:TO of the x constraint, e.g. 0.70:0.85"}), o.x_range);
  f(required({"fairness_range", "FROM:TO of fairness_max, e.g. 1.05:1.30"}), o.fairness_range);
  f(OptionRow{"points_x", "grid points along x", in_range(1, kMaxSweepPoints)}, o.points_x);
  f(OptionRow{"points_y", "grid points along fairness_max", in_range(1, kMaxSweepPoints)}, o.points_y);
  f(OptionRow{"topsis_weights", "weights of profit,retention,disparity", at_least(0)}, o.topsis_weights);
}

/// One grid point: the two limits and the answer's objectives.
struct ParetoPoint {
  double x_limit = 0;         ///< the swept constraint's limit (retention_min, lr_max or gwp_min)
  double fairness_limit = 0;  ///< fairness_max
  PointSummary summary;
  double disparity = 0;   ///< the fairness measure at the answer
  bool on_front = false;  ///< non-dominated among converged points
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
  SweptConstraint sweep_x = SweptConstraint::retention_min;
  FairnessMetric metric = FairnessMetric::premium_disparity;
  std::array<double, 3> weights{0.5, 0.3, 0.2};
  std::vector<ParetoPoint> surface;  ///< every grid point, fairness-major
  std::vector<size_t> front;         ///< indices into surface
  std::optional<size_t> choice;      ///< TOPSIS choice, index into surface
  int64_t passes = 0;
  double seconds = 0;
  std::string backend_used, device_name, fallback_reason;
  std::vector<std::string> warnings;  ///< the setup's, the same at every point (as FrontierResult's)
};

/// Solve the grid; the book is prepared and uploaded once and each point warm-starts from its
/// neighbour along the row.
ParetoResult pareto_surface(const BookView& book, const OptimiseOptions& options, const ParetoOptions& grid,
                            const SweepProgress& progress = {});

/// The surface as one JSON object (weights, TOPSIS choice, front, every point, backend facts) and its
/// chart (profit against retention, front coloured by disparity, the choice marked).
std::string pareto_json(const ParetoResult& result);
std::string pareto_svg(const ParetoResult& result);

/// DIR/pareto_surface.csv (every point), DIR/pareto_front.csv (non-dominated points), DIR/pareto.svg
/// and DIR/result.json, atomically, refusing to overwrite without force.
void write_pareto_outputs(const std::string& out_dir, const ParetoResult& result, bool force);

}  // namespace rateopt
