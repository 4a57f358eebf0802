// CVaR reinsurance cession (SPEC §4.2): the CVaR estimator against closed forms and brute-force sorting,
// the simulation's moments and copula, the cheapest-line-first search (budget met, order, monotone
// premium, no-cession and infeasible cases, largest feasible retention), the GPU evaluator against the
// CPU one (Gpu/ instance, skipped without a device), and the CLI with bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "optimise/backend/backend.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/math/philox.hpp"
#include "rateopt/math/root_find.hpp"
#include "rateopt/reinsure.hpp"
#include "reinsure/reinsure_risk.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

namespace fs = std::filesystem;

// Brute force: sort everything, VaR = the ⌈αS⌉-th smallest, CVaR = VaR + Σ(a − VaR)+ / ((1 − α)S).
double brute_cvar(std::vector<double> a, double alpha) {
  std::sort(a.begin(), a.end());
  const size_t k = static_cast<size_t>(std::ceil(alpha * a.size() - 1e-9 * a.size()));
  const double var = a[std::max<size_t>(k, 1) - 1];
  long double excess = 0;
  for (double v : a) excess += std::max(v - var, 0.0);
  return var + static_cast<double>(excess) / ((1 - alpha) * a.size());
}

std::vector<double> uniforms(size_t n, uint64_t seed) {
  std::vector<double> u(n);
  for (size_t i = 0; i < n; ++i) {
    const Philox4x32 r = philox4x32_10(seed, static_cast<uint32_t>(i), 0, 0, 0);
    u[i] = uniform_open01(r.v[0], r.v[1]);
  }
  return u;
}

TEST(Philox, MatchesTheRandom123KnownAnswers) {
  const Philox4x32 zero = philox4x32_10(0, 0, 0, 0, 0);
  EXPECT_EQ(zero.v[0], 0x6627e8d5u);
  EXPECT_EQ(zero.v[1], 0xe169c58du);
  EXPECT_EQ(zero.v[2], 0xbc57ac4cu);
  EXPECT_EQ(zero.v[3], 0x9b00dbd8u);
  const Philox4x32 ones = philox4x32_10(0xffffffffffffffffull, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
  EXPECT_EQ(ones.v[0], 0x408f276du);
  EXPECT_EQ(ones.v[1], 0x41c83b0eu);
  EXPECT_EQ(ones.v[2], 0xa20bc7c6u);
  EXPECT_EQ(ones.v[3], 0x6d5451fdu);
}

TEST(BrentRoot, FindsACubeRootAndKeepsTheBracket) {
  const auto r = brent_root([](double x) { return x * x * x - 2.0; }, 0.0, 2.0, 1e-14);
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->root, std::cbrt(2.0), 1e-12);
  EXPECT_LE(r->lo, std::cbrt(2.0) + 1e-12);
  EXPECT_GE(r->hi, std::cbrt(2.0) - 1e-12);
  EXPECT_LT(r->evaluations, 20);
  EXPECT_FALSE(brent_root([](double x) { return x * x + 1.0; }, -1.0, 1.0, 1e-12).has_value());
}

TEST(SampleCvar, EqualsTheMeanOfTheTopValuesOnAPermutation) {
  // values 1..S in a scrambled order; α·S = k an integer → CVaR = mean of k+1..S = (k + 1 + S)/2
  const size_t S = 1000;
  std::vector<double> a(S);
  for (size_t i = 0; i < S; ++i) a[i] = static_cast<double>((i * 7919) % S + 1);
  double var = 0;
  EXPECT_DOUBLE_EQ(sample_cvar(a, 0.995, 0, &var), (995 + 1 + 1000) / 2.0);
  EXPECT_EQ(var, 995.0);
  EXPECT_DOUBLE_EQ(sample_cvar(a, 0.9, 0), (900 + 1 + 1000) / 2.0);
  EXPECT_DOUBLE_EQ(sample_cvar(a, 0.0, 0), 500.5);  // α = 0: the mean
}

