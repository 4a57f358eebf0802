// Ratebook mode: the pass's gradient and Hessian against finite differences, a ratebook built into a book
// recovered with no structure cost, one level per policy equal to the per-policy optimum, level bounds,
// orders and per-policy boxes exact, KKT and shadow prices at the answer, thread-count independence, and
// the readers' bad-input rules.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <random>

#include "ratebook/active_set_qp.hpp"
#include "ratebook/ratebook_internal.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/ratebook.hpp"
#include "rateopt/solve.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

struct RatebookCase {
  Book book;
  FactorColumns factors;
  Ratebook ratebook;
};

// A book of n policies with factors of the given level counts, random levels, current relativities
// 0.8 + 0.05·level, prior multiplier the current ratebook's product over a reference of 1.
RatebookCase random_case(size_t n, const std::vector<int>& level_counts, uint64_t seed, bool renewals = true) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  RatebookCase c;
  c.book.resize(n);
  c.ratebook.source = "ratebook.csv";
  for (size_t f = 0; f < level_counts.size(); ++f) {
    Ratebook::Factor factor{"f" + std::to_string(f), {}, {}, {}};
    for (int l = 0; l < level_counts[f]; ++l) {
      factor.levels.push_back("L" + std::to_string(l));
      factor.relativity.push_back(0.8 + 0.05 * l);
      factor.line.push_back(2 + l);
    }
    c.ratebook.factors.push_back(factor);
    c.factors.names.push_back(factor.name);
    c.factors.labels.emplace_back(n);
  }
  for (size_t i = 0; i < n; ++i) {
    c.book.technical_price[i] = 100.0 + 400.0 * u(rng);
    c.book.expected_loss_cost[i] = c.book.technical_price[i] * (0.5 + 0.3 * u(rng));
    c.book.p_demand[i] = 0.3 + 0.6 * u(rng);
    c.book.elasticity[i] = -1.0 - 2.0 * u(rng);
    c.book.renewal_flag[i] = renewals && u(rng) < 0.6;
    c.book.prior_multiplier[i] = 1.0 + 0.2 * u(rng);
    for (size_t f = 0; f < level_counts.size(); ++f)
      c.factors.labels[f][i] = "L" + std::to_string(static_cast<int>(u(rng) * level_counts[f]));
  }
  return c;
}

// Limits the book can reach and that bind: lr_max 1% below the unconstrained optimum's loss ratio, retention
// 30% of the way from the optimum's to the most reachable (every policy at its technical price).
struct Limits {
  double lr_max, retention_min;
};
Limits binding_limits(const Book& book) {
  const SolveResult free = optimise(book, OptimiseOptions{});
  double kept = 0, renewals = 0;
  for (size_t i = 0; i < book.size(); ++i)
    if (book.renewal_flag[i]) {
      kept += book.p_demand[i];
      renewals += 1;
    }
  return {0.99 * free.expected_loss_ratio, free.expected_retention + 0.3 * (kept / renewals - free.expected_retention)};
}

RatebookResult solve(const RatebookCase& c, const OptimiseOptions& o, const RatebookOptions& rb = {}) {
  return optimise_ratebook(c.book, c.factors, c.ratebook, o, rb);
}

const ConstraintReport* find_constraint(const SolveResult& r, ConstraintKind kind) {
  for (const ConstraintReport& c : r.constraints)
    if (c.kind == kind) return &c;
  return nullptr;
}

// The prepared pieces of a case, as optimise_ratebook builds them.
struct Prepared {
  Problem problem;
  RatebookVariables variables;
  RatebookCells cells;
};

Prepared prepare(const RatebookCase& c, const OptimiseOptions& o) {
  SolveResult scratch;
  Prepared p{prepare_problem(c.book, o, scratch), {}, {}};
  const auto levels = assign_levels(c.book, c.factors, c.ratebook);
  p.variables = ratebook_variables(c.ratebook, levels, RatebookOptions{});
  p.cells = build_cells(levels, p.variables, p.problem, c.book);
  return p;
}

