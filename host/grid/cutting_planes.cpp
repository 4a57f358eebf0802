#include "grid/cutting_planes.hpp"

#include <algorithm>
#include <cmath>

#include "grid/coin.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

double Cut::value() const {
  double v = intercept;
  for (size_t k = 0; k < x.size(); ++k) v += slope[k] * x[k];
  return v;
}

namespace {

// min θ s.t. θ − g_t·x ≥ c_t, x in the domain.  Column 0 is θ, columns 1..m are x.
ProgramSolution solve_master(int m, CutDomain domain, const std::vector<double>& lower,
                             const std::vector<double>& upper, const std::vector<Cut>& cuts) {
  SparseProgram lp;
  lp.maximise = false;
  lp.add_column(-kCoinInfinity, kCoinInfinity, 1.0);
  for (int k = 0; k < m; ++k) {
    const auto ku = static_cast<size_t>(k);
    lp.add_column(domain == CutDomain::box ? lower[ku] : 0.0, domain == CutDomain::box ? upper[ku] : 1.0, 0.0);
  }
  for (const Cut& cut : cuts) {
    const int row = lp.add_row(cut.intercept, kCoinInfinity);
    lp.add(row, 0, 1.0);
    for (int k = 0; k < m; ++k)
      if (cut.slope[static_cast<size_t>(k)] != 0) lp.add(row, k + 1, -cut.slope[static_cast<size_t>(k)]);
  }
  if (domain == CutDomain::simplex) {
    const int row = lp.add_row(1.0, 1.0);
    for (int k = 0; k < m; ++k) lp.add(row, k + 1, 1.0);
  }
  return solve_lp(lp);
}

}  // namespace

CutResult minimise_by_cuts(int m, CutDomain domain, const std::vector<double>& lower, const std::vector<double>& upper,
                           const std::vector<double>& start,
                           const std::function<Cut(const std::vector<double>&)>& oracle, int max_iterations, double tol,
                           std::vector<Cut> cuts) {
  CutResult r;
  r.cuts = std::move(cuts);
  if (r.cuts.empty()) {
    r.cuts.push_back(oracle(start));
    ++r.iterations;
  }
  r.best = 0;
  for (size_t t = 1; t < r.cuts.size(); ++t)
    if (r.cuts[t].value() < r.cuts[r.best].value()) r.best = t;
  for (;;) {
    r.upper = r.cuts[r.best].value();
    const ProgramSolution master = solve_master(m, domain, lower, upper, r.cuts);
    if (master.status != ProgramSolution::Status::optimal)
      throw SolverError("the cutting-plane master LP failed (CLP status " +
                        std::to_string(static_cast<int>(master.status)) + ")");
    r.lower = master.objective;
    r.master_x.assign(master.x.begin() + 1, master.x.end());
    r.weights.assign(r.cuts.size(), 0.0);
    double total = 0;
    for (size_t t = 0; t < r.cuts.size(); ++t) total += r.weights[t] = std::max(0.0, master.row_dual[t]);
    if (total > 0)
      for (double& w : r.weights) w /= total;
    r.converged = r.upper - r.lower <= tol * std::max(1.0, std::fabs(r.upper));
    if (r.converged || r.iterations >= max_iterations) return r;
    r.cuts.push_back(oracle(r.master_x));
    ++r.iterations;
    if (r.cuts.back().value() < r.cuts[r.best].value()) r.best = r.cuts.size() - 1;
  }
}

}  // namespace rateopt
