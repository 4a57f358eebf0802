// The price-grid solve against brute force (every choice of one candidate per policy enumerated), the
// LP relaxation solved directly, and the continuous optimiser on a grid built from its book.
#include <gtest/gtest.h>

#include <iostream>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "grid/coin.hpp"
#include "grid/grid_backend.hpp"
#include "grid/grid_window.hpp"
#include "io/format.hpp"
#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/solve.hpp"

namespace rateopt {
namespace {

// A grid built in memory: per row premium, demand, loss cost and a "score" column; per policy weight,
// renewal flag and baseline step.
GridBook random_grid(uint32_t seed, size_t n, size_t max_k) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  GridBook g;
  g.source = "memory.csv";
  g.offset.push_back(0);
  GridColumn score;
  score.per_row = true;
  g.loss_cost.per_row = true;
  for (size_t i = 0; i < n; ++i) {
    const size_t k = 2 + static_cast<size_t>(u(rng) * static_cast<double>(max_k - 1));
    const double tc = 200 + 600 * u(rng), c = tc * (0.5 + 0.4 * u(rng)), x0 = 0.3 + 0.6 * u(rng),
                 eps = -3 + 2.5 * u(rng);
    std::vector<double> m(k);
    for (double& v : m) v = 0.8 + 0.6 * u(rng);
    std::sort(m.begin(), m.end());
    int32_t baseline = 0;
    for (size_t j = 0; j < k; ++j) {
      g.premium.push_back(tc * m[j]);
      g.demand.push_back(std::min(1.0, x0 * std::pow(m[j], eps)));
      g.loss_cost.values.push_back(c * (1 + 0.05 * u(rng)));
      score.values.push_back(10 * u(rng));
      if (std::fabs(m[j] - 1) < std::fabs(m[static_cast<size_t>(baseline)] - 1)) baseline = static_cast<int32_t>(j);
    }
    g.offset.push_back(g.premium.size());
    g.policy_id.push_back("P" + std::to_string(i));
    g.weight.push_back(u(rng) < 0.5 ? 1.0 : 2.0);
    g.renewal.push_back(u(rng) < 0.6 ? 1 : 0);
    g.group.push_back(0);
    g.baseline.push_back(baseline);
    g.first_line.push_back(2 + i);
  }
  g.renewal[0] = 1;
  g.group_names = {"all"};
  g.extra_names = {"score"};
  g.extra.push_back(score);
  return g;
}

// A grid drawn as the benchmark draws its books: K evenly spaced multipliers 0.8 … 1.2 of a lognormal
// base premium, loss cost per policy, logistic demand whose logit is floored to steps of 0.05 (a GBM's
// piecewise-constant look: many near-tied candidates), 60% renewals.
GridBook quantised_grid(uint32_t seed, size_t n, size_t k) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> z(std::log(600.0), 0.5);
  GridBook g;
  g.source = "memory.csv";
  g.offset.push_back(0);
  g.loss_cost.per_row = true;  // the same cost on each row, as this file's sums read it
  GridColumn score;
  score.per_row = true;
  for (size_t i = 0; i < n; ++i) {
    const double base = std::round(std::exp(z(rng)) * 100) / 100,
                 cost = std::round(base * (0.5 + 0.35 * u(rng)) * 100) / 100;
    const bool renewal = u(rng) < 0.6;
    const double x0 = renewal ? 0.55 + 0.4 * u(rng) : 0.08 + 0.37 * u(rng), slope = 1.5 + 7.5 * u(rng);
    for (size_t j = 0; j < k; ++j) {
      const double m = 0.8 + 0.4 * static_cast<double>(j) / static_cast<double>(k - 1);
      const double logit = std::floor((std::log(x0 / (1 - x0)) - slope * std::log(m)) / 0.05) * 0.05;
      g.premium.push_back(std::round(base * m * 100) / 100);
      g.demand.push_back(std::round(1e6 / (1 + std::exp(-logit))) / 1e6);
      g.loss_cost.values.push_back(cost);
      score.values.push_back(0);
    }
    g.offset.push_back(g.premium.size());
    g.policy_id.push_back("P" + std::to_string(i));
    g.weight.push_back(1.0);
    g.renewal.push_back(renewal ? 1 : 0);
    g.group.push_back(0);
    g.baseline.push_back(static_cast<int32_t>(k / 2));
    g.first_line.push_back(2 + i * k);
  }
  g.renewal[0] = 1;
  g.group_names = {"all"};
  g.extra_names = {"score"};
  g.extra.push_back(score);
  return g;
}