void check_pass_derivatives(math::DemandKind kind) {
  RatebookCase c = random_case(300, {3, 4}, 7);
  OptimiseOptions o;
  o.demand_model = kind == math::DemandKind::logistic ? DemandModel::logistic : DemandModel::log_linear;
  const Prepared p = prepare(c, o);
  const int n = p.variables.size(), K = p.problem.K;
  Vec theta(n), omega(K);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-0.1, 0.1);
  for (int j = 0; j < n; ++j) theta[j] = u(rng);
  for (int k = 0; k < K; ++k) omega[k] = 10 * u(rng) / p.problem.profit_scale;
  RatebookPass at;
  ratebook_pass(p.problem, p.cells, c.book, theta, &omega, n, 2, at);
  const double h = 1e-5;
  for (int j = 0; j < n; ++j) {
    Vec up = theta, down = theta;
    up[j] += h;
    down[j] -= h;
    RatebookPass pu, pd;
    ratebook_pass(p.problem, p.cells, c.book, up, &omega, n, 2, pu);
    ratebook_pass(p.problem, p.cells, c.book, down, &omega, n, 2, pd);
    // dT/dθ_j, and the Hessian column of ω·T as the change of its gradient Jᵀω
    const Vec dT = (pu.T - pd.T) / (2 * h);
    for (int k = 0; k < K; ++k)
      EXPECT_NEAR(at.J(k, j), dT[k], 1e-6 * (1.0 + std::fabs(dT[k]))) << "J(" << k << "," << j << ")";
    const Vec dg = (pu.J.transpose() * omega - pd.J.transpose() * omega) / (2 * h);
    for (int i = 0; i < n; ++i)
      EXPECT_NEAR(at.H(i, j), dg[i], 1e-6 * (1.0 + std::fabs(dg[i]))) << "H(" << i << "," << j << ")";
  }
}

TEST(RatebookPass, GradientAndHessianMatchCentralDifferencesLogLinear) {
  check_pass_derivatives(math::DemandKind::log_linear);
}

TEST(RatebookPass, GradientAndHessianMatchCentralDifferencesLogistic) {
  check_pass_derivatives(math::DemandKind::logistic);
}

// Log-linear demand with ε < −1 and no active bound: each policy's best multiplier is
// m* = (c/tc)·ε/(ε+1).  Costs set so that m* = base·Π relativities of its levels.
TEST(Ratebook, RecoversARatebookBuiltIntoTheBookWithNoStructureCost) {
  RatebookCase c = random_case(400, {3, 2, 4}, 11, false);
  const std::vector<std::vector<double>> target{{1.0, 1.1, 1.3}, {1.0, 1.15}, {0.95, 1.0, 1.05, 1.2}};
  const double base = 1.25;
  std::vector<double> best(c.book.size());
  for (size_t i = 0; i < c.book.size(); ++i) {
    best[i] = base;
    for (size_t f = 0; f < target.size(); ++f) best[i] *= target[f][std::stoi(c.factors.labels[f][i].substr(1))];
    const double eps = c.book.elasticity[i];
    c.book.expected_loss_cost[i] = best[i] * c.book.technical_price[i] * (eps + 1.0) / eps;
    c.book.prior_multiplier[i] = 1.0;
  }
  for (auto& factor : c.ratebook.factors) factor.relativity.assign(factor.relativity.size(), 1.0);
  const RatebookResult r = solve(c, OptimiseOptions{});
  ASSERT_EQ(r.solve.status, SolveStatus::converged) << r.solve.message;
  for (size_t i = 0; i < c.book.size(); ++i) EXPECT_NEAR(r.solve.multiplier[i], best[i], 1e-7 * best[i]) << i;
  ASSERT_TRUE(r.structure_cost.has_value());
  EXPECT_LE(std::fabs(*r.structure_cost), 1e-9 * r.solve.expected_profit);
  EXPECT_LE(r.kkt_stationarity, 1e-9);
}

