// The efficient frontier: monotone profit, every point feasible, shadow prices equal to the slope of
// the frontier, warm-started points equal to cold solves, the infeasible tail, and the CLI with a
// chart that renders.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/solve.hpp"
#include "rateopt/sweep.hpp"
#include "test_util.hpp"

using namespace rateopt;
namespace fs = std::filesystem;

namespace {
// The frontier of the constraint named `sweep` (read as a config gives it) over [from, to].
FrontierOptions sweep_of(const std::string& sweep, double from, double to, int points) {
  FrontierOptions f;
  apply_options_json(f, nlohmann::json{{"sweep", sweep}, {"from", from}, {"to", to}, {"points", points}}.dump(),
                     "test");
  return f;
}
}  // namespace

TEST(Frontier, ProfitFallsAsRetentionRisesAndEveryPointHoldsItsConstraints) {
  const FrontierResult f = efficient_frontier(test::benchmark_book_20k(), test::cpu_benchmark_options(),
                                              sweep_of("retention_min", 0.70, 0.84, 15));
  ASSERT_EQ(f.points.size(), 15u);
  int converged = 0, infeasible = 0;
  for (size_t k = 0; k < f.points.size(); ++k) {
    const FrontierPoint& p = f.points[k];
    SCOPED_TRACE("epsilon " + std::to_string(p.epsilon));
    EXPECT_NEAR(p.epsilon, 0.70 + 0.01 * k, 1e-12);
    if (p.summary.status == SolveStatus::infeasible) {
      ++infeasible;
      continue;
    }
    ASSERT_TRUE(p.summary.converged) << p.summary.message;
    ++converged;
    EXPECT_GE(p.summary.retention, p.epsilon * (1 - 1e-9));
    EXPECT_LE(p.summary.loss_ratio, 0.68 * (1 + 1e-9));
    ASSERT_TRUE(p.summary.optimality_gap.has_value());
    EXPECT_LT(*p.summary.optimality_gap, 1e-6);
    if (k > 0 && f.points[k - 1].summary.converged) {
      EXPECT_LE(p.summary.profit, f.points[k - 1].summary.profit * (1 + 1e-9));
    }
  }
  EXPECT_GE(converged, 8);
  EXPECT_GE(infeasible, 1);  // 0.84 cannot be reached on the benchmark book within ±25%
  // the infeasible tail comes last and stays infeasible
  bool seen = false;
  for (const FrontierPoint& p : f.points) {
    if (p.summary.status == SolveStatus::infeasible) seen = true;
    if (seen) {
      EXPECT_EQ(p.summary.status, SolveStatus::infeasible);
    }
  }
}

TEST(Frontier, WarmStartedPointsEqualColdSolves) {
  const FrontierResult f = efficient_frontier(test::benchmark_book_20k(), test::cpu_benchmark_options(),
                                              sweep_of("retention_min", 0.74, 0.79, 6));
  for (const FrontierPoint& p : f.points) {
    OptimiseOptions o = test::cpu_benchmark_options();
    o.retention_min = p.epsilon;
    const SolveResult cold = optimise(test::benchmark_book_20k(), o);
    ASSERT_EQ(cold.status, p.summary.status);
    EXPECT_NEAR(p.summary.profit, cold.expected_profit, 1e-9 * std::fabs(cold.expected_profit)) << p.epsilon;
    EXPECT_NEAR(p.shadow_price, cold.constraints[1].shadow_price, 1e-6 * std::fabs(cold.constraints[1].shadow_price))
        << p.epsilon;
  }
}

// max_passes limits each point's solve, not the backend the points share: a sweep whose points together
// take more passes than the limit still solves every point as a cold solve with that limit would.
TEST(Frontier, PassLimitBoundsEachPointNotTheWholeSweep) {
  OptimiseOptions o = test::cpu_benchmark_options();
  o.max_passes = 10;  // the least allowed; a cold solve of each point here takes 1-8 passes
  const FrontierResult f = efficient_frontier(test::benchmark_book_20k(), o, sweep_of("retention_min", 0.70, 0.80, 16));
  int64_t total = 0;
  for (const FrontierPoint& p : f.points) {
    total += p.summary.passes;
    EXPECT_LE(p.summary.passes, o.max_passes) << p.epsilon;
    OptimiseOptions cold_options = o;
    cold_options.retention_min = p.epsilon;
    const SolveResult cold = optimise(test::benchmark_book_20k(), cold_options);
    if (cold.converged) {
      EXPECT_EQ(p.summary.status, SolveStatus::converged) << p.epsilon;
    }
  }
  EXPECT_GT(total, o.max_passes);  // the sweep as a whole went past the limit of one solve
}