// The sums of one choice, computed here from the formulas (not by the library).
struct Sums {
  double profit = 0, gwp = 0, claims = 0, retained = 0, volume = 0, score = 0;
};
Sums candidate_sums(const GridBook& g, size_t i, size_t r) {
  Sums s;
  const double w = g.weight[i], p = g.premium[r], x = g.demand[r], c = g.loss_cost.values[r];
  s.profit = w * (p - c) * x;
  s.gwp = w * p * x;
  s.claims = w * c * x;
  s.retained = g.renewal[i] ? w * x : 0;
  s.volume = w * x;
  s.score = w * g.extra[0].values[r];
  return s;
}
Sums sums_of(const GridBook& g, const std::vector<size_t>& row) {
  Sums s;
  for (size_t i = 0; i < g.policies(); ++i) {
    const Sums c = candidate_sums(g, i, row[i]);
    s.profit += c.profit;
    s.gwp += c.gwp;
    s.claims += c.claims;
    s.retained += c.retained;
    s.volume += c.volume;
    s.score += c.score;
  }
  return s;
}

double renewal_weight(const GridBook& g) {
  double w = 0;
  for (size_t i = 0; i < g.policies(); ++i) w += g.renewal[i] ? g.weight[i] : 0;
  return w;
}

enum class Kind {
  lr_max,
  lr_min,
  gwp_min,
  gwp_max,
  retention_min,
  sum_min_score,
  sum_max_volume,
  ratio_max,
  ratio_min
};
constexpr Kind kKinds[] = {Kind::lr_max,         Kind::lr_min,        Kind::gwp_min,
                           Kind::gwp_max,        Kind::retention_min, Kind::sum_min_score,
                           Kind::sum_max_volume, Kind::ratio_max,     Kind::ratio_min};

struct Limit {
  Kind kind;
  double value;
};

double quantity(Kind k, const Sums& s, double w_r) {
  switch (k) {
    case Kind::lr_max:
    case Kind::lr_min:
      return s.claims / s.gwp;
    case Kind::gwp_min:
    case Kind::gwp_max:
      return s.gwp;
    case Kind::retention_min:
      return s.retained / w_r;
    case Kind::sum_min_score:
      return s.score;
    case Kind::sum_max_volume:
      return s.volume;
    case Kind::ratio_max:
    case Kind::ratio_min:
      return s.score / s.volume;
  }
  return 0;
}
bool at_most(Kind k) {
  return k == Kind::lr_max || k == Kind::gwp_max || k == Kind::sum_max_volume || k == Kind::ratio_max;
}
bool holds(const Limit& l, const Sums& s, double w_r, double tol) {
  const double q = quantity(l.kind, s, w_r);
  return at_most(l.kind) ? q <= l.value + tol * std::fabs(l.value) : q >= l.value - tol * std::fabs(l.value);
}

void set_limit(GridOptions& o, const Limit& l) {
  switch (l.kind) {
    case Kind::lr_max:
      o.lr_max = l.value;
      break;
    case Kind::lr_min:
      o.lr_min = l.value;
      break;
    case Kind::gwp_min:
      o.gwp_min = l.value;
      break;
    case Kind::gwp_max:
      o.gwp_max = l.value;
      break;
    case Kind::retention_min:
      o.retention_min = l.value;
      break;
    case Kind::sum_min_score:
      o.sum_min.push_back("score=" + shortest(l.value));
      break;
    case Kind::sum_max_volume:
      o.sum_max.push_back("volume=" + shortest(l.value));
      break;
    case Kind::ratio_max:
      o.ratio_max.push_back("score/volume=" + shortest(l.value));
      break;
    case Kind::ratio_min:
      o.ratio_min.push_back("score/volume=" + shortest(l.value));
      break;
  }
}

// Every choice: calls f(rows, sums).
template <class F>
void enumerate(const GridBook& g, F&& f) {
  std::vector<size_t> row(g.policies());
  for (size_t i = 0; i < g.policies(); ++i) row[i] = g.offset[i];
  for (;;) {
    f(row, sums_of(g, row));
    size_t i = 0;
    while (i < g.policies() && ++row[i] == g.offset[i + 1]) row[i] = g.offset[i], ++i;
    if (i == g.policies()) return;
  }
}

// The limit `t` of the way from the unconstrained optimum's value to the most extreme value reachable
// (t > 1: beyond what any choice, or mix of choices, reaches).
Limit limit_between(const GridBook& g, Kind k, double t) {
  const double w_r = renewal_weight(g);
  double best_profit = -INFINITY, q0 = 0, extreme = at_most(k) ? INFINITY : -INFINITY;
  enumerate(g, [&](const std::vector<size_t>&, const Sums& s) {
    const double q = quantity(k, s, w_r);
    if (s.profit > best_profit) best_profit = s.profit, q0 = q;
    extreme = at_most(k) ? std::min(extreme, q) : std::max(extreme, q);
  });
  return {k, q0 + t * (extreme - q0)};
}