// One factor whose level is the policy itself: the ratebook is one multiplier per policy, so ratebook
// mode must reach the per-policy optimum under the same constraints.
TEST(Ratebook, OneLevelPerPolicyEqualsThePerPolicyOptimum) {
  RatebookCase c = random_case(150, {2}, 5);
  c.ratebook.factors[0].levels.clear();
  c.ratebook.factors[0].relativity.clear();
  c.ratebook.factors[0].line.clear();
  for (size_t i = 0; i < c.book.size(); ++i) {
    c.factors.labels[0][i] = "p" + std::to_string(i);
    c.ratebook.factors[0].levels.push_back(c.factors.labels[0][i]);
    c.ratebook.factors[0].relativity.push_back(1.0);
    c.ratebook.factors[0].line.push_back(i + 2);
  }
  OptimiseOptions o;
  const Limits limits = binding_limits(c.book);
  o.lr_max = limits.lr_max;
  o.retention_min = limits.retention_min;
  const RatebookResult r = solve(c, o);
  ASSERT_EQ(r.solve.status, SolveStatus::converged) << r.solve.message;
  const SolveResult per_policy = optimise(c.book, o);
  ASSERT_EQ(per_policy.status, SolveStatus::converged) << per_policy.message;
  EXPECT_NEAR(r.solve.expected_profit, per_policy.expected_profit, 1e-8 * per_policy.expected_profit);
  ASSERT_TRUE(r.structure_cost.has_value());
  EXPECT_LE(std::fabs(*r.structure_cost), 1e-7 * per_policy.expected_profit);
  for (ConstraintKind kind : {ConstraintKind::lr_max, ConstraintKind::retention_min}) {
    const ConstraintReport* mine = find_constraint(r.solve, kind);
    const ConstraintReport* theirs = find_constraint(per_policy, kind);
    ASSERT_TRUE(mine && theirs);
    EXPECT_NEAR(mine->shadow_price, theirs->shadow_price, 1e-4 * (1.0 + theirs->shadow_price)) << to_string(kind);
  }
}

TEST(Ratebook, LevelBoundsOrdersAndPolicyBoxesHoldExactly) {
  RatebookCase c = random_case(3000, {6, 5, 4}, 21);
  OptimiseOptions o;
  o.lr_max = binding_limits(c.book).lr_max;
  RatebookOptions rb;
  rb.level_bounds = {"f0=0.97:1.03", "f1[L2]=1:1.01", "base=0.9:1.1"};
  rb.monotone = {"f0", "f1:decreasing"};  // f1's current relativities rise: reversing them must bind
  rb.fix = {"f2=L1"};
  const RatebookResult r = solve(c, o, rb);
  ASSERT_EQ(r.solve.status, SolveStatus::converged) << r.solve.message;
  int binding = 0;
  for (const RatebookLevel& l : r.levels) {
    double lo = 0, hi = HUGE_VAL;
    if (l.factor == "f0") lo = 0.97, hi = 1.03;
    if (l.factor == "f1" && l.level == "L2") lo = 1.0, hi = 1.01;
    if (l.factor == "base") lo = 0.9, hi = 1.1;
    EXPECT_GE(l.new_relativity, l.old_relativity * lo) << l.factor << " " << l.level;
    EXPECT_LE(l.new_relativity, l.old_relativity * hi) << l.factor << " " << l.level;
    if (l.factor == "f2" && l.level == "L1") {
      EXPECT_EQ(l.new_relativity, l.old_relativity);
    }
    binding += !l.binding.empty();
  }
  EXPECT_GT(binding, 1);  // the bounds are tight enough to matter
  // f0 non-decreasing, f1 non-increasing, in ratebook order
  for (size_t j = 1; j + 1 < r.levels.size(); ++j) {
    const RatebookLevel &a = r.levels[j], &b = r.levels[j + 1];
    if (a.factor != b.factor) continue;
    if (a.factor == "f0") {
      EXPECT_LE(a.new_relativity, b.new_relativity) << a.level;
    } else if (a.factor == "f1") {
      EXPECT_GE(a.new_relativity, b.new_relativity) << a.level;
    }
  }
  for (size_t i = 0; i < c.book.size(); ++i) {
    EXPECT_GE(r.solve.multiplier[i], r.solve.lower_bound[i]);
    EXPECT_LE(r.solve.multiplier[i], r.solve.upper_bound[i]);
  }
  for (const ConstraintReport& k : r.solve.constraints) EXPECT_LE(k.relative_violation, o.tolerance);
}

