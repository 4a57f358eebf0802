// The impact report (impact.csv, impact.svg) of `optimise`, `grid` and `ratebook`, each figure recomputed by
// brute force from the inputs and policies.csv: integer weights expanded into copies of the policy, quantiles
// read off the sorted copies, retention and loss ratio summed policy by policy.  Bad --segment-by exits 2
// naming the argument and writes nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using json = nlohmann::json;

/// One policy before and after, as the test recomputes it.
struct Policy {
  int weight = 1;
  bool renewal = false;
  double premium_before = 0, premium_after = 0, demand_before = 0, demand_after = 0, loss_cost = 0;
  double loss_cost_after = -1;  // < 0: loss_cost
  std::string level;
};

/// The impact.csv row of a set of policies, computed the slow way.
struct Expected {
  int rows = 0, policies = 0;
  double mean_before = 0, mean_after = 0, mean_change = 0, share5 = 0, share10 = 0;
  std::map<int, double> quantile;  // percent → change
  double retention_before = NAN, retention_after = NAN, lr_before = 0, lr_after = 0;
};

Expected brute_force(const std::vector<Policy>& all, const std::string& level) {
  Expected e;
  std::vector<double> copies;  // one change per policy the row stands for
  double premium_before = 0, premium_after = 0, gwp_before = 0, gwp_after = 0, claims_before = 0, claims_after = 0;
  double renewals = 0, retained_before = 0, retained_after = 0;
  for (const Policy& p : all) {
    if (level != "all" && p.level != level) continue;
    ++e.rows;
    const double change = (p.premium_after / p.premium_before - 1) * 100;
    const double c_after = p.loss_cost_after < 0 ? p.loss_cost : p.loss_cost_after;
    for (int k = 0; k < p.weight; ++k) {
      copies.push_back(change);
      premium_before += p.premium_before;
      premium_after += p.premium_after;
      gwp_before += p.premium_before * p.demand_before;
      gwp_after += p.premium_after * p.demand_after;
      claims_before += p.loss_cost * p.demand_before;
      claims_after += c_after * p.demand_after;
      if (p.renewal) {
        renewals += 1;
        retained_before += p.demand_before;
        retained_after += p.demand_after;
      }
    }
  }
  const int n = static_cast<int>(copies.size());
  e.policies = n;
  e.mean_before = premium_before / n;
  e.mean_after = premium_after / n;
  for (double c : copies) {
    e.mean_change += c / n;
    e.share5 += c > 5 + 1e-9 ? 1.0 / n : 0;
    e.share10 += c > 10 + 1e-9 ? 1.0 / n : 0;
  }
  std::sort(copies.begin(), copies.end());
  for (int q : {5, 25, 50, 75, 95}) e.quantile[q] = copies[static_cast<size_t>((q * n + 99) / 100 - 1)];
  if (renewals > 0) {
    e.retention_before = retained_before / renewals;
    e.retention_after = retained_after / renewals;
  }
  e.lr_before = claims_before / gwp_before;
  e.lr_after = claims_after / gwp_after;
  return e;
}

double field(const Csv& csv, size_t row, const std::string& name) {
  const std::string& text = csv.text(row, name);
  return text.empty() ? NAN : std::stod(text);
}

void expect_near_or_nan(double expected, double actual, const std::string& what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what;
  } else {
    EXPECT_NEAR(actual, expected, 1e-9 * std::max(1.0, std::abs(expected))) << what;
  }
}