struct Brute {
  bool feasible = false;
  double profit = -INFINITY;
};
Brute brute_force(const GridBook& g, const std::vector<Limit>& limits) {
  const double w_r = renewal_weight(g);
  Brute b;
  enumerate(g, [&](const std::vector<size_t>&, const Sums& s) {
    for (const Limit& l : limits)
      if (!holds(l, s, w_r, 0)) return;
    b.feasible = true;
    b.profit = std::max(b.profit, s.profit);
  });
  return b;
}

// The LP relaxation over every candidate, solved directly (one column per candidate).
double lp_relaxation(const GridBook& g, const std::vector<Limit>& limits) {
  SparseProgram lp;
  const double w_r = renewal_weight(g);
  std::vector<int> rows;
  for (const Limit& l : limits) {
    const bool ratio =
        l.kind == Kind::lr_max || l.kind == Kind::lr_min || l.kind == Kind::ratio_max || l.kind == Kind::ratio_min;
    const double rhs = ratio ? 0.0 : l.kind == Kind::retention_min ? l.value * w_r : l.value;
    rows.push_back(at_most(l.kind) ? lp.add_row(-1e30, rhs) : lp.add_row(rhs, 1e30));
  }
  for (size_t i = 0; i < g.policies(); ++i) {
    const int one = lp.add_row(1, 1);
    for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r) {
      std::vector<size_t> single(g.policies(), g.offset[0]);
      const double w = g.weight[i], p = g.premium[r], x = g.demand[r], c = g.loss_cost.values[r],
                   sc = g.extra[0].values[r];
      const int col = lp.add_column(0, 1, w * (p - c) * x);
      lp.add(one, col, 1);
      for (size_t k = 0; k < limits.size(); ++k) {
        double a = 0;
        switch (limits[k].kind) {
          case Kind::lr_max:
          case Kind::lr_min:
            a = w * c * x - limits[k].value * w * p * x;
            break;
          case Kind::gwp_min:
          case Kind::gwp_max:
            a = w * p * x;
            break;
          case Kind::retention_min:
            a = g.renewal[i] ? w * x : 0;
            break;
          case Kind::sum_min_score:
            a = w * sc;
            break;
          case Kind::sum_max_volume:
            a = w * x;
            break;
          case Kind::ratio_max:
          case Kind::ratio_min:
            a = w * sc - limits[k].value * w * x;
            break;
        }
        lp.add(rows[k], col, a);
      }
    }
  }
  const ProgramSolution s = solve_lp(lp);
  EXPECT_EQ(s.status, ProgramSolution::Status::optimal);
  return s.objective;
}

GridOptions options_for(const std::vector<Limit>& limits, bool exact,
                        GridExactMethod method = GridExactMethod::automatic) {
  GridOptions o;
  for (const Limit& l : limits) set_limit(o, l);
  o.exact = exact;
  o.exact_method = method;
  o.threads = 2;
  return o;
}

// The library's answer checked against brute force, the direct LP and its own claims.
void check_against_brute_force(uint32_t seed, const std::vector<Limit>& limits, bool exact,
                               GridExactMethod method = GridExactMethod::automatic) {
  GridBook g = random_grid(seed, 6, 4);
  const Brute brute = brute_force(g, limits);
  GridBook solved = g;
  const GridResult r = solve_grid(solved, options_for(limits, exact, method));
  SCOPED_TRACE("seed " + std::to_string(seed) + (exact ? " exact " + std::string(to_string(method)) : "") + ": " +
               r.message);
  const double w_r = renewal_weight(g);
  if (!brute.feasible) {
    EXPECT_EQ(r.status, SolveStatus::infeasible);
    if (r.infeasibility) {  // the proof holds for every choice (weights per unit of each row)
      const GridInfeasibility& proof = *r.infeasibility;
      EXPECT_GT(proof.combined_min, proof.combined_limit);
    }
    return;
  }
  ASSERT_EQ(r.status, SolveStatus::converged);
  std::vector<size_t> rows(r.choice.begin(), r.choice.end());
  const Sums s = sums_of(g, rows);
  EXPECT_NEAR(s.profit, r.expected_profit, 1e-9 * std::fabs(brute.profit));
  for (const Limit& l : limits) EXPECT_TRUE(holds(l, s, w_r, 1e-9)) << "kind " << static_cast<int>(l.kind);
  const double tol = 1e-9 * std::max(1.0, std::fabs(brute.profit));
  EXPECT_LE(s.profit, brute.profit + tol);
  ASSERT_TRUE(r.dual_bound.has_value());
  EXPECT_GE(*r.dual_bound, brute.profit - tol);
  ASSERT_TRUE(r.optimality_gap.has_value());
  EXPECT_NEAR(*r.optimality_gap, (*r.dual_bound - r.expected_profit) / std::fabs(*r.dual_bound), 1e-12);
  EXPECT_NEAR(*r.lp_value, lp_relaxation(g, limits), 1e-7 * std::max(1.0, std::fabs(brute.profit)));
  if (exact) {
    EXPECT_NEAR(s.profit, brute.profit, tol);
    // auto: the knapsack for one constraint, CBC for more
    const bool knapsack =
        method == GridExactMethod::knapsack || (method == GridExactMethod::automatic && limits.size() == 1);
    EXPECT_EQ(r.exact_method, knapsack ? "knapsack" : "cbc");
  }
}

