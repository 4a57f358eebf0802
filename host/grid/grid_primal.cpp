#include "grid/grid_primal.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "clusters/mckp.hpp"
#include "rateopt/math/grid_math.hpp"

namespace rateopt {

namespace {
namespace term = math::grid_term;
constexpr double kMipSeconds = 60;
constexpr int kImproveNodes = 2000;     // branch-and-bound nodes of each improvement (about a second)
constexpr double kImproveSeconds = 30;  // and a backstop
// The knapsack's Pareto lists hold 24-byte states: about 0.5 GB at most.  With real weights a binding
// constraint on a smooth grid (many near-tied candidates) can need more; then CBC takes over.
constexpr int64_t kKnapsackMaxStates = 20'000'000;
// CBC's set-up before its time limit applies grows with the programme: at 513 policies × 41 candidates
// it took 7 s of a 1 s budget and gained nothing, so the polish stays small.
constexpr size_t kImproveCandidates = 4096;
// Each re-solve of the tightened relaxation is one LP over the disputed policies; the tightening reaches
// what the split policies swing within a few.
constexpr int kTightenRounds = 8;
// When the few policies the basic cuts dispute cannot absorb the tightening, the LP takes in the policies
// cheapest to move too, every candidate of each, this many candidates in all (CLP solves it in well under
// a second).
constexpr size_t kTightenCandidates = 16384;
// The exchange's moves are among the candidates of the policies cheapest to move, this many in all.
constexpr size_t kExchangeCandidates = 65536;
constexpr int kExchangeMoves = 4096;
// CBC's repair, the last resort, over neighbourhoods of this many candidates: past ~16k columns its
// set-up alone takes minutes (1,024 policies × 41 candidates took 120 s and failed).
constexpr size_t kRepairCandidates[] = {1024, 4096, 16384};
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
  omega_ = omega_for_(dual.cuts[dual.best].x);
  be_.argmax(omega_, &choice);
  res.split.assign(g_.policies(), 0);
  if (o_.exact && o_.exact_method != GridExactMethod::cbc && P_.rows.size() <= 1)
    if (const std::optional<bool> found = exact_by_knapsack(choice, res)) {
      res.choice = choice;
      return *found;
    }
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
  Disputed disputed;
  Vertex vertex;
  bool found = relaxation_and_rounding(dual, disputed, vertex, choice, res);
  if (!found) {
    // Both repairs are cheap next to the dual; the more profitable answer is kept.
    const std::vector<int32_t> rounded = choice;
    std::vector<int32_t> exchanged = rounded;
    int moves = 0;
    const bool by_tightening = tighten_and_round(disputed, vertex, choice, res);
    const bool by_exchange = exchange(exchanged, moves);
    const auto profit = [&](const std::vector<int32_t>& c) { return grid_choice_sums(g_, P_.terms, c)[term::profit]; };
    if (by_exchange && (!by_tightening || profit(exchanged) > profit(choice))) {
      choice = exchanged;
      res.exchange_moves = moves;
    }
    found = by_tightening || by_exchange;
    if (found) {
      std::set<size_t> moved(vertex.split.begin(), vertex.split.end());  // the polish may re-choose them all
      for (size_t i = 0; i < choice.size(); ++i)
        if (choice[i] != rounded[i]) moved.insert(i);
      res.repair_policies = static_cast<int>(moved.size());
      vertex.split.assign(moved.begin(), moved.end());
    } else if (repair(vertex.split, choice, res)) {
      res.choice = choice;
      return true;
    }
  }
  if (found) improve(vertex.split, dual.upper * scales_.profit, choice, res);
  res.choice = choice;
  return found;
}

// With one constraint row Σ a_ij ≤ b (or none), `exact` is a multiple-choice knapsack: each policy's
// candidates are items of weight a_ij (the row at that candidate) and value its profit; the row's limit
// loosened by the tolerance, so that the knapsack accepts what the check of the answer accepts.  Its proof
// needs no size limit, only memory for the Pareto lists: past kKnapsackMaxStates it gives way (nullopt).
std::optional<bool> GridPrimal::exact_by_knapsack(std::vector<int32_t>& choice, GridResult& res) const {
  const size_t n = g_.policies();
  std::vector<double> phi(static_cast<size_t>(P_.terms));
  const GridRow row = P_.rows.empty() ? GridRow{} : P_.rows[0].loosened(o_.tolerance);
  MckpGroups<double> groups(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t r = g_.offset[i]; r < g_.offset[i + 1]; ++r) {
      grid_row_terms(g_, i, r, phi.data());
      const double weight = std::inner_product(row.coef.begin(), row.coef.end(), phi.begin(), 0.0);
      groups[i].push_back({weight, phi[term::profit], static_cast<int32_t>(r - g_.offset[i])});
    }
    keep_undominated(groups[i]);  // as it goes: only the undominated candidates are held
  }
  const double capacity = row.rhs;
  const MckpResult k = solve_mckp(std::move(groups), capacity, kKnapsackMaxStates);
  res.knapsack_states = k.states_total;
  if (k.status == MckpResult::Status::state_limit) {
    res.warnings.push_back("exact: the knapsack's state lists passed " + std::to_string(kKnapsackMaxStates) +
                           " states; proved by cbc instead where the grid is small enough");
    return std::nullopt;
  }
  res.exact_method = "knapsack";
  if (k.status == MckpResult::Status::infeasible) {
    res.status = SolveStatus::infeasible;
    res.message = "no choice of one candidate per policy meets the constraint (proven by the knapsack)";
    return false;
  }
  std::vector<int32_t> optimum(n);
  for (size_t i = 0; i < n; ++i) optimum[i] = static_cast<int32_t>(g_.offset[i]) + k.choice[i];
  const std::vector<double> S = grid_choice_sums(g_, P_.terms, optimum);
  if (!holds(S)) {  // the knapsack's sum and the check's disagree in the last bits at the limit
    res.exact_method.clear();
    res.warnings.push_back("exact: the knapsack's answer sits on the limit within rounding; proved by cbc instead");
    return std::nullopt;
  }
  choice = optimum;
  res.exact_bound = S[term::profit];
  return true;
}