// log(new/old) of each level, by factor, in ratebook order.
std::map<std::string, std::vector<double>> level_changes(const RatebookResult& r) {
  std::map<std::string, std::vector<double>> out;
  for (const RatebookLevel& l : r.levels)
    if (l.factor != "base") out[l.factor].push_back(std::log(l.new_relativity / l.old_relativity));
  return out;
}

double widest_neighbour_gap(const std::vector<double>& change) {
  double widest = 0;
  for (size_t j = 0; j + 1 < change.size(); ++j) widest = std::max(widest, std::fabs(change[j + 1] - change[j]));
  return widest;
}

TEST(Ratebook, SmoothnessHoldsExactlyAlongsideOrdersAndAConstraint) {
  RatebookCase c = random_case(3000, {8, 6, 4}, 41);
  // levels of f0 and f1 with their own price sensitivity, so that the free answer moves neighbours apart
  for (size_t i = 0; i < c.book.size(); ++i) {
    const int l0 = c.factors.labels[0][i][1] - '0', l1 = c.factors.labels[1][i][1] - '0';
    c.book.elasticity[i] = -0.6 - 0.45 * ((l0 * 5) % 8) - 0.3 * (l1 % 3);
  }
  OptimiseOptions o;
  o.lr_max = binding_limits(c.book).lr_max;
  RatebookOptions rb;
  rb.structure_cost = false;
  const RatebookResult free = solve(c, o, rb);
  ASSERT_EQ(free.solve.status, SolveStatus::converged) << free.solve.message;
  const double delta0 = 0.02, delta1 = 0.002;
  ASSERT_GT(widest_neighbour_gap(level_changes(free)["f0"]), 2 * delta0);  // the limits will bind
  ASSERT_GT(widest_neighbour_gap(level_changes(free)["f1"]), 2 * delta1);
  rb.smooth = {"f0=0.02", "f1=0.002"};
  rb.monotone = {"f1"};
  const RatebookResult r = solve(c, o, rb);
  ASSERT_EQ(r.solve.status, SolveStatus::converged) << r.solve.message;
  const auto changes = level_changes(r);
  // to the round-off of log(new/old) on the relativities as written
  EXPECT_LE(widest_neighbour_gap(changes.at("f0")), delta0 + 1e-13);
  EXPECT_LE(widest_neighbour_gap(changes.at("f1")), delta1 + 1e-13);
  int smooth_binding = 0;
  for (const RatebookLevel& l : r.levels) smooth_binding += l.binding == "smooth";
  EXPECT_GE(smooth_binding, 2);
  for (size_t j = 1; j + 1 < r.levels.size(); ++j) {
    if (r.levels[j].factor == "f1" && r.levels[j + 1].factor == "f1") {
      EXPECT_LE(r.levels[j].new_relativity, r.levels[j + 1].new_relativity);
    }
  }
  for (const ConstraintReport& k : r.solve.constraints) EXPECT_LE(k.relative_violation, o.tolerance);
  EXPECT_LE(r.kkt_stationarity, 1e-8);
  EXPECT_LT(r.solve.expected_profit, free.solve.expected_profit);
}

