#include "grid/grid_primal.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "rateopt/math/grid_math.hpp"

namespace rateopt {

namespace {
namespace term = math::grid_term;
constexpr double kMipSeconds = 60;
constexpr double kImproveSeconds = 1;
}  // namespace

GridPrimal::GridPrimal(const GridBook& grid, const GridProblem& problem, GridBackend& backend, const GridScales& scales,
                       const GridOptions& options, OmegaFor omega_for)
    : g_(grid), P_(problem), be_(backend), scales_(scales), o_(options), omega_for_(std::move(omega_for)) {}

bool GridPrimal::holds(const std::vector<double>& S) const {
  for (const GridRow& row : P_.rows)
    if (!row.holds(S, o_.tolerance)) return false;
  return true;
}

double GridPrimal::row_value(size_t k, const double* phi) const {
  const GridRow& row = P_.rows[k];
  double v = 0;
  for (size_t t = 0; t < row.coef.size(); ++t) v += row.coef[t] * phi[t];
  return v / scales_.row[k];
}

bool GridPrimal::run(const CutResult& dual, GridResult& res) {
  res.method = o_.exact ? "exact" : "dual";
  std::vector<int32_t> choice;
  const std::vector<double> omega = omega_for_(dual.cuts[dual.best].x);
  be_.argmax(omega, &choice);
  res.split.assign(g_.policies(), 0);
  if (o_.exact && static_cast<int64_t>(g_.candidates()) <= o_.exact_max_candidates) {
    const bool found = exact(choice, res);
    res.choice = choice;
    return found;
  }
  if (o_.exact) {
    res.method = "dual";
    res.warnings.push_back("exact: the grid has " + std::to_string(g_.candidates()) +
                           " candidates, above exact_max_candidates; solved by the dual and rounding instead");
  }
  bool found = relaxation_and_rounding(dual, choice, res);
  std::vector<size_t> split;
  for (size_t i = 0; i < g_.policies(); ++i)
    if (res.split[i]) split.push_back(i);
  if (!found)
    found = repair(split, omega, choice, res);
  else
    improve(split, omega, dual.upper * scales_.profit, choice, res);
  res.choice = choice;
  return found;
}

std::vector<size_t> GridPrimal::cheapest_to_move(const std::vector<double>& omega) const {
  std::vector<double> gap;
  std::vector<int32_t> unused;
  be_.set_row_window(nullptr);  // the runner-up may lie outside a policy's window
  be_.argmax(omega, &unused, &gap);
  std::vector<size_t> order(g_.policies());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return gap[a] < gap[b]; });
  return order;
}

std::vector<size_t> GridPrimal::neighbourhood(const std::vector<size_t>& start, const std::vector<size_t>& order,
                                              size_t extra) const {
  std::set<size_t> chosen(start.begin(), start.end());
  for (size_t k = 0; k < order.size() && chosen.size() < start.size() + extra; ++k) chosen.insert(order[k]);
  std::vector<size_t> set(chosen.begin(), chosen.end());
  size_t candidates = 0;
  for (size_t i : set) candidates += g_.rows_of(i);
  if (static_cast<int64_t>(candidates) > o_.exact_max_candidates) set.clear();
  return set;
}

// Rounding the split policies can give up more than it needs to: the same branch and bound over them and
// the policies cheapest to move closes the gap further, kept only where it earns more.
void GridPrimal::improve(const std::vector<size_t>& split, const std::vector<double>& omega, double bound,
                         std::vector<int32_t>& choice, GridResult& res) const {
  const auto gap = [&](const std::vector<int32_t>& c) {
    return (bound - grid_choice_sums(g_, P_.terms, c)[term::profit]) / std::max(std::fabs(bound), 1e-300);
  };
  if (P_.rows.empty() || gap(choice) <= 1e-9) return;
  const std::vector<size_t> order = cheapest_to_move(omega);
  for (size_t extra : {size_t{64}, size_t{512}}) {
    const std::vector<size_t> set = neighbourhood(split, order, extra);
    if (set.empty()) return;
    std::vector<int32_t> trial = choice;
    choose_by_mip(set, trial, kImproveSeconds);
    if (gap(trial) < gap(choice)) {
      choice = trial;
      res.repair_policies = static_cast<int>(set.size());
    }
    if (gap(choice) <= 1e-9 || set.size() == g_.policies()) return;
  }
}

