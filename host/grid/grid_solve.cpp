// The grid solve: the Lagrangian dual over the constraints by cutting planes (the LP-relaxation value
// as a certified bound), infeasibility proofs, and a primal choice meeting every constraint.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "grid/coin.hpp"
#include "grid/cutting_planes.hpp"
#include "grid/grid_backend.hpp"
#include "grid/grid_primal.hpp"
#include "grid/grid_problem.hpp"
#include "grid/grid_window.hpp"
#include "io/format.hpp"
#include "optimise/backend/device_choice.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/math/grid_math.hpp"

namespace rateopt {

namespace {

namespace term = math::grid_term;
using Clock = std::chrono::steady_clock;
constexpr double kFirstBox = 1e3;         // on λ̃ (multipliers over the row and profit scales)
constexpr double kDualTolerance = 1e-11;  // relative, between the bound and the best dual value

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

class GridSolver {
 public:
  GridSolver(const GridBook& g, const GridOptions& o, const GridProblem& P, GridBackend& be, GridResult& res,
             bool dual_only)
      : g_(g), o_(o), P_(P), be_(be), res_(res), m_(static_cast<int>(P.rows.size())), dual_only_(dual_only) {}

  void run() {
    set_scales();
    const auto dual_start = Clock::now();
    const bool feasible = solve_dual();
    res_.seconds_dual = seconds_since(dual_start);
    if (dual_only_) return multipliers_only(feasible);
    const auto primal_start = Clock::now();
    bool found = false;
    if (feasible) {
      lambda_ = dual_.cuts[dual_.best].x;
      GridPrimal primal(g_, P_, be_, scales_, o_, [this](const std::vector<double>& x) { return omega_for(x); });
      found = primal.run(dual_, res_);
    }
    res_.seconds_primal = seconds_since(primal_start);
    finish(feasible, found);
  }

 private:
  void set_scales() {
    M_ = be_.term_magnitudes();
    const std::vector<double>& M = M_;
    scales_.profit = M[term::profit] > 0 ? M[term::profit] : 1.0;
    for (const GridRow& row : P_.rows) {
      double s = std::fabs(row.rhs);
      for (size_t t = 0; t < row.coef.size(); ++t) s += std::fabs(row.coef[t]) * M[t];
      scales_.row.push_back(s > 0 ? s : 1.0);
    }
  }

  // Term prices for normalised multipliers λ̃ (λ_k = λ̃_k·F/s_k).
  std::vector<double> omega_for(const std::vector<double>& lambda) const {
    std::vector<double> omega(static_cast<size_t>(P_.terms), 0.0);
    omega[term::profit] = 1.0;
    for (int k = 0; k < m_; ++k) {
      const double lk = lambda[static_cast<size_t>(k)] * scales_.profit / scales_.row[static_cast<size_t>(k)];
      for (size_t t = 0; t < omega.size(); ++t) omega[t] -= lk * P_.rows[static_cast<size_t>(k)].coef[t];
    }
    return omega;
  }

  // The dual function D̃(λ̃) = (Σ_i max_j (profit − λ·a) + λ·b)/F and its cut; rhs_share scales the
  // limits b for a pass over a sample of the policies.
  Cut dual_cut(const std::vector<double>& lambda, double rhs_share = 1.0) {
    const GridPass pass = be_.argmax(omega_for(lambda));
    Cut c;
    c.x = lambda;
    c.intercept = pass.sums[term::profit] / scales_.profit;
    for (int k = 0; k < m_; ++k)
      c.slope.push_back(-P_.rows[static_cast<size_t>(k)].excess(pass.sums, rhs_share) /
                        scales_.row[static_cast<size_t>(k)]);
    return c;
  }

  // h(d) = Σ_i max_j (−d·ã_ij) + d·b̃ over the simplex: h < 0 somewhere proves the constraints
  // cannot all hold, even mixing candidates (a Farkas certificate).
  Cut feasibility_cut(const std::vector<double>& d) {
    std::vector<double> omega(static_cast<size_t>(P_.terms), 0.0);
    for (int k = 0; k < m_; ++k)
      for (size_t t = 0; t < omega.size(); ++t)
        omega[t] -=
            d[static_cast<size_t>(k)] * P_.rows[static_cast<size_t>(k)].coef[t] / scales_.row[static_cast<size_t>(k)];
    const GridPass pass = be_.argmax(omega);
    Cut c;
    c.x = d;
    for (int k = 0; k < m_; ++k)
      c.slope.push_back(-P_.rows[static_cast<size_t>(k)].excess(pass.sums) / scales_.row[static_cast<size_t>(k)]);
    return c;
  }

