// The efficient frontier (SPEC §2): one prepared book, one backend, warm-started points.
#include "rateopt/sweep.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "optimise/problem.hpp"
#include "optimise/solve_internal.hpp"
#include "optimise/solver.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
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

ConstraintKind constraint_kind(SweptConstraint c) {
  switch (c) {
    case SweptConstraint::retention_min:
      return ConstraintKind::retention_min;
    case SweptConstraint::gwp_min:
      return ConstraintKind::gwp_min;
    case SweptConstraint::lr_max:
      break;
  }
  return ConstraintKind::lr_max;
}

std::optional<double> constraint_limit(const OptimiseOptions& options, SweptConstraint c) {
  switch (c) {
    case SweptConstraint::retention_min:
      return options.retention_min;
    case SweptConstraint::gwp_min:
      return options.gwp_min;
    case SweptConstraint::lr_max:
      return options.lr_max;
  }
  return std::nullopt;
}

OptimiseOptions with_constraint_limit(OptimiseOptions options, SweptConstraint c, double limit) {
  switch (c) {
    case SweptConstraint::retention_min:
      options.retention_min = limit;
      break;
    case SweptConstraint::gwp_min:
      options.gwp_min = limit;
      break;
    case SweptConstraint::lr_max:
      options.lr_max = limit;
      break;
  }
  return options;
}

PointSummary point_summary(const SolveResult& r, int64_t passes, double seconds) {
  PointSummary s;
  s.status = r.status;
  s.converged = r.converged;
  s.message = r.message;
  s.profit = r.expected_profit;
  s.gwp = r.expected_gwp;
  s.loss_ratio = r.expected_loss_ratio;
  s.retention = r.expected_retention;
  s.optimality_gap = r.optimality_gap;
  s.passes = passes;
  s.seconds = seconds;
  return s;
}

SweepPointSolve solve_sweep_point(Problem& problem, const BookView& book, Backend& backend,
                                  const OptimiseOptions& options, const std::vector<double>& start_lambda,
                                  std::vector<double>& lambda) {
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

FrontierResult efficient_frontier(const BookView& book, const OptimiseOptions& options, const FrontierOptions& frontier,
                                  const SweepProgress& progress) {
  return efficient_frontier_points(book, options, frontier, 0, frontier.points, progress);
}

FrontierResult efficient_frontier_points(const BookView& book, const OptimiseOptions& options,
                                         const FrontierOptions& frontier, int first, int end,
                                         const SweepProgress& progress) {
  check_option_bounds(frontier);
  const SweptConstraint sweep = *frontier.sweep;
  const double from = *frontier.from, to = *frontier.to;
  const int points = frontier.points;
  const auto with_limit = [&](double limit) { return with_constraint_limit(options, sweep, limit); };
  // Both ends carry every rule of a single solve (e.g. lr_min < lr_max, retention in (0,1]).
  with_limit(from).validate();
  with_limit(to).validate();
  book.validate();

  const auto start = std::chrono::steady_clock::now();
  FrontierResult out;
  out.sweep = sweep;
  if (first >= end) return out;
  SolveResult setup;
  Problem problem = prepare_problem(book, with_limit(from), setup);
  out.warnings = sweep_setup_warnings(book, problem, setup, sweep);
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
  const bool tightening = sweep == SweptConstraint::lr_max ? to < from : to > from;
  const FrontierPoint* infeasible = nullptr;
  for (int k = first; k < end; ++k) {
    if (infeasible) {
      FrontierPoint pt = *infeasible;
      pt.epsilon = from + (to - from) * k / (points - 1);
      pt.summary.message = "infeasible: stricter than the infeasible point " + std::to_string(infeasible->epsilon);
      pt.summary.passes = 0;
      pt.summary.seconds = 0;
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
        solve_sweep_point(problem, book, *backend, with_limit(pt.epsilon), start_lambda, lambda);
    pt.summary = solved.summary();
    for (const ConstraintReport& c : solved.result.constraints)
      if (c.kind == constraint_kind(sweep)) {
        pt.shadow_price = c.shadow_price;
        pt.shadow_price_unit = c.shadow_price_unit;
      }
    out.points.push_back(pt);
    if (tightening && pt.summary.status == SolveStatus::infeasible) infeasible = &out.points.back();
    if (progress) progress(k + 1 - first, end - first);
  }
  out.passes = backend->passes();
  out.seconds = seconds_since(start);
  return out;
}

}  // namespace rateopt