const std::vector<size_t>& GridPrimal::cheapest_to_move() const {
  if (!cheapest_order_.empty() || g_.policies() == 0) return cheapest_order_;
  std::vector<double> gap;
  std::vector<int32_t> unused;
  be_.set_row_window(nullptr);  // the runner-up may lie outside a policy's window
  be_.argmax(omega_, &unused, &gap);
  cheapest_order_.resize(g_.policies());
  std::iota(cheapest_order_.begin(), cheapest_order_.end(), size_t{0});
  std::stable_sort(cheapest_order_.begin(), cheapest_order_.end(), [&](size_t a, size_t b) { return gap[a] < gap[b]; });
  return cheapest_order_;
}

std::vector<size_t> GridPrimal::neighbourhood(const std::vector<size_t>& start, const std::vector<size_t>& order,
                                              size_t extra) const {
  std::set<size_t> chosen(start.begin(), start.end());
  for (size_t k = 0; k < order.size() && chosen.size() < start.size() + extra; ++k) chosen.insert(order[k]);
  std::vector<size_t> set(chosen.begin(), chosen.end());
  if (static_cast<int64_t>(candidates_of(set)) > o_.exact_max_candidates) set.clear();
  return set;
}

std::vector<size_t> GridPrimal::neighbourhood_of_candidates(const std::vector<size_t>& start,
                                                            const std::vector<size_t>& order, size_t candidates) const {
  std::set<size_t> chosen(start.begin(), start.end());
  size_t held = candidates_of(start);
  for (size_t i : order) {
    if (chosen.count(i)) continue;
    if (held + g_.rows_of(i) > candidates) break;
    held += g_.rows_of(i);
    chosen.insert(i);
  }
  return {chosen.begin(), chosen.end()};
}

size_t GridPrimal::candidates_of(const std::vector<size_t>& set) const {
  size_t candidates = 0;
  for (size_t i : set) candidates += g_.rows_of(i);
  return candidates;
}