// One factor of three levels, base held: the best smooth ratebook by enumeration over a grid of the three
// log changes (every policy's box enforced, profit summed from the per-policy output columns), then a
// finer grid around the best point.
TEST(Ratebook, SmoothOptimumMatchesAGridSearchOnATinyBook) {
  RatebookCase c = random_case(90, {3}, 5, false);
  for (size_t i = 0; i < c.book.size(); ++i) {
    c.factors.labels[0][i] = "L" + std::to_string(i % 3);
    c.book.elasticity[i] = -1.5 - 1.5 * static_cast<double>(i % 3);  // L0 wants a rise, L2 a cut
  }
  OptimiseOptions o;
  RatebookOptions rb;
  rb.fix = {"base"};
  rb.structure_cost = false;
  rb.smooth = {"f0=0.05"};
  const RatebookResult r = solve(c, o, rb);
  ASSERT_EQ(r.solve.status, SolveStatus::converged) << r.solve.message;

  SolveResult probe = r.solve;
  // profit of the policies of level l with every one of them at log change t; −inf outside a box
  auto level_profit = [&](int l, double t) {
    for (size_t i = 0; i < c.book.size(); ++i) probe.multiplier[i] = c.book.prior_multiplier[i] * std::exp(t);
    const PolicyOutputs p = policy_outputs(c.book, o, probe);
    double sum = 0;
    for (size_t i = l; i < c.book.size(); i += 3) {
      if (probe.multiplier[i] < r.solve.lower_bound[i] || probe.multiplier[i] > r.solve.upper_bound[i])
        return -HUGE_VAL;
      sum += p.contribution[i];
    }
    return sum;
  };
  // grid points t_l = origin + (centre_l + k)·step, |k| ≤ half_width; the limit |t_{l+1} − t_l| ≤ δ is
  // |(centre_{l+1} + k_{l+1}) − (centre_l + k_l)| ≤ reach, in integers
  struct Best {
    double profit = -HUGE_VAL;
    std::array<long, 3> index{};  ///< centre_l + k_l of the best point
  };
  const double origin = 0.1;
  auto search = [&](const std::array<long, 3>& centre, double step, long half_width, long reach) {
    std::vector<std::vector<double>> table(3);
    for (int l = 0; l < 3; ++l)
      for (long k = -half_width; k <= half_width; ++k)
        table[l].push_back(level_profit(l, origin + static_cast<double>(centre[l] + k) * step));
    Best best;
    const long width = 2 * half_width + 1;
    for (long a = 0; a < width; ++a)
      for (long b = 0; b < width; ++b) {
        if (std::labs((centre[1] + b) - (centre[0] + a)) > reach) continue;
        for (long d = 0; d < width; ++d) {
          if (std::labs((centre[2] + d) - (centre[1] + b)) > reach) continue;
          const double v = table[0][a] + table[1][b] + table[2][d];
          if (v > best.profit)
            best = {v, {centre[0] + a - half_width, centre[1] + b - half_width, centre[2] + d - half_width}};
        }
      }
    return best;
  };
  const double coarse = 0.0025, delta = 0.05;
  const long refine = 40;
  const double fine = coarse / refine;
  const Best b1 = search({0, 0, 0}, coarse, 360, std::lround(delta / coarse));  // t in [−0.8, 1.0]
  // around the coarse best, in fine steps (the coarse points are fine points too)
  const Best b2 =
      search({b1.index[0] * refine, b1.index[1] * refine, b1.index[2] * refine}, fine, 120, std::lround(delta / fine));
  const auto changes = level_changes(r).at("f0");
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_GE(widest_neighbour_gap(changes), delta - 1e-9) << "the limit binds";
  double mine = 0;
  for (int l = 0; l < 3; ++l) mine += level_profit(l, changes[l]);
  EXPECT_NEAR(mine, r.solve.expected_profit, 1e-9 * std::fabs(mine));
  EXPECT_GE(mine, b2.profit - 1e-9 * std::fabs(mine));  // no grid point beats the answer
  // the limit binds, so a grid point off the answer loses to first order: about the limit's price × a fine step
  EXPECT_NEAR(mine, b2.profit, 1e-5 * std::fabs(mine));
  for (int l = 0; l < 3; ++l)
    EXPECT_NEAR(changes[l], origin + static_cast<double>(b2.index[l]) * fine, 3 * fine) << "level " << l;
}