/// Every row of impact.csv for `segment` against the brute force over `policies`, plus the whole-book row.
void expect_impact(const Csv& impact, const std::vector<Policy>& policies, const std::string& segment,
                   const std::vector<std::string>& levels) {
  std::vector<std::pair<std::string, std::string>> want{{"all", "all"}};
  for (const std::string& l : levels) want.emplace_back(segment, l);
  for (const auto& [seg, level] : want) {
    size_t row = impact.rows.size();
    for (size_t r = 0; r < impact.rows.size(); ++r)
      if (impact.text(r, "segment") == seg && impact.text(r, "level") == level) row = r;
    ASSERT_LT(row, impact.rows.size()) << "no row " << seg << "=" << level;
    std::vector<Policy> mine = policies;
    const Expected e = brute_force(mine, seg == "all" ? "all" : level);
    const std::string what = seg + "=" + level;
    EXPECT_EQ(field(impact, row, "rows"), e.rows) << what;
    EXPECT_EQ(field(impact, row, "policies"), e.policies) << what;
    expect_near_or_nan(e.mean_before, field(impact, row, "mean_premium_before"), what + " mean before");
    expect_near_or_nan(e.mean_after, field(impact, row, "mean_premium_after"), what + " mean after");
    expect_near_or_nan(e.mean_change, field(impact, row, "mean_change_pct"), what + " mean change");
    expect_near_or_nan(e.quantile.at(5), field(impact, row, "p5_change_pct"), what + " p5");
    expect_near_or_nan(e.quantile.at(25), field(impact, row, "p25_change_pct"), what + " p25");
    expect_near_or_nan(e.quantile.at(50), field(impact, row, "median_change_pct"), what + " median");
    expect_near_or_nan(e.quantile.at(75), field(impact, row, "p75_change_pct"), what + " p75");
    expect_near_or_nan(e.quantile.at(95), field(impact, row, "p95_change_pct"), what + " p95");
    expect_near_or_nan(e.share5, field(impact, row, "share_over_5pct"), what + " share 5");
    expect_near_or_nan(e.share10, field(impact, row, "share_over_10pct"), what + " share 10");
    expect_near_or_nan(e.retention_before, field(impact, row, "retention_before"), what + " retention before");
    expect_near_or_nan(e.retention_after, field(impact, row, "retention_after"), what + " retention after");
    expect_near_or_nan(e.lr_before, field(impact, row, "loss_ratio_before"), what + " LR before");
    expect_near_or_nan(e.lr_after, field(impact, row, "loss_ratio_after"), what + " LR after");
  }
}

const std::vector<std::string> kRegions{"north", "south", "east"};
const std::vector<std::string> kAges{"young", "mid", "old"};

/// 45 policies, integer weights 1–3, renewals only in the north and south, priors around 1.
std::string book_text() {
  std::string text =
      "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,prior_multiplier,weight,"
      "region,driver_age,factor.age\n";
  for (int i = 0; i < 45; ++i) {
    const double tc = 150.0 + 11.0 * i;
    const std::string region = kRegions[i % 3];
    const bool renewal = region != "east" && i % 2 == 0;
    text += "p" + std::to_string(i) + "," + std::to_string(tc) + "," + std::to_string(tc * (0.5 + 0.01 * (i % 17))) +
            "," + std::to_string(0.35 + 0.01 * (i % 40)) + "," + std::to_string(-1.1 - 0.07 * (i % 9)) + "," +
            (renewal ? "1" : "0") + "," + std::to_string(0.95 + 0.01 * (i % 11)) + "," + std::to_string(1 + i % 3) +
            "," + region + "," + std::to_string(18 + (i * 7) % 60) + "," + kAges[(i / 3) % 3] + "\n";
  }
  return text;
}

/// The book's policies at their prior and at policies.csv's multipliers (log-linear demand x0·m^ε).
std::vector<Policy> solved_policies(const Csv& book, const Csv& out, const std::string& level_column) {
  std::vector<Policy> policies;
  for (size_t i = 0; i < book.rows.size(); ++i) {
    Policy p;
    const double tc = book.number(i, "technical_price"), x0 = book.number(i, "p_demand");
    const double eps = book.number(i, "elasticity"), prior = book.number(i, "prior_multiplier");
    const double m = out.number(i, "multiplier");
    p.weight = static_cast<int>(book.number(i, "weight"));
    p.renewal = book.text(i, "renewal_flag") == "1";
    p.premium_before = prior * tc;
    p.premium_after = m * tc;
    p.demand_before = x0 * std::pow(prior, eps);
    p.demand_after = x0 * std::pow(m, eps);
    p.loss_cost = book.number(i, "expected_loss_cost");
    p.level = book.text(i, level_column);
    policies.push_back(p);
  }
  return policies;
}

std::vector<std::string> optimise_args(const fs::path& dir, const std::vector<std::string>& extra) {
  return test::concat({"optimise", "--book", (dir / "book.csv").string(), "--out-dir", (dir / "out").string(),
                       "--retention-min", "0.5", "--max-rate-change", "0.3"},
                      extra);
}