  // Cutting planes on the dual inside a box on λ̃; the box is an exact penalty once it holds the
  // optimal multipliers.  A multiplier at the box means infeasible or a box too small: the
  // feasibility problem decides.  Returns false when infeasibility is proven (res_ filled).
  bool solve_dual() {
    if (m_ == 0) {
      dual_.cuts.push_back(dual_cut({}));
      dual_.weights = {1.0};
      dual_.upper = dual_.lower = dual_.cuts[0].value();
      dual_.converged = true;
      res_.iterations = 1;
      return true;
    }
    if (g_.pruning) return boxed_dual();
    std::vector<Cut> cuts;
    if (windowed_dual(cuts)) return true;
    double box = kFirstBox;
    const auto oracle = [this](const std::vector<double>& x) { return dual_cut(x); };
    const std::vector<double> zero(static_cast<size_t>(m_), 0.0);
    for (;;) {
      const int left = std::max(1, o_.max_iterations - res_.iterations);
      dual_ = minimise_by_cuts(m_, CutDomain::box, zero, std::vector<double>(static_cast<size_t>(m_), box), zero,
                               oracle, left, kDualTolerance, std::move(cuts));
      res_.iterations += dual_.iterations;
      const std::vector<double>& x = dual_.cuts[dual_.best].x;
      const bool at_box = *std::max_element(x.begin(), x.end()) >= box * (1 - 1e-9) ||
                          *std::max_element(dual_.master_x.begin(), dual_.master_x.end()) >= box * (1 - 1e-9);
      if (!at_box || res_.iterations >= o_.max_iterations) break;
      if (prove_infeasible()) return false;
      if (box >= 1e15) break;
      box *= 1e3;
      cuts = std::move(dual_.cuts);
    }
    return true;
  }

  // Large grids: multipliers from a sample of the policies (every stride-th, its limits scaled to its
  // share), then cutting planes in a box around them over passes that read only the rows able to win
  // inside the box (grid_window.hpp), the box widened while the answer sits on its side.  Those passes
  // give the full passes' values, so the cuts and the bound are the full dual's.  False (cuts kept as
  // a warm start) when the sample's multipliers reach the first box, a sign of infeasibility, or the
  // windows do not settle: the full passes decide.
  bool windowed_dual(std::vector<Cut>& cuts) {
    const size_t n = g_.policies();
    if (o_.dual_sample <= 0 || n < 4 * static_cast<size_t>(o_.dual_sample)) return false;
    const size_t stride = n / static_cast<size_t>(o_.dual_sample);
    std::vector<uint32_t> window(2 * n, 0);
    size_t sampled = 0;
    for (size_t i = 0; i < n; i += stride, ++sampled) window[2 * i + 1] = static_cast<uint32_t>(g_.rows_of(i));
    if (!be_.set_row_window(&window)) return false;
    const double share = static_cast<double>(sampled) / static_cast<double>(n);
    const std::vector<double> zero(static_cast<size_t>(m_), 0.0), first_box(static_cast<size_t>(m_), kFirstBox);
    const CutResult sample = minimise_by_cuts(
        m_, CutDomain::box, zero, first_box, zero, [&](const std::vector<double>& x) { return dual_cut(x, share); },
        o_.max_iterations, 1e-7);
    res_.iterations += sample.iterations;
    std::vector<double> centre = sample.cuts[sample.best].x;
    bool ok = sample.converged && *std::max_element(centre.begin(), centre.end()) < kFirstBox * 0.5;
    const GridOmegaMap map = omega_map();
    std::vector<double> half(static_cast<size_t>(m_));
    const double largest = *std::max_element(centre.begin(), centre.end());
    for (size_t k = 0; k < half.size(); ++k) half[k] = 0.25 * centre[k] + 1e-3 * largest + 1e-9;
    const auto oracle = [this](const std::vector<double>& x) { return dual_cut(x); };
    for (int widen = 0; ok && widen < 8; ++widen) {
      std::vector<double> lower(half.size()), upper(half.size());
      for (size_t k = 0; k < half.size(); ++k) {
        lower[k] = std::max(0.0, centre[k] - half[k]);
        upper[k] = std::min(kFirstBox, centre[k] + half[k]);
      }
      window = grid_argmax_windows(g_, map, lower, upper, o_.threads);
      res_.window_rows = 0;
      for (size_t i = 0; i < n; ++i) res_.window_rows += window[2 * i + 1] - window[2 * i];
      res_.window_rows /= static_cast<double>(n);
      be_.set_row_window(&window);
      const int left = o_.max_iterations - res_.iterations;
      if (left <= 0) break;
      dual_ = minimise_by_cuts(m_, CutDomain::box, lower, upper, centre, oracle, left, kDualTolerance, std::move(cuts));
      res_.iterations += dual_.iterations;
      res_.windowed_passes += dual_.iterations;
      // A side of the box the answer touches, unless it is λ = 0 or the first box's own side.
      bool on_side = false;
      for (size_t k = 0; k < half.size(); ++k) {
        bool side = false;
        for (const std::vector<double>* x : {&dual_.cuts[dual_.best].x, &dual_.master_x}) {
          const double eps = 1e-9 * std::max(1.0, upper[k]);
          const bool low = lower[k] > 0 && (*x)[k] <= lower[k] + eps, high = (*x)[k] >= upper[k] - eps;
          if (high && upper[k] >= kFirstBox) ok = false;
          side = side || low || high;
        }
        if (side) half[k] *= 4;
        on_side = on_side || side;
      }
      // Settled: the windows stay for the primal's passes at the cuts' points, all inside the box.
      if (!on_side && dual_.converged) return true;
      centre = dual_.cuts[dual_.best].x;
      cuts = std::move(dual_.cuts);
    }
    be_.set_row_window(nullptr);
    return false;
  }

