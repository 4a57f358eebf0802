// The portfolio algorithm (see solver.hpp).  Every quantity here is a function of the basis sums T
// and the few constraint multipliers; the per-policy work happens in the backend, one pass at a time.
#include "optimise/solver.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

namespace rateopt {
namespace {

namespace b = math::basis;

Vec to_vec(const std::vector<double>& v) {
  return Eigen::Map<const Vec>(v.data(), static_cast<Eigen::Index>(v.size()));
}
std::vector<double> to_std(const Vec& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

// Why a phase stopped early.
enum class Stop { none, time_limit, pass_limit, numerical };

class Solver {
 public:
  Solver(const Problem& P, Backend& be, const OptimiseOptions& o, SolveResult& res)
      : P_(P),
        be_(be),
        o_(o),
        res_(res),
        K_(P.K),
        nc_(static_cast<int>(P.constraints.size())),
        start_(std::chrono::steady_clock::now()),
        passes_before_(be.passes()) {
    // Internal targets are tighter than the user's tolerance so that the natural-unit check passes.
    feas_tol_ = std::min(1e-11, 1e-2 * o.tolerance);
  }

  void solve(const std::vector<double>* warm_lambda) {
    // The dual phase needs no starting point; the non-separable linearisation starts at the lower
    // bounds, where every price is as close to technical as the options allow.
    be_.set_multipliers(P_.policies.lb);
    lambda_.assign(nc_, 0.0);
    if (warm_lambda && warm_lambda->size() == static_cast<size_t>(nc_)) lambda_ = *warm_lambda;

    const double t0 = seconds();
    if (!P_.separable) evaluate();
    dual_phase();
    res_.seconds_dual = seconds() - t0;

    const double t1 = seconds();
    // A dual that ran away usually means no point meets every constraint: try to prove it before
    // spending the augmented-Lagrangian iterations.
    if (dual_diverged_ && stop_ == Stop::none) {
      std::ostringstream proof;
      if (diagnose_infeasible(proof)) infeasibility_proof_ = proof.str();
    }
    // A separable problem whose dual Newton converged is already at an exact KKT point: every
    // policy at its global Lagrangian maximum, constraints met, multipliers complementary.
    exact_dual_ = P_.separable && dual_converged_ && o_.n_restarts == 0;
    if (stop_ == Stop::none && infeasibility_proof_.empty() && !exact_dual_) al_phase(lambda_, /*record=*/true);
    restarts();
    res_.seconds_al = seconds() - t1;

    const double t2 = seconds();
    certify();
    res_.seconds_certify = seconds() - t2;
  }

  const std::vector<double>& multipliers() const { return lambda_; }

 private:
  // ------------------------------------------------------------------ small helpers
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

  /// Passes of this solve: max_passes limits each solve, not a sweep's backend over all its points.
  int64_t passes() const { return be_.passes() - passes_before_; }

  bool out_of_budget() {
    if (stop_ != Stop::none) return true;
    if (o_.time_limit && seconds() > *o_.time_limit) stop_ = Stop::time_limit;
    if (passes() >= o_.max_passes) stop_ = Stop::pass_limit;
    return stop_ != Stop::none;
  }

  void evaluate() {
    PassSums s;
    be_.evaluate(s);
    T_ = to_vec(s.T);
  }

  Vec constraint_values(const Vec& T) const {
    Vec g(nc_);
    for (int k = 0; k < nc_; ++k) g[k] = P_.constraints[k].value(T);
    return g;
  }

  static double max_violation(const Vec& g) { return g.size() ? std::max(0.0, g.maxCoeff()) : 0.0; }

  /// Prices of the Lagrangian F0 − Σ λ_k g_k at T (exact for linear terms).
  Vec lagrangian_prices(const Vec& T, const std::vector<double>& lambda) const {
    Vec w = P_.objective.gradient(T);
    for (int k = 0; k < nc_; ++k)
      if (lambda[k] != 0.0) w -= lambda[k] * P_.constraints[k].gradient(T);
    return w;
  }

  void record(const char* phase, int it, double penalty, double stationarity) {
    IterationRecord r;
    r.phase = phase;
    r.iteration = it;
    const PortfolioMetrics pm = portfolio_metrics(P_, T_);
    r.objective = P_.objective.profit ? pm.profit : pm.loss_ratio;
    r.max_violation = max_violation(constraint_values(T_));
    r.penalty = penalty;
    r.stationarity = stationarity;
    r.passes = passes();
    r.seconds = seconds();
    res_.iterations.push_back(r);
  }

  // ------------------------------------------------------------------ phase 1: dual Newton
  // For fixed multipliers the Lagrangian separates into one 1-D problem per policy, maximised
  // globally by the backend.  The dual D(λ) = Σ max_m h_i + λ·b is convex with gradient −g(T(λ)) and
  // Hessian V·(Σ j jᵀ/(−h''))·Vᵀ, so Newton on λ ≥ 0 needs one pass per step.
  // A non-separable problem (stochastic LR, loss-ratio disparity, loss-ratio objective) is solved as
  // a sequence of such problems, each linearised at the last answer; for stochastic LR the
  // linearisation of √V over-estimates it, so every round's answer is feasible and no worse.
  void dual_phase() {
    Vec lam = to_vec(lambda_);
    const int rounds = P_.separable ? 1 : 12;
    int steps = 0;
    for (int round = 0; round < rounds && stop_ == Stop::none && !dual_diverged_; ++round) {
      const Vec T_before = T_;
      steps += dual_newton(lam, P_.separable ? 40 : 15);
      if (T_before.size() == T_.size() && (T_ - T_before).cwiseAbs().maxCoeff() <= 1e-13 * T_.cwiseAbs().maxCoeff())
        break;
    }
    res_.dual_iterations = steps;
    lambda_ = to_std(lam);
    dual_lambda_ = lambda_;
  }

  // Damped Newton on the dual of the problem linearised at T_ (exact when separable).  Returns the
  // number of steps; leaves the multipliers at the last accepted point's argmax, T_ and lam updated.
  int dual_newton(Vec& lam, int max_steps) {
    Mat V(nc_, K_);
    Vec rhs(nc_);
    const Vec T0 = T_.size() ? T_ : Vec::Zero(K_);
    const Vec f = P_.objective.gradient(T0);
    for (int k = 0; k < nc_; ++k) {
      const Vec grad = P_.constraints[k].gradient(T0);
      V.row(k) = grad.transpose();
      rhs[k] = P_.constraints[k].is_linear() ? P_.constraints[k].b : grad.dot(T0) - P_.constraints[k].value(T0);
    }
    auto dual_value = [&](const Vec& l, PassSums& s) {
      const Vec omega = f - V.transpose() * l;
      be_.lagrangian_argmax(to_std(omega), /*want_curvature=*/true, s);
      return s.h_sum + l.dot(rhs);
    };

    PassSums& cur = dual_sums_;
    double& D = dual_value_;
    dual_converged_ = false;
    D = dual_value(lam, cur);
    be_.accept_trial();
    T_ = to_vec(cur.T);
    int it = 0, stalled = 0;
    double gamma = 1.0;  // curvature scale from the secant safeguard below
    double best_err = std::numeric_limits<double>::infinity();
    for (; it < max_steps && !out_of_budget(); ++it) {
      const Vec g = V * T_ - rhs;  // linearised constraints at T(λ)
      double err = 0;
      for (int k = 0; k < nc_; ++k) err = std::max(err, lam[k] > 0 ? std::fabs(g[k]) : std::max(g[k], 0.0));
      record("dual", it, 0.0, err);
      if (!std::isfinite(D)) {
        stop_ = Stop::numerical;
        break;
      }
      if (err <= 0.1 * feas_tol_) {
        dual_converged_ = true;
        break;
      }
      // A dual that keeps falling without the violation shrinking is heading to −∞: the
      // constraints cannot hold together.  Hand over (the certificate step diagnoses it).
      stalled = err < 0.9 * best_err ? 0 : stalled + 1;
      best_err = std::min(best_err, err);
      if (stalled >= 5 || lam.maxCoeff() > 1e10) {
        dual_diverged_ = true;
        break;
      }

      // Newton step on the free multipliers (positive, or at zero with a violated constraint).
      std::vector<int> F;
      for (int k = 0; k < nc_; ++k)
        if (lam[k] > 0 || g[k] > 0) F.push_back(k);
      const Eigen::Map<const Mat> M(cur.curvature.data(), K_, K_);
      Mat VF(F.size(), K_);
      Vec gF(F.size());
      for (size_t a = 0; a < F.size(); ++a) {
        VF.row(a) = V.row(F[a]);
        gF[a] = g[F[a]];
      }
      Mat Hd = gamma * (VF * M * VF.transpose());
      const double reg = 1e-12 * (Hd.trace() / std::max<size_t>(1, F.size())) + 1e-300;
      Hd.diagonal().array() += reg;
      const Vec stepF = Hd.ldlt().solve(gF);
      Vec step = Vec::Zero(nc_);
      for (size_t a = 0; a < F.size(); ++a) step[F[a]] = stepF[a];
      // Where few policies sit inside their boxes the curvature is nearly singular and the Newton
      // step meaningless: keep each step within a trust region of the multipliers' own size
      // (constraints and objective are scaled to order one, so are the multipliers).
      const double trust = std::max(1.0, 10.0 * lam.maxCoeff());
      const double longest = step.cwiseAbs().maxCoeff();
      if (!(longest <= trust)) step *= std::isfinite(longest) ? trust / longest : 0.0;

      bool accepted = false;
      double t = 1.0;
      PassSums trial;
      Vec lam_new;
      double D_new = D;
      for (int ls = 0; ls < 12 && !out_of_budget(); ++ls, t *= 0.5) {
        lam_new = (lam + t * step).cwiseMax(0.0);
        D_new = dual_value(lam_new, trial);
        const double decrease = g.dot(lam_new - lam);  // −∇D·Δλ
        if (D_new <= D - 1e-4 * decrease + 1e-14 * std::fabs(D)) {
          accepted = std::isfinite(D_new);
          break;
        }
      }
      if (!accepted) break;
      // Secant safeguard.  Policies whose global maximiser jumps between two local maxima move T(λ) by
      // more than the curvature predicts, so Newton overshoots and zigzags (measured: a cold solve at
      // retention_min 0.8 on the 1e5 benchmark book took 19 passes, 12 with this safeguard).  On an overshoot (the step
      // passed the root along its direction by over a tenth of its length) the next Hessian is scaled by the curvature
      // observed along the step; a smooth dual, in its quadratic phase, never triggers it.
      {
        const Vec s_step = lam_new - lam;
        const Vec g_new = V * to_vec(trial.T) - rhs;
        const double model = s_step.dot(V * M * V.transpose() * s_step);
        const double observed = -s_step.dot(g_new - g);
        const bool overshot = s_step.dot(g_new) < -0.1 * s_step.dot(g);  // by over 10% of the way
        gamma = (overshot && model > 0.0 && observed > model) ? std::min(observed / model, 1e3) : 1.0;
      }
      be_.accept_trial();
      lam = lam_new;
      cur = trial;
      D = D_new;
      T_ = to_vec(cur.T);
    }
    dual_omega_ = to_std(f - V.transpose() * lam);  // the very prices of the accepted argmax pass
    return it;
  }

  // ------------------------------------------------------------------ phase 2: augmented Lagrangian
  // PHR merit, to maximise: Φ(T) = F0(T) − Σ_k [max(0, λ_k + μ g_k)² − λ_k²] / (2μ).
  double merit(const Vec& T, const std::vector<double>& lam, double mu) const {
    double phi = P_.objective.value(T);
    for (int k = 0; k < nc_; ++k) {
      const double s = std::max(0.0, lam[k] + mu * P_.constraints[k].value(T));
      phi -= (s * s - lam[k] * lam[k]) / (2 * mu);
    }
    return phi;
  }

  // ∇Φ and N = −∇²Φ made positive semidefinite (only the concave part of Φ in T is used).
  void merit_model(const Vec& T, const std::vector<double>& lam, double mu, Vec& grad, Mat& N) const {
    grad = P_.objective.gradient(T);
    Mat H = Mat::Zero(K_, K_);
    P_.objective.add_hessian(T, 1.0, H);
    for (int k = 0; k < nc_; ++k) {
      const ConstraintTerm& c = P_.constraints[k];
      const double s = std::max(0.0, lam[k] + mu * c.value(T));
      if (s <= 0.0) continue;
      const Vec gk = c.gradient(T);
      grad -= s * gk;
      H -= mu * gk * gk.transpose();
      c.add_hessian(T, -s, H);
    }
    Eigen::SelfAdjointEigenSolver<Mat> eig(-H);
    const Vec ev = eig.eigenvalues().cwiseMax(0.0);
    N = eig.eigenvectors() * ev.asDiagonal() * eig.eigenvectors().transpose();
  }

  // Projected Newton on Φ over the box.  Returns true when the Newton decrement is negligible.
  bool inner_newton(const std::vector<double>& lam, double mu, int max_its, double& stationarity) {
    for (int it = 0; it < max_its && !out_of_budget(); ++it) {
      ++res_.inner_iterations;
      Vec grad;
      Mat N;
      merit_model(T_, lam, mu, grad, N);
      PassSums sys;
      be_.newton_system(to_std(grad), sys);
      stationarity = sys.max_projected_gradient * P_.objective.scale;
      const Eigen::Map<const Mat> M(sys.curvature.data(), K_, K_);
      const Vec r = to_vec(sys.r);
      // Woodbury: (Δ + JᵀNJ)⁻¹g = Δ⁻¹g − Δ⁻¹Jᵀ z,  z = (I + N M)⁻¹ N r,  M = JΔ⁻¹Jᵀ, r = JΔ⁻¹g
      const Mat A = Mat::Identity(K_, K_) + N * M;
      const Vec z = A.partialPivLu().solve(N * r);
      const double predicted = sys.g_dinv_g - r.dot(z);  // gᵀd, the model's increase
      const double phi = merit(T_, lam, mu);
      if (!std::isfinite(predicted) || !std::isfinite(phi)) {
        stop_ = Stop::numerical;
        return false;
      }
      if (predicted <= 1e-22 * std::max(1.0, std::fabs(phi))) return true;

      bool accepted = false;
      PassSums trial;
      double alpha = 1.0;
      for (int ls = 0; ls < 30 && !out_of_budget(); ++ls, alpha *= 0.5) {
        be_.newton_trial(to_std(grad), to_std(z), alpha, trial);
        const double phi_new = merit(to_vec(trial.T), lam, mu);
        // A step whose predicted gain is below rounding is taken as long as it does not lose.
        const bool tiny = predicted <= 1e-14 * std::max(1.0, std::fabs(phi));
        if (phi_new >= phi + 1e-4 * alpha * predicted ||
            (tiny && phi_new >= phi - 1e-15 * std::max(1.0, std::fabs(phi)))) {
          accepted = true;
          break;
        }
      }
      if (!accepted) return predicted <= 1e-16 * std::max(1.0, std::fabs(phi));
      be_.accept_trial();
      T_ = to_vec(trial.T);
    }
    return false;
  }

  // Returns true when converged: feasible to the internal tolerance and the inner problem solved.
  bool al_phase(std::vector<double>& lam, bool record_iterations) {
    double mu = 10.0, prev_violation = std::numeric_limits<double>::infinity();
    for (int outer = 1; outer <= o_.max_outer_iterations && !out_of_budget(); ++outer) {
      if (record_iterations) ++res_.outer_iterations;
      double stationarity = 0;
      const bool inner_done = inner_newton(lam, mu, 30, stationarity);
      const Vec g = constraint_values(T_);
      // KKT error: violation, and complementarity (a positive multiplier on a slack constraint)
      double kkt_error = max_violation(g);
      for (int k = 0; k < nc_; ++k) {
        lam[k] = std::max(0.0, lam[k] + mu * g[k]);
        kkt_error = std::max(kkt_error, std::min(lam[k], -g[k]));
      }
      if (record_iterations) record("al", outer, mu, stationarity);
      if (stop_ != Stop::none) return false;
      if (inner_done && kkt_error <= feas_tol_) return true;
      if (nc_ > 0 && *std::max_element(lam.begin(), lam.end()) > 1e12) return false;  // diverging: infeasible?
      if (kkt_error > 0.25 * prev_violation) mu = std::min(mu * 10.0, 1e14);
      prev_violation = kkt_error;
    }
    return false;
  }

  // Extra solves from random multipliers in the box (SPEC §1.8), keeping the most profitable
  // feasible answer.  The multipliers of the main solve are the starting duals.
  void restarts() {
    if (o_.n_restarts <= 0 || stop_ != Stop::none) return;
    std::vector<double> best_m;
    be_.get_multipliers(best_m);
    Vec best_T = T_;
    std::vector<double> best_lam = lambda_;
    double best_obj = P_.objective.value(T_);
    const bool best_feasible = max_violation(constraint_values(T_)) <= feas_tol_;
    std::mt19937_64 rng(o_.seed);
    std::uniform_real_distribution<double> unif(0.0, 1.0);
    for (int r = 0; r < o_.n_restarts && !out_of_budget(); ++r) {
      std::vector<double> m(P_.policies.size());
      // One draw per policy of the whole book, so a shard draws exactly its rows' numbers.
      rng.discard(P_.first_policy);
      for (size_t i = 0; i < m.size(); ++i)
        m[i] = P_.policies.lb[i] + unif(rng) * (P_.policies.ub[i] - P_.policies.lb[i]);
      if (P_.total_policies > P_.first_policy + m.size()) rng.discard(P_.total_policies - P_.first_policy - m.size());
      be_.set_multipliers(m);
      evaluate();
      std::vector<double> lam = lambda_;
      const bool ok = al_phase(lam, false);
      ++res_.restarts_run;
      const double obj = P_.objective.value(T_);
      if (ok && (!best_feasible || obj > best_obj)) {
        be_.get_multipliers(best_m);
        best_T = T_;
        best_lam = lam;
        best_obj = obj;
      }
    }
    be_.set_multipliers(best_m);
    T_ = best_T;
    lambda_ = best_lam;
  }

  // ------------------------------------------------------------------ phase 3: certificate
  void certify() {
    const std::vector<double>& lam = lambda_;
    be_.get_multipliers(res_.multiplier);
    res_.lower_bound = P_.policies.lb;
    res_.upper_bound = P_.policies.ub;
    bool bounds_ok = true;
    for (size_t i = 0; i < res_.multiplier.size(); ++i)
      bounds_ok &= res_.multiplier[i] >= res_.lower_bound[i] && res_.multiplier[i] <= res_.upper_bound[i];

    // At an exact dual point the multipliers, the stationarity and the dual bound all come from the
    // last argmax pass; otherwise they cost a pass each.
    const std::vector<double> lam_kkt = exact_dual_ ? lam : kkt_multipliers(lam);
    const Vec omega = lagrangian_prices(T_, lam_kkt);
    if (exact_dual_) {
      res_.lagrangian_stationarity = dual_sums_.max_projected_gradient * P_.objective.scale;
    } else {
      PassSums sys;
      be_.newton_system(to_std(omega), sys);
      res_.lagrangian_stationarity = sys.max_projected_gradient * P_.objective.scale;
    }

    const PortfolioMetrics pm = portfolio_metrics(P_, T_);
    store_portfolio_metrics(pm, res_);
    res_.constraints = report_constraints(P_, o_, T_, lam_kkt, o_.tolerance);
    double worst = 0;
    std::string worst_name;
    for (const auto& c : res_.constraints)
      if (c.relative_violation > worst) {
        worst = c.relative_violation;
        worst_name = to_string(c.kind);
      }

    // Dual bound: any λ ≥ 0 gives max_m L(m, λ) ≥ optimal profit when the problem is separable.
    if (P_.separable) {
      double D = dual_value_;
      if (!exact_dual_) {
        PassSums s;
        be_.lagrangian_argmax(to_std(omega), false, s);
        D = s.h_sum;
        for (int k = 0; k < nc_; ++k) D += lam_kkt[k] * P_.constraints[k].b;
      }
      res_.dual_bound = D * P_.profit_scale;
      res_.optimality_gap = (*res_.dual_bound - pm.profit) / std::fabs(*res_.dual_bound);
    } else {
      res_.dual_bound_note = P_.objective.profit
                                 ? "no dual bound: a constraint in use is not separable (stochastic LR or "
                                   "loss-ratio disparity)"
                                 : "no dual bound: the loss-ratio objective is not separable";
    }
    lambda_ = lam_kkt;
    // The pricing rule deploys these prices: at an exact dual point the argmax pass's own, bit for bit.
    res_.lagrangian.basis_prices = exact_dual_ ? dual_omega_ : to_std(omega);
    res_.lagrangian.basis_sums = to_std(T_);
    res_.lagrangian.exact_dual = exact_dual_;

    const bool stationary = res_.lagrangian_stationarity <= 1e-6;
    const bool feasible = worst <= o_.tolerance;
    res_.converged = stop_ == Stop::none && bounds_ok && feasible && stationary;
    res_.passes = passes();
    std::ostringstream msg;
    if (res_.converged) {
      res_.status = SolveStatus::converged;
      if (P_.bound_conflicts > 0)  // a floor was given up for a cap: say so, never "every bound holds"
        msg << "every constraint holds; " << P_.bound_conflicts
            << (P_.bound_conflicts == 1 ? " policy is priced at a cap below its floor"
                                        : " policies are priced at a cap below their floor")
            << " (the ENBP or rate-change cap wins), every other bound holds";
      else
        msg << "every bound and constraint holds";
      if (res_.optimality_gap) msg << ", certified within " << *res_.optimality_gap << " of the best profit";
    } else if (stop_ == Stop::time_limit) {
      res_.status = SolveStatus::time_limit;
      msg << "time limit of " << *o_.time_limit << " s reached";
    } else if (!feasible && (!infeasibility_proof_.empty() || diagnose_infeasible(msg))) {
      res_.status = SolveStatus::infeasible;
      msg << infeasibility_proof_;
      // a problem with no solution has no optimum to bound and its multipliers price nothing
      for (auto& c : res_.constraints) c.shadow_price = 0.0;
      res_.dual_bound.reset();
      res_.optimality_gap.reset();
      res_.dual_bound_note = "no dual bound: the problem is infeasible";
    } else if (stop_ == Stop::numerical) {
      res_.status = SolveStatus::numerical_failure;
      msg << "numerical failure: a non-finite value appeared during the solve";
    } else {
      res_.status = SolveStatus::max_iterations;
      msg << (stop_ == Stop::pass_limit ? "pass limit reached" : "iteration limit reached");
      if (!feasible) msg << "; " << worst_name << " violated by " << worst << " (relative)";
      if (!stationary) msg << "; optimality test not passed (stationarity " << res_.lagrangian_stationarity << ")";
    }
    res_.message = msg.str();
    res_.passes = passes();
  }

  // Exact KKT multipliers at the answer: zero on constraints with slack, and on the active ones the
  // nonnegative least-squares fit of ∇F0 = Σ λ_k ∇g_k over the free policies, in the Newton metric
  // Σ_i (·)²/δ_i.  One pass gives M = Σ j jᵀ/δ and r = Σ j g/δ at the solver's multipliers; the
  // objective's part is r0 = r + M·Vᵀλ, and the fit solves (V M Vᵀ) λ = V r0 on the active set.
  std::vector<double> kkt_multipliers(const std::vector<double>& lam) {
    std::vector<double> out(nc_, 0.0);
    if (nc_ == 0) return out;
    const Vec g = constraint_values(T_);
    PassSums sys;
    be_.newton_system(to_std(lagrangian_prices(T_, lam)), sys);
    const Eigen::Map<const Mat> M(sys.curvature.data(), K_, K_);
    Mat V(nc_, K_);
    for (int k = 0; k < nc_; ++k) V.row(k) = P_.constraints[k].gradient(T_).transpose();
    const Vec r0 = to_vec(sys.r) + M * V.transpose() * to_vec(lam);
    std::vector<int> active;
    for (int k = 0; k < nc_; ++k)
      if (g[k] >= -1e3 * feas_tol_) active.push_back(k);
    // active-set NNLS: drop the most negative multiplier until all are ≥ 0
    while (!active.empty()) {
      const int n = static_cast<int>(active.size());
      Mat VA(n, K_);
      for (int a = 0; a < n; ++a) VA.row(a) = V.row(active[a]);
      Mat H = VA * M * VA.transpose();
      H.diagonal().array() += 1e-14 * std::max(H.diagonal().maxCoeff(), 1e-300);
      const Vec x = H.ldlt().solve(VA * r0);
      int worst = -1;
      for (int a = 0; a < n; ++a)
        if (x[a] < 0 && (worst < 0 || x[a] < x[worst])) worst = a;
      if (worst < 0 && x.allFinite()) {
        for (int a = 0; a < n; ++a) out[active[a]] = x[a];
        break;
      }
      if (worst < 0) return lam;  // singular fit: keep the solver's multipliers
      active.erase(active.begin() + worst);
    }
    return out;
  }

  // Prove infeasibility: a constraint whose own best within the bounds violates it, or a
  // nonnegative combination of the (linear) constraints that no point of the box satisfies.
  bool diagnose_infeasible(std::ostringstream& msg) {
    const Vec g_now = constraint_values(T_);
    for (int k = 0; k < nc_; ++k) {
      const ConstraintTerm& c = P_.constraints[k];
      if (g_now[k] <= feas_tol_ || !c.is_linear()) continue;
      PassSums s;
      be_.lagrangian_argmax(to_std(-c.gradient(T_)), false, s);
      const Vec Tk = to_vec(s.T);
      if (c.value(Tk) <= feas_tol_) continue;
      msg << c.label << " " << c.limit << " unreachable: " << best_reachable(c, Tk) << " within bounds";
      return true;
    }
    if (!P_.separable) return false;
    // Farkas: weights w ≥ 0 with max over the box of −Σ w_k g_k < 0 prove that no point satisfies
    // every g_k ≤ 0.  The multipliers of a diverging solve point along such a direction.
    for (const std::vector<double>* lam : {&dual_lambda_, &lambda_}) {
      if (lam->size() != static_cast<size_t>(nc_)) continue;
      Vec w = to_vec(*lam).cwiseMax(0.0);
      if (!(w.sum() > 0) || !std::isfinite(w.sum())) continue;
      w /= w.sum();
      Vec omega = Vec::Zero(K_);
      for (int k = 0; k < nc_; ++k) omega -= w[k] * P_.constraints[k].gradient(T_);
      PassSums s;
      be_.lagrangian_argmax(to_std(omega), false, s);
      if (w.dot(constraint_values(to_vec(s.T))) <= feas_tol_) continue;
      msg << "constraints cannot hold together within the bounds:";
      for (int k = 0; k < nc_; ++k)
        if (w[k] > 1e-6) msg << " " << P_.constraints[k].label;
      return true;
    }
    return false;
  }

  // The best value of the constraint's quantity within the bounds, as text.
  std::string best_reachable(const ConstraintTerm& c, const Vec& Tk) {
    std::ostringstream s;
    s.precision(6);
    if (c.kind == ConstraintKind::retention_min) {
      s << "at most " << Tk[b::renewal] / P_.renewal_weight;
    } else if (c.kind == ConstraintKind::gwp_min) {
      s << "at most " << Tk[b::gwp];
    } else if (c.kind == ConstraintKind::gwp_max) {
      s << "at least " << Tk[b::gwp];
    } else if (c.kind == ConstraintKind::lr_max || c.kind == ConstraintKind::lr_min) {
      // Dinkelbach: the extreme ratio C/G over the box by a few separable maximisations.
      const double sign = c.kind == ConstraintKind::lr_max ? 1.0 : -1.0;  // minimise or maximise C/G
      double t = Tk[b::claims] / Tk[b::gwp];
      for (int it = 0; it < 30; ++it) {
        Vec omega = Vec::Zero(K_);
        omega[b::gwp] = sign * t;
        omega[b::claims] = -sign;
        PassSums ps;
        be_.lagrangian_argmax(to_std(omega), false, ps);
        const double t_new = ps.T[b::claims] / ps.T[b::gwp];
        const bool done = std::fabs(t_new - t) <= 1e-13 * t;
        t = t_new;
        if (done) break;
      }
      s << (c.kind == ConstraintKind::lr_max ? "loss ratio at least " : "loss ratio at most ") << t;
    } else {
      s << "violation at least " << c.value(Tk) << " (relative)";
    }
    return s.str();
  }

  const Problem& P_;
  Backend& be_;
  const OptimiseOptions& o_;
  SolveResult& res_;
  int K_, nc_;
  double feas_tol_;
  std::chrono::steady_clock::time_point start_;
  int64_t passes_before_;  ///< the backend's count when this solve began (sweeps reuse one backend)
  Vec T_;
  std::vector<double> lambda_;
  std::vector<double> dual_lambda_;  ///< multipliers where the dual phase stopped
  std::vector<double> dual_omega_;   ///< basis prices of the dual phase's last accepted argmax pass
  bool dual_converged_ = false;      ///< the last dual Newton met its tolerance
  bool exact_dual_ = false;          ///< the answer is the dual phase's exact KKT point
  PassSums dual_sums_;               ///< the dual phase's last accepted argmax pass
  double dual_value_ = 0;            ///< D(λ) at that pass (scaled)
  bool dual_diverged_ = false;       ///< the dual phase stopped on a runaway or stalled dual
  std::string infeasibility_proof_;  ///< set when infeasibility was proven before the AL phase
  Stop stop_ = Stop::none;
};

}  // namespace

void run_solver(const Problem& problem, Backend& backend, const OptimiseOptions& options, SolveResult& result,
                const std::vector<double>* warm_lambda, std::vector<double>* final_lambda) {
  Solver solver(problem, backend, options, result);
  solver.solve(warm_lambda);
  record_lagrangian(problem, solver.multipliers(), result);
  if (final_lambda) *final_lambda = solver.multipliers();
}

}  // namespace rateopt
