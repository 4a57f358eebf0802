// optimise_ratebook(): check the inputs, build the variables and cells, solve, and report the answer in a
// solve's terms with the ratebook, its KKT residuals and the cost of the structure.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>

#include "optimise/backend/backend.hpp"
#include "optimise/solve_internal.hpp"
#include "ratebook/ratebook_solver.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/solve.hpp"

namespace rateopt {

namespace {

// Pulls the pair of neighbours back within δ of each other where round-off has them further apart,
// moving a level that is not held fixed; true if it moved one.
bool settle_smooth(const RatebookVariables& v, const RatebookVariables::Smooth& s, std::vector<double>& rel) {
  const double change_first = std::log(rel[s.first] / v.current[s.first]);
  const double change_second = std::log(rel[s.second] / v.current[s.second]);
  const double apart = change_second - change_first;
  // the tolerance absorbs the last bit of exp and log, so that a settled pair stays settled
  if (std::fabs(apart) <= s.delta + 1e-15) return false;
  const double limit = apart > 0 ? s.delta : -s.delta;
  if (!v.fixed[s.second])
    rel[s.second] = v.current[s.second] * std::exp(change_first + limit);
  else
    rel[s.first] = v.current[s.first] * std::exp(change_second - limit);
  return true;
}

// New relativities from θ: the bounds as given (factors on the current relativity), the orders and the
// smoothness limits hold exactly in the numbers written, not only in their logarithms.
std::vector<double> new_relativities(const RatebookVariables& v, const Vec& theta) {
  std::vector<double> rel(v.size());
  for (int j = 0; j < v.size(); ++j) {
    rel[j] = v.fixed[j] ? v.current[j] : v.current[j] * std::exp(theta[j]);
    if (!v.fixed[j]) rel[j] = std::clamp(rel[j], v.current[j] * v.lo_factor[j], v.current[j] * v.hi_factor[j]);
  }
  // θ meets the orders, smoothness limits and bounds to round-off; settle the last bits so that the
  // relativities do too, moving whichever side of an order its bound leaves room for
  for (int pass = 0; pass < 8; ++pass) {
    bool changed = false;
    for (const RatebookVariables::Smooth& s : v.smooth) changed |= settle_smooth(v, s, rel);
    for (const RatebookVariables::Order& o : v.orders) {
      if (rel[o.lower] <= rel[o.upper]) continue;
      const bool lower_can_fall = v.fixed[o.lower] == 0 && rel[o.upper] >= v.current[o.lower] * v.lo_factor[o.lower];
      if (lower_can_fall)
        rel[o.lower] = rel[o.upper];
      else
        rel[o.upper] = rel[o.lower];
      changed = true;
    }
    if (!changed) break;
  }
  return rel;
}

std::string binding_of(const RatebookVariables& v, const SparseRows& rows, const Vec& theta, int j) {
  if (v.fixed[j]) return "fixed";
  const double tight = 1e-10;
  if (theta[j] >= v.hi[j] - tight) return "upper";
  if (theta[j] <= v.lo[j] + tight) return "lower";
  for (size_t r = 0; r < v.orders.size(); ++r) {
    const RatebookVariables::Order& o = v.orders[r];
    if ((o.lower == j || o.upper == j) && rows.rhs[r] - rows.dot(static_cast<int>(r), theta) <= tight)
      return "monotone";
  }
  for (size_t k = 0; k < 2 * v.smooth.size(); ++k) {
    const RatebookVariables::Smooth& s = v.smooth[k / 2];
    const int r = static_cast<int>(v.orders.size() + k);
    if ((s.first == j || s.second == j) && rows.rhs[r] - rows.dot(r, theta) <= tight) return "smooth";
  }
  return "";
}

std::vector<RatebookLevel> level_table(const RatebookVariables& v, const KktReport& kkt, const SparseRows& rows,
                                       const Vec& theta, const std::vector<double>& rel, double money) {
  std::vector<RatebookLevel> out;
  for (int j = 0; j < v.size(); ++j) {
    RatebookLevel l;
    l.factor = v.factor[j];
    l.level = v.level[j];
    l.old_relativity = v.current[j];
    l.new_relativity = rel[j];
    l.change_pct = (rel[j] / v.current[j] - 1.0) * 100.0;
    l.binding = binding_of(v, rows, theta, j);
    l.policies = v.policies[j];
    l.bound_multiplier = kkt.bound_multiplier.size() ? kkt.bound_multiplier[j] * money : 0.0;
    out.push_back(l);
  }
  return out;
}

void enbp_evidence(const BookView& book, const OptimiseOptions& o, SolveResult& r) {
  const double buffer = o.enbp_buffer.value_or(0.0);
  for (size_t i = 0; i < book.size(); ++i) {
    if (!book.renewal_flag[i] || !std::isfinite(book.enbp[i])) continue;
    const double cap = book.enbp[i] * (1.0 - buffer);
    const double excess = r.multiplier[i] * book.technical_price[i] - cap;
    r.max_enbp_excess = r.max_enbp_excess ? std::max(*r.max_enbp_excess, excess) : excess;
    if (excess >= -1e-9 * cap) ++r.n_enbp_binding;
  }
}

// The answer's per-policy multipliers (each within its box, which a ratebook meets up to round-off) and
// portfolio, in a solve's terms.
void fill_solve_result(const Problem& P, const RatebookCells& cells, const BookView& book, const OptimiseOptions& o,
                       const Vec& theta_written, const Vec& T, RatebookResult& r) {
  SolveResult& s = r.solve;
  s.multiplier = ratebook_multipliers(cells, book, theta_written);
  s.lower_bound = P.policies.lb;
  s.upper_bound = P.policies.ub;
  // a ratebook meets every policy's box; this only removes round-off
  for (size_t i = 0; i < book.size(); ++i)
    s.multiplier[i] = std::clamp(s.multiplier[i], s.lower_bound[i], s.upper_bound[i]);
  store_portfolio_metrics(portfolio_metrics(P, T), s);
  s.n_policies = static_cast<int64_t>(book.size());
  enbp_evidence(book, o, s);
  s.backend_requested = to_string(o.device);
  s.backend_used = "cpu";
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  s.device_name = std::to_string(threads) + " CPU threads";
  if (o.device != Device::cpu) s.fallback_reason = "ratebook mode runs its passes on the CPU";
  s.dual_bound_note = "a ratebook answer: the per-policy solve's bound on every ratebook is in structure_cost";
}

void set_status(const RatebookSolver& solver, const KktReport& kkt, const OptimiseOptions& o, RatebookResult& r) {
  SolveResult& s = r.solve;
  double worst = 0;
  std::string worst_name;
  for (const ConstraintReport& c : s.constraints)
    if (c.relative_violation > worst) {
      worst = c.relative_violation;
      worst_name = to_string(c.kind);
    }
  std::ostringstream msg;
  s.status = solver.stopped_status();
  if (s.status == SolveStatus::infeasible) {
    msg << solver.stop_message();
  } else if (s.status == SolveStatus::max_iterations) {
    msg << solver.stop_message();
  } else if (s.status == SolveStatus::time_limit) {
    msg << "time limit of " << *o.time_limit << " s reached";
  } else if (worst > o.tolerance) {
    s.status = SolveStatus::max_iterations;  // not proven infeasible: say what was reached
    msg << worst_name << " is not met by any ratebook the solver found (relative violation " << worst << ")";
  } else if (kkt.stationarity > 1e-6) {
    s.status = SolveStatus::max_iterations;
    msg << "stopped before the ratebook was optimal (stationarity " << kkt.stationarity << ")";
  } else {
    msg << "every per-policy bound, level bound, order and constraint holds; the ratebook is optimal "
           "(stationarity "
        << kkt.stationarity << ")";
  }
  s.converged = s.status == SolveStatus::converged;
  // a limit no ratebook was found to meet has no price: its multiplier only grew with the penalty
  if (worst > o.tolerance)
    for (ConstraintReport& c : s.constraints) c.shadow_price = 0.0;
  s.message = msg.str();
}

void structure_cost(const BookView& book, const OptimiseOptions& o, const RatebookOptions& rb, RatebookResult& r) {
  if (!rb.structure_cost || o.objective != Objective::profit || r.solve.status == SolveStatus::infeasible) return;
  const SolveResult per_policy = optimise(book, o);
  r.per_policy_status = to_string(per_policy.status);
  r.per_policy_profit = per_policy.expected_profit;
  r.per_policy_bound = per_policy.dual_bound;
  if (per_policy.dual_bound && r.solve.converged) r.structure_cost = *per_policy.dual_bound - r.solve.expected_profit;
  r.solve.dual_bound = per_policy.dual_bound;
  if (per_policy.dual_bound)
    r.solve.optimality_gap = (*per_policy.dual_bound - r.solve.expected_profit) / std::fabs(*per_policy.dual_bound);
}

// caps = after: every policy's multiplier put inside its box with the caps, and the book measured again
// (no shadow prices: capping is not an optimum of anything).
void cap_after(const BookView& book, const OptimiseOptions& options, RatebookResult& r) {
  OptimiseOptions on_cpu = options;
  on_cpu.device = Device::cpu;
  SolveResult setup;
  const Problem problem = prepare_problem(book, on_cpu, setup);
  SolveResult capped = r.solve;
  capped.lower_bound = problem.policies.lb;
  capped.upper_bound = problem.policies.ub;
  for (size_t i = 0; i < book.size(); ++i) {
    const double m = r.solve.multiplier[i];
    capped.multiplier[i] = std::clamp(m, capped.lower_bound[i], capped.upper_bound[i]);
    r.n_capped_down += capped.multiplier[i] < m;
    r.n_capped_up += capped.multiplier[i] > m;
  }
  const std::unique_ptr<Backend> backend = choose_backend(on_cpu, problem.policies, setup);
  backend->set_multipliers(capped.multiplier);
  PassSums sums;
  backend->evaluate(sums);
  const Vec T = Eigen::Map<const Vec>(sums.T.data(), static_cast<Eigen::Index>(sums.T.size()));
  store_portfolio_metrics(portfolio_metrics(problem, T), capped);
  capped.constraints =
      report_constraints(problem, options, T, std::vector<double>(problem.constraints.size(), 0.0), options.tolerance);
  capped.n_bound_conflicts = setup.n_bound_conflicts;
  capped.n_renewals_with_enbp = setup.n_renewals_with_enbp;
  capped.n_enbp_binding = 0;
  capped.max_enbp_excess.reset();
  enbp_evidence(book, options, capped);
  r.capped = std::move(capped);
  // the ratebook was solved on a book without ENBPs: measure it against them too, before capping
  r.solve.n_renewals_with_enbp = setup.n_renewals_with_enbp;
  r.solve.n_enbp_binding = 0;
  r.solve.max_enbp_excess.reset();
  enbp_evidence(book, options, r.solve);
}

RatebookResult solve_ratebook(const BookView& book, const FactorColumns& factors, const Ratebook& ratebook,
                              const OptimiseOptions& options, const RatebookOptions& ratebook_options) {
  RatebookResult r;
  const std::vector<std::vector<int32_t>> levels = assign_levels(book, factors, ratebook);
  const RatebookVariables variables = ratebook_variables(ratebook, levels, ratebook_options);
  const Problem problem = prepare_problem(book, options, r.solve);
  const RatebookCells cells = build_cells(levels, variables, problem, book);
  r.n_cells = cells.size();

  RatebookSolver solver(problem, variables, cells, book, options, ratebook_options);
  solver.run();
  const KktReport kkt = solver.certify();
  const std::vector<double> rel = new_relativities(variables, solver.theta());
  Vec written(variables.size());
  for (int j = 0; j < variables.size(); ++j) written[j] = std::log(rel[j] / variables.current[j]);
  const Vec T = solver.pass(written, nullptr).T;
  fill_solve_result(problem, cells, book, options, written, T, r);
  r.levels = level_table(variables, kkt, solver.rows(), solver.theta(), rel, problem.objective.scale);
  r.solve.constraints = report_constraints(
      problem, options, T, std::vector<double>(kkt.lambda.data(), kkt.lambda.data() + kkt.lambda.size()),
      options.tolerance);
  r.kkt_stationarity = kkt.stationarity;
  r.kkt_primal = kkt.primal;
  r.kkt_complementarity = kkt.complementarity;
  r.kkt_dual = kkt.dual;
  r.solve.lagrangian_stationarity = kkt.stationarity;
  r.solve.outer_iterations = solver.outer_iterations();
  r.solve.inner_iterations = r.newton_iterations = solver.newton_iterations();
  r.solve.passes = solver.passes();
  set_status(solver, kkt, options, r);
  structure_cost(book, options, ratebook_options, r);
  return r;
}

}  // namespace

RatebookResult optimise_ratebook(const BookView& book, const FactorColumns& factors, const Ratebook& ratebook,
                                 const OptimiseOptions& options, const RatebookOptions& ratebook_options) {
  const auto t0 = std::chrono::steady_clock::now();
  options.validate();
  ratebook_options.validate();
  book.validate();
  RatebookResult r;
  if (ratebook_options.caps == CapsMode::constraints) {
    r = solve_ratebook(book, factors, ratebook, options, ratebook_options);
  } else {
    // the ratebook, and the per-policy bound on it, without the caps: no rate-change limit and no ENBP
    OptimiseOptions uncapped = options;
    uncapped.max_rate_change.reset();
    uncapped.enbp_buffer.reset();
    const std::vector<double> no_enbp(book.size(), std::numeric_limits<double>::quiet_NaN());
    BookView without_enbp = book;
    without_enbp.enbp = no_enbp;
    without_enbp.has_enbp = false;
    r = solve_ratebook(without_enbp, factors, ratebook, uncapped, ratebook_options);
    if (r.solve.status != SolveStatus::infeasible) cap_after(book, options, r);
  }
  r.solve.seconds_total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace rateopt