  // A pruned book gives the whole grid's passes only inside its box (GridBook::Pruning): cutting planes
  // there, any point of which gives a valid bound.  Where a side of the box (other than λ = 0) holds the
  // answer back it may not be the optimum: flagged, for the read to widen the box.
  bool boxed_dual() {
    const auto mu = static_cast<size_t>(m_);
    std::vector<double> lower(mu), upper(mu), centre(mu);
    for (size_t k = 0; k < mu; ++k) {
      const double unit = scales_.profit / scales_.row[k];
      lower[k] = g_.pruning->lower[k] / unit;
      upper[k] = g_.pruning->upper[k] / unit;
      centre[k] = 0.5 * (lower[k] + upper[k]);
    }
    dual_ = minimise_by_cuts(
        m_, CutDomain::box, lower, upper, centre, [this](const std::vector<double>& x) { return dual_cut(x); },
        o_.max_iterations, kDualTolerance);
    res_.iterations += dual_.iterations;
    // The master's duals weight the cuts; Σ_t w_t·g_t is what the box's own bounds hold back: < 0 at the
    // upper side (the dual would go on falling past it), > 0 at a lower side above 0.
    for (size_t k = 0; k < mu; ++k) {
      double pull = 0, size = 0;
      for (size_t t = 0; t < dual_.cuts.size(); ++t) {
        pull += dual_.weights[t] * dual_.cuts[t].slope[k];
        size += dual_.weights[t] * std::fabs(dual_.cuts[t].slope[k]);
      }
      const double held = 1e-9 * size + 1e-300;
      if (pull < -held || (lower[k] > 0 && pull > held)) res_.reached_box = true;
    }
    return true;
  }

  // ω(λ̃) as omega_for computes it, as an affine map for the windows.
  GridOmegaMap omega_map() const {
    GridOmegaMap map;
    map.base = omega_for(std::vector<double>(static_cast<size_t>(m_), 0.0));
    for (int k = 0; k < m_; ++k) {
      std::vector<double> unit(static_cast<size_t>(m_), 0.0);
      unit[static_cast<size_t>(k)] = 1.0;
      std::vector<double> d = omega_for(unit);
      for (size_t t = 0; t < d.size(); ++t) d[t] -= map.base[t];
      map.direction.push_back(std::move(d));
    }
    return map;
  }