TEST(SampleCvar, MatchesBruteForceSortingOnBothPaths) {
  // 700,000 values take the subsampled-threshold path, 3,001 the gather-everything path; α·S not an integer
  for (size_t n : {size_t{3001}, size_t{700000}}) {
    std::vector<double> u = uniforms(n, 11);
    for (double& v : u) v = -std::log(v) * 1000.0;  // exponential, heavy enough to matter
    for (double alpha : {0.5, 0.9, 0.99, 0.995, 0.9993}) {
      const double fast = sample_cvar(u, alpha, 0), brute = brute_cvar(u, alpha);
      EXPECT_NEAR(fast, brute, 1e-11 * brute) << "n " << n << " alpha " << alpha;
    }
  }
}

TEST(SampleCvar, ExponentialSamplesMatchTheClosedForm) {
  // Exp(1): VaR_α = −ln(1 − α), CVaR_α = VaR_α + 1.  1e6 samples, tail of 1e4 at α = 0.99: the
  // estimator's standard error is about 0.01
  std::vector<double> x = uniforms(1000000, 3);
  for (double& v : x) v = -std::log(v);
  double var = 0;
  const double cvar = sample_cvar(x, 0.99, 0, &var);
  EXPECT_NEAR(var, -std::log(0.01), 0.05);
  EXPECT_NEAR(cvar, -std::log(0.01) + 1.0, 0.05);
}

TEST(SampleCvar, DoesNotDependOnTheThreadCount) {
  std::vector<double> x = uniforms(800000, 5);
  EXPECT_EQ(sample_cvar(x, 0.995, 1), sample_cvar(x, 0.995, 2));
  EXPECT_EQ(sample_cvar(x, 0.995, 1), sample_cvar(x, 0.995, 3));
}

TEST(Cholesky, FactorsAPositiveDefiniteMatrixAndRejectsOthers) {
  const std::vector<double> c{1, 0.5, 0.2, 0.5, 1, 0.3, 0.2, 0.3, 1};
  const auto l = cholesky_lower(c, 3);
  ASSERT_TRUE(l.has_value());
  for (size_t i = 0; i < 3; ++i)
    for (size_t j = 0; j < 3; ++j) {
      double s = 0;
      for (size_t k = 0; k < 3; ++k) s += (*l)[i * 3 + k] * (*l)[j * 3 + k];
      EXPECT_NEAR(s, c[i * 3 + j], 1e-14);
    }
  size_t row = 99;
  EXPECT_FALSE(cholesky_lower({1, 0.9, 0.9, 0.9, 1, -0.9, 0.9, -0.9, 1}, 3, &row).has_value());
  EXPECT_EQ(row, 2u);
}

std::vector<ReinsuranceLine> three_lines() {
  // loadings deliberately not in input order: the cheapest is "property"
  return {{"motor", 100.0, 40.0 * 40.0, 0.30, 0.0},
          {"property", 80.0, 60.0 * 60.0, 0.10, 0.0},
          {"liability", 50.0, 70.0 * 70.0, 0.20, 0.0}};
}

TEST(SimulateLosses, MatchMeanVarianceAndCopulaCorrelation) {
  const auto lines = three_lines();
  const std::vector<double> corr{1, 0.5, -0.3, 0.5, 1, 0.2, -0.3, 0.2, 1};
  const size_t n = 400000;
  const LossSamples s = simulate_losses(lines, corr, n, 2026, 0);
  ASSERT_EQ(s.size(), n);
  std::vector<std::vector<double>> logs(3, std::vector<double>(n));
  for (size_t j = 0; j < 3; ++j) {
    double mean = 0, m2 = 0;
    for (double v : s.loss[j]) mean += v;
    mean /= n;
    for (double v : s.loss[j]) m2 += (v - mean) * (v - mean);
    const double var = m2 / n, sd = std::sqrt(lines[j].variance);
    // standard error of the mean sd/√n; the sample variance of a lognormal is noisier: allow 5%
    EXPECT_NEAR(mean, lines[j].expected_loss, 5 * sd / std::sqrt(n)) << lines[j].name;
    EXPECT_NEAR(var, lines[j].variance, 0.05 * lines[j].variance) << lines[j].name;
    for (size_t i = 0; i < n; ++i) logs[j][i] = std::log(s.loss[j][i]);
  }
  // the copula's correlation is the correlation of the normal scores ln X
  for (size_t a = 0; a < 3; ++a)
    for (size_t b = 0; b < a; ++b) {
      double ma = 0, mb = 0;
      for (size_t i = 0; i < n; ++i) ma += logs[a][i], mb += logs[b][i];
      ma /= n;
      mb /= n;
      double sab = 0, saa = 0, sbb = 0;
      for (size_t i = 0; i < n; ++i) {
        sab += (logs[a][i] - ma) * (logs[b][i] - mb);
        saa += (logs[a][i] - ma) * (logs[a][i] - ma);
        sbb += (logs[b][i] - mb) * (logs[b][i] - mb);
      }
      EXPECT_NEAR(sab / std::sqrt(saa * sbb), corr[a * 3 + b], 5.0 / std::sqrt(n)) << a << "," << b;
    }
}

