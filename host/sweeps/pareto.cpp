// The Pareto surface (SPEC §2): grid solves, dominance, TOPSIS.
#include "rateopt/pareto.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "optimise/problem.hpp"
#include "optimise/solve_internal.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

std::vector<size_t> non_dominated(const std::vector<ParetoObjectives>& p, const std::vector<bool>& usable) {
  // Objectives closer than the solver's own tolerance are equal: two grid points that reach the same
  // answer (a fairness limit that does not bind) differ only in round-off and must not dominate each other.
  auto tol = [](double x, double y) { return kParetoTolerance * std::max(std::fabs(x), std::fabs(y)); };
  auto at_least = [&](double x, double y) { return x >= y - tol(x, y); };  // x no worse than y (maximised)
  auto above = [&](double x, double y) { return x > y + tol(x, y); };      // x strictly better
  std::vector<size_t> front;
  for (size_t a = 0; a < p.size(); ++a) {
    if (!usable[a]) continue;
    bool dominated = false;
    for (size_t b = 0; b < p.size() && !dominated; ++b) {
      if (b == a || !usable[b]) continue;
      const bool no_worse = at_least(p[b].profit, p[a].profit) && at_least(p[b].retention, p[a].retention) &&
                            at_least(-p[b].disparity, -p[a].disparity);
      const bool better = above(p[b].profit, p[a].profit) || above(p[b].retention, p[a].retention) ||
                          above(-p[b].disparity, -p[a].disparity);
      dominated = no_worse && better;
    }
    if (!dominated) front.push_back(a);
  }
  return front;
}

std::optional<size_t> topsis_choice(const std::vector<ParetoObjectives>& p, const std::vector<size_t>& candidates,
                                    const std::array<double, 3>& weights) {
  if (candidates.empty()) return std::nullopt;
  auto value = [&](size_t i, int k) { return k == 0 ? p[i].profit : k == 1 ? p[i].retention : p[i].disparity; };
  // benefit-oriented, weighted, min-max normalised columns
  std::array<double, 3> lo, hi;
  for (int k = 0; k < 3; ++k) {
    lo[k] = hi[k] = value(candidates[0], k);
    for (size_t i : candidates) {
      lo[k] = std::min(lo[k], value(i, k));
      hi[k] = std::max(hi[k], value(i, k));
    }
  }
  auto score_of = [&](size_t i) {
    double d_ideal = 0, d_anti = 0;
    for (int k = 0; k < 3; ++k) {
      double v = hi[k] > lo[k] ? (value(i, k) - lo[k]) / (hi[k] - lo[k]) : 0.0;
      if (k == 2) v = hi[k] > lo[k] ? 1.0 - v : 0.0;  // disparity is minimised
      // after normalising, the ideal is weight·1 and the anti-ideal weight·0 (or both 0 on a flat column)
      const double ideal = hi[k] > lo[k] ? weights[k] : 0.0;
      d_ideal += (weights[k] * v - ideal) * (weights[k] * v - ideal);
      d_anti += (weights[k] * v) * (weights[k] * v);
    }
    d_ideal = std::sqrt(d_ideal);
    d_anti = std::sqrt(d_anti);
    return d_ideal + d_anti > 0 ? d_anti / (d_ideal + d_anti) : 0.0;
  };
  size_t best = candidates[0];
  double best_score = score_of(best);
  for (size_t i : candidates) {
    const double s = score_of(i);
    if (s > best_score) {
      best_score = s;
      best = i;
    }
  }
  return best;
}

void ParetoOptions::validate() const {
  check_option_bounds(*this);
  if (topsis_weights.size() != 3)
    throw InputError("option topsis_weights must be three numbers: profit,retention,disparity");
  if (topsis_weights[0] == 0 && topsis_weights[1] == 0 && topsis_weights[2] == 0)
    throw InputError("option topsis_weights = 0,0,0: at least one weight must be > 0 (TOPSIS needs something to rank)");
  if (static_cast<int64_t>(points_x) * points_y > kMaxSweepPoints)
    throw InputError("option points_x × points_y = " + std::to_string(static_cast<int64_t>(points_x) * points_y) +
                     " grid points; at most " + std::to_string(kMaxSweepPoints) + " solves a surface");
}