TEST(Grid, EveryConstraintKindAgainstBruteForce) {
  uint32_t seed = 1;
  for (Kind k : kKinds)
    for (double t : {0.3, 0.8, 1.0}) {
      for (int rep = 0; rep < 3; ++rep, ++seed) {
        const GridBook g = random_grid(seed, 6, 4);
        const std::vector<Limit> limits{limit_between(g, k, t)};
        check_against_brute_force(seed, limits, false);
        check_against_brute_force(seed, limits, true, GridExactMethod::knapsack);
        check_against_brute_force(seed, limits, true, GridExactMethod::cbc);
      }
    }
}

TEST(Grid, UnreachableLimitsAreProvenInfeasible) {
  uint32_t seed = 500;
  for (Kind k : kKinds) {
    const GridBook g = random_grid(seed, 6, 4);
    const Limit l = limit_between(g, k, 1.05);
    GridBook solved = g;
    const GridResult r = solve_grid(solved, options_for({l}, false));
    EXPECT_EQ(r.status, SolveStatus::infeasible) << r.message;
    ASSERT_TRUE(r.infeasibility.has_value()) << r.message;
    EXPECT_NE(r.message.find("unreachable"), std::string::npos) << r.message;
    // The proof's one weight says the row's smallest value over every choice exceeds its limit.
    const GridInfeasibility& proof = *r.infeasibility;
    EXPECT_GT(proof.combined_min, proof.combined_limit);
    ++seed;
  }
}

TEST(Grid, PairsOfConstraintsAgainstBruteForce) {
  std::mt19937 rng(7);
  for (uint32_t seed = 100; seed < 160; ++seed) {
    const GridBook g = random_grid(seed, 6, 4);
    const Kind a = kKinds[rng() % 9], b = kKinds[rng() % 9];
    if (a == b) continue;
    std::uniform_real_distribution<double> t(0.1, 1.0);
    const std::vector<Limit> limits{limit_between(g, a, t(rng)), limit_between(g, b, t(rng))};
    if ((a == Kind::lr_max && b == Kind::lr_min) || (a == Kind::lr_min && b == Kind::lr_max)) {
      // lr_min < lr_max is an option rule
      if (limits[a == Kind::lr_min ? 0 : 1].value >= limits[a == Kind::lr_max ? 0 : 1].value) continue;
    }
    if ((a == Kind::gwp_min && b == Kind::gwp_max) || (a == Kind::gwp_max && b == Kind::gwp_min)) {
      if (limits[a == Kind::gwp_min ? 0 : 1].value > limits[a == Kind::gwp_max ? 0 : 1].value) continue;
    }
    check_against_brute_force(seed, limits, false);
    check_against_brute_force(seed, limits, true);
  }
}

// A limit for grids too large to enumerate: t of the way from the unconstrained answer's value q0 to the
// value at the choice each of whose policies moves furthest that way (minimising ±(num − q0·den)).
Limit limit_towards(const GridBook& g, Kind k, double t) {
  const double w_r = renewal_weight(g);
  const bool ratio = k == Kind::lr_max || k == Kind::lr_min || k == Kind::ratio_max || k == Kind::ratio_min;
  const auto num_den = [&](const Sums& s) -> std::pair<double, double> {
    if (k == Kind::lr_max || k == Kind::lr_min) return {s.claims, s.gwp};
    if (k == Kind::ratio_max || k == Kind::ratio_min) return {s.score, s.volume};
    return {quantity(k, s, 1.0), 0.0};
  };
  std::vector<size_t> best(g.policies()), towards(g.policies());
  for (size_t i = 0; i < g.policies(); ++i) {
    Sums top;
    top.profit = -INFINITY;
    for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r)
      if (const Sums s = candidate_sums(g, i, r); s.profit > top.profit) top = s, best[i] = r;
  }
  const double q0 = quantity(k, sums_of(g, best), w_r), sign = at_most(k) ? 1.0 : -1.0;
  for (size_t i = 0; i < g.policies(); ++i) {
    double lowest = INFINITY;
    for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r) {
      const auto [num, den] = num_den(candidate_sums(g, i, r));
      const double v = sign * (num - (ratio ? q0 : 0.0) * den);
      if (v < lowest) lowest = v, towards[i] = r;
    }
  }
  return {k, q0 + t * (quantity(k, sums_of(g, towards), w_r) - q0)};
}

