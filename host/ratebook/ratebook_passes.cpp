// Ratebook mode's passes over the book.  Policies sharing every level ("cells") share their log-multiplier
// change s_c, so each pass sums per cell (in parallel: a cell's sums depend on nothing else) and then
// scatters the cells' sums to their variables in cell order, so the answer does not depend on the number
// of threads.  The per-policy terms are the solve's own (math/policy_math.hpp), chained by dm/dθ = m.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "ratebook/ratebook_internal.hpp"
#include "rateopt/math/policy_math.hpp"

namespace rateopt {

namespace b = math::basis;

RatebookCells build_cells(const std::vector<std::vector<int32_t>>& levels, const RatebookVariables& variables,
                          const Problem& problem, const BookView& book) {
  RatebookCells cells;
  cells.n_factors = static_cast<int>(levels.size());
  const size_t n = book.size(), F = levels.size();
  std::unordered_map<std::string, int64_t> index;
  std::vector<int64_t> cell_of(n);
  std::string key(F * sizeof(int32_t), '\0');
  for (size_t i = 0; i < n; ++i) {
    for (size_t f = 0; f < F; ++f) std::memcpy(&key[f * sizeof(int32_t)], &levels[f][i], sizeof(int32_t));
    const auto [it, fresh] = index.emplace(key, static_cast<int64_t>(index.size()));
    cell_of[i] = it->second;
    if (!fresh) continue;
    cells.variables.push_back(0);
    for (size_t f = 0; f < F; ++f) cells.variables.push_back(variables.factor_offset[f] + levels[f][i]);
  }
  const int64_t n_cells = static_cast<int64_t>(index.size());
  cells.start.assign(n_cells + 1, 0);
  for (size_t i = 0; i < n; ++i) ++cells.start[cell_of[i] + 1];
  for (int64_t c = 0; c < n_cells; ++c) cells.start[c + 1] += cells.start[c];
  cells.policy.resize(n);
  std::vector<uint64_t> fill(cells.start.begin(), cells.start.end() - 1);
  for (size_t i = 0; i < n; ++i) cells.policy[fill[cell_of[i]]++] = i;
  cells.log_lo.assign(n_cells, -HUGE_VAL);
  cells.log_hi.assign(n_cells, HUGE_VAL);
  for (size_t i = 0; i < n; ++i) {
    const double prior = book.prior_multiplier[i];
    double& lo = cells.log_lo[cell_of[i]];
    double& hi = cells.log_hi[cell_of[i]];
    lo = std::max(lo, std::log(problem.policies.lb[i] / prior));
    hi = std::min(hi, std::log(problem.policies.ub[i] / prior));
  }
  return cells;
}

namespace {

double cell_log_change(const RatebookCells& cells, int64_t c, const Vec& theta) {
  const int32_t* vars = cells.cell_variables(c);
  double s = 0;
  for (int k = 0; k <= cells.n_factors; ++k) s += theta[vars[k]];
  return s;
}

// One cell's sums: T into t[K]; with prices also dT/ds into j[K] and d²(ω·φ)/ds² into *h.
void cell_sums(const Problem& problem, const RatebookCells& cells, const BookView& book, int64_t c, double s,
               const double* omega, double* t, double* j, double* h) {
  const PolicyArrays& p = problem.policies;
  const int K = problem.K;
  std::fill(t, t + K, 0.0);
  if (omega) std::fill(j, j + K, 0.0);
  double h_sum = 0;
  const double change = std::exp(s);
  for (uint64_t k = cells.start[c]; k < cells.start[c + 1]; ++k) {
    const uint64_t i = cells.policy[k];
    const double m = book.prior_multiplier[i] * change;
    const math::PolicyCoefficients pc{p.wtc[i], p.wc[i], p.we[i], p.wr[i], p.wv[i]};
    const math::Demand dm = math::demand(p.demand, p.d0[i], p.d1[i], m);
    const int g = p.n_groups > 0 ? p.group[i] : -1;
    double global[b::global_count], group3[b::per_group];
    math::basis_terms(pc, dm.x, m, global, group3);
    for (int q = 0; q < b::global_count; ++q) t[q] += global[q];
    if (g >= 0)
      for (int q = 0; q < b::per_group; ++q) t[b::group_premium(g) + q] += group3[q];
    if (!omega) continue;
    math::basis_derivatives(pc, dm, m, global, group3);
    for (int q = 0; q < b::global_count; ++q) j[q] += m * global[q];
    if (g >= 0)
      for (int q = 0; q < b::per_group; ++q) j[b::group_premium(g) + q] += m * group3[q];
    // d/ds = m·d/dm, so d²h/ds² = m²·h'' + m·h'
    const math::SeparableValue v = math::separable_value(dm, math::separable_from_prices(pc, omega, g), m);
    h_sum += m * m * v.d2h + m * v.dh;
  }
  if (omega) *h = h_sum;
}

}  // namespace

void ratebook_pass(const Problem& problem, const RatebookCells& cells, const BookView& book, const Vec& theta,
                   const Vec* omega, int n_variables, int threads, RatebookPass& out) {
  const int K = problem.K;
  const int64_t n_cells = cells.size();
  std::vector<double> cell_t(static_cast<size_t>(n_cells) * K), cell_j(omega ? cell_t.size() : 0);
  std::vector<double> cell_h(omega ? n_cells : 0);
  const double* w = omega ? omega->data() : nullptr;
  const int thread_count = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 64) num_threads(thread_count)
  for (int64_t c = 0; c < n_cells; ++c)
    cell_sums(problem, cells, book, c, cell_log_change(cells, c, theta), w, &cell_t[c * K],
              omega ? &cell_j[c * K] : nullptr, omega ? &cell_h[c] : nullptr);
  out.T = Vec::Zero(K);
  for (int64_t c = 0; c < n_cells; ++c)
    for (int q = 0; q < K; ++q) out.T[q] += cell_t[c * K + q];
  if (!omega) return;
  out.J = Mat::Zero(K, n_variables);
  out.H = Mat::Zero(n_variables, n_variables);
  for (int64_t c = 0; c < n_cells; ++c) {
    const int32_t* vars = cells.cell_variables(c);
    for (int a = 0; a <= cells.n_factors; ++a) {
      for (int q = 0; q < K; ++q) out.J(q, vars[a]) += cell_j[c * K + q];
      for (int bb = 0; bb <= cells.n_factors; ++bb) out.H(vars[a], vars[bb]) += cell_h[c];
    }
  }
}

