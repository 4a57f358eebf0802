// Ratebook mode's algorithm: a feasible start (an LP when θ = 0 breaks a linear constraint), then an
// augmented Lagrangian over the portfolio constraints whose inner problem, maximising the merit over the
// polytope of bounds, orders and per-policy boxes, takes Newton steps: each a dense QP over the θ with the
// exact Hessian made positive definite (|eigenvalues|), and a backtracking line search on the merit.
#include <omp.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <chrono>
#include <cmath>

#include "grid/coin.hpp"
#include "ratebook/ratebook_internal.hpp"
#include "ratebook/ratebook_solver.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

// ------------------------------------------------------------------ the merit

double RatebookMerit::value(const Vec& T) const {
  double v = problem.objective.value(T);
  for (size_t k = 0; k < problem.constraints.size(); ++k) {
    const double shifted = std::max(0.0, lambda[k] + mu * problem.constraints[k].value(T));
    v -= (shifted * shifted - lambda[k] * lambda[k]) / (2.0 * mu);
  }
  return v;
}

Vec RatebookMerit::multipliers(const Vec& T) const {
  Vec out(problem.constraints.size());
  for (size_t k = 0; k < problem.constraints.size(); ++k)
    out[k] = std::max(0.0, lambda[k] + mu * problem.constraints[k].value(T));
  return out;
}

Vec RatebookMerit::gradient(const Vec& T) const {
  Vec g = problem.objective.gradient(T);
  const Vec shifted = multipliers(T);
  for (size_t k = 0; k < problem.constraints.size(); ++k)
    if (shifted[k] > 0) g -= shifted[k] * problem.constraints[k].gradient(T);
  return g;
}

Mat RatebookMerit::hessian(const Vec& T) const {
  Mat H = Mat::Zero(problem.K, problem.K);
  problem.objective.add_hessian(T, 1.0, H);
  const Vec shifted = multipliers(T);
  for (size_t k = 0; k < problem.constraints.size(); ++k) {
    if (shifted[k] <= 0) continue;
    const ConstraintTerm& c = problem.constraints[k];
    c.add_hessian(T, -shifted[k], H);
    const Vec dg = c.gradient(T);
    H -= mu * dg * dg.transpose();
  }
  return H;
}

// ------------------------------------------------------------------ the solver

RatebookSolver::RatebookSolver(const Problem& problem, const RatebookVariables& variables, const RatebookCells& cells,
                               const BookView& book, const OptimiseOptions& options, const RatebookOptions& rb_options)
    : P_(problem),
      v_(variables),
      cells_(cells),
      book_(book),
      o_(options),
      rb_(rb_options),
      rows_(ratebook_rows(variables, cells)),
      merit_{problem, Vec::Zero(problem.constraints.size()), 10.0} {
  lo_ = Eigen::Map<const Vec>(v_.lo.data(), v_.size());
  hi_ = Eigen::Map<const Vec>(v_.hi.data(), v_.size());
  for (int j = 0; j < v_.size(); ++j)
    if (v_.fixed[j]) lo_[j] = hi_[j] = 0.0;
  theta_ = Vec::Zero(v_.size());
}

RatebookPass RatebookSolver::pass(const Vec& theta, const Vec* omega) {
  RatebookPass out;
  ratebook_pass(P_, cells_, book_, theta, omega, v_.size(), o_.threads, out);
  ++passes_;
  return out;
}

bool RatebookSolver::linear_constraints_hold(const Vec& theta, double slack) const {
  for (int j = 0; j < v_.size(); ++j)
    if (theta[j] < lo_[j] - slack || theta[j] > hi_[j] + slack) return false;
  for (int r = 0; r < rows_.size(); ++r)
    if (rows_.dot(r, theta) > rows_.rhs[r] + slack) return false;
  return true;
}

