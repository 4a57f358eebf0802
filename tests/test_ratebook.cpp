// Ratebook mode: the pass's gradient and Hessian against finite differences, a ratebook built into a book
// recovered with no structure cost, one level per policy equal to the per-policy optimum, level bounds,
// orders and per-policy boxes exact, KKT and shadow prices at the answer, thread-count independence, and
// the readers' bad-input rules.
#include <gtest/gtest.h>

#include <cmath>
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
}

}  // namespace
}  // namespace rateopt
