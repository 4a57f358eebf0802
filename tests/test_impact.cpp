// The impact report's core (rateopt/impact.hpp): quantiles and shares against weights expanded into copies,
// the order of levels, bands of equal weight that never split a value, policies left out.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "rateopt/errors.hpp"
#include "rateopt/impact.hpp"

namespace rateopt {
namespace {

ImpactPolicies random_policies(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> weight(1, 4), step(-8, 12);
  std::uniform_real_distribution<double> unit(0.2, 0.9);
  ImpactPolicies p;
  for (size_t i = 0; i < n; ++i) {
    const double before = 100 + 10 * static_cast<double>(i % 13);
    p.weight.push_back(weight(rng));
    p.renewal.push_back(i % 3 == 0);
    p.premium_before.push_back(before);
    p.premium_after.push_back(before * (1 + step(rng) / 100.0));  // ties on whole percents, some exactly +5/+10
    p.demand_before.push_back(unit(rng));
    p.demand_after.push_back(unit(rng));
    p.loss_cost_before.push_back(before * unit(rng));
    p.loss_cost_after.push_back(p.loss_cost_before.back());
  }
  return p;
}

TEST(Impact, QuantilesMeansAndSharesEqualTheExpandedBook) {
  const ImpactPolicies p = random_policies(301, 7);
  std::vector<std::string> labels;
  for (size_t i = 0; i < p.weight.size(); ++i) labels.push_back(i % 4 == 0 ? "a" : "b");
  const std::vector<ImpactRow> rows = impact_rows(p, {label_segment("s", labels, "segment_by[0]")});
  ASSERT_EQ(rows.size(), 3u);
  for (const ImpactRow& row : rows) {
    std::vector<double> copies;
    double renewals = 0, retained_after = 0, gwp = 0, claims = 0;
    for (size_t i = 0; i < p.weight.size(); ++i) {
      if (row.level != "all" && labels[i] != row.level) continue;
      for (int k = 0; k < static_cast<int>(p.weight[i]); ++k) {
        copies.push_back((p.premium_after[i] / p.premium_before[i] - 1) * 100);
        renewals += p.renewal[i];
        retained_after += p.renewal[i] * p.demand_after[i];
        gwp += p.premium_after[i] * p.demand_after[i];
        claims += p.loss_cost_after[i] * p.demand_after[i];
      }
    }
    std::sort(copies.begin(), copies.end());
    const size_t n = copies.size();
    EXPECT_EQ(row.policies, static_cast<double>(n));
    const auto quantile = [&](size_t percent) { return copies[(percent * n + 99) / 100 - 1]; };
    EXPECT_EQ(row.p5_change_pct, quantile(5)) << row.level;
    EXPECT_EQ(row.p25_change_pct, quantile(25)) << row.level;
    EXPECT_EQ(row.median_change_pct, quantile(50)) << row.level;
    EXPECT_EQ(row.p75_change_pct, quantile(75)) << row.level;
    EXPECT_EQ(row.p95_change_pct, quantile(95)) << row.level;
    double mean = 0, over5 = 0, over10 = 0;
    for (double c : copies) {
      mean += c / static_cast<double>(n);
      over5 += c > 5 + 1e-9;  // +5% exactly (a whole-percent step) is not over
      over10 += c > 10 + 1e-9;
    }
    EXPECT_NEAR(row.mean_change_pct, mean, 1e-9) << row.level;
    EXPECT_DOUBLE_EQ(row.share_over_5pct, over5 / static_cast<double>(n)) << row.level;
    EXPECT_DOUBLE_EQ(row.share_over_10pct, over10 / static_cast<double>(n)) << row.level;
    EXPECT_NEAR(row.retention_after, retained_after / renewals, 1e-12) << row.level;
    EXPECT_NEAR(row.loss_ratio_after, claims / gwp, 1e-12) << row.level;
  }
}

TEST(Impact, LevelsInNumericByteOrGivenOrder) {
  EXPECT_EQ(label_segment("v", {"10", "9", "2", "9"}, "x").levels, (std::vector<std::string>{"2", "9", "10"}));
  const ImpactSegment words = label_segment("r", {"south", "North", "east", "south"}, "x");
  EXPECT_EQ(words.levels, (std::vector<std::string>{"North", "east", "south"}));
  EXPECT_EQ(words.level_of, (std::vector<int32_t>{2, 0, 1, 2}));
  // a ratebook's order; a level without policies is left out
  EXPECT_EQ(label_segment("f", {"old", "young"}, "x", {"young", "mid", "old"}).levels,
            (std::vector<std::string>{"young", "old"}));
  std::vector<std::string> many;
  for (size_t i = 0; i <= kMaxSegmentLevels; ++i) many.push_back("c" + std::to_string(i));
  EXPECT_THROW(label_segment("code", many, "segment_by[2]"), InputError);
}

TEST(Impact, BandsHaveEqualWeightAndNeverSplitAValue) {
  std::vector<double> values, weight(100, 1.0);
  for (int i = 0; i < 100; ++i) values.push_back(99 - i);
  const ImpactSegment even = banded_segment("age:10", values, weight, 10);
  ASSERT_EQ(even.levels.size(), 10u);
  EXPECT_EQ(even.levels.front(), "0..9");
  EXPECT_EQ(even.levels.back(), "90..99");
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(even.level_of[i], static_cast<int32_t>(values[i] / 10));
  // a value held by most of the book stays in one band; the bands ascend
  std::vector<double> heavy{1, 2, 3, 3, 3, 3, 3, 3, 3, 4};
  const ImpactSegment tied = banded_segment("x:4", heavy, std::vector<double>(heavy.size(), 1.0), 4);
  for (size_t i = 2; i < 9; ++i) EXPECT_EQ(tied.level_of[i], tied.level_of[2]);
  EXPECT_LE(tied.levels.size(), 4u);
  for (size_t i = 1; i < heavy.size(); ++i) EXPECT_LE(tied.level_of[i - 1], tied.level_of[i]);
}

TEST(Impact, PoliciesWithoutAPriceBeforeOrAfterAreLeftOut) {
  ImpactPolicies p = random_policies(20, 3);
  p.premium_before[4] = std::nan("");
  p.premium_after[7] = std::nan("");
  EXPECT_EQ(impact_left_out(p), 2);
  const std::vector<ImpactRow> rows = impact_rows(p, {});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].rows, 18);
  EXPECT_TRUE(std::isfinite(rows[0].mean_change_pct));
}

}  // namespace
}  // namespace rateopt