TEST(SimulateLosses, AreReproducibleAndThreadCountFree) {
  const auto lines = three_lines();
  const LossSamples a = simulate_losses(lines, {}, 50000, 7, 1), b = simulate_losses(lines, {}, 50000, 7, 2);
  for (size_t j = 0; j < 3; ++j) EXPECT_TRUE(test::same_doubles(a.loss[j], b.loss[j]));
  const LossSamples c = simulate_losses(lines, {}, 50000, 8, 2);
  EXPECT_NE(a.loss[0][0], c.loss[0][0]);
}

// The retained aggregate for given retentions (∞ = whole), summed the plain way.
std::vector<double> retained(const LossSamples& s, const std::vector<LineCession>& cessions) {
  std::vector<double> a(s.size(), 0.0);
  for (size_t j = 0; j < cessions.size(); ++j) {
    const double d = cessions[j].retention ? *cessions[j].retention : INFINITY;
    for (size_t i = 0; i < s.size(); ++i) a[i] += std::min(s.loss[j][i], d);
  }
  return a;
}

struct Problem {
  std::vector<ReinsuranceLine> lines = three_lines();
  LossSamples samples = simulate_losses(lines, {1, 0.4, 0.1, 0.4, 1, 0.3, 0.1, 0.3, 1}, 200000, 99, 0);
  ReinsuranceResult solve(double budget, RiskMeasure m = RiskMeasure::cvar, int frontier = 0,
                          Device device = Device::cpu) const {
    ReinsuranceOptions o;
    o.measure = m;
    o.budget = budget;
    o.frontier_points = frontier;
    o.device = device;
    return optimise_reinsurance(lines, samples, o);
  }
};

const Problem& problem() {
  static const Problem p;
  return p;
}

TEST(Reinsure, RetainedCvarEqualsTheBudget) {
  const Problem& p = problem();
  const ReinsuranceResult none = p.solve(1e18);
  for (double share : {0.9, 0.7, 0.5, 0.3}) {
    const double budget = share * none.unceded_risk;
    const ReinsuranceResult r = p.solve(budget);
    ASSERT_EQ(r.status, "ceded") << r.message;
    EXPECT_LE(r.retained_risk, budget);
    EXPECT_NEAR(r.retained_risk, budget, 1e-8 * budget);
    // recomputed independently from the reported retentions by brute-force sorting
    EXPECT_NEAR(brute_cvar(retained(p.samples, r.lines), 0.995), budget, 1e-8 * budget);
    // the retention is the largest that meets the budget: a little more retained breaks it
    for (const LineCession& c : r.lines) {
      if (!c.retention || *c.retention == 0) continue;
      std::vector<LineCession> looser = r.lines;
      for (LineCession& l : looser)
        if (l.name == c.name) *l.retention *= 1 + 1e-6;
      EXPECT_GT(brute_cvar(retained(p.samples, looser), 0.995), budget) << c.name;
    }
  }
}