// Caps applied after the ratebook, against the same clamp and sums done by hand: each policy's multiplier
// into prior·[1 − δ, 1 + δ], at most its ENBP / technical price (renewals), never below the technical price;
// profit Σ (m·tc − c)·x0·m^ε, retention Σ_R x / renewals.
TEST(Ratebook, CapsAfterTheRatebookMatchAHandComputation) {
  RatebookCase c = random_case(40, {2}, 12);
  for (size_t i = 0; i < c.book.size(); ++i) {
    c.factors.labels[0][i] = i % 2 ? "L1" : "L0";
    c.book.elasticity[i] = i % 2 ? -6.0 : -1.3;  // L0 wants a large rise, L1 a cut
    c.book.prior_multiplier[i] = 1.15 + 0.01 * static_cast<double>(i % 7);
    c.book.renewal_flag[i] = i % 3 != 0;
    // L0 renewals with an ENBP below their rate-change cap, so that it binds
    c.book.enbp[i] = c.book.renewal_flag[i] && i % 4 == 2 ? 1.2 * c.book.technical_price[i] : NAN;
  }
  c.book.has_enbp = true;
  OptimiseOptions o;
  o.max_rate_change = 0.05;
  RatebookOptions rb;
  rb.structure_cost = false;
  rb.caps = CapsMode::after;
  const RatebookResult r = solve(c, o, rb);
  ASSERT_EQ(r.solve.status, SolveStatus::converged) << r.solve.message;
  ASSERT_TRUE(r.capped.has_value());
  int64_t lowered = 0, raised = 0;
  double profit = 0, kept = 0, renewals = 0, premium = 0, claims = 0;
  for (size_t i = 0; i < c.book.size(); ++i) {
    const double prior = c.book.prior_multiplier[i], tc = c.book.technical_price[i];
    const double m = r.solve.multiplier[i];
    double hi = std::min(3.0, prior * 1.05);
    if (!std::isnan(c.book.enbp[i])) hi = std::min(hi, c.book.enbp[i] / tc);
    const double lo = std::max(1.0, prior * 0.95);
    ASSERT_LE(lo, hi);
    const double capped = std::min(std::max(m, lo), hi);
    lowered += capped < m;
    raised += capped > m;
    EXPECT_DOUBLE_EQ(r.capped->multiplier[i], capped) << i;
    const double x = c.book.p_demand[i] * std::pow(capped, c.book.elasticity[i]);
    profit += (capped * tc - c.book.expected_loss_cost[i]) * x;
    premium += capped * tc * x;
    claims += c.book.expected_loss_cost[i] * x;
    if (c.book.renewal_flag[i]) {
      kept += x;
      renewals += 1;
    }
  }
  EXPECT_GT(lowered, 0);  // both caps and floors act
  EXPECT_GT(raised, 0);
  EXPECT_EQ(r.n_capped_down, lowered);
  EXPECT_EQ(r.n_capped_up, raised);
  EXPECT_NEAR(r.capped->expected_profit, profit, 1e-9 * std::fabs(profit));
  EXPECT_NEAR(r.capped->expected_retention, kept / renewals, 1e-12);
  EXPECT_NEAR(r.capped->expected_loss_ratio, claims / premium, 1e-12);
  EXPECT_GT(*r.capped->max_enbp_excess, -1e-9);  // capped at the ENBP, not above
  EXPECT_LE(*r.capped->max_enbp_excess, 1e-9);
  EXPECT_GT(*r.solve.max_enbp_excess, 0.0);  // the ratebook before capping was above some ENBP
  // the ratebook itself was solved without the caps: better than any ratebook that meets them
  RatebookOptions as_constraints = rb;
  as_constraints.caps = CapsMode::constraints;
  const RatebookResult bound = solve(c, o, as_constraints);
  ASSERT_EQ(bound.solve.status, SolveStatus::converged) << bound.solve.message;
  EXPECT_GT(r.solve.expected_profit, bound.solve.expected_profit);
  EXPECT_FALSE(bound.capped.has_value());
}