TEST(CliImpact, OptimiseBySegmentMatchesBruteForce) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", book_text());
  const CliRun r = run_rateopt(dir, optimise_args(dir, {"--segment-by", "region"}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_FALSE(contains(r.err, "unknown column \"region\"")) << r.err;  // the report reads it
  const Csv book = read_csv(dir / "book.csv");
  const Csv impact = read_csv(dir / "out" / "impact.csv");
  const std::vector<Policy> policies = solved_policies(book, read_csv(dir / "out" / "policies.csv"), "region");
  ASSERT_EQ(impact.rows.size(), 4u);  // the book, then the regions in byte order
  EXPECT_EQ(impact.text(1, "level"), "east");
  EXPECT_EQ(impact.text(2, "level"), "north");
  EXPECT_EQ(impact.text(3, "level"), "south");
  expect_impact(impact, policies, "region", {"east", "north", "south"});
  EXPECT_TRUE(impact.text(1, "retention_before").empty());  // no renewals in the east
  // the whole book's after-figures are the solve's own
  const json result = json::parse(read_text_file(dir / "out" / "result.json"));
  EXPECT_NEAR(field(impact, 0, "loss_ratio_after"), result["expected_loss_ratio"].get<double>(), 1e-9);
  EXPECT_NEAR(field(impact, 0, "retention_after"), result["expected_retention"].get<double>(), 1e-9);
  const std::string svg = read_text_file(dir / "out" / "impact.svg");
  EXPECT_TRUE(contains(svg, "region: mean premium change")) << svg.substr(0, 400);
  EXPECT_TRUE(contains(svg, "</svg>"));
}

TEST(CliImpact, NumericColumnInBandsMatchesBruteForce) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", book_text());
  const CliRun r = run_rateopt(dir, optimise_args(dir, {"--segment-by", "driver_age:4"}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  const Csv book = read_csv(dir / "book.csv");
  const Csv impact = read_csv(dir / "out" / "impact.csv");
  ASSERT_EQ(impact.rows.size(), 5u);
  // each policy's band is the labelled range its age falls in; the bands ascend without overlap
  std::vector<std::pair<double, double>> bands;
  std::vector<std::string> levels;
  for (size_t row = 1; row < impact.rows.size(); ++row) {
    const std::string label = impact.text(row, "level");
    EXPECT_EQ(impact.text(row, "segment"), "driver_age:4");
    const size_t dots = label.find("..");
    ASSERT_NE(dots, std::string::npos) << label;
    bands.emplace_back(std::stod(label.substr(0, dots)), std::stod(label.substr(dots + 2)));
    if (bands.size() > 1) {
      EXPECT_LT(bands[bands.size() - 2].second, bands.back().first);
    }
    levels.push_back(label);
  }
  std::vector<Policy> policies = solved_policies(book, read_csv(dir / "out" / "policies.csv"), "driver_age");
  int total = 0;
  for (Policy& p : policies) {
    const double age = std::stod(p.level);
    total += p.weight;
    for (size_t b = 0; b < bands.size(); ++b)
      if (age >= bands[b].first && age <= bands[b].second) p.level = levels[b];
  }
  expect_impact(impact, policies, "driver_age:4", levels);
  for (size_t row = 1; row < impact.rows.size(); ++row)  // about a quarter of the policies each
    EXPECT_NEAR(field(impact, row, "policies"), total / 4.0, total / 8.0) << impact.text(row, "level");
}

TEST(CliImpact, ChangeCappedAtFivePercentIsNotOverFive) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", book_text());
  const CliRun r = run_rateopt(dir, {"optimise", "--book", (dir / "book.csv").string(), "--out-dir",
                                     (dir / "out").string(), "--max-rate-change", "0.05", "--segment-by", "region"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const Csv impact = read_csv(dir / "out" / "impact.csv");
  EXPECT_NEAR(field(impact, 0, "p95_change_pct"), 5.0, 1e-9);  // many policies sit on the cap
  for (size_t row = 0; row < impact.rows.size(); ++row) EXPECT_EQ(field(impact, row, "share_over_5pct"), 0.0);
}

TEST(CliImpact, RatebookReportsEveryFactorAndSegments) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", book_text());
  write_text_file(dir / "ratebook.csv", "factor,level,relativity\nage,young,1.2\nage,mid,1\nage,old,1.1\n");
  const CliRun r = run_rateopt(
      dir, {"ratebook", "--book", (dir / "book.csv").string(), "--ratebook", (dir / "ratebook.csv").string(),
            "--out-dir", (dir / "out").string(), "--lr-max", "0.62", "--segment-by", "region"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const Csv book = read_csv(dir / "book.csv");
  const Csv out = read_csv(dir / "out" / "policies.csv");
  const Csv impact = read_csv(dir / "out" / "impact.csv");
  ASSERT_EQ(impact.rows.size(), 7u);  // book, 3 ages (ratebook order), 3 regions
  EXPECT_EQ(impact.text(1, "segment"), "factor.age");
  EXPECT_EQ(impact.text(1, "level"), "young");
  EXPECT_EQ(impact.text(2, "level"), "mid");
  EXPECT_EQ(impact.text(3, "level"), "old");
  expect_impact(impact, solved_policies(book, out, "factor.age"), "factor.age", kAges);
  expect_impact(impact, solved_policies(book, out, "region"), "region", {"east", "north", "south"});
}

// With the caps applied after the ratebook, the report shows the capped prices policies.csv charges.
TEST(CliImpact, RatebookWithCapsAfterReportsTheCappedPrices) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", book_text());
  write_text_file(dir / "ratebook.csv", "factor,level,relativity\nage,young,1.2\nage,mid,1\nage,old,1.1\n");
  const CliRun r = run_rateopt(
      dir, {"ratebook", "--book", (dir / "book.csv").string(), "--ratebook", (dir / "ratebook.csv").string(),
            "--out-dir", (dir / "out").string(), "--lr-max", "0.62", "--caps", "after", "--max-rate-change", "0.02"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const Csv book = read_csv(dir / "book.csv");
  const Csv out = read_csv(dir / "out" / "policies.csv");
  const Csv impact = read_csv(dir / "out" / "impact.csv");
  expect_impact(impact, solved_policies(book, out, "factor.age"), "factor.age", kAges);
  for (size_t row = 0; row < impact.rows.size(); ++row) EXPECT_LE(field(impact, row, "p95_change_pct"), 2.0 + 1e-9);
}

// A grid of 30 policies × 4 candidates, the baseline on step 1, loss cost varying per candidate.
std::string grid_text() {
  std::string text = "policy_id,step,premium,demand,expected_loss_cost,renewal_flag,weight,baseline,channel\n";
  for (int i = 0; i < 30; ++i)
    for (int k = 0; k < 4; ++k) {
      const double base = 200 + 9 * i, premium = base * (0.9 + 0.08 * k);
      const double demand = std::min(0.95, (0.55 + 0.01 * (i % 10)) * std::pow(0.9 + 0.08 * k, -1.5 - 0.1 * (i % 4)));
      text += "g" + std::to_string(i) + "," + std::to_string(k) + "," + std::to_string(premium) + "," +
              std::to_string(demand) + "," + std::to_string(base * 0.6 * (1 + 0.01 * k)) + "," + (i % 3 ? "1" : "0") +
              "," + std::to_string(1 + i % 2) + "," + (k == 1 ? "1" : "0") + "," + (i % 2 ? "web" : "broker") + "\n";
    }
  return text;
}

TEST(CliImpact, GridBySegmentMatchesBruteForce) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "grid.csv", grid_text());
  const CliRun r = run_rateopt(dir, {"grid", "--grid", (dir / "grid.csv").string(), "--out-dir", (dir / "out").string(),
                                     "--retention-min", "0.6", "--segment-by", "channel"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const Csv grid = read_csv(dir / "grid.csv");
  const Csv out = read_csv(dir / "out" / "policies.csv");
  std::vector<Policy> policies(out.rows.size());
  for (size_t row = 0; row < grid.rows.size(); ++row) {
    const size_t i = row / 4;
    Policy& p = policies[i];
    p.weight = static_cast<int>(grid.number(row, "weight"));
    p.renewal = grid.text(row, "renewal_flag") == "1";
    p.level = grid.text(row, "channel");
    if (grid.text(row, "baseline") == "1") {
      p.premium_before = grid.number(row, "premium");
      p.demand_before = grid.number(row, "demand");
      p.loss_cost = grid.number(row, "expected_loss_cost");
    }
    if (grid.number(row, "step") == out.number(i, "step")) {
      p.premium_after = grid.number(row, "premium");
      p.demand_after = grid.number(row, "demand");
      p.loss_cost_after = grid.number(row, "expected_loss_cost");
    }
  }
  const Csv impact = read_csv(dir / "out" / "impact.csv");
  ASSERT_EQ(impact.rows.size(), 3u);
  expect_impact(impact, policies, "channel", {"broker", "web"});
  const json result = json::parse(read_text_file(dir / "out" / "result.json"));
  EXPECT_NEAR(field(impact, 0, "loss_ratio_after"), result["portfolio"]["expected_loss_ratio"].get<double>(), 1e-9);
}

void expect_refused(const CliRun& r, const fs::path& dir, const std::vector<std::string>& words) {
  EXPECT_EQ(r.rc, 2) << describe(r);
  for (const std::string& w : words) EXPECT_TRUE(contains(r.err, w)) << w << "\n" << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out")) << "outputs written for a refused run";
}

TEST(CliImpact, BadSegmentByExitsTwoAndWritesNothing) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", book_text());
  write_text_file(dir / "grid.csv", grid_text());
  write_text_file(dir / "ratebook.csv", "factor,level,relativity\nage,young,1.2\nage,mid,1\nage,old,1.1\n");
  expect_refused(run_rateopt(dir, optimise_args(dir, {"--segment-by", "region,regoin"})), dir,
                 {"segment_by[1]", "regoin", "no column"});
  expect_refused(run_rateopt(dir, optimise_args(dir, {"--segment-by", "region:x"})), dir,
                 {"segment_by[0]", "column:N"});
  // a labelled column with a value per policy is refused, a non-number in a banded one names file:line
  expect_refused(run_rateopt(dir, optimise_args(dir, {"--segment-by", "region:3"})), dir,
                 {"book.csv:2", "is not a number", "segment_by[0]"});
  expect_refused(run_rateopt(dir, {"ratebook", "--book", (dir / "book.csv").string(), "--ratebook",
                                   (dir / "ratebook.csv").string(), "--out-dir", (dir / "out").string(), "--segment-by",
                                   "channel"}),
                 dir, {"segment_by[0]", "channel"});
  expect_refused(run_rateopt(dir, {"grid", "--grid", (dir / "grid.csv").string(), "--out-dir", (dir / "out").string(),
                                   "--segment-by", "region"}),
                 dir, {"segment_by[0]", "region"});
  std::string no_baseline = grid_text();
  no_baseline.replace(no_baseline.find(",baseline,"), 10, ",today,");
  write_text_file(dir / "grid.csv", no_baseline);
  expect_refused(run_rateopt(dir, {"grid", "--grid", (dir / "grid.csv").string(), "--out-dir", (dir / "out").string(),
                                   "--segment-by", "channel"}),
                 dir, {"segment_by", "baseline"});
}

TEST(CliImpact, TooManyLevelsAskForBands) {
  const fs::path dir = scratch_dir();
  std::string text = "technical_price,expected_loss_cost,p_demand,elasticity,code\n";
  for (int i = 0; i < 250; ++i) text += std::to_string(100 + i) + ",60,0.5,-1.5,c" + std::to_string(i) + "\n";
  write_text_file(dir / "book.csv", text);
  expect_refused(run_rateopt(dir, optimise_args(dir, {"--segment-by", "code"})), dir,
                 {"segment_by[0]", "250 distinct values", "code:10"});
}

TEST(CliImpact, RerunWithoutSegmentsRemovesTheEarlierReport) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", book_text());
  ASSERT_EQ(run_rateopt(dir, optimise_args(dir, {"--segment-by", "region"})).rc, 0);
  ASSERT_TRUE(fs::exists(dir / "out" / "impact.csv"));
  const CliRun again = run_rateopt(dir, optimise_args(dir, {"--force"}));
  ASSERT_EQ(again.rc, 0) << describe(again);
  EXPECT_FALSE(fs::exists(dir / "out" / "impact.csv"));
  EXPECT_FALSE(fs::exists(dir / "out" / "impact.svg"));
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
