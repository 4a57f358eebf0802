// The efficient frontier (SPEC §2): one prepared book, one backend, warm-started points.
#include "rateopt/sweep.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "optimise/problem.hpp"
#include "rateopt/errors.hpp"
#include "optimise/solve_internal.hpp"
#include "optimise/solver.hpp"

namespace rateopt {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

OptimiseOptions with_limit(const OptimiseOptions& base, const std::string& sweep, double limit) {
  OptimiseOptions o = base;
  if (sweep == "retention_min") o.retention_min = limit;
  if (sweep == "gwp_min") o.gwp_min = limit;
  if (sweep == "lr_max") o.lr_max = limit;
  return o;
}

// Whether two multiplier vectors are non-empty, of one size, and positive on the same constraints:
// between such points the multipliers are smooth in the limit and extrapolate quadratically well.
bool same_active_set(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || a.size() != b.size()) return false;
  for (size_t c = 0; c < a.size(); ++c)
    if ((a[c] > 0) != (b[c] > 0)) return false;
  return true;
}

}  // namespace

SweepPointSolve solve_sweep_point(Problem& problem, const Book& book, Backend& backend, const OptimiseOptions& options,
                                  const std::vector<double>& start_lambda, std::vector<double>& lambda) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t passes_before = backend.passes();
  SweepPointSolve out;
  build_constraints(problem, book, options, out.result);
  run_solver(problem, backend, options, out.result, start_lambda.empty() ? nullptr : &start_lambda, &lambda);
  if (out.result.status != SolveStatus::converged) lambda.clear();
  out.passes = backend.passes() - passes_before;
  out.seconds = seconds_since(t0);
  return out;
}

FrontierResult efficient_frontier(const Book& book, const OptimiseOptions& options, const std::string& sweep,
                                  double from, double to, int points, const SweepProgress& progress) {
  return efficient_frontier_points(book, options, sweep, from, to, points, 0, points, progress);
}

FrontierResult efficient_frontier_points(const Book& book, const OptimiseOptions& options, const std::string& sweep,
                                         double from, double to, int points, int first, int end,
                                         const SweepProgress& progress) {
  if (sweep != "retention_min" && sweep != "gwp_min" && sweep != "lr_max")
    throw InputError("option sweep = \"" + sweep + "\" must be one of retention_min|gwp_min|lr_max");
  if (points < 2) throw InputError("option points = " + std::to_string(points) + " must be at least 2");
  if (!std::isfinite(from) || !std::isfinite(to)) throw InputError("option from/to must be finite numbers");
  // Both ends carry every rule of a single solve (e.g. lr_min < lr_max, retention in (0,1]).
  with_limit(options, sweep, from).validate();
  with_limit(options, sweep, to).validate();
  book.validate();

  const auto start = std::chrono::steady_clock::now();
  FrontierResult out;
  out.sweep = sweep;
  if (first >= end) return out;
  SolveResult setup;
  Problem problem = prepare_problem(book, with_limit(options, sweep, from), setup);
  const auto backend = choose_backend(options, problem.policies, setup);

  out.points.reserve(static_cast<size_t>(end - first));  // `infeasible` points into it
  out.backend_used = setup.backend_used;
  out.device_name = setup.device_name;
  out.fallback_reason = setup.fallback_reason;
  // Each point starts from multipliers extrapolated from its predecessors: quadratically from three
  // with one active set (a smooth stretch of the frontier), else linearly from two, else its
  // neighbour's.  Measured on the 1e5 benchmark frontier: 58 passes with linear, 53 with quadratic.
  std::vector<double> lambda, previous, before;
  // Moving a floor up or lr_max down only tightens the problem: past a proven-infeasible point every
  // later point is infeasible too, and is reported so without a solve.
  const bool tightening = sweep == "lr_max" ? to < from : to > from;
  const FrontierPoint* infeasible = nullptr;
  for (int k = first; k < end; ++k) {
    if (infeasible) {
      FrontierPoint pt = *infeasible;
      pt.epsilon = from + (to - from) * k / (points - 1);
      pt.message = "infeasible: stricter than the infeasible point " + std::to_string(infeasible->epsilon);
      pt.passes = 0;
      pt.seconds = 0;
      out.points.push_back(pt);
      if (progress) progress(k + 1 - first, end - first);
      continue;
    }
    std::vector<double> start_lambda = lambda;
    if (same_active_set(lambda, previous) && same_active_set(previous, before))
      for (size_t c = 0; c < lambda.size(); ++c)
        start_lambda[c] = std::max(0.0, 3.0 * lambda[c] - 3.0 * previous[c] + before[c]);
    else if (!lambda.empty() && previous.size() == lambda.size())
      for (size_t c = 0; c < lambda.size(); ++c) start_lambda[c] = std::max(0.0, 2.0 * lambda[c] - previous[c]);
    before = previous;
    previous = lambda;
    FrontierPoint pt;
    pt.epsilon = from + (to - from) * k / (points - 1);
    const SweepPointSolve solved =
        solve_sweep_point(problem, book, *backend, with_limit(options, sweep, pt.epsilon), start_lambda, lambda);
    const SolveResult& r = solved.result;
    pt.status = r.status;
    pt.converged = r.converged;
    pt.message = r.message;
    pt.profit = r.expected_profit;
    pt.gwp = r.expected_gwp;
    pt.loss_ratio = r.expected_loss_ratio;
    pt.retention = r.expected_retention;
    pt.optimality_gap = r.optimality_gap;
    for (const ConstraintReport& c : r.constraints)
      if (c.name == sweep) {
        pt.shadow_price = c.shadow_price;
        pt.shadow_price_unit = c.shadow_price_unit;
      }
    pt.passes = solved.passes;
    pt.seconds = solved.seconds;
    out.points.push_back(pt);
    if (tightening && pt.status == SolveStatus::infeasible) infeasible = &out.points.back();
    if (progress) progress(k + 1 - first, end - first);
  }
  out.passes = backend->passes();
  out.seconds = seconds_since(start);
  return out;
}

}  // namespace rateopt