// The master's weights mix the choices of the basic cuts.  The LP over the policies they disagree
// on (every other policy as all basic cuts choose it) holds that mix, so it is feasible and reaches
// the relaxation's value; its vertex splits at most m policies, which rounding then settles.
bool GridPrimal::relaxation_and_rounding(const CutResult& dual, std::vector<int32_t>& choice, GridResult& res) {
  std::vector<std::vector<int32_t>> basic;
  for (size_t t = 0; t < dual.cuts.size(); ++t) {
    if (dual.weights.size() <= t || dual.weights[t] <= 1e-12) continue;
    basic.emplace_back();
    be_.argmax(omega_for_(dual.cuts[t].x), &basic.back());
  }
  if (basic.empty()) return holds(grid_choice_sums(g_, P_.terms, choice));
  choice = basic[0];
  std::vector<size_t> disputed;
  std::vector<std::vector<size_t>> rows;
  for (size_t i = 0; i < g_.policies(); ++i) {
    std::set<size_t> options;
    for (const auto& b : basic) options.insert(static_cast<size_t>(b[i]));
    if (options.size() < 2) continue;
    disputed.push_back(i);
    rows.emplace_back(options.begin(), options.end());
  }
  if (disputed.empty()) return holds(grid_choice_sums(g_, P_.terms, choice));
  const ProgramSolution vertex = solve_lp(restricted_program(disputed, rows, choice, false));
  if (vertex.status != ProgramSolution::Status::optimal) return false;
  std::vector<size_t> split;
  std::vector<std::vector<size_t>> support;
  size_t column = 0;
  for (size_t d = 0; d < disputed.size(); ++d) {
    std::vector<size_t> used;
    size_t heaviest = 0;
    const double* y = &vertex.x[column];
    for (size_t j = 0; j < rows[d].size(); ++j) {
      if (y[j] > 1e-9) used.push_back(rows[d][j]);
      if (y[j] > y[heaviest]) heaviest = j;
    }
    column += rows[d].size();
    choice[disputed[d]] = static_cast<int32_t>(rows[d][heaviest]);
    if (used.size() > 1) {
      split.push_back(disputed[d]);
      support.push_back(used);
      res.split[disputed[d]] = 1;
    }
  }
  res.n_split = static_cast<int>(split.size());
  return round_split(split, support, choice);
}

// Every combination of the split policies' candidates (when there are at most 4,096); the most
// profitable one meeting every constraint.
bool GridPrimal::round_split(const std::vector<size_t>& split, const std::vector<std::vector<size_t>>& support,
                             std::vector<int32_t>& choice) const {
  const size_t T = static_cast<size_t>(P_.terms);
  std::vector<double> base = grid_choice_sums(g_, P_.terms, choice), phi(T);
  if (split.empty()) return holds(base);
  double combinations = 1;
  for (const auto& s : support) combinations *= static_cast<double>(s.size());
  if (combinations > 4096) return false;
  for (size_t i : split) {
    grid_row_terms(g_, i, static_cast<size_t>(choice[i]), phi.data());
    for (size_t t = 0; t < T; ++t) base[t] -= phi[t];
  }
  std::vector<size_t> pick(split.size(), 0), best;
  double best_profit = -INFINITY;
  for (;;) {
    std::vector<double> S = base;
    for (size_t s = 0; s < split.size(); ++s) {
      grid_row_terms(g_, split[s], support[s][pick[s]], phi.data());
      for (size_t t = 0; t < T; ++t) S[t] += phi[t];
    }
    if (holds(S) && S[term::profit] > best_profit) {
      best_profit = S[term::profit];
      best = pick;
    }
    size_t s = 0;
    while (s < split.size() && ++pick[s] == support[s].size()) pick[s++] = 0;
    if (s == split.size()) break;
  }
  if (best.empty()) return false;
  for (size_t s = 0; s < split.size(); ++s) choice[split[s]] = static_cast<int32_t>(support[s][best[s]]);
  return true;
}

