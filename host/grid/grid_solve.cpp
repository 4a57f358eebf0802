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
#include "io/format.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/math/grid_math.hpp"

namespace rateopt {

namespace {

namespace term = math::grid_term;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

class GridSolver {
 public:
  GridSolver(const GridBook& g, const GridOptions& o, const GridProblem& P, GridBackend& be, GridResult& res)
      : g_(g), o_(o), P_(P), be_(be), res_(res), m_(static_cast<int>(P.rows.size())) {}

  void run() {
    set_scales();
    const auto dual_start = Clock::now();
    const bool feasible = solve_dual();
    res_.seconds_dual = seconds_since(dual_start);
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
    const std::vector<double> M = be_.term_magnitudes();
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

  // The dual function D̃(λ̃) = (Σ_i max_j (profit − λ·a) + λ·b)/F and its cut.
  Cut dual_cut(const std::vector<double>& lambda) {
    const GridPass pass = be_.argmax(omega_for(lambda));
    Cut c;
    c.x = lambda;
    c.intercept = pass.sums[term::profit] / scales_.profit;
    for (int k = 0; k < m_; ++k)
      c.slope.push_back(-P_.rows[static_cast<size_t>(k)].excess(pass.sums) / scales_.row[static_cast<size_t>(k)]);
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
    double box = 1e3;
    const auto oracle = [this](const std::vector<double>& x) { return dual_cut(x); };
    std::vector<Cut> cuts;
    for (;;) {
      const int left = std::max(1, o_.max_iterations - res_.iterations);
      dual_ = minimise_by_cuts(m_, CutDomain::box, box, std::vector<double>(static_cast<size_t>(m_), 0.0), oracle, left,
                               1e-11, std::move(cuts));
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

  bool prove_infeasible() {
    const auto oracle = [this](const std::vector<double>& d) { return feasibility_cut(d); };
    const CutResult f = minimise_by_cuts(m_, CutDomain::simplex, 1.0,
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
    res_.multipliers.assign(static_cast<size_t>(m_), 0.0);
    bool all_hold = true;
    for (int k = 0; k < m_; ++k) {
      const auto ku = static_cast<size_t>(k);
      if (feasible) res_.multipliers[ku] = lambda_[ku] * scales_.profit / scales_.row[ku];
      res_.constraints.push_back(P_.rows[ku].report(S, res_.multipliers[ku], o_.tolerance));
      all_hold = all_hold && P_.rows[ku].holds(S, o_.tolerance);
    }
    res_.passes = be_.passes();
    if (!feasible) return;                  // status, message and proof set by prove_infeasible
    res_.term_prices = omega_for(lambda_);  // what the pricing rule applies
    res_.lp_value = dual_.upper * scales_.profit;
    double bound = *res_.lp_value;
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
  GridScales scales_;
  CutResult dual_;
  std::vector<double> lambda_;
};

}  // namespace

GridResult solve_grid(GridBook& grid, const GridOptions& options) {
  const auto start = Clock::now();
  options.validate();
  if (options.device == Device::cuda)
    throw InputError("option --device cuda: the grid mode runs on the CPU in this version");
  GridResult res;
  res.backend_requested = to_string(options.device);
  const GridProblem problem = prepare_grid_problem(grid, options, res);
  std::unique_ptr<GridBackend> backend = make_grid_cpu_backend(options.threads);
  backend->upload(grid);
  res.backend_used = backend->name();
  res.device_name = backend->device_name();
  res.bytes_per_candidate = grid.bytes_per_candidate();
  GridSolver(grid, options, problem, *backend, res).run();
  res.warnings.insert(res.warnings.begin(), grid.warnings.begin(), grid.warnings.end());
  res.seconds_total = seconds_since(start);
  return res;
}

}  // namespace rateopt