bool RatebookSolver::feasible_start(std::string& why_not) {
  if (linear_constraints_hold(theta_, 0.0)) return true;
  SparseProgram lp;
  lp.maximise = false;
  // Finite column bounds: CLP's dual simplex reported this feasibility problem infeasible with free columns.
  // No answer needs a relativity changed by a factor e^20.
  auto finite_or = [](double x) { return std::isfinite(x) ? x : (x > 0 ? 20.0 : -20.0); };
  for (int j = 0; j < v_.size(); ++j) lp.add_column(finite_or(lo_[j]), finite_or(hi_[j]), 0.0);
  for (int r = 0; r < rows_.size(); ++r) {
    const int row = lp.add_row(-kCoinInfinity, rows_.rhs[r]);
    for (int k = rows_.start[r]; k < rows_.start[r + 1]; ++k) lp.add(row, rows_.var[k], rows_.coef[k]);
  }
  const ProgramSolution s = solve_lp(lp);
  if (s.status != ProgramSolution::Status::optimal) {
    why_not =
        "no ratebook meets every per-policy bound, level bound and order at once (policies sharing every level "
        "need one multiplier change within all their boxes)";
    return false;
  }
  for (int j = 0; j < v_.size(); ++j) theta_[j] = std::clamp(s.x[j], lo_[j], hi_[j]);
  return true;
}

// B = −(Jᵀ H_T J + H_sep) with every eigenvalue replaced by max(|e|, floor): a descent metric where the
// Lagrangian is concave and a safe one where it is not (or where the gauge of base vs levels is flat).
Mat RatebookSolver::newton_metric(const RatebookPass& pass_out, const Vec& T) const {
  Mat H = pass_out.J.transpose() * merit_.hessian(T) * pass_out.J + pass_out.H;
  H = -0.5 * (H + H.transpose());
  const Eigen::SelfAdjointEigenSolver<Mat> eig(H);
  Vec e = eig.eigenvalues().cwiseAbs();
  const double floor = std::max(1e-8 * e.maxCoeff(), 1e-300);
  e = e.cwiseMax(floor);
  return eig.eigenvectors() * e.asDiagonal() * eig.eigenvectors().transpose();
}

BoxQp RatebookSolver::step_problem(const Mat& metric, const Vec& ascent) const {
  BoxQp qp;
  qp.B = metric;
  qp.c = -ascent;
  qp.lo = (lo_ - theta_).cwiseMin(0.0);
  qp.hi = (hi_ - theta_).cwiseMax(0.0);
  qp.pinned.assign(v_.fixed.begin(), v_.fixed.end());
  qp.rows = rows_;
  // Many per-policy rows are tight at once (every cell at the technical floor at the start): a degenerate
  // vertex on which the active-set method cycles.  Each row is relaxed by its own tiny amount (at most
  // 2e-10 in log multiplier over the whole solve, as the relaxation is measured from the original row);
  // the answer's multipliers are then put back inside their boxes, a change of that size.
  for (int r = 0; r < rows_.size(); ++r) {
    const double golden = 0.6180339887498949 * r;
    const double relax = 1e-10 * (1.0 + (golden - std::floor(golden)));
    qp.rows.rhs[r] = std::max(rows_.rhs[r] - rows_.dot(r, theta_) + relax, 0.0);
  }
  return qp;
}

bool RatebookSolver::newton_solve() {
  RatebookPass at = pass(theta_, nullptr);
  double value = merit_.value(at.T);
  for (int it = 0; it < rb_.max_newton_iterations && passes_ < o_.max_passes; ++it) {
    ++newton_iterations_;
    const Vec omega = merit_.gradient(at.T);
    const RatebookPass full = pass(theta_, &omega);
    const Vec ascent = full.J.transpose() * omega;
    const Mat metric = newton_metric(full, at.T);
    const BoxQpSolution step = solve_box_qp(step_problem(metric, ascent), 50 * (v_.size() + 10));
    const Vec& d = step.d;
    const double slope = ascent.dot(d);
    if (d.lpNorm<Eigen::Infinity>() <= 1e-12 || slope <= 1e-16 * (1.0 + std::fabs(value))) return true;
    double alpha = 1.0;
    bool accepted = false;
    // A step whose predicted gain is below the round-off of the merit's sums over the book cannot show
    // progress; halving further only spends passes.
    const double round_off = 1e-13 * (1.0 + std::fabs(value));
    for (int halving = 0; halving < 40 && !accepted && alpha * slope > round_off; ++halving, alpha *= 0.5) {
      const Vec trial = (theta_ + alpha * d).cwiseMax(lo_).cwiseMin(hi_);
      RatebookPass t = pass(trial, nullptr);
      const double trial_value = merit_.value(t.T);
      if (std::isfinite(trial_value) && trial_value >= value + 1e-4 * alpha * slope) {
        theta_ = trial;
        at = std::move(t);
        value = trial_value;
        accepted = true;
      }
    }
    if (!accepted) return slope <= 1e-10 * (1.0 + std::fabs(value)) || alpha * slope <= round_off;
    if (slope < 1e-14 * (1.0 + std::fabs(value))) return true;
  }
  return false;
}