SparseProgram GridPrimal::restricted_program(const std::vector<size_t>& set,
                                             const std::vector<std::vector<size_t>>& rows,
                                             const std::vector<int32_t>& choice, bool integer,
                                             double* others_profit) const {
  const size_t T = static_cast<size_t>(P_.terms), m = P_.rows.size();
  std::vector<double> S = grid_choice_sums(g_, P_.terms, choice), phi(T);
  for (size_t i : set) {  // what the other policies leave
    grid_row_terms(g_, i, static_cast<size_t>(choice[i]), phi.data());
    for (size_t t = 0; t < T; ++t) S[t] -= phi[t];
  }
  if (others_profit) *others_profit = S[term::profit];
  SparseProgram program;
  std::vector<int> row_of(m);
  for (size_t k = 0; k < m; ++k) row_of[k] = program.add_row(-kCoinInfinity, -P_.rows[k].excess(S) / scales_.row[k]);
  for (size_t s = 0; s < set.size(); ++s) {
    const int one_hot = program.add_row(1.0, 1.0);
    for (size_t r : rows[s]) {
      grid_row_terms(g_, set[s], r, phi.data());
      const int c = program.add_column(0.0, 1.0, phi[term::profit] / scales_.profit, integer);
      program.add(one_hot, c, 1.0);
      for (size_t k = 0; k < m; ++k)
        if (const double a = row_value(k, phi.data()); a != 0) program.add(row_of[k], c, a);
    }
  }
  return program;
}

ProgramSolution::Status GridPrimal::choose_by_mip(const std::vector<size_t>& set, std::vector<int32_t>& choice,
                                                  double seconds, double* bound) const {
  std::vector<std::vector<size_t>> rows(set.size());
  std::vector<size_t> first_column(set.size());
  for (size_t s = 0, column = 0; s < set.size(); column += rows[s].size(), ++s) {
    first_column[s] = column;
    for (size_t r = g_.offset[set[s]]; r < g_.offset[set[s] + 1]; ++r) rows[s].push_back(r);
  }
  double others_profit = 0;
  const ProgramSolution sol = solve_mip(restricted_program(set, rows, choice, true, &others_profit), seconds);
  if (bound) *bound = sol.bound * scales_.profit + others_profit;
  if (sol.x.empty()) return sol.status;
  std::vector<int32_t> trial = choice;
  for (size_t s = 0; s < set.size(); ++s) {
    const size_t i = set[s];
    size_t best = 0;
    for (size_t j = 1; j < g_.rows_of(i); ++j)
      if (sol.x[static_cast<size_t>(first_column[s]) + j] > sol.x[static_cast<size_t>(first_column[s]) + best])
        best = j;
    trial[i] = static_cast<int32_t>(g_.offset[i] + best);
  }
  if (!holds(grid_choice_sums(g_, P_.terms, trial))) return ProgramSolution::Status::failed;
  choice = trial;
  return sol.status;
}

// Branch and bound over the split policies plus the policies cheapest to move at the dual's prices,
// more of them each time, up to the whole grid when it is small enough.
bool GridPrimal::repair(const std::vector<size_t>& start, const std::vector<double>& omega,
                        std::vector<int32_t>& choice, GridResult& res) const {
  const std::vector<size_t> order = cheapest_to_move(omega);
  for (size_t extra : {size_t{64}, size_t{1024}, size_t{8192}, g_.policies()}) {
    const std::vector<size_t> set = neighbourhood(start, order, extra);
    if (set.empty()) break;
    const ProgramSolution::Status status = choose_by_mip(set, choice, kMipSeconds);
    if (status == ProgramSolution::Status::optimal || status == ProgramSolution::Status::stopped) {
      res.repair_policies = static_cast<int>(set.size());
      return true;
    }
    if (status == ProgramSolution::Status::infeasible && set.size() == g_.policies()) {
      res.status = SolveStatus::infeasible;
      res.message =
          "no choice of one candidate per policy meets every constraint (proven by branch and bound over "
          "every candidate), though a mix of candidates would";
      return false;
    }
    if (set.size() == g_.policies()) break;
  }
  res.status = SolveStatus::max_iterations;
  res.message =
      "no choice meeting every constraint was found by rounding or by branch and bound over the policies "
      "nearest a change; the relaxation's bound stands";
  return false;
}

bool GridPrimal::exact(std::vector<int32_t>& choice, GridResult& res) const {
  std::vector<size_t> all(g_.policies());
  std::iota(all.begin(), all.end(), size_t{0});
  double bound = 0;
  const ProgramSolution::Status status = choose_by_mip(all, choice, 3600, &bound);
  if (status == ProgramSolution::Status::infeasible) {
    res.status = SolveStatus::infeasible;
    res.message =
        "no choice of one candidate per policy meets every constraint (proven by branch and bound over "
        "every candidate), though a mix of candidates would";
    return false;
  }
  res.exact_bound = bound;
  if (status != ProgramSolution::Status::optimal) {
    res.status = SolveStatus::time_limit;
    res.message = "branch and bound stopped before proving the optimum";
    return status == ProgramSolution::Status::stopped && !choice.empty();
  }
  return true;
}

}  // namespace rateopt
