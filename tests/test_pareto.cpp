// The Pareto surface: dominance against its definition, TOPSIS against hand-checkable choices, a real
// grid whose front holds no dominated point and whose points meet their limits, and the CLI.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/pareto.hpp"

using namespace rateopt;
namespace fs = std::filesystem;

namespace {

// b dominates a: no worse in every objective and better in one, values within kParetoTolerance
// (relative) counting as equal.
bool dominates(const ParetoObjectives& b, const ParetoObjectives& a) {
  auto cmp = [](double x, double y) {  // +1 x clearly larger, −1 clearly smaller, 0 equal to tolerance
    const double t = kParetoTolerance * std::max(std::fabs(x), std::fabs(y));
    return x > y + t ? 1 : (x < y - t ? -1 : 0);
  };
  const int c[3] = {cmp(b.profit, a.profit), cmp(b.retention, a.retention), cmp(a.disparity, b.disparity)};
  return c[0] >= 0 && c[1] >= 0 && c[2] >= 0 && (c[0] > 0 || c[1] > 0 || c[2] > 0);
}

}  // namespace

TEST(Pareto, NonDominatedMatchesTheDefinition) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> coarse(0, 4);  // ties are common
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<ParetoObjectives> p(30);
    std::vector<bool> usable(30);
    for (size_t i = 0; i < p.size(); ++i) {
      p[i] = {double(coarse(rng)), double(coarse(rng)), double(coarse(rng))};
      usable[i] = coarse(rng) != 0;
    }
    const std::vector<size_t> front = non_dominated(p, usable);
    std::vector<bool> in(p.size(), false);
    for (size_t i : front) in[i] = true;
    for (size_t a = 0; a < p.size(); ++a) {
      bool dominated = false;
      for (size_t b = 0; b < p.size(); ++b)
        if (usable[a] && usable[b] && dominates(p[b], p[a])) dominated = true;
      EXPECT_EQ(in[a], usable[a] && !dominated) << "point " << a;
    }
  }
}

TEST(Pareto, RoundOffDoesNotDecideDominance) {
  // Two grid points with the same answer up to round-off both stay on the front; a point worse by far
  // more than the tolerance is dominated.
  const std::vector<ParetoObjectives> p = {{17062141.26, 0.775, 1.0545799341},
                                           {17062141.26 * (1 + 1e-13), 0.775, 1.0545799341 * (1 - 1e-13)},
                                           {17062141.26 * (1 - 1e-6), 0.775, 1.0545799341}};
  const std::vector<size_t> front = non_dominated(p, {true, true, true});
  EXPECT_EQ(front, (std::vector<size_t>{0, 1}));
}

TEST(Pareto, TopsisPicksTheObviousPointsAndAHandComputedOne) {
  const std::vector<ParetoObjectives> p = {{100, 0.70, 1.30}, {90, 0.80, 1.10}, {80, 0.75, 1.00}, {95, 0.72, 1.20}};
  const std::vector<size_t> all = {0, 1, 2, 3};
  EXPECT_EQ(*topsis_choice(p, all, {1, 0, 0}), 0u);  // profit only
  EXPECT_EQ(*topsis_choice(p, all, {0, 1, 0}), 1u);  // retention only
  EXPECT_EQ(*topsis_choice(p, all, {0, 0, 1}), 2u);  // least disparity
  // equal weights: normalised (profit, retention, 1−disparity) rows are
  // 0:(1, 0, 0)  1:(0.5, 1, 2/3)  2:(0, 0.5, 1)  3:(0.75, 0.2, 1/3); point 1 is closest to (1,1,1)
  EXPECT_EQ(*topsis_choice(p, all, {1, 1, 1}), 1u);
  EXPECT_FALSE(topsis_choice(p, {}, {1, 1, 1}).has_value());
}

TEST(Pareto, SurfaceFrontHoldsNoDominatedPointAndPointsMeetTheirLimits) {
  const Book book = generate_book(5000, 41, BookProfile::benchmark);
  OptimiseOptions o = benchmark_constraint_options();
  o.device = Device::cpu;
  o.fairness_metric = FairnessMetric::premium_disparity;
  const ParetoResult r = pareto_surface(
      book, o, ParetoOptions{SweptConstraint::retention_min, Range{0.70, 0.78}, Range{1.001, 1.03}, 5, 4, {1, 0, 0}});
  ASSERT_EQ(r.surface.size(), 20u);
  ASSERT_FALSE(r.front.empty());
  std::vector<ParetoObjectives> obj;
  for (const ParetoPoint& p : r.surface) obj.push_back({p.summary.profit, p.summary.retention, p.disparity});
  for (size_t a : r.front)
    for (size_t b = 0; b < r.surface.size(); ++b)
      if (r.surface[b].summary.converged) {
        EXPECT_FALSE(dominates(obj[b], obj[a])) << a << " dominated by " << b;
      }
  int converged = 0;
  for (const ParetoPoint& p : r.surface) {
    if (!p.summary.converged) continue;
    ++converged;
    EXPECT_GE(p.summary.retention, p.x_limit * (1 - 1e-9));
    EXPECT_LE(p.disparity, p.fairness_limit * (1 + 1e-9));
    EXPECT_LE(p.summary.loss_ratio, 0.68 * (1 + 1e-9));
  }
  EXPECT_GE(converged, 16);
  // weights (1,0,0): the most profitable front point; (0,0,1): the least disparity
  ASSERT_TRUE(r.choice.has_value());
  for (size_t i : r.front) EXPECT_LE(r.surface[i].summary.profit, r.surface[*r.choice].summary.profit);
  std::vector<size_t> front = r.front;
  const size_t fairest = *topsis_choice(obj, front, {0, 0, 1});
  for (size_t i : r.front) EXPECT_GE(r.surface[i].disparity, r.surface[fairest].disparity);
}

TEST(ParetoCli, WritesTablesAndAChartThatRenders) {
  const fs::path dir = test::scratch_dir();
  const std::string book = (dir / "book.csv").string(), out = (dir / "out").string();
  const test::CliRun generated =
      test::run_rateopt(dir, {"generate", "--policies", "3000", "--seed", "9", "--out", book});
  ASSERT_EQ(generated.rc, 0) << test::describe(generated);
  const test::CliRun r = test::run_rateopt(
      dir, test::concat(test::concat({"pareto", "--book", book},
                                     test::words("--sweep-x retention_min --x-range 0.70:0.78 --fairness-range "
                                                 "1.001:1.03 --points-x 3 --points-y 3 --topsis-weights 0.5,0.3,0.2 "
                                                 "--max-rate-change 0.25")),
                        {"--out-dir", out}));
  ASSERT_EQ(r.rc, 0) << test::describe(r);
  for (const char* f : {"pareto_surface.csv", "pareto_front.csv", "pareto.svg", "result.json"})
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
  const std::string png = (dir / "pareto.png").string();
  ASSERT_EQ(test::run_tool({"rsvg-convert", "-o", png, (fs::path(out) / "pareto.svg").string()}), 0);
  EXPECT_GT(fs::file_size(png), 10000u);
  // a malformed range is an option error (exit 2) and writes nothing
  const test::CliRun bad =
      test::run_rateopt(dir, {"pareto", "--book", book, "--sweep-x", "retention_min", "--x-range", "0.70-0.78",
                              "--fairness-range", "1.0:1.1", "--out-dir", (dir / "bad").string()});
  EXPECT_EQ(bad.rc, 2) << test::describe(bad);
  EXPECT_FALSE(fs::exists(dir / "bad"));
}