ParetoResult pareto_surface(const BookView& book, const OptimiseOptions& options, const ParetoOptions& grid,
                            const SweepProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  ParetoResult out = pareto_surface_rows(book, options, grid, 0, grid.points_y, progress);
  pareto_choose(out);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

ParetoResult pareto_surface_rows(const BookView& book, const OptimiseOptions& options, const ParetoOptions& grid,
                                 int first_row, int end_row, const SweepProgress& progress) {
  grid.validate();
  const SweptConstraint sweep_x = *grid.sweep_x;
  const double x_from = grid.x_range->from, x_to = grid.x_range->to;
  const double fairness_from = grid.fairness_range->from, fairness_to = grid.fairness_range->to;
  const int nx = grid.points_x, ny = grid.points_y;
  auto at = [&](double x, double f) {
    OptimiseOptions o = with_constraint_limit(options, sweep_x, x);
    o.fairness_max = f;
    return o;
  };
  for (double x : {x_from, x_to})
    for (double f : {fairness_from, fairness_to}) at(x, f).validate();
  book.validate();

  const auto start = std::chrono::steady_clock::now();
  ParetoResult out;
  out.sweep_x = sweep_x;
  out.metric = options.fairness_metric;
  out.weights = {grid.topsis_weights[0], grid.topsis_weights[1], grid.topsis_weights[2]};
  if (first_row >= end_row) return out;
  SolveResult setup;
  Problem problem = prepare_problem(book, at(x_from, fairness_from), setup);
  out.warnings = sweep_setup_warnings(book, problem, setup, sweep_x);
  const auto backend = choose_backend(options, problem.policies, setup);
  out.backend_used = setup.backend_used;
  out.device_name = setup.device_name;
  out.fallback_reason = setup.fallback_reason;
  out.surface.resize(static_cast<size_t>(nx) * (end_row - first_row));
  int done = 0;
  for (int r = first_row; r < end_row; ++r) {
    std::vector<double> lambda;  // warm start along the row (snake order keeps neighbours adjacent)
    for (int step = 0; step < nx; ++step) {
      const int c = r % 2 == 0 ? step : nx - 1 - step;
      ParetoPoint& pt = out.surface[static_cast<size_t>(r - first_row) * nx + c];
      pt.x_limit = nx == 1 ? x_from : x_from + (x_to - x_from) * c / (nx - 1);
      pt.fairness_limit = ny == 1 ? fairness_from : fairness_from + (fairness_to - fairness_from) * r / (ny - 1);
      const std::vector<double> warm = lambda;
      const SweepPointSolve solved =
          solve_sweep_point(problem, book, *backend, at(pt.x_limit, pt.fairness_limit), warm, lambda);
      pt.summary = solved.summary();
      for (const ConstraintReport& cr : solved.result.constraints)
        if (cr.kind == ConstraintKind::fairness_max) pt.disparity = cr.value;
      if (progress) progress(++done, nx * (end_row - first_row));
    }
  }
  out.passes = backend->passes();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

void pareto_choose(ParetoResult& out) {
  std::vector<ParetoObjectives> objectives;
  std::vector<bool> usable;
  for (const ParetoPoint& p : out.surface) {
    const PointSummary& s = p.summary;
    objectives.push_back({s.profit, std::isfinite(s.retention) ? s.retention : 0.0, p.disparity});
    usable.push_back(s.converged);
  }
  out.front = non_dominated(objectives, usable);
  for (size_t i : out.front) out.surface[i].on_front = true;
  out.choice = topsis_choice(objectives, out.front, out.weights);
}

}  // namespace rateopt