  bool prove_infeasible() {
    const auto oracle = [this](const std::vector<double>& d) { return feasibility_cut(d); };
    const CutResult f = minimise_by_cuts(m_, CutDomain::simplex, {}, {},
                                         std::vector<double>(static_cast<size_t>(m_), 1.0 / m_), oracle, 200, 1e-12);
    res_.iterations += f.iterations;
    const Cut& best = f.cuts[f.best];
    if (best.value() >= -o_.tolerance) return false;
    GridInfeasibility proof;
    double limit = 0;
    for (int k = 0; k < m_; ++k) {
      const auto ku = static_cast<size_t>(k);
      proof.constraints.push_back(P_.rows[ku].name);
      proof.weights.push_back(best.x[ku] / scales_.row[ku]);  // per unit of the row as written
      limit += best.x[ku] * P_.rows[ku].rhs / scales_.row[ku];
    }
    proof.combined_limit = limit;
    proof.combined_min = limit - best.value();
    res_.infeasibility = proof;
    res_.status = SolveStatus::infeasible;
    res_.message = infeasibility_message(proof);
    // Report the choice at the largest multipliers tried: as close to the limits as the dual got.
    const std::vector<double>& x = dual_.cuts[dual_.best].x;
    be_.argmax(omega_for(x), &res_.choice);
    lambda_ = x;
    return true;
  }

  std::string infeasibility_message(const GridInfeasibility& proof) {
    std::vector<size_t> used;
    for (size_t k = 0; k < proof.weights.size(); ++k)
      if (proof.weights[k] * scales_.row[k] > 1e-9) used.push_back(k);
    if (used.size() == 1) {
      const GridRow& row = P_.rows[used[0]];
      return row.name + " " + shortest(row.limit) + " unreachable: at " + (row.at_most ? "least " : "most ") +
             shortest(best_reachable(row)) + " within the candidates";
    }
    std::string names, weights;
    for (size_t k : used) {
      names += (names.empty() ? "" : ", ") + proof.constraints[k];
      weights +=
          (weights.empty() ? "" : ", ") + proof.constraints[k] + " " + shortest(proof.weights[k] * scales_.row[k]);
    }
    return "the constraints " + names + " cannot all hold, even mixing candidates: the rows weighted (" + weights +
           ", each row over its scale) sum to at least " + shortest(proof.combined_min) + " against a limit of " +
           shortest(proof.combined_limit);
  }

  // The best value of one constraint's quantity over all choices: a pass for a sum; Dinkelbach's
  // iteration for a ratio of sums (each step a pass, finitely many).
  double best_reachable(const GridRow& row) {
    std::vector<double> omega(static_cast<size_t>(P_.terms), 0.0);
    const double sign = row.at_most ? -1.0 : 1.0;  // at_most: the smallest value
    omega[static_cast<size_t>(row.num)] = sign;
    GridPass pass = be_.argmax(omega);
    if (row.den_term < 0) return row.quantity(pass.sums);
    double ratio = row.quantity(pass.sums);
    for (int step = 0; step < 100; ++step) {
      omega.assign(omega.size(), 0.0);
      omega[static_cast<size_t>(row.num)] = sign;
      omega[static_cast<size_t>(row.den_term)] = -sign * ratio;
      pass = be_.argmax(omega);
      const double next = row.quantity(pass.sums);
      if (!(sign * (next - ratio) > 1e-15 * std::fabs(ratio)))
        return sign > 0 ? std::max(next, ratio) : std::min(next, ratio);
      ratio = next;
    }
    return ratio;
  }

  // λ in profit per unit of each row (0 where infeasible) and what one normalised unit is worth.
  void set_multipliers(bool feasible) {
    res_.multipliers.assign(static_cast<size_t>(m_), 0.0);
    res_.multiplier_units.clear();
    for (int k = 0; k < m_; ++k) {
      const auto ku = static_cast<size_t>(k);
      res_.multiplier_units.push_back(scales_.profit / scales_.row[ku]);
      if (feasible) res_.multipliers[ku] = lambda_[ku] * res_.multiplier_units[ku];
    }
  }

  void multipliers_only(bool feasible) {
    if (feasible) {
      lambda_ = dual_.cuts[dual_.best].x;
      res_.term_prices = omega_for(lambda_);
      res_.status = dual_.converged ? SolveStatus::converged : SolveStatus::max_iterations;
    }
    set_multipliers(feasible);
    res_.passes = be_.passes();
  }

  // An answer is accepted when each limit holds to the tolerance, so it may earn more than the relaxation
  // at the exact limits.  Moving limit k out by Δ_k (GridRow::loosened) raises the dual at λ by at most
  // λ_k·Δ_k·(the largest denominator sum a choice reaches, or the denominator constant): added to the bound.
  double tolerance_allowance() const {
    double allowance = 0;
    for (size_t k = 0; k < P_.rows.size(); ++k) {
      const GridRow& row = P_.rows[k];
      const double moved = std::fabs(row.loosened(o_.tolerance).limit - row.limit);
      const double lambda = lambda_[k] * scales_.profit / scales_.row[k];
      allowance += lambda * moved * (row.den_term >= 0 ? M_[static_cast<size_t>(row.den_term)] : row.den_constant);
    }
    return allowance;
  }