TEST(Reinsure, CedesTheCheapestLineFirst) {
  // three exchangeable lines (same distribution, independent) that differ only in loading: a layer of
  // the cheapest removes as much risk as a layer of any other for less, so the path starts there
  std::vector<ReinsuranceLine> lines{{"motor", 100.0, 3600.0, 0.30, 0.0},
                                     {"property", 100.0, 3600.0, 0.10, 0.0},
                                     {"liability", 100.0, 3600.0, 0.20, 0.0}};
  const LossSamples samples = simulate_losses(lines, {}, 100000, 17, 0);
  for (CessionObjective objective : {CessionObjective::cost, CessionObjective::premium}) {
    if (objective == CessionObjective::premium) {  // (1 + β) differs less: spread the loadings
      lines[0].safety_loading = 0.9;
      lines[2].safety_loading = 0.5;
    }
    ReinsuranceOptions o;
    o.device = Device::cpu;
    o.objective = objective;
    o.budget = 1e18;
    const double unceded = optimise_reinsurance(lines, samples, o).unceded_risk;
    o.budget = 0.995 * unceded;  // a small cut
    const ReinsuranceResult small = optimise_reinsurance(lines, samples, o);
    ASSERT_EQ(small.status, "ceded") << small.message;
    for (const LineCession& c : small.lines) {
      EXPECT_EQ(c.ceded, c.name == "property") << c.name << " " << to_string(objective);
      if (c.name == "property") {
        EXPECT_EQ(c.order, 1);
        EXPECT_NEAR(c.ceded_premium, 1.10 * c.expected_ceded_loss, 1e-9 * c.ceded_premium);
      }
    }
    EXPECT_EQ(small.lines[2].order, 2);  // liability (0.20) comes next, motor (0.30) last
    EXPECT_EQ(small.lines[0].order, 3);
  }
}

// Two lines: the path's answer against the best pair of retentions found by brute force (a 120-point
// grid of the first line's retention, the least second retention meeting the budget by bisection).
TEST(Reinsure, PathIsNearTheBruteForceOptimumOfTwoRetentions) {
  const std::vector<ReinsuranceLine> lines{{"a", 100.0, 50.0 * 50.0, 0.10, 0.0},
                                           {"b", 100.0, 150.0 * 150.0, 0.30, 0.0}};
  const LossSamples s = simulate_losses(lines, {1, 0.3, 0.3, 1}, 20000, 5, 0);
  const size_t n = s.size();
  const auto cvar_at = [&](double d1, double d2) {
    std::vector<double> a(n);
    for (size_t i = 0; i < n; ++i) a[i] = std::min(s.loss[0][i], d1) + std::min(s.loss[1][i], d2);
    return sample_cvar(a, 0.995, 1);
  };
  const auto premium = [&](size_t j, double d) {
    double t = 0;
    for (double v : s.loss[j]) t += std::max(v - d, 0.0);
    return (1 + lines[j].safety_loading) * t / n;
  };
  const double top0 = *std::max_element(s.loss[0].begin(), s.loss[0].end());
  const double top1 = *std::max_element(s.loss[1].begin(), s.loss[1].end());
  const double budget = 0.5 * cvar_at(INFINITY, INFINITY);
  double best = INFINITY;
  for (int g = 0; g <= 120; ++g) {
    const double d1 = top0 * g / 120.0;
    if (cvar_at(d1, 0) > budget) continue;
    double lo = 0, hi = top1;
    for (int it = 0; it < 40; ++it) (cvar_at(d1, 0.5 * (lo + hi)) <= budget ? lo : hi) = 0.5 * (lo + hi);
    best = std::min(best, premium(0, d1) + premium(1, lo));
  }
  ReinsuranceOptions o;
  o.device = Device::cpu;
  o.objective = CessionObjective::premium;
  o.budget = budget;
  const ReinsuranceResult r = optimise_reinsurance(lines, s, o);
  ASSERT_EQ(r.status, "ceded");
  EXPECT_LE(r.retained_risk, budget);
  EXPECT_LE(r.total_ceded_premium, 1.03 * best) << "brute force " << best;
  // ceding line a wholly first (the cheapest line, whole) would cost far more than the optimum
  EXPECT_LT(r.total_ceded_premium, 0.5 * premium(0, 0.0));
}