// Shadow prices are the slope of the frontier: the central difference between neighbouring points
// (profit per percentage point of retention, LR, or per unit of GWP) matches the reported price.
TEST(Frontier, ShadowPricesAgreeWithTheSlopeOfTheFrontier) {
  struct Sweep {
    const char* name;
    double from, to, unit;  // unit: shadow price is per `unit` of the limit
    double sign;            // +1 when raising the limit relaxes it
  };
  double gwp0 = 0;
  {
    OptimiseOptions o = test::cpu_benchmark_options();
    o.retention_min.reset();
    gwp0 = optimise(test::benchmark_book_20k(), o).expected_gwp;
  }
  for (const Sweep& s : {Sweep{"retention_min", 0.75, 0.79, 0.01, -1}, Sweep{"lr_max", 0.6096, 0.6086, 0.01, +1},
                         Sweep{"gwp_min", 1.0 * gwp0, 1.03 * gwp0, 1.0, -1}}) {
    SCOPED_TRACE(s.name);
    OptimiseOptions o = test::cpu_benchmark_options();
    if (std::string(s.name) != "retention_min") o.retention_min.reset();
    const FrontierResult f = efficient_frontier(test::benchmark_book_20k(), o, sweep_of(s.name, s.from, s.to, 21));
    int checked = 0;
    for (size_t k = 1; k + 1 < f.points.size(); ++k) {
      const FrontierPoint &a = f.points[k - 1], &p = f.points[k], &c = f.points[k + 1];
      if (!a.summary.converged || !p.summary.converged || !c.summary.converged || a.shadow_price <= 0 ||
          c.shadow_price <= 0)
        continue;
      const double slope = (c.summary.profit - a.summary.profit) / (c.epsilon - a.epsilon) * s.unit * s.sign;
      EXPECT_NEAR(p.shadow_price, slope, 0.03 * std::fabs(slope)) << "at " << p.epsilon;
      ++checked;
    }
    EXPECT_GE(checked, 10);
  }
}

TEST(Frontier, BadSweepsAreInputErrors) {
  EXPECT_THROW(
      efficient_frontier(test::benchmark_book_20k(), test::cpu_benchmark_options(), sweep_of("lr_min", 0.5, 0.6, 5)),
      InputError);
  EXPECT_THROW(efficient_frontier(test::benchmark_book_20k(), test::cpu_benchmark_options(),
                                  sweep_of("retention_min", 0.7, 0.8, 1)),
               InputError);
  EXPECT_THROW(efficient_frontier(test::benchmark_book_20k(), test::cpu_benchmark_options(),
                                  sweep_of("retention_min", 0.7, 1.2, 5)),
               InputError);
}

TEST(FrontierCli, WritesCsvJsonAndAChartThatRenders) {
  const fs::path dir = test::scratch_dir();
  const std::string book = (dir / "book.csv").string(), out = (dir / "out").string();
  const test::CliRun generated =
      test::run_rateopt(dir, {"generate", "--policies", "3000", "--seed", "5", "--out", book});
  ASSERT_EQ(generated.rc, 0) << test::describe(generated);
  const std::vector<std::string> args = test::concat(
      test::concat({"frontier", "--book", book},
                   test::words("--sweep retention_min --from 0.72 --to 0.80 --points 9 --lr-max 0.68 --retention-min "
                               "0.78 --max-rate-change 0.25 --enbp-buffer 0.01")),
      {"--out-dir", out, "--json"});
  const test::CliRun r = test::run_rateopt(dir, args);
  ASSERT_EQ(r.rc, 0) << test::describe(r);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("sweep"), "retention_min");
  EXPECT_EQ(j.at("points").size(), 9u);
  std::ifstream csv(fs::path(out) / "frontier.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("epsilon,converged,status,profit,gwp,loss_ratio,retention,shadow_price", 0), 0u) << header;
  int rows = 0;
  for (std::string line; std::getline(csv, line);) ++rows;
  EXPECT_EQ(rows, 9);
  std::ifstream svg(fs::path(out) / "frontier.svg");
  std::stringstream text;
  text << svg.rdbuf();
  EXPECT_NE(text.str().find("chosen retention_min 0.78"), std::string::npos);
  // the chart renders (rsvg-convert is installed by scripts/setup.sh)
  const std::string png = (dir / "frontier.png").string();
  ASSERT_EQ(test::run_tool({"rsvg-convert", "-o", png, (fs::path(out) / "frontier.svg").string()}), 0);
  EXPECT_GT(fs::file_size(png), 10000u);
  // outputs are not replaced without --force
  EXPECT_NE(test::run_rateopt(dir, args).rc, 0);
}