  // Portfolio figures, constraint reports, multipliers in business units, the bound and the status.
  void finish(bool feasible, bool found) {
    const std::vector<double> S = grid_choice_sums(g_, P_.terms, res_.choice);
    res_.expected_profit = S[term::profit];
    res_.expected_gwp = S[term::gwp];
    res_.expected_claims = S[term::claims];
    res_.expected_loss_ratio = S[term::claims] / S[term::gwp];
    res_.expected_volume = S[term::volume];
    if (P_.renewal_weight > 0) res_.expected_retention = S[term::retained] / P_.renewal_weight;
    res_.n_policies = static_cast<int64_t>(g_.policies());
    res_.n_renewals = P_.renewals;
    set_multipliers(feasible);
    bool all_hold = true;
    for (int k = 0; k < m_; ++k) {
      const auto ku = static_cast<size_t>(k);
      res_.constraints.push_back(P_.rows[ku].report(S, res_.multipliers[ku], o_.tolerance));
      all_hold = all_hold && P_.rows[ku].holds(S, o_.tolerance);
    }
    res_.passes = be_.passes();
    if (!feasible) return;                  // status, message and proof set by prove_infeasible
    res_.term_prices = omega_for(lambda_);  // what the pricing rule applies
    res_.lp_value = dual_.upper * scales_.profit;
    double bound = *res_.lp_value + tolerance_allowance();
    if (res_.exact_bound) bound = std::min(bound, *res_.exact_bound);
    res_.dual_bound = bound;
    if (found && all_hold) {
      const double gap = (bound - res_.expected_profit) / std::max(std::fabs(bound), 1e-300);
      res_.optimality_gap = std::fabs(gap) < 1e-14 ? 0.0 : gap;
      const bool proven = res_.method == "exact" || dual_.converged;
      res_.status = proven ? SolveStatus::converged : SolveStatus::max_iterations;
      res_.converged = proven;
      res_.message = proven ? "every constraint holds; gap to the bound " + shortest(*res_.optimality_gap)
                            : "every constraint holds, but the cutting planes stopped at max_iterations before "
                              "closing on the bound (the bound stands, the gap is honest)";
    } else if (res_.status == SolveStatus::numerical_failure && res_.message.empty()) {
      res_.message = "no choice meeting every constraint was found";
    }
  }

  const GridBook& g_;
  const GridOptions& o_;
  const GridProblem& P_;
  GridBackend& be_;
  GridResult& res_;
  const int m_;
  const bool dual_only_;  // the multipliers alone (a sample's), no primal choice
  GridScales scales_;
  std::vector<double> M_;  // per term: Σ_i max_j |φ_ijt|, the most any choice's sum can reach
  CutResult dual_;
  std::vector<double> lambda_;
};

}  // namespace

namespace {
GridResult solve_on_chosen_device(GridBook& grid, const GridOptions& options, bool dual_only) {
  const auto start = Clock::now();
  options.validate();
  check_device_compiled_in(options.device);  // before any work
  GridResult res;
  res.backend_requested = to_string(options.device);
  const GridProblem problem = prepare_grid_problem(grid, options, res);
  std::unique_ptr<GridBackend> backend;
  const auto upload_to_gpu = [&] {
    auto cuda = make_grid_cuda_backend();
    cuda->upload(grid);
    backend = std::move(cuda);
  };
  if (!run_on_chosen_device(options.device, upload_to_gpu, res.fallback_reason)) {
    backend = make_grid_cpu_backend(options.threads);
    backend->upload(grid);
  }
  res.backend_used = backend->name();
  res.device_name = backend->device_name();
  res.bytes_per_candidate = grid.bytes_per_candidate();
  GridSolver(grid, options, problem, *backend, res, dual_only).run();
  res.warnings.insert(res.warnings.begin(), grid.warnings.begin(), grid.warnings.end());
  res.seconds_total = seconds_since(start);
  return res;
}
}  // namespace

GridResult solve_grid(GridBook& grid, const GridOptions& options) {
  return solve_on_chosen_device(grid, options, false);
}

GridResult solve_grid_multipliers(GridBook& grid, const GridOptions& options) {
  return solve_on_chosen_device(grid, options, true);
}

}  // namespace rateopt