TEST(Reinsure, CededPremiumRisesAsTheBudgetFalls) {
  const Problem& p = problem();
  const ReinsuranceResult r = p.solve(0.5 * p.solve(1e18).unceded_risk, RiskMeasure::cvar, 12);
  ASSERT_EQ(r.frontier.size(), 12u);
  for (size_t i = 1; i < r.frontier.size(); ++i) {
    EXPECT_LT(r.frontier[i - 1].budget, r.frontier[i].budget);
    EXPECT_GE(r.frontier[i - 1].ceded_premium, r.frontier[i].ceded_premium);
    EXPECT_LE(r.frontier[i].retained_risk, r.frontier[i].budget * (1 + 1e-12));
  }
  EXPECT_EQ(r.frontier.back().ceded_premium, 0.0);  // the unceded end
  // the least-risk end cedes every line whole: premium Σ (1 + β)·E[X]
  double full = 0;
  for (const LineCession& c : r.lines) full += (1 + c.safety_loading) * c.expected_loss;
  EXPECT_NEAR(r.frontier.front().ceded_premium, full, 1e-9 * full);
}

TEST(Reinsure, NoCessionWhenTheBudgetIsAlreadyMet) {
  const Problem& p = problem();
  const double unceded = p.solve(1e18).unceded_risk;
  const ReinsuranceResult r = p.solve(unceded * 1.01);
  EXPECT_EQ(r.status, "no_cession");
  EXPECT_EQ(r.total_ceded_premium, 0.0);
  EXPECT_EQ(r.retained_risk, unceded);
  for (const LineCession& c : r.lines) EXPECT_FALSE(c.ceded);
}

TEST(Reinsure, InfeasibleBelowTheLeastReachableRisk) {
  Problem p;
  for (auto& line : p.lines) line.min_retention = 60.0;  // reinsurers attach at 60 or above
  ReinsuranceOptions o;
  o.budget = 100.0;  // below CVaR of Σ min(X_i, 60), which is close to 180
  o.device = Device::cpu;
  const ReinsuranceResult r = optimise_reinsurance(p.lines, p.samples, o);
  EXPECT_EQ(r.status, "infeasible");
  EXPECT_GT(r.least_reachable_risk, 100.0);
  EXPECT_NE(r.message.find("unreachable"), std::string::npos);
  EXPECT_EQ(r.total_ceded_premium, 0.0);
  // and with every line allowed down to 0, a negative budget cannot be met either
  EXPECT_EQ(problem().solve(-1.0).status, "infeasible");
}

TEST(Reinsure, VarianceMeasureMeetsItsBudget) {
  const Problem& p = problem();
  const ReinsuranceResult none = p.solve(1e30, RiskMeasure::variance);
  const double budget = 0.4 * none.unceded_risk;
  const ReinsuranceResult r = p.solve(budget, RiskMeasure::variance);
  ASSERT_EQ(r.status, "ceded") << r.message;
  const std::vector<double> a = retained(p.samples, r.lines);
  const double mean = std::accumulate(a.begin(), a.end(), 0.0) / a.size();
  double m2 = 0;
  for (double v : a) m2 += (v - mean) * (v - mean);
  EXPECT_NEAR(m2 / a.size(), budget, 1e-8 * budget);
  EXPECT_LE(r.retained_risk, budget);
}

TEST(Reinsure, AnswersDoNotDependOnTheThreadCount) {
  const Problem& p = problem();
  ReinsuranceOptions o;
  o.device = Device::cpu;
  o.budget = 0.5 * p.solve(1e18).unceded_risk;
  o.frontier_points = 4;
  o.threads = 1;
  const ReinsuranceResult one = optimise_reinsurance(p.lines, p.samples, o);
  o.threads = 2;
  const ReinsuranceResult two = optimise_reinsurance(p.lines, p.samples, o);
  EXPECT_EQ(one.retained_risk, two.retained_risk);
  EXPECT_EQ(one.total_ceded_premium, two.total_ceded_premium);
  for (size_t j = 0; j < one.lines.size(); ++j) EXPECT_EQ(one.lines[j].retention, two.lines[j].retention);
  for (size_t k = 0; k < one.frontier.size(); ++k)
    EXPECT_EQ(one.frontier[k].ceded_premium, two.frontier[k].ceded_premium);
}