TEST(Ratebook, KktHoldsAndShadowPriceMatchesARelaxedSolve) {
  const RatebookCase c = random_case(2000, {5, 4}, 33);
  OptimiseOptions o;
  o.retention_min = binding_limits(c.book).retention_min;
  const RatebookResult r = solve(c, o);
  ASSERT_EQ(r.solve.status, SolveStatus::converged) << r.solve.message;
  EXPECT_LE(r.kkt_stationarity, 1e-8);
  EXPECT_LE(r.kkt_primal, 1e-9);
  EXPECT_LE(r.kkt_complementarity, 1e-8);
  EXPECT_GE(r.kkt_dual, -1e-9);
  const ConstraintReport* retention = find_constraint(r.solve, ConstraintKind::retention_min);
  ASSERT_TRUE(retention != nullptr);
  ASSERT_TRUE(retention->binding);
  ASSERT_GT(retention->shadow_price, 0.0);
  // relax by 0.01 percentage point: profit rises by about shadow price × 0.01
  OptimiseOptions relaxed = o;
  relaxed.retention_min = *o.retention_min - 1e-4;
  const RatebookResult rr = solve(c, relaxed);
  const double gain = rr.solve.expected_profit - r.solve.expected_profit;
  EXPECT_NEAR(gain, retention->shadow_price * 0.01, 0.02 * retention->shadow_price * 0.01);
  // the per-policy bound holds over the ratebook
  ASSERT_TRUE(r.structure_cost.has_value());
  EXPECT_GE(*r.structure_cost, 0.0);
}

TEST(Ratebook, AnswerDoesNotDependOnTheNumberOfThreads) {
  const RatebookCase c = random_case(4000, {7, 5}, 2);
  OptimiseOptions o;
  o.lr_max = 0.65;
  RatebookOptions rb;
  rb.structure_cost = false;
  o.threads = 1;
  const RatebookResult one = solve(c, o, rb);
  o.threads = 3;
  const RatebookResult three = solve(c, o, rb);
  ASSERT_EQ(one.levels.size(), three.levels.size());
  for (size_t j = 0; j < one.levels.size(); ++j)
    EXPECT_EQ(one.levels[j].new_relativity, three.levels[j].new_relativity);
  EXPECT_EQ(one.solve.expected_profit, three.solve.expected_profit);
}

TEST(Ratebook, PolicyBoxesNoRatebookCanMeetAreReportedInfeasible) {
  RatebookCase c = random_case(50, {2}, 9);
  OptimiseOptions o;
  // two policies at the same level: one needs a rise of 11% to reach its technical price, the other may
  // rise at most 3.4% before max_multiplier 3
  c.factors.labels[0][0] = c.factors.labels[0][1] = "L0";
  c.book.prior_multiplier[0] = 0.9;
  c.book.prior_multiplier[1] = 2.9;
  const RatebookResult r = solve(c, o);
  EXPECT_EQ(r.solve.status, SolveStatus::infeasible);
  EXPECT_NE(r.solve.message.find("no ratebook"), std::string::npos) << r.solve.message;
}

TEST(BoxQp, MatchesTheUnconstrainedMinimumAndHoldsItsRows) {
  BoxQp qp;
  qp.B = Mat::Identity(3, 3) * 2.0;
  qp.c = Vec::Constant(3, -2.0);  // unconstrained minimum d = (1,1,1)
  qp.lo = Vec::Constant(3, -5.0);
  qp.hi = Vec::Constant(3, 5.0);
  qp.pinned.assign(3, 0);
  BoxQpSolution free = solve_box_qp(qp, 100);
  ASSERT_TRUE(free.optimal);
  EXPECT_NEAR((free.d - Vec::Ones(3)).norm(), 0.0, 1e-12);
  qp.rows.add_row({0, 1, 2}, {1.0, 1.0, 1.0}, 1.5);  // d0 + d1 + d2 ≤ 1.5: d = (0.5,0.5,0.5), multiplier 1
  qp.hi[2] = 0.2;                                    // and d2 ≤ 0.2: d = (0.65, 0.65, 0.2)
  const BoxQpSolution s = solve_box_qp(qp, 100);
  ASSERT_TRUE(s.optimal);
  EXPECT_NEAR(s.d[0], 0.65, 1e-12);
  EXPECT_NEAR(s.d[1], 0.65, 1e-12);
  EXPECT_EQ(s.d[2], 0.2);
  EXPECT_NEAR(s.row_multiplier[0], 0.7, 1e-12);    // 2·0.65 − 2 + λ = 0
  EXPECT_NEAR(s.bound_multiplier[2], 0.9, 1e-12);  // 2·0.2 − 2 + 0.7 + z = 0
}