// The two exact methods on grids too large to enumerate: the same optimum, never above the relaxation.
TEST(Grid, KnapsackAndCbcAgreeOnMediumGrids) {
  uint32_t seed = 700;
  int binding = 0;
  for (Kind k : kKinds)
    for (double t : {0.2, 0.7}) {
      const GridBook g = random_grid(seed++, 150, 8);
      const Limit l = limit_towards(g, k, t);
      GridResult r[2];
      for (GridExactMethod method : {GridExactMethod::knapsack, GridExactMethod::cbc}) {
        GridBook solved = g;
        GridResult& one = r[method == GridExactMethod::cbc];
        one = solve_grid(solved, options_for({l}, true, method));
        SCOPED_TRACE(std::string(to_string(method)) + " kind " + std::to_string(static_cast<int>(k)) + ": " +
                     one.message);
        ASSERT_EQ(one.status, SolveStatus::converged);
        EXPECT_EQ(one.exact_method, to_string(method));
        ASSERT_TRUE(one.lp_value.has_value());
        EXPECT_LE(one.expected_profit, *one.lp_value + 1e-12 * std::fabs(*one.lp_value));
        EXPECT_TRUE(
            holds(l, sums_of(g, std::vector<size_t>(one.choice.begin(), one.choice.end())), renewal_weight(g), 1e-9));
      }
      EXPECT_NEAR(r[0].expected_profit, r[1].expected_profit, 1e-9 * std::fabs(r[1].expected_profit))
          << "kind " << static_cast<int>(k) << " t " << t;
      binding += r[0].constraints[0].binding;
    }
  EXPECT_GT(binding, 12);
}

// Past exact_max_candidates CBC gives way to the dual; the knapsack still proves the optimum: never
// below the dual's answer nor above the relaxation.  It takes one constraint only.
TEST(Grid, KnapsackProvesOneConstraintGridsPastCbcsLimit) {
  const GridBook g = random_grid(900, 40000, 11);
  ASSERT_GT(static_cast<int64_t>(g.candidates()), GridOptions{}.exact_max_candidates);
  const Limit l = limit_towards(g, Kind::lr_max, 0.5);
  GridBook a = g, b = g, c = g;
  const GridResult dual = solve_grid(a, options_for({l}, false));
  const GridResult knapsack = solve_grid(b, options_for({l}, true));
  const GridResult cbc = solve_grid(c, options_for({l}, true, GridExactMethod::cbc));
  ASSERT_EQ(dual.status, SolveStatus::converged) << dual.message;
  ASSERT_EQ(knapsack.status, SolveStatus::converged) << knapsack.message;
  EXPECT_EQ(knapsack.method, "exact");
  EXPECT_EQ(knapsack.exact_method, "knapsack");
  EXPECT_GT(knapsack.knapsack_states, 0);
  const double tol = 1e-12 * std::fabs(*dual.lp_value);
  EXPECT_GE(knapsack.expected_profit, dual.expected_profit - tol);
  EXPECT_LE(knapsack.expected_profit, *knapsack.lp_value + tol);
  EXPECT_NEAR(*knapsack.lp_value, *dual.lp_value, tol);
  EXPECT_EQ(*knapsack.dual_bound, knapsack.expected_profit);  // proven: the bound is the optimum
  EXPECT_TRUE(holds(l, sums_of(g, std::vector<size_t>(knapsack.choice.begin(), knapsack.choice.end())), 0, 1e-9));
  EXPECT_EQ(cbc.method, "dual");
  EXPECT_EQ(cbc.exact_method, "");
  ASSERT_FALSE(cbc.warnings.empty());
  EXPECT_NE(cbc.warnings.back().find("exact_max_candidates"), std::string::npos);

  GridBook small = random_grid(901, 6, 4);
  GridOptions two = options_for({limit_between(small, Kind::lr_max, 0.5), limit_between(small, Kind::gwp_min, 0.5)},
                                true, GridExactMethod::knapsack);
  EXPECT_THROW(solve_grid(small, two), InputError);
}

TEST(Grid, ThreeConstraintsAgainstBruteForce) {
  for (uint32_t seed = 300; seed < 330; ++seed) {
    const GridBook g = random_grid(seed, 6, 4);
    const std::vector<Limit> limits{limit_between(g, Kind::lr_max, 0.4), limit_between(g, Kind::retention_min, 0.5),
                                    limit_between(g, Kind::sum_min_score, 0.3)};
    check_against_brute_force(seed, limits, false);
  }
}

}  // namespace
}  // namespace rateopt