TEST(Reinsure, RejectsMismatchedSamples) {
  Problem p;
  p.samples.loss.pop_back();
  ReinsuranceOptions o;
  o.budget = 10;
  EXPECT_THROW(optimise_reinsurance(p.lines, p.samples, o), InputError);
  o.alpha = 1.0;
  EXPECT_THROW(o.validate(), InputError);
}

// The GPU evaluator against the CPU one on the same problem: same order statistic, sums to round-off.
class ReinsureDevice : public ::testing::TestWithParam<std::string> {};

TEST_P(ReinsureDevice, MatchesTheCpuAnswer) {
  if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  const Problem& p = problem();
  const double unceded = p.solve(1e18).unceded_risk;
  for (RiskMeasure m : {RiskMeasure::cvar, RiskMeasure::variance}) {
    const double top = m == RiskMeasure::cvar ? unceded : p.solve(1e30, m).unceded_risk;
    const ReinsuranceResult cpu = p.solve(0.4 * top, m, 5, Device::cpu),
                            dev = p.solve(0.4 * top, m, 5, *enum_from_name<Device>(GetParam()));
    EXPECT_EQ(dev.backend_used, GetParam());
    EXPECT_NEAR(dev.retained_risk, cpu.retained_risk, 1e-9 * cpu.retained_risk);
    EXPECT_NEAR(dev.total_ceded_premium, cpu.total_ceded_premium, 1e-6 * cpu.total_ceded_premium);
    ASSERT_EQ(dev.frontier.size(), cpu.frontier.size());
    for (size_t i = 0; i < cpu.frontier.size(); ++i)
      EXPECT_NEAR(dev.frontier[i].ceded_premium, cpu.frontier[i].ceded_premium,
                  1e-6 * (1 + cpu.frontier[i].ceded_premium));
  }
}

// The evaluators themselves on 70,001 samples (the tail selected before VaR; and a tail too large to
// select, and a single sample): VaR to the bit (an order statistic of the same doubles: both form base in
// line order), the risk to 1e-12 relative (the same non-negative terms summed in another order).
TEST_P(ReinsureDevice, EvaluatorMatchesTheCpuEvaluator) {
  if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  for (size_t n : {size_t{1}, size_t{70001}}) {
    std::vector<std::vector<double>> loss(3, std::vector<double>(n));
    uint64_t state = 12345;
    for (auto& line : loss)
      for (double& v : line) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        v = std::floor(static_cast<double>(state >> 40) / 4096.0) / 8.0;  // whole eighths: ties
      }
    for (RiskMeasure measure : {RiskMeasure::cvar, RiskMeasure::variance})
      for (double alpha : {0.5, 0.99}) {
        auto test = GetParam() == "cuda" ? make_cuda_risk_evaluator(measure, alpha)
                                         : make_cpu_risk_evaluator(measure, alpha, 0);
        auto ref = make_cpu_risk_evaluator(measure, alpha, 1);
        test->set_lines(loss);
        ref->set_lines(loss);
        for (size_t marginal : {size_t{0}, size_t{2}}) {
          const std::vector<double> d = {500.0, 1e300, 900.0};
          test->load(d, marginal);
          ref->load(d, marginal);
          for (double retention : {0.0, 300.0, 2000.0, std::numeric_limits<double>::infinity()}) {
            double var_test = 0, var_ref = 0;
            const double r_test = test->risk(retention, &var_test), r_ref = ref->risk(retention, &var_ref);
            EXPECT_NEAR(r_test, r_ref, 1e-12 * std::fabs(r_ref)) << n << " " << alpha << " " << retention;
            if (measure == RiskMeasure::cvar) {
              EXPECT_EQ(var_test, var_ref) << n << " " << alpha << " " << retention;
            }
          }
        }
      }
  }
}

INSTANTIATE_TEST_SUITE_P(Cpu, ReinsureDevice, ::testing::Values(std::string("cpu")));
INSTANTIATE_TEST_SUITE_P(Gpu, ReinsureDevice, ::testing::Values(std::string("cuda")));

// ------------------------------------------------------------------------------------------ CLI