// ---------------------------------------------------------------- the readers' bad-input rules

void expect_input_error(const std::function<void()>& f, const std::string& where, const std::string& rule) {
  try {
    f();
    ADD_FAILURE() << "no error; expected " << where << " " << rule;
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(where), std::string::npos) << what;
    EXPECT_NE(what.find(rule), std::string::npos) << what;
  }
}

TEST(RatebookInput, RatebookFileRulesNameFileAndLine) {
  const std::filesystem::path dir = test::scratch_dir();
  const auto rb = [&](const std::string& text) {
    const std::string path = (dir / "rb.csv").string();
    test::write_text_file(path, text);
    return [path] { read_ratebook_csv(path); };
  };
  expect_input_error(rb("factor,level,relativity\nage,a,1\nage,b,0\n"), "rb.csv:3", "relativity");
  expect_input_error(rb("factor,level,relativity\nage,a,1\nage,b,-2\n"), "rb.csv:3", "relativity");
  expect_input_error(rb("factor,level,relativity\nage,a,x\n"), "rb.csv:2", "not a number");
  expect_input_error(rb("factor,level,relativity\nage,a,1\nage,a,1.1\n"), "rb.csv:3", "given twice");
  expect_input_error(rb("factor,level\nage,a\n"), "rb.csv", "relativity");
}

TEST(RatebookInput, BookLevelsAreCheckedAgainstTheRatebook) {
  RatebookCase c = random_case(20, {3}, 1);
  c.book.source = "book.csv";
  c.factors.labels[0][4] = "nowhere";
  expect_input_error([&] { solve(c, OptimiseOptions{}); }, "book.csv:6: factor.f0", "not a level");
  c = random_case(20, {3}, 1);
  c.book.source = "book.csv";
  c.factors.labels[0].assign(20, "L1");
  expect_input_error([&] { solve(c, OptimiseOptions{}); }, "book.csv:1: column factor.f0", "one level");
  c = random_case(20, {3}, 1);
  c.factors.names[0] = "other";
  expect_input_error([&] { solve(c, OptimiseOptions{}); }, "factor.other", "has no factor");
  c = random_case(20, {3}, 1);
  RatebookOptions rb;
  rb.monotone = {"nofactor"};
  expect_input_error([&] { solve(c, OptimiseOptions{}, rb); }, "option monotone", "no factor");
  rb.monotone.clear();
  rb.level_bounds = {"f0=1.2:1.1"};
  expect_input_error([&] { solve(c, OptimiseOptions{}, rb); }, "option level_bounds", "0 < lo ≤ hi");
  rb.level_bounds.clear();
  rb.smooth = {"f0=-0.1"};
  expect_input_error([&] { solve(c, OptimiseOptions{}, rb); }, "option smooth = \"f0=-0.1\"", "δ must be a number ≥ 0");
  rb.smooth = {"nofactor=0.1"};
  expect_input_error([&] { solve(c, OptimiseOptions{}, rb); }, "option smooth = \"nofactor=0.1\"", "no factor");
  rb.smooth = {"base=0.1"};
  expect_input_error([&] { solve(c, OptimiseOptions{}, rb); }, "option smooth", "no levels");
}

}  // namespace
}  // namespace rateopt