std::vector<double> ratebook_multipliers(const RatebookCells& cells, const BookView& book, const Vec& theta) {
  std::vector<double> m(book.size());
  for (int64_t c = 0; c < cells.size(); ++c) {
    const double change = std::exp(cell_log_change(cells, c, theta));
    for (uint64_t k = cells.start[c]; k < cells.start[c + 1]; ++k) {
      const uint64_t i = cells.policy[k];
      m[i] = book.prior_multiplier[i] * change;
    }
  }
  return m;
}

SparseRows ratebook_rows(const RatebookVariables& variables, const RatebookCells& cells) {
  SparseRows rows;
  for (const RatebookVariables::Order& o : variables.orders) rows.add_row({o.lower, o.upper}, {1.0, -1.0}, o.gap);
  for (const RatebookVariables::Smooth& s : variables.smooth) {
    rows.add_row({s.second, s.first}, {1.0, -1.0}, s.delta);
    rows.add_row({s.first, s.second}, {1.0, -1.0}, s.delta);
  }
  std::vector<int> vars(cells.n_factors + 1);
  const std::vector<double> plus(vars.size(), 1.0), minus(vars.size(), -1.0);
  for (int64_t c = 0; c < cells.size(); ++c) {
    const int32_t* cv = cells.cell_variables(c);
    vars.assign(cv, cv + cells.n_factors + 1);
    // the cell's change reaches [lowest, highest] within the variables' bounds: a box side outside that
    // range never binds, and leaving it out keeps the step's QP small (cells can be as many as policies)
    double lowest = 0, highest = 0;
    for (int v : vars)
      if (!variables.fixed[v]) {
        lowest += variables.lo[v];
        highest += variables.hi[v];
      }
    if (std::isfinite(cells.log_hi[c]) && highest > cells.log_hi[c]) rows.add_row(vars, plus, cells.log_hi[c]);
    if (std::isfinite(cells.log_lo[c]) && lowest < cells.log_lo[c]) rows.add_row(vars, minus, -cells.log_lo[c]);
  }
  return rows;
}

}  // namespace rateopt