namespace rateopt {
namespace {

// A grid from a continuous book: K evenly spaced multipliers on each policy's box (as optimise bounds
// it), log-linear demand.  Every grid choice is a feasible continuous choice, so the grid's optimum
// is at most optimise's dual bound; and K = 41 points leave little room: the grid reaches optimise's
// profit to within the discretisation error.
GridBook grid_from_book(const Book& book, const SolveResult& continuous, size_t K) {
  GridBook g;
  g.source = "book-grid.csv";
  g.offset.push_back(0);
  g.loss_cost.values = book.expected_loss_cost;
  g.expense.values = book.expense;
  for (size_t i = 0; i < book.size(); ++i) {
    const double lb = continuous.lower_bound[i], ub = continuous.upper_bound[i];
    for (size_t j = 0; j < K; ++j) {
      const double m = K == 1 || ub == lb ? lb : lb + (ub - lb) * static_cast<double>(j) / static_cast<double>(K - 1);
      g.premium.push_back(m * book.technical_price[i]);
      g.demand.push_back(book.p_demand[i] * std::pow(m, book.elasticity[i]));
    }
    g.offset.push_back(g.premium.size());
    g.policy_id.push_back(book.policy_id(i));
    g.weight.push_back(book.weight[i]);
    g.renewal.push_back(book.renewal_flag[i]);
    g.group.push_back(0);
    g.first_line.push_back(i + 2);
  }
  g.group_names = {"all"};
  return g;
}

TEST(Grid, GridOfAContinuousBookReachesOptimiseWithinTheDiscretisationAndNeverItsBound) {
  for (uint64_t seed : {3u, 4u}) {
    Book book = generate_book(400, seed, BookProfile::benchmark);
    for (double& e : book.elasticity) e = std::min(e, -0.1);  // demand ≤ x0 < 1 on m ≥ 1
    book.enbp.assign(book.size(), std::nan(""));              // an ENBP cap may lie below m = 1
    book.has_enbp = false;
    OptimiseOptions oo = benchmark_constraint_options();
    // Caps below the technical floor price below m = 1, where log-linear demand may pass 1 (the grid's
    // demand is a probability): the box [1, 3] alone.
    oo.enbp_buffer.reset();
    oo.max_rate_change.reset();
    oo.device = Device::cpu;
    const SolveResult cont = optimise(book, oo);
    ASSERT_EQ(cont.status, SolveStatus::converged) << cont.message;
    ASSERT_TRUE(cont.dual_bound.has_value());
    for (size_t K : {11u, 41u}) {
      GridBook g = grid_from_book(book, cont, K);
      for (double x : g.demand) ASSERT_LE(x, 1.0);
      GridOptions go;
      go.lr_max = oo.lr_max;
      go.retention_min = oo.retention_min;
      go.threads = 2;
      const GridResult r = solve_grid(g, go);
      ASSERT_EQ(r.status, SolveStatus::converged) << r.message;
      SCOPED_TRACE("seed " + std::to_string(seed) + ", K " + std::to_string(K));
      EXPECT_LE(r.expected_profit, *cont.dual_bound * (1 + 1e-9));
      EXPECT_LE(*r.lp_value, *cont.dual_bound * (1 + 1e-9));
      // Spacing h = (ub − lb)/(K − 1): a policy off its optimum by h/2 loses O(h²) of its profit.
      const double h = 2.0 / static_cast<double>(K - 1), allowed = h * h / 4;
      EXPECT_GE(r.expected_profit, cont.expected_profit * (1 - allowed))
          << "grid " << r.expected_profit << " vs continuous " << cont.expected_profit;
      EXPECT_LE(*r.optimality_gap, 1e-3);
      std::cout << "K " << K << ": grid " << r.expected_profit << " (bound " << *r.dual_bound << ", gap "
                << *r.optimality_gap << ", " << r.iterations << " iterations, " << r.n_split << " split) continuous "
                << cont.expected_profit << " (bound " << *cont.dual_bound << ")\n";
    }
  }
}

// The grid's arrays as a caller holds them: per row, with the per-policy columns repeated on each row.
struct HeldArrays {
  std::vector<double> premium, demand, loss, weight, score;
  std::vector<uint8_t> renewal, baseline;
  GridArrays arrays() const {
    GridArrays a;
    a.premium = premium;
    a.demand = demand;
    a.expected_loss_cost = loss;
    a.weight = weight;
    a.extra_names = {"score"};
    a.extra = {ColumnView<double>(score)};
    a.renewal_flag = renewal;
    a.baseline = baseline;
    return a;
  }
};
HeldArrays held_from(const GridBook& g) {
  HeldArrays h;
  for (size_t i = 0; i < g.policies(); ++i)
    for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r) {
      h.premium.push_back(g.premium[r]);
      h.demand.push_back(g.demand[r]);
      h.loss.push_back(g.loss_cost.at(i, r));
      h.weight.push_back(g.weight[i]);
      h.score.push_back(g.extra[0].at(i, r));
      h.renewal.push_back(g.renewal[i]);
      h.baseline.push_back(g.step_of(i, r) == g.baseline[i] ? 1 : 0);
    }
  return h;
}

TEST(GridArrays, ViewedArraysSolveAsTheGridTheyHoldAndAreCopiedOnlyWhenCapsRemoveRows) {
  const GridBook g = random_grid(7, 6, 4);
  const HeldArrays h = held_from(g);
  GridArrays a = h.arrays();
  a.offset = g.offset;
  a.policy_id = g.policy_id;
  GridBook viewed = grid_from_arrays(a);
  EXPECT_TRUE(viewed.premium.is_view());
  EXPECT_EQ(viewed.premium.data(), h.premium.data());
  EXPECT_EQ(viewed.extra[0].values.data(), h.score.data());
  EXPECT_FALSE(viewed.weight.is_view());  // one per policy from repeated rows
  GridOptions o;
  o.sum_max = {"score=60"};
  o.lr_max = 0.8;
  GridBook own = g;
  const GridResult expected = solve_grid(own, o);
  GridBook solved = viewed;
  const GridResult got = solve_grid(solved, o);
  EXPECT_EQ(got.choice, expected.choice);
  EXPECT_EQ(got.expected_profit, expected.expected_profit);
  EXPECT_EQ(solved.premium.data(), h.premium.data());  // nothing removed: still the caller's memory
  o.max_rate_change = 0.1;
  GridBook capped = viewed;
  const GridResult with_caps = solve_grid(capped, o);
  ASSERT_GT(with_caps.candidates_removed, 0);
  EXPECT_FALSE(capped.premium.is_view());
  EXPECT_EQ(viewed.premium.data(), h.premium.data());  // the caller's arrays untouched
  EXPECT_EQ(capped.candidates(), g.candidates() - static_cast<size_t>(with_caps.candidates_removed));
}

TEST(GridArrays, BadValuesNameTheColumnAndRow) {
  const GridBook g = random_grid(3, 3, 3);
  HeldArrays h = held_from(g);
  const auto message = [&](const HeldArrays& bad, const std::vector<uint64_t>& offset) {
    GridArrays a = bad.arrays();
    a.offset = offset;
    a.policy_id = g.policy_id;
    try {
      grid_from_arrays(a);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  HeldArrays bad = h;
  bad.demand[2] = 1.5;
  EXPECT_EQ(message(bad, g.offset), "demand[2] = 1.5 must be in [0,1]");
  bad = h;
  bad.weight[1] = 3;
  EXPECT_NE(message(bad, g.offset).find("weight[1] = 3 differs from"), std::string::npos);
  std::vector<uint64_t> empty_policy = g.offset;
  empty_policy[1] = 0;
  EXPECT_NE(message(h, empty_policy).find("offsets[1] = 0 must exceed offsets[0] = 0"), std::string::npos);
}

// Passes over each policy's window pick the same rows, with bitwise the same sums, as full passes
// anywhere in the box the windows were made for: the corners, the centre and random points.
TEST(Grid, WindowedPassesPickTheFullPassesRowsInsideTheBox) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const GridBook g = random_grid(seed, 500, 12);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    GridOmegaMap map;
    map.base = {1, 0, 0, 0, 0, 0};
    map.direction = {{0, 0.62, -1, 0, 0, 0}, {0, 0, 0, 40, 0, 0}, {0, 0, 0, 0, 0, 1}};  // LR, retention, score
    const std::vector<double> lower{0.2, 0.5, 1.0}, upper{0.3, 0.8, 1.5};
    const std::vector<uint32_t> window = grid_argmax_windows(g, map, lower, upper, 2);
    size_t read = 0;
    for (size_t i = 0; i < g.policies(); ++i) read += window[2 * i + 1] - window[2 * i];
    EXPECT_LT(read, g.candidates() / 2) << "the windows should leave most candidates out";
    auto full = make_grid_cpu_backend(2), windowed = make_grid_cpu_backend(2);
    full->upload(g);
    windowed->upload(g);
    ASSERT_TRUE(windowed->set_row_window(&window));
    for (int point = 0; point < 20; ++point) {
      std::vector<double> omega = map.base;
      for (size_t k = 0; k < 3; ++k) {
        const double t = point < 8 ? ((point >> k) & 1) : point == 8 ? 0.5 : u(rng);
        const double lambda = lower[k] + t * (upper[k] - lower[k]);
        for (size_t t2 = 0; t2 < omega.size(); ++t2) omega[t2] += lambda * map.direction[k][t2];
      }
      std::vector<int32_t> a, b;
      const GridPass pa = full->argmax(omega, &a), pb = windowed->argmax(omega, &b);
      ASSERT_EQ(a, b) << "seed " << seed << ", point " << point;
      EXPECT_EQ(pa.value, pb.value);
      EXPECT_EQ(pa.sums, pb.sums);
    }
  }
}

// A solve started from a sample of the policies, its later passes over windows, reaches the same bound
// as the solve over full passes and as the LP relaxation written out, and its answer meets every limit.
TEST(Grid, SampledStartGivesTheFullDualsBound) {
  for (uint32_t seed : {4u, 5u}) {
    const GridBook g = random_grid(seed, 800, 8);
    GridBook free_grid = g;
    const GridResult free_answer = solve_grid(free_grid, GridOptions{});
    const double w_r = renewal_weight(g);
    for (const std::vector<Limit>& limits :
         {std::vector<Limit>{{Kind::lr_max, 0.98 * free_answer.expected_loss_ratio}},
          std::vector<Limit>{{Kind::lr_max, 0.99 * free_answer.expected_loss_ratio},
                             {Kind::retention_min, free_answer.expected_retention}},
          std::vector<Limit>{{Kind::lr_max, 0.99 * free_answer.expected_loss_ratio},
                             {Kind::retention_min, free_answer.expected_retention - 0.01},
                             {Kind::sum_min_score, 1.01 * free_answer.expected_volume * 5}}}) {
      GridOptions full_options = options_for(limits, false), sampled_options = full_options;
      full_options.dual_sample = 0;
      sampled_options.dual_sample = 100;
      GridBook a = g, b = g;
      const GridResult full = solve_grid(a, full_options), sampled = solve_grid(b, sampled_options);
      SCOPED_TRACE("seed " + std::to_string(seed) + ", " + std::to_string(limits.size()) +
                   " limits: " + sampled.message);
      ASSERT_EQ(full.status, SolveStatus::converged) << full.message;
      ASSERT_EQ(sampled.status, SolveStatus::converged);
      EXPECT_GT(sampled.windowed_passes, 0);
      EXPECT_LT(sampled.window_rows, 0.5 * static_cast<double>(g.candidates()) / static_cast<double>(g.policies()));
      EXPECT_NEAR(*sampled.lp_value, *full.lp_value, 1e-9 * std::fabs(*full.lp_value));
      EXPECT_NEAR(*sampled.lp_value, lp_relaxation(g, limits), 1e-7 * std::fabs(*full.lp_value));
      const Sums s = sums_of(g, std::vector<size_t>(sampled.choice.begin(), sampled.choice.end()));
      for (const Limit& l : limits) EXPECT_TRUE(holds(l, s, w_r, 1e-9)) << "kind " << static_cast<int>(l.kind);
      EXPECT_LE(s.profit, *sampled.dual_bound * (1 + 1e-12));
    }
  }
}

// Two binding rows (a loss-ratio cap below the free answer's, a retention floor above its retention): every
// way of rounding the relaxation's two split policies breaks one of them by a hair.  On the first grid the
// old repair fell through to branch and bound over 1,024 policies × 41 candidates (minutes); the relaxation
// re-solved with its limits lowered by what the split policies can swing, and single-policy exchanges, meet
// both limits giving up about a policy's worth of profit.
TEST(Grid, TwoBindingRowsWhoseRoundingsEachBreakOneAreRepairedCheaply) {
  struct Case {
    uint32_t seed;
    bool quantised;
    double lr_cut, retention_rise;
  };
  for (const Case c : {Case{1, true, 0.01, 0.01}, Case{3, true, 0.01, 0.002}, Case{1000, false, 0.003, 0.0}}) {
    const GridBook g = c.quantised ? quantised_grid(c.seed, 4000, 41) : random_grid(c.seed, 3000, 41);
    GridBook free_grid = g;
    const GridResult free_answer = solve_grid(free_grid, options_for({}, false));
    const std::vector<Limit> limits{{Kind::lr_max, (1 - c.lr_cut) * free_answer.expected_loss_ratio},
                                    {Kind::retention_min, free_answer.expected_retention + c.retention_rise}};
    GridBook solved = g;
    const GridResult r = solve_grid(solved, options_for(limits, false));
    SCOPED_TRACE("seed " + std::to_string(c.seed) + ": " + r.message);
    ASSERT_EQ(r.status, SolveStatus::converged);
    EXPECT_GT(r.tightenings + r.exchange_moves, 0);  // rounding alone failed: the case this test is about
    for (double lambda : r.multipliers) EXPECT_GT(lambda, 0);
    const Sums s = sums_of(g, std::vector<size_t>(r.choice.begin(), r.choice.end()));
    for (const Limit& l : limits) EXPECT_TRUE(holds(l, s, renewal_weight(g), 1e-9)) << static_cast<int>(l.kind);
    const double lp = lp_relaxation(g, limits);
    EXPECT_NEAR(*r.lp_value, lp, 1e-7 * std::fabs(lp));
    EXPECT_LE(s.profit, lp * (1 + 1e-12));  // never above the relaxation
    // About a policy's worth out of thousands: the gaps seen were below 1e-6.
    EXPECT_LE((lp - s.profit) / std::fabs(lp), 1e-5);
  }
}
}  // namespace
}  // namespace rateopt