using test::CliRun;
using test::run_rateopt;

const char* kLines =
    "name,expected_loss,variance,safety_loading\n"
    "motor,100,1600,0.3\n"
    "property,80,3600,0.1\n"
    "liability,50,4900,0.2\n";

TEST(ReinsureCli, WritesTheAnswerFrontierAndChart) {
  const fs::path dir = test::scratch_dir();
  test::write_text_file(dir / "lines.csv", kLines);
  test::write_text_file(dir / "corr.csv",
                        "line,motor,property,liability\nmotor,1,0.4,0.1\nproperty,0.4,1,0.3\n"
                        "liability,0.1,0.3,1\n");
  const fs::path out = dir / "out";
  const CliRun r = run_rateopt(dir, {"reinsure", "--lines", (dir / "lines.csv").string(), "--simulate", "20000",
                                     "--seed", "3", "--correlation", (dir / "corr.csv").string(), "--budget", "300",
                                     "--frontier", "8", "--device", "cpu", "--json", "--out-dir", out.string()});
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["status"], "ceded");
  EXPECT_NEAR(j["retained_risk"].get<double>(), 300.0, 1e-6);
  EXPECT_EQ(j["frontier"].size(), 8u);
  for (const char* f : {"reinsurance_lines.csv", "result.json", "reinsurance_frontier.csv", "reinsurance_frontier.svg"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  if (test::have_tool("rsvg-convert")) {
    const std::string png = (dir / "frontier.png").string();
    EXPECT_EQ(test::run_tool({"rsvg-convert", "-o", png, (out / "reinsurance_frontier.svg").string()}), 0);
    EXPECT_GT(fs::file_size(png), 1000u);
  }
  // the same simulation with a samples file gives the same answer: write the samples out and read them
  const auto lines = read_reinsurance_lines((dir / "lines.csv").string());
  const LossSamples s = simulate_losses(lines, read_correlation_csv((dir / "corr.csv").string(), lines), 20000, 3, 0);
  std::string csv = "liability,motor,property\n";  // columns in another order than the lines
  for (size_t i = 0; i < s.size(); ++i) {
    std::string row;
    for (size_t col : {size_t{2}, size_t{0}, size_t{1}}) {
      char v[40];
      snprintf(v, sizeof v, "%.17g", s.loss[col][i]);
      row += (row.empty() ? "" : ",") + std::string(v);
    }
    csv += row + "\n";
  }
  test::write_text_file(dir / "samples.csv", csv);
  const CliRun again = run_rateopt(
      dir, {"reinsure", "--lines", (dir / "lines.csv").string(), "--samples", (dir / "samples.csv").string(),
            "--budget", "300", "--device", "cpu", "--json", "--out-dir", (dir / "out2").string()});
  ASSERT_EQ(again.rc, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["total_ceded_premium"], j["total_ceded_premium"]);
  // an existing output is not replaced without --force
  const CliRun refused = run_rateopt(dir, {"reinsure", "--lines", (dir / "lines.csv").string(), "--simulate", "1000",
                                           "--budget", "300", "--out-dir", out.string()});
  EXPECT_EQ(refused.rc, 2);
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
}

TEST(ReinsureCli, ReportsInfeasibleAndNoCessionWithExitZero) {
  const fs::path dir = test::scratch_dir();
  test::write_text_file(dir / "lines.csv",
                        "name,expected_loss,variance,safety_loading,min_retention\nmotor,100,1600,0.3,90\n"
                        "property,80,3600,0.1,70\n");
  const std::vector<std::string> base = {"reinsure", "--lines", (dir / "lines.csv").string(), "--simulate", "5000",
                                         "--device", "cpu"};
  const CliRun low = run_rateopt(dir, test::concat(base, {"--budget", "50", "--out-dir", (dir / "a").string()}));
  EXPECT_EQ(low.rc, 0) << low.err;
  EXPECT_NE(low.out.find("infeasible"), std::string::npos) << low.out;
  const CliRun high = run_rateopt(dir, test::concat(base, {"--budget", "1e9", "--out-dir", (dir / "b").string()}));
  EXPECT_EQ(high.rc, 0) << high.err;
  EXPECT_NE(high.out.find("no cession"), std::string::npos) << high.out;
}

TEST(ReinsureCli, BadInputExitsTwoNamingTheFileAndLineAndWritesNothing) {
  const fs::path dir = test::scratch_dir();
  struct Case {
    std::string lines, extra_file, extra_flag, expect;
  };
  const std::string good = kLines;
  const std::vector<Case> cases{
      {"name,expected_loss,variance,safety_loading\nmotor,100,-5,0.3\n", "", "--simulate 100", "lines.csv:2: variance"},
      {"name,expected_loss,variance,safety_loading\nmotor,100,5,0.3\nmotor,1,1,0\n", "", "--simulate 100",
       "lines.csv:3: name \"motor\" appears again"},
      {"name,expected_loss,variance,loading\nmotor,100,5,0.3\n", "", "--simulate 100", "lines.csv:1: unknown column"},
      {"name,expected_loss,variance,safety_loading\nmotor,abc,5,0.3\n", "", "--simulate 100",
       "lines.csv:2: expected_loss = \"abc\" is not a number"},
      {"name,expected_loss,variance,safety_loading\nmotor,0,5,0.3\n", "", "--simulate 100", "needs expected_loss > 0"},
      {good, "motor,property\n1,2\n", "--samples", "extra.csv:1: missing column for line \"liability\""},
      {good, "motor,property,liability,x\n1,2,3,4\n", "--samples", "extra.csv:1: column \"x\" is not a line"},
      {good, "motor,property,liability\n1,2,3\n4,-1,3\n", "--samples", "extra.csv:3: property = -1 is a negative"},
      {good, "motor,property,liability\n1,2,3\n4,5\n", "--samples", "extra.csv:3: row has 2 fields"},
      {good, "line,motor,property,liability\nmotor,1,0.9,0.9\nproperty,0.9,1,-0.9\nliability,0.9,-0.9,1\n",
       "--simulate 100 --correlation", "extra.csv:4: the matrix is not positive definite"},
      {good, "line,motor,property,liability\nmotor,1,0.5,0\nproperty,0.4,1,0\nliability,0,0,1\n",
       "--simulate 100 --correlation", "not symmetric"},
      {good, "line,motor,property,liability\nmotor,1,0.5,0\nproperty,0.5,2,0\nliability,0,0,1\n",
       "--simulate 100 --correlation", "extra.csv:3: property = 2 is outside [-1, 1]"},
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    test::write_text_file(dir / "lines.csv", c.lines);
    std::vector<std::string> args = test::concat(
        {"reinsure", "--lines", (dir / "lines.csv").string(), "--budget", "100"}, test::words(c.extra_flag));
    if (!c.extra_file.empty()) {
      test::write_text_file(dir / "extra.csv", c.extra_file);
      args.push_back((dir / "extra.csv").string());
    }
    const fs::path out = dir / ("out" + std::to_string(k));
    const CliRun r = run_rateopt(dir, test::concat(args, {"--out-dir", out.string()}));
    EXPECT_EQ(r.rc, 2) << "case " << k << ": " << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << "case " << k << ": " << r.err;
    EXPECT_FALSE(fs::exists(out)) << "case " << k << " wrote output";
  }
  // option errors
  test::write_text_file(dir / "lines.csv", good);
  const std::vector<std::string> lines = {"reinsure", "--lines", (dir / "lines.csv").string()};
  for (const std::string& bad :
       {std::string("--simulate 100 --samples x.csv --budget 1"), std::string("--budget 1"),
        std::string("--simulate 100 --budget 1 --alpha 1.5"), std::string("--simulate 100 --budget 1 --measure var"),
        std::string("--simulate 100 --budget 1 --frontier 1")}) {
    const CliRun r =
        run_rateopt(dir, test::concat(test::concat(lines, test::words(bad)), {"--out-dir", (dir / "o").string()}));
    EXPECT_EQ(r.rc, 2) << bad << ": " << r.err;
    EXPECT_FALSE(fs::exists(dir / "o")) << bad;
  }
}

}  // namespace
}  // namespace rateopt