double RatebookSolver::max_violation(const Vec& T) const {
  double worst = 0;
  for (const ConstraintTerm& c : P_.constraints) worst = std::max(worst, c.value(T));
  return worst;
}

void RatebookSolver::run() {
  const auto t0 = std::chrono::steady_clock::now();
  std::string why_not;
  if (!feasible_start(why_not)) {
    status_ = SolveStatus::infeasible;
    message_ = why_not;
    return;
  }
  double previous_violation = HUGE_VAL;
  for (outer_ = 1; outer_ <= o_.max_outer_iterations; ++outer_) {
    inner_converged_ = newton_solve();
    const Vec T = pass(theta_, nullptr).T;
    const double violation = max_violation(T);
    merit_.lambda = merit_.multipliers(T);
    if (P_.constraints.empty() || (violation <= 0.5 * o_.tolerance && inner_converged_)) break;
    if (violation > 0.25 * previous_violation) merit_.mu = std::min(merit_.mu * 10.0, 1e12);
    previous_violation = violation;
    if (passes_ >= o_.max_passes) {
      status_ = SolveStatus::max_iterations;
      message_ = "max_passes " + std::to_string(o_.max_passes) + " reached";
      break;
    }
    if (o_.time_limit &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > *o_.time_limit) {
      status_ = SolveStatus::time_limit;
      break;
    }
  }
  outer_ = std::min(outer_, o_.max_outer_iterations);
}

KktReport RatebookSolver::certify() {
  KktReport k;
  const Vec T = pass(theta_, nullptr).T;
  k.lambda = P_.constraints.empty() ? Vec() : merit_.lambda;
  // The Lagrangian's gradient with the final multipliers, and the linear constraints' multipliers that
  // best balance it: the QP of one more Newton step, whose d is ~0 at a KKT point.
  Vec omega = P_.objective.gradient(T);
  for (size_t c = 0; c < P_.constraints.size(); ++c) omega -= k.lambda[c] * P_.constraints[c].gradient(T);
  const RatebookPass full = pass(theta_, &omega);
  const Vec ascent = full.J.transpose() * omega;
  merit_.lambda = k.lambda;
  const BoxQpSolution step = solve_box_qp(step_problem(newton_metric(full, T), ascent), 50 * (v_.size() + 10));
  // stationarity: ascent = Σ ν_r a_r + z (the QP's multipliers), measured without its own step
  Vec residual = ascent - step.bound_multiplier;
  for (int r = 0; r < rows_.size(); ++r)
    for (int q = rows_.start[r]; q < rows_.start[r + 1]; ++q)
      residual[rows_.var[q]] -= step.row_multiplier[r] * rows_.coef[q];
  // the objective is scaled to order one (profit / Σ w·tc·x0), so the gradient is already relative
  k.stationarity = residual.lpNorm<Eigen::Infinity>();
  k.primal = std::max(0.0, max_violation(T));
  k.dual = std::min(0.0, step.row_multiplier.size() ? step.row_multiplier.minCoeff() : 0.0);
  for (int c = 0; c < k.lambda.size(); ++c) {
    k.dual = std::min(k.dual, k.lambda[c]);
    k.complementarity = std::max(k.complementarity, std::fabs(k.lambda[c] * P_.constraints[c].value(T)));
  }
  for (int r = 0; r < rows_.size(); ++r)
    k.complementarity =
        std::max(k.complementarity, std::fabs(step.row_multiplier[r] * (rows_.rhs[r] - rows_.dot(r, theta_))));
  k.bound_multiplier = step.bound_multiplier;
  k.row_multiplier = step.row_multiplier;
  k.T = T;
  return k;
}

}  // namespace rateopt