// Rounding the split policies can give up more than it needs to: the same branch and bound over them and
// the policies cheapest to move closes the gap further, kept only where it earns more.
void GridPrimal::improve(const std::vector<size_t>& split, double bound, std::vector<int32_t>& choice,
                         GridResult& res) const {
  const auto gap = [&](const std::vector<int32_t>& c) {
    return (bound - grid_choice_sums(g_, P_.terms, c)[term::profit]) / std::max(std::fabs(bound), 1e-300);
  };
  if (P_.rows.empty() || gap(choice) <= 1e-9) return;
  const std::vector<size_t>& order = cheapest_to_move();
  for (size_t extra : {size_t{64}, size_t{512}}) {
    const std::vector<size_t> set = neighbourhood(split, order, extra);
    if (set.empty() || candidates_of(set) > kImproveCandidates) return;
    std::vector<int32_t> trial = choice;
    choose_by_mip(set, trial, kImproveSeconds, kImproveNodes);
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
bool GridPrimal::relaxation_and_rounding(const CutResult& dual, Disputed& disputed, Vertex& vertex,
                                         std::vector<int32_t>& choice, GridResult& res) {
  std::vector<std::vector<int32_t>> basic;
  for (size_t t = 0; t < dual.cuts.size(); ++t) {
    if (dual.weights.size() <= t || dual.weights[t] <= 1e-12) continue;
    basic.emplace_back();
    be_.argmax(omega_for_(dual.cuts[t].x), &basic.back());
  }
  if (basic.empty()) return holds(grid_choice_sums(g_, P_.terms, choice));
  choice = basic[0];
  for (size_t i = 0; i < g_.policies(); ++i) {
    std::set<size_t> options;
    for (const auto& b : basic) options.insert(static_cast<size_t>(b[i]));
    if (options.size() < 2) continue;
    disputed.policies.push_back(i);
    disputed.rows.emplace_back(options.begin(), options.end());
  }
  if (disputed.policies.empty()) return holds(grid_choice_sums(g_, P_.terms, choice));
  if (!solve_vertex(disputed, nullptr, choice, vertex)) return false;
  for (size_t i : vertex.split) res.split[i] = 1;
  res.n_split = static_cast<int>(vertex.split.size());
  return round_split(vertex.split, vertex.support, choice);
}

bool GridPrimal::solve_vertex(const Disputed& disputed, const std::vector<double>* tighten,
                              std::vector<int32_t>& choice, Vertex& vertex) const {
  const ProgramSolution lp =
      solve_lp(restricted_program(disputed.policies, disputed.rows, choice, false, nullptr, tighten));
  if (lp.status != ProgramSolution::Status::optimal) return false;
  vertex = Vertex{};
  size_t column = 0;
  for (size_t d = 0; d < disputed.policies.size(); ++d) {
    const std::vector<size_t>& rows = disputed.rows[d];
    std::vector<size_t> used;
    size_t heaviest = 0;
    const double* y = &lp.x[column];
    for (size_t j = 0; j < rows.size(); ++j) {
      if (y[j] > 1e-9) used.push_back(rows[j]);
      if (y[j] > y[heaviest]) heaviest = j;
    }
    column += rows.size();
    choice[disputed.policies[d]] = static_cast<int32_t>(rows[heaviest]);
    if (used.size() > 1) {
      vertex.split.push_back(disputed.policies[d]);
      vertex.support.push_back(std::move(used));
    }
  }
  return true;
}

std::vector<double> GridPrimal::swing(const Vertex& vertex) const {
  const size_t m = P_.rows.size();
  std::vector<double> total(m, 0.0), phi(static_cast<size_t>(P_.terms));
  for (size_t s = 0; s < vertex.split.size(); ++s) {
    std::vector<double> low(m, INFINITY), high(m, -INFINITY);
    for (size_t r : vertex.support[s]) {
      grid_row_terms(g_, vertex.split[s], r, phi.data());
      for (size_t k = 0; k < m; ++k) {
        const double a = row_value(k, phi.data());
        low[k] = std::min(low[k], a);
        high[k] = std::max(high[k], a);
      }
    }
    for (size_t k = 0; k < m; ++k) total[k] += high[k] - low[k];
  }
  return total;
}

// Rounding a vertex moves each row by at most what its split policies swing.  With every limit lowered by
// that much, any rounding of the new vertex meets the limits as written, provided its own split policies
// swing no more; the tightening grows to what they swing until a rounding holds.  The profit given up is
// about λ·tightening, a policy's worth.  Where the candidates the basic cuts chose cannot absorb the
// tightening, the LP takes in the policies cheapest to move with every candidate of each.
bool GridPrimal::tighten_and_round(Disputed& disputed, Vertex& vertex, std::vector<int32_t>& choice,
                                   GridResult& res) const {
  if (disputed.policies.empty() || P_.rows.empty()) return false;
  std::vector<double> tighten = swing(vertex);
  bool widened = false;
  for (int round = 0; round < kTightenRounds; ++round) {
    std::vector<int32_t> trial = choice;
    Vertex next;
    if (!solve_vertex(disputed, &tighten, trial, next)) {
      if (widened) return false;
      widened = true;
      Disputed wide;
      wide.policies = neighbourhood_of_candidates(disputed.policies, cheapest_to_move(), kTightenCandidates);
      for (size_t i : wide.policies) {
        wide.rows.emplace_back(g_.rows_of(i));
        std::iota(wide.rows.back().begin(), wide.rows.back().end(), g_.offset[i]);
      }
      disputed = std::move(wide);
      continue;
    }
    ++res.tightenings;
    choice = std::move(trial);
    vertex = std::move(next);
    if (round_split(vertex.split, vertex.support, choice) || holds(grid_choice_sums(g_, P_.terms, choice))) return true;
    const std::vector<double> more = swing(vertex);
    for (size_t k = 0; k < tighten.size(); ++k) tighten[k] = std::max(tighten[k], more[k]);
  }
  return false;
}

// From a choice breaking a limit by a little: one policy at a time moves to another of its candidates, the
// move giving up the least profit per unit of violation removed (violation: Σ_k of each row's excess over
// its scale) among those breaking no row that holds, or where none does, among those that lower the
// violation in all.  Only the policies cheapest to move at the multipliers take part: their moves cost
// about λ per unit of the row.
bool GridPrimal::exchange(std::vector<int32_t>& choice, int& moves) const {
  if (P_.rows.empty()) return false;
  const size_t m = P_.rows.size(), T = static_cast<size_t>(P_.terms);
  const std::vector<size_t> pool = neighbourhood_of_candidates({}, cheapest_to_move(), kExchangeCandidates);
  std::vector<size_t> first{0};  // pool[p]'s candidates at first[p] .. first[p + 1] of profit and a
  std::vector<double> profit, a, phi(T);
  for (size_t i : pool) {
    for (size_t r = g_.offset[i]; r < g_.offset[i + 1]; ++r) {
      grid_row_terms(g_, i, r, phi.data());
      profit.push_back(phi[term::profit] / scales_.profit);
      for (size_t k = 0; k < m; ++k) a.push_back(row_value(k, phi.data()));
    }
    first.push_back(profit.size());
  }
  std::vector<double> S = grid_choice_sums(g_, P_.terms, choice), e(m), next(m);
  for (int move = 0; move < kExchangeMoves; ++move) {
    double violation = 0;
    for (size_t k = 0; k < m; ++k) violation += std::max(0.0, e[k] = P_.rows[k].excess(S) / scales_.row[k]);
    if (violation <= 0 || holds(S)) return holds(S);
    // [0]: the best move breaking no row that holds; [1]: the best of all, taken only when there is no [0]
    double best_score[2] = {INFINITY, INFINITY};
    size_t best_p[2] = {0, 0}, best_r[2] = {0, 0};
    for (size_t p = 0; p < pool.size(); ++p) {
      const size_t now = first[p] + static_cast<size_t>(choice[pool[p]]) - g_.offset[pool[p]];
      for (size_t c = first[p]; c < first[p + 1]; ++c) {
        if (c == now) continue;
        double after = 0;
        bool breaks = false;
        for (size_t k = 0; k < m; ++k) {
          next[k] = e[k] + a[c * m + k] - a[now * m + k];
          after += std::max(0.0, next[k]);
          breaks = breaks || (e[k] <= 0 && next[k] > 0);
        }
        if (after >= violation) continue;
        const double score = (profit[now] - profit[c]) / (violation - after);
        for (size_t kind = breaks ? 1 : 0; kind < 2; ++kind)
          if (score < best_score[kind]) best_score[kind] = score, best_p[kind] = p, best_r[kind] = c - first[p];
      }
    }
    const size_t pick = best_score[0] < INFINITY ? 0 : 1;
    if (best_score[pick] == INFINITY) return false;
    const size_t i = pool[best_p[pick]];
    grid_row_terms(g_, i, static_cast<size_t>(choice[i]), phi.data());
    for (size_t t = 0; t < T; ++t) S[t] -= phi[t];
    choice[i] = static_cast<int32_t>(g_.offset[i] + best_r[pick]);
    grid_row_terms(g_, i, static_cast<size_t>(choice[i]), phi.data());
    for (size_t t = 0; t < T; ++t) S[t] += phi[t];
    ++moves;
  }
  return holds(S);
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
  if (combinations > 4096) return holds(base);
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
                                             const std::vector<int32_t>& choice, bool integer, double* others_profit,
                                             const std::vector<double>* tighten) const {
  const size_t T = static_cast<size_t>(P_.terms), m = P_.rows.size();
  std::vector<double> S = grid_choice_sums(g_, P_.terms, choice), phi(T);
  for (size_t i : set) {  // what the other policies leave
    grid_row_terms(g_, i, static_cast<size_t>(choice[i]), phi.data());
    for (size_t t = 0; t < T; ++t) S[t] -= phi[t];
  }
  if (others_profit) *others_profit = S[term::profit];
  SparseProgram program;
  std::vector<int> row_of(m);
  for (size_t k = 0; k < m; ++k)
    row_of[k] = program.add_row(-kCoinInfinity, -P_.rows[k].excess(S) / scales_.row[k] - (tighten ? (*tighten)[k] : 0));
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
                                                  double seconds, int nodes, double* bound) const {
  std::vector<std::vector<size_t>> rows(set.size());
  std::vector<size_t> first_column(set.size());
  for (size_t s = 0, column = 0; s < set.size(); column += rows[s].size(), ++s) {
    first_column[s] = column;
    for (size_t r = g_.offset[set[s]]; r < g_.offset[set[s] + 1]; ++r) rows[s].push_back(r);
  }
  double others_profit = 0;
  const ProgramSolution sol = solve_mip(restricted_program(set, rows, choice, true, &others_profit), seconds, nodes);
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

// Branch and bound over the split policies plus the policies cheapest to move at the dual's prices, more
// candidates each time, up to the whole grid when it is that small (then infeasibility is proven).
bool GridPrimal::repair(const std::vector<size_t>& start, std::vector<int32_t>& choice, GridResult& res) const {
  const std::vector<size_t>& order = cheapest_to_move();
  for (size_t candidates : kRepairCandidates) {
    const size_t budget = std::min(candidates, static_cast<size_t>(std::max<int64_t>(o_.exact_max_candidates, 0)));
    const std::vector<size_t> set = neighbourhood_of_candidates(start, order, budget);
    if (set.empty()) break;
    const ProgramSolution::Status status = choose_by_mip(set, choice, kMipSeconds, 0);
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
      "no choice meeting every constraint was found by rounding, by tightening the relaxation, by single-policy "
      "exchanges or by branch and bound over the policies nearest a change; the relaxation's bound stands";
  return false;
}

bool GridPrimal::exact(std::vector<int32_t>& choice, GridResult& res) const {
  std::vector<size_t> all(g_.policies());
  std::iota(all.begin(), all.end(), size_t{0});
  double bound = 0;
  res.exact_method = "cbc";
  const ProgramSolution::Status status = choose_by_mip(all, choice, 3600, 0, &bound);
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
