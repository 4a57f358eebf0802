// The portfolio solver against things that could fail: brute force on tiny books, KKT conditions
// recomputed independently from the reported shadow prices, shadow prices against re-solves, every
// constraint type binding, the dual bound, infeasibility, determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/solve.hpp"

#include "test_util.hpp"

using namespace rateopt;

namespace {

const ConstraintReport* find_constraint(const SolveResult& r, ConstraintKind kind) {
  for (const auto& c : r.constraints)
    if (c.kind == kind) return &c;
  return nullptr;
}

// Portfolio quantities recomputed from scratch (log-linear demand), independent of the solver.
struct Recomputed {
  double profit = 0, gwp = 0, claims = 0, renewal = 0, renewal_weight = 0;
};
Recomputed recompute(const Book& b, const std::vector<double>& m) {
  Recomputed r;
  for (size_t i = 0; i < b.size(); ++i) {
    const double x = b.p_demand[i] * std::pow(m[i], b.elasticity[i]);
    const double w = b.weight[i], p = m[i] * b.technical_price[i];
    r.profit += w * (p - b.expected_loss_cost[i] - b.expense[i]) * x;
    r.gwp += w * p * x;
    r.claims += w * b.expected_loss_cost[i] * x;
    if (b.renewal_flag[i]) {
      r.renewal += w * x;
      r.renewal_weight += w;
    }
  }
  return r;
}

Book tiny_book(int n, uint64_t seed) {
  Book b = generate_book(static_cast<size_t>(n), seed, BookProfile::benchmark);
  return b;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Brute force: two policies, a 1201×1201 grid over the box, every constraint combination below.
struct BruteCase {
  const char* name;
  std::function<void(OptimiseOptions&, const Book&)> set;
};

TEST(SolverBruteForce, TwoPolicyBooksMatchFineGrid) {
  const std::vector<BruteCase> cases = {
      {"unconstrained", [](OptimiseOptions&, const Book&) {}},
      {"retention_min", [](OptimiseOptions& o, const Book&) { o.retention_min = 0.84; }},
      {"lr_max", [](OptimiseOptions& o, const Book&) { o.lr_max = 0.55; }},
      {"gwp_min",
       [](OptimiseOptions& o, const Book& b) {
         o.gwp_min = 1.02 * (b.technical_price[0] * b.p_demand[0] + b.technical_price[1] * b.p_demand[1]);
       }},
      {"lr_min+gwp_max",
       [](OptimiseOptions& o, const Book& b) {
         o.lr_min = 0.5;
         o.gwp_max = 0.9 * (b.technical_price[0] * b.p_demand[0] + b.technical_price[1] * b.p_demand[1]);
       }},
  };
  for (uint64_t seed : {11u, 12u, 13u}) {
    Book b = tiny_book(2, seed);
    for (const auto& c : cases) {
      OptimiseOptions o;
      o.device = Device::cpu;
      o.max_rate_change = 0.3;
      c.set(o, b);
      const SolveResult r = optimise(b, o);
      SCOPED_TRACE(std::string(c.name) + " seed " + std::to_string(seed) + ": " + r.message);
      // grid search over the same boxes with the same constraints
      const int G = 1200;
      double best = -1e300;
      std::vector<double> m(2);
      for (int a = 0; a <= G; ++a)
        for (int d = 0; d <= G; ++d) {
          m[0] = r.lower_bound[0] + (r.upper_bound[0] - r.lower_bound[0]) * a / G;
          m[1] = r.lower_bound[1] + (r.upper_bound[1] - r.lower_bound[1]) * d / G;
          const Recomputed q = recompute(b, m);
          const double lr = q.claims / q.gwp, ret = q.renewal / q.renewal_weight;
          if (o.lr_max && lr > *o.lr_max) continue;
          if (o.lr_min && lr < *o.lr_min) continue;
          if (o.gwp_min && q.gwp < *o.gwp_min) continue;
          if (o.gwp_max && q.gwp > *o.gwp_max) continue;
          if (o.retention_min && ret < *o.retention_min) continue;
          best = std::max(best, q.profit);
        }
      if (best == -1e300) {
        EXPECT_NE(r.status, SolveStatus::converged);
        continue;
      }
      ASSERT_EQ(r.status, SolveStatus::converged);
      const Recomputed q = recompute(b, r.multiplier);
      EXPECT_NEAR(q.profit, r.expected_profit, 1e-9 * std::fabs(q.profit));
      // never worse than the grid, and not implausibly better (the grid spacing bounds the gap)
      EXPECT_GE(r.expected_profit, best - 1e-9 * std::fabs(best));
      EXPECT_LE(r.expected_profit, best + 1e-3 * std::fabs(best));
    }
  }
}

// ------------------------------------------------------------------------------------------------
// KKT at the answer, recomputed here from the business-unit shadow prices:
//   ∂profit/∂m_i − μ_lr·∂(C − lr·G)/∂m_i + μ_ret·∂R/∂m_i = 0 inside the box, ≤ 0 at lb, ≥ 0 at ub,
// with μ_lr = 100·shadow_lr/G and μ_ret = 100·shadow_ret/W_R (the unit conversions of SPEC §1.6).
TEST(SolverKkt, BenchmarkBookSatisfiesKktFromReportedShadowPrices) {
  // (0.68, 0.78): retention binds alone; (0.6092, 0.72): both bind.
  for (auto [lr_max, retention_min] : {std::pair<double, double>{0.68, 0.78}, {0.6092, 0.72}}) {
    Book b = generate_book(5000, 3, BookProfile::benchmark);
    OptimiseOptions o = test::cpu_benchmark_options();
    o.lr_max = lr_max;
    o.retention_min = retention_min;
    const SolveResult r = optimise(b, o);
    ASSERT_EQ(r.status, SolveStatus::converged) << r.message;
    const ConstraintReport* lr = find_constraint(r, ConstraintKind::lr_max);
    const ConstraintReport* ret = find_constraint(r, ConstraintKind::retention_min);
    ASSERT_TRUE(lr && ret);
    EXPECT_GE(lr->shadow_price, 0.0);
    EXPECT_GE(ret->shadow_price, 0.0);
    if (!lr->binding) {
      EXPECT_EQ(lr->shadow_price, 0.0);
    }
    if (!ret->binding) {
      EXPECT_EQ(ret->shadow_price, 0.0);
    }
    EXPECT_LE(lr->relative_violation, 1e-9);
    EXPECT_LE(ret->relative_violation, 1e-9);

    const Recomputed q = recompute(b, r.multiplier);
    const double mu_lr = 100.0 * lr->shadow_price / q.gwp;
    const double mu_ret = 100.0 * ret->shadow_price / q.renewal_weight;
    int interior = 0;
    for (size_t i = 0; i < b.size(); ++i) {
      const double m = r.multiplier[i], tc = b.technical_price[i], c = b.expected_loss_cost[i];
      ASSERT_GE(m, r.lower_bound[i]);
      ASSERT_LE(m, r.upper_bound[i]);
      const double x = b.p_demand[i] * std::pow(m, b.elasticity[i]);
      const double dx = b.elasticity[i] * x / m;
      const double dprofit = tc * x + (m * tc - c) * dx;
      const double dgwp = tc * x + m * tc * dx;
      const double grad = dprofit - mu_lr * (c * dx - lr_max * dgwp) + mu_ret * (b.renewal_flag[i] ? dx : 0.0);
      const double tol = 1e-6 * tc;
      if (m > r.lower_bound[i] && m < r.upper_bound[i]) {
        ++interior;
        EXPECT_NEAR(grad, 0.0, tol) << "policy " << i;
      } else if (m == r.lower_bound[i] && m < r.upper_bound[i]) {
        EXPECT_LE(grad, tol) << "policy " << i;
      } else if (m == r.upper_bound[i] && m > r.lower_bound[i]) {
        EXPECT_GE(grad, -tol) << "policy " << i;
      }
    }
    EXPECT_GT(interior, 100);
    ASSERT_TRUE(r.dual_bound.has_value());
    EXPECT_GE(*r.dual_bound, r.expected_profit * (1 - 1e-12));
    EXPECT_LT(*r.optimality_gap, 1e-6);
  }
}

// ------------------------------------------------------------------------------------------------
// Every constraint type binding somewhere, holding to 1e-9 relative, with a positive shadow price that
// matches the slope of the optimal value (central difference of two re-solves).
struct BindingCase {
  const char* name;
  std::function<void(OptimiseOptions&)> set;
  std::function<void(OptimiseOptions&, double)> shift;  // move the limit by +h in its own units
  double h;
  double unit;  // shadow price is per `unit` of the limit
  bool relax_up;
  bool need_groups;
};

TEST(SolverConstraints, EachConstraintTypeBindsWithExactShadowPrice) {
  Book b = generate_book(4000, 5, BookProfile::benchmark);
  // Limits are set just inside the unconstrained optimum so that each one binds but stays feasible.
  OptimiseOptions base;
  base.device = Device::cpu;
  base.max_rate_change = 0.25;
  OptimiseOptions with_fairness = base;
  with_fairness.fairness_max = 100.0;  // slack: reports the free disparity
  const SolveResult free = optimise(b, with_fairness);
  ASSERT_TRUE(free.converged) << free.message;
  const double lr = free.expected_loss_ratio, gwp = free.expected_gwp, ret = free.expected_retention;
  const double disparity = find_constraint(free, ConstraintKind::fairness_max)->value;
  const std::vector<BindingCase> cases = {
      {"lr_max", [&](OptimiseOptions& o) { o.lr_max = lr - 0.0005; },
       [](OptimiseOptions& o, double h) { *o.lr_max += h; }, 1e-5, 0.01, true, false},
      {"lr_min", [&](OptimiseOptions& o) { o.lr_min = lr + 0.002; },
       [](OptimiseOptions& o, double h) { *o.lr_min += h; }, 1e-5, 0.01, false, false},
      {"gwp_min", [&](OptimiseOptions& o) { o.gwp_min = 1.005 * gwp; },
       [](OptimiseOptions& o, double h) { *o.gwp_min += h; }, 1e-5 * gwp, 1.0, false, false},
      {"gwp_max", [&](OptimiseOptions& o) { o.gwp_max = 0.995 * gwp; },
       [](OptimiseOptions& o, double h) { *o.gwp_max += h; }, 1e-5 * gwp, 1.0, true, false},
      {"retention_min", [&](OptimiseOptions& o) { o.retention_min = ret + 0.005; },
       [](OptimiseOptions& o, double h) { *o.retention_min += h; }, 1e-5, 0.01, false, false},
      {"fairness_max", [&](OptimiseOptions& o) { o.fairness_max = 1.0 + 0.8 * (disparity - 1.0); },
       [](OptimiseOptions& o, double h) { *o.fairness_max += h; }, 1e-6, 0.01, true, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    OptimiseOptions o = base;
    c.set(o);
    const SolveResult r = optimise(b, o);
    ASSERT_EQ(r.status, SolveStatus::converged) << r.message;
    const ConstraintReport* cr = find_constraint(r, enum_from_name<ConstraintKind>(c.name).value());
    ASSERT_NE(cr, nullptr);
    EXPECT_TRUE(cr->binding);
    EXPECT_LE(cr->relative_violation, 1e-9);
    EXPECT_NEAR(cr->value, cr->limit, 1e-8 * std::fabs(cr->limit));
    EXPECT_GT(cr->shadow_price, 0.0);
    ASSERT_TRUE(r.optimality_gap.has_value());
    EXPECT_LT(*r.optimality_gap, 1e-6);

    OptimiseOptions up = o, down = o;
    c.shift(up, c.h);
    c.shift(down, -c.h);
    const SolveResult ru = optimise(b, up), rd = optimise(b, down);
    ASSERT_TRUE(ru.converged && rd.converged);
    const double slope = (ru.expected_profit - rd.expected_profit) / (2 * c.h) * c.unit * (c.relax_up ? 1 : -1);
    EXPECT_NEAR(cr->shadow_price, slope, 2e-3 * std::fabs(slope) + 1e-9);
  }
}

TEST(SolverConstraints, NonSeparableConstraintsHoldAndReportNoDualBound) {
  Book b = generate_book(3000, 8, BookProfile::benchmark);
  OptimiseOptions probe;
  probe.device = Device::cpu;
  probe.max_rate_change = 0.25;
  probe.lr_max = 10.0;  // slack: reports the free LR + z·σ
  probe.stochastic_lr = true;
  const SolveResult free_lr = optimise(b, probe);
  probe = OptimiseOptions();
  probe.device = Device::cpu;
  probe.max_rate_change = 0.25;
  probe.fairness_max = 100.0;
  probe.fairness_metric = FairnessMetric::loss_ratio_disparity;
  const SolveResult free_fair = optimise(b, probe);
  ASSERT_TRUE(free_lr.converged && free_fair.converged);
  const double stochastic_lr = find_constraint(free_lr, ConstraintKind::lr_max)->value;
  const double lr_disparity = find_constraint(free_fair, ConstraintKind::fairness_max)->value;
  struct Case {
    const char* name;
    std::function<void(OptimiseOptions&)> set;
  };
  const std::vector<Case> cases = {
      {"stochastic lr_max",
       [&](OptimiseOptions& o) {
         o.lr_max = stochastic_lr - 0.0005;
         o.stochastic_lr = true;
         o.stochastic_alpha = 0.9;
       }},
      {"loss_ratio disparity",
       [&](OptimiseOptions& o) {
         o.fairness_max = 1.0 + 0.8 * (lr_disparity - 1.0);
         o.fairness_metric = FairnessMetric::loss_ratio_disparity;
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    OptimiseOptions o;
    o.device = Device::cpu;
    o.max_rate_change = 0.25;
    c.set(o);
    const SolveResult r = optimise(b, o);
    ASSERT_EQ(r.status, SolveStatus::converged) << r.message;
    for (const auto& cr : r.constraints) {
      EXPECT_LE(cr.relative_violation, 1e-9) << to_string(cr.kind);
      EXPECT_TRUE(cr.binding) << to_string(cr.kind);
      EXPECT_GT(cr.shadow_price, 0.0) << to_string(cr.kind);
    }
    EXPECT_FALSE(r.dual_bound.has_value());
    EXPECT_FALSE(r.dual_bound_note.empty());
  }
}

TEST(SolverConstraints, StochasticLrIsStricterThanPlainLr) {
  Book b = generate_book(3000, 9, BookProfile::benchmark);
  OptimiseOptions plain;
  plain.device = Device::cpu;
  plain.max_rate_change = 0.25;
  plain.lr_max = 10.0;
  plain.stochastic_lr = true;
  const SolveResult probe = optimise(b, plain);
  ASSERT_TRUE(probe.converged);
  plain.stochastic_lr = false;
  plain.lr_max = find_constraint(probe, ConstraintKind::lr_max)->value - 0.0005;  // binds stochastically only
  OptimiseOptions stoch = plain;
  stoch.stochastic_lr = true;
  const SolveResult rp = optimise(b, plain), rs = optimise(b, stoch);
  ASSERT_TRUE(rp.converged && rs.converged);
  EXPECT_LT(rs.expected_loss_ratio, rp.expected_loss_ratio);
  EXPECT_LT(rs.expected_profit, rp.expected_profit);
  // LR + z·σ = lr_max with z = √(α/(1−α)), σ = √(Σ w·var·x)/G, recomputed here
  double var = 0;
  for (size_t i = 0; i < b.size(); ++i)
    var += b.claims_variance[i] * b.p_demand[i] * std::pow(rs.multiplier[i], b.elasticity[i]);
  const double z = std::sqrt(0.9 / 0.1);
  EXPECT_NEAR(rs.expected_loss_ratio + z * std::sqrt(var) / rs.expected_gwp, *plain.lr_max, 1e-9 * *plain.lr_max);
}

TEST(SolverConstraints, ModelQualityAdjustmentRelaxesLrMax) {
  Book b = generate_book(3000, 10, BookProfile::benchmark);
  OptimiseOptions o;
  o.device = Device::cpu;
  o.max_rate_change = 0.25;
  const SolveResult free = optimise(b, o);
  const double E = std::sqrt((1 + 0.81) / (0.81 * 2)) - 1;  // ρ = 0.9, CV = 1, η = 1
  // the adjusted limit sits just under the free LR (binds); the plain one would be unreachable
  o.lr_max = (free.expected_loss_ratio - 0.0005) / (1 + E);
  o.model_quality_adjusted_lr = true;
  o.model_rho = 0.9;
  o.model_cv_lambda = 1.0;
  const SolveResult r = optimise(b, o);
  ASSERT_TRUE(r.converged) << r.message;
  // E = sqrt((1 + ρ²/CV²)/(ρ²(1 + 1/CV²))) − 1 with η = 1
  const ConstraintReport* lr = find_constraint(r, ConstraintKind::lr_max);
  ASSERT_NE(lr, nullptr);
  EXPECT_NEAR(lr->limit, *o.lr_max * (1 + E), 1e-12);
  EXPECT_NEAR(r.expected_loss_ratio, *o.lr_max * (1 + E), 1e-9);
}

TEST(SolverObjective, LossRatioObjectiveWithGwpFloor) {
  Book b = generate_book(3000, 12, BookProfile::benchmark);
  double gwp_ref = 0;
  for (size_t i = 0; i < b.size(); ++i) gwp_ref += b.technical_price[i] * b.p_demand[i];
  OptimiseOptions o;
  o.device = Device::cpu;
  o.objective = Objective::loss_ratio;
  o.gwp_min = 0.97 * gwp_ref;
  o.max_rate_change = 0.2;
  const SolveResult r = optimise(b, o);
  ASSERT_TRUE(r.converged) << r.message;
  const ConstraintReport* g = find_constraint(r, ConstraintKind::gwp_min);
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->binding);
  EXPECT_LE(g->relative_violation, 1e-9);
  // no feasible point of a perturbed random search does better
  std::mt19937_64 rng(1);
  std::normal_distribution<double> n01;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> m = r.multiplier;
    for (size_t i = 0; i < m.size(); ++i)
      m[i] = std::min(r.upper_bound[i], std::max(r.lower_bound[i], m[i] * (1 + 1e-3 * n01(rng))));
    const Recomputed q = recompute(b, m);
    if (q.gwp < *o.gwp_min) continue;
    EXPECT_GE(q.claims / q.gwp, r.expected_loss_ratio - 1e-12);
  }
}

TEST(SolverDemand, LogisticDemandConvergesWithBindingConstraints) {
  Book b = generate_book(4000, 14, BookProfile::benchmark);
  OptimiseOptions o = test::cpu_benchmark_options();
  o.demand_model = DemandModel::logistic;
  const SolveResult r = optimise(b, o);
  ASSERT_EQ(r.status, SolveStatus::converged) << r.message;
  for (const auto& c : r.constraints) EXPECT_LE(c.relative_violation, 1e-9);
  ASSERT_TRUE(r.optimality_gap.has_value());
  EXPECT_LT(*r.optimality_gap, 1e-6);
  EXPECT_LE(r.lagrangian_stationarity, 1e-6);
}

TEST(SolverInfeasible, UnreachableRetentionIsReportedWithBestValue) {
  Book b = generate_book(3000, 15, BookProfile::benchmark);
  OptimiseOptions o = test::cpu_benchmark_options();
  o.retention_min = 0.99;
  const SolveResult r = optimise(b, o);
  EXPECT_EQ(r.status, SolveStatus::infeasible);
  EXPECT_FALSE(r.converged);
  EXPECT_NE(r.message.find("retention_min"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("at most"), std::string::npos) << r.message;
  // the best reachable retention is every price at its lower bound
  std::vector<double> m(b.size());
  OptimiseOptions none = o;
  none.retention_min.reset();
  none.lr_max.reset();
  const SolveResult free_solve = optimise(b, none);
  for (size_t i = 0; i < m.size(); ++i) m[i] = free_solve.lower_bound[i];
  const Recomputed q = recompute(b, m);
  const double best = q.renewal / q.renewal_weight;
  EXPECT_NE(r.message.find(std::to_string(best).substr(0, 5)), std::string::npos) << r.message << " vs " << best;
}

TEST(SolverInfeasible, UnreachableLossRatio) {
  Book b = generate_book(2000, 16, BookProfile::benchmark);
  OptimiseOptions o = test::cpu_benchmark_options();
  o.lr_max = 0.30;
  const SolveResult r = optimise(b, o);
  EXPECT_EQ(r.status, SolveStatus::infeasible);
  EXPECT_NE(r.message.find("lr_max"), std::string::npos) << r.message;
}

TEST(SolverDeterminism, SameAnswerForAnyThreadCountAndRun) {
  Book b = generate_book(50000, 17, BookProfile::benchmark);
  OptimiseOptions o = test::cpu_benchmark_options();
  o.threads = 1;
  const SolveResult r1 = optimise(b, o);
  o.threads = 2;
  const SolveResult r2 = optimise(b, o);
  const SolveResult r3 = optimise(b, o);
  ASSERT_TRUE(r1.converged);
  EXPECT_EQ(r1.multiplier, r2.multiplier);
  EXPECT_EQ(r2.multiplier, r3.multiplier);
  EXPECT_EQ(r1.expected_profit, r2.expected_profit);
}

TEST(SolverRestarts, RestartsNeverLoseProfit) {
  Book b = generate_book(2000, 18, BookProfile::benchmark);
  OptimiseOptions o = test::cpu_benchmark_options();
  const SolveResult r0 = optimise(b, o);
  o.n_restarts = 2;
  const SolveResult r2 = optimise(b, o);
  ASSERT_TRUE(r0.converged && r2.converged);
  EXPECT_EQ(r2.restarts_run, 2);
  EXPECT_GE(r2.expected_profit, r0.expected_profit * (1 - 1e-12));
}

TEST(SolverBounds, BoundsFollowSpecOrderAndEnbpWins) {
  Book b;
  b.resize(3);
  b.source = "inline";
  for (size_t i = 0; i < 3; ++i) {
    b.technical_price[i] = 100;
    b.expected_loss_cost[i] = 60;
    b.p_demand[i] = 0.8;
    b.elasticity[i] = -1.5;
  }
  b.renewal_flag = {1, 1, 0};
  b.has_enbp = true;
  b.enbp[0] = 120;  // cap 120·0.99/100 = 1.188
  b.enbp[1] = 95;   // cap 0.9405 < technical floor 1 → conflict, ENBP wins
  b.prior_multiplier = {1.0, 1.0, 1.1};
  OptimiseOptions o;
  o.device = Device::cpu;
  o.max_rate_change = 0.25;
  o.enbp_buffer = 0.01;
  const SolveResult r = optimise(b, o);
  EXPECT_DOUBLE_EQ(r.lower_bound[0], 1.0);
  EXPECT_NEAR(r.upper_bound[0], 1.188, 1e-12);
  EXPECT_LE(r.upper_bound[0] * 100, 120 * 0.99);
  EXPECT_EQ(r.lower_bound[1], r.upper_bound[1]);
  EXPECT_NEAR(r.upper_bound[1], 0.9405, 1e-12);
  EXPECT_NEAR(r.lower_bound[2], 1.0, 1e-15);    // max(0.5, 1, 1.1·0.75)
  EXPECT_NEAR(r.upper_bound[2], 1.375, 1e-12);  // min(3, 1.1·1.25)
  EXPECT_EQ(r.n_bound_conflicts, 1);
  EXPECT_EQ(r.n_enbp_binding, 1 + (r.multiplier[0] >= r.upper_bound[0] - 1e-9 ? 1 : 0));
  ASSERT_TRUE(r.max_enbp_excess.has_value());
  EXPECT_LE(*r.max_enbp_excess, 0.0);
}

TEST(SolverInput, RenewalWithoutEnbpIsRejectedWhenBufferSet) {
  Book b = generate_book(10, 19, BookProfile::quickstart);
  for (size_t i = 0; i < b.size(); ++i)
    if (b.renewal_flag[i]) {
      b.enbp[i] = std::nan("");
      break;
    }
  OptimiseOptions o;
  o.enbp_buffer = 0.0;
  EXPECT_THROW(optimise(b, o), InputError);
}

// ------------------------------------------------------------------------------------------------
// evaluate_portfolio: the figures at given multipliers, as a solve reports its own.
TEST(EvaluatePortfolio, AtTheAnswerItIsTheSolvesOwnFigures) {
  for (const DemandModel model : {DemandModel::log_linear, DemandModel::logistic}) {
    const Book b = generate_book(3000, 21, BookProfile::benchmark);
    OptimiseOptions o = test::cpu_benchmark_options();
    o.demand_model = model;
    const SolveResult r = optimise(b, o);
    ASSERT_EQ(r.status, SolveStatus::converged) << r.message;
    const PortfolioFigures f = evaluate_portfolio(b, o, r.multiplier);
    EXPECT_NEAR(f.profit, r.expected_profit, 1e-12 * std::fabs(r.expected_profit));
    EXPECT_NEAR(f.gwp, r.expected_gwp, 1e-12 * r.expected_gwp);
    EXPECT_NEAR(f.claims, r.expected_claims, 1e-12 * r.expected_claims);
    EXPECT_NEAR(f.loss_ratio, r.expected_loss_ratio, 1e-12 * r.expected_loss_ratio);
    EXPECT_NEAR(f.retention, r.expected_retention, 1e-12 * r.expected_retention);
  }
}

TEST(EvaluatePortfolio, AnywhereItIsTheSumsRecomputedFromScratch) {
  Book b = generate_book(500, 4, BookProfile::benchmark);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(0.3, 3.5);  // beyond every box: the figures need none
  for (size_t i = 0; i < b.size(); ++i) {
    b.weight[i] = u(rng);
    b.expense[i] = 0.1 * b.technical_price[i];
  }
  std::vector<double> m(b.size());
  for (double& v : m) v = u(rng);
  const PortfolioFigures f = evaluate_portfolio(b, test::cpu_benchmark_options(), m);
  const Recomputed want = recompute(b, m);
  EXPECT_NEAR(f.profit, want.profit, 1e-12 * std::fabs(want.profit));
  EXPECT_NEAR(f.gwp, want.gwp, 1e-12 * want.gwp);
  EXPECT_NEAR(f.loss_ratio, want.claims / want.gwp, 1e-12);
  EXPECT_NEAR(f.retention, want.renewal / want.renewal_weight, 1e-12);

  for (size_t i = 0; i < b.size(); ++i) b.renewal_flag[i] = 0;
  b.enbp.assign(b.size(), std::nan(""));
  EXPECT_TRUE(std::isnan(evaluate_portfolio(b, OptimiseOptions{}, m).retention));  // no renewals
}

TEST(EvaluatePortfolio, BadMultipliersAreInputErrorsNamingTheIndex) {
  const Book b = generate_book(10, 4, BookProfile::benchmark);
  std::vector<double> m(10, 1.0);
  m[7] = 0.0;
  try {
    evaluate_portfolio(b, OptimiseOptions{}, m, "m");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "m[7] = 0 must be a finite number > 0");
  }
  m.pop_back();
  EXPECT_THROW(evaluate_portfolio(b, OptimiseOptions{}, m), InputError);
}
