// `rateopt ratebook`: a small book end to end (outputs, keys, exit code), and each bad input exiting 2 with
// file:line and the rule, writing nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using json = nlohmann::json;

const std::vector<std::string> kAges{"young", "mid", "old"};
const std::vector<std::string> kRegions{"north", "south"};

// 60 policies over 3 ages × 2 regions; `override_line` replaces one data line (index from 0) when given.
std::string book_text(int override_index = -1, const std::string& override_line = "") {
  std::string text =
      "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,factor.age,factor.region\n";
  for (int i = 0; i < 60; ++i) {
    if (i == override_index) {
      text += override_line + "\n";
      continue;
    }
    const double tc = 100.0 + 7.0 * i;
    text += "p" + std::to_string(i) + "," + std::to_string(tc) + "," + std::to_string(tc * (0.55 + 0.004 * (i % 11))) +
            "," + std::to_string(0.4 + 0.01 * (i % 30)) + "," + std::to_string(-1.2 - 0.05 * (i % 13)) + "," +
            std::to_string(i % 2) + "," + kAges[i % 3] + "," + kRegions[(i / 3) % 2] + "\n";
  }
  return text;
}

const std::string kRatebook =
    "factor,level,relativity\nage,young,1.2\nage,mid,1\nage,old,1.1\nregion,north,1\nregion,south,0.9\n";

CliRun run_ratebook(const fs::path& dir, const std::string& book, const std::string& ratebook,
                    const std::vector<std::string>& extra = {}) {
  write_text_file(dir / "book.csv", book);
  write_text_file(dir / "ratebook.csv", ratebook);
  return run_rateopt(dir, test::concat({"ratebook", "--book", (dir / "book.csv").string(), "--ratebook",
                                        (dir / "ratebook.csv").string(), "--out-dir", (dir / "out").string()},
                                       extra));
}

void expect_bad_input(const std::string& book, const std::string& ratebook, const std::string& where,
                      const std::string& rule, const std::vector<std::string>& extra = {}) {
  const fs::path dir = scratch_dir();
  const CliRun r = run_ratebook(dir, book, ratebook, extra);
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, where)) << describe(r);
  EXPECT_TRUE(contains(r.err, rule)) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

}  // namespace

TEST(CliRatebook, SolvesASmallBookAndWritesItsOutputs) {
  const fs::path dir = scratch_dir();
  const CliRun r = run_ratebook(dir, book_text(), kRatebook,
                                {"--retention-min", "0.4", "--monotone", "age:decreasing", "--level-bounds",
                                 "region=0.95:1.05", "--fix", "age=mid", "--json"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json result = json::parse(read_text_file(dir / "out" / "result.json"));
  EXPECT_EQ(result["status"], "converged") << result["message"];
  EXPECT_EQ(json::parse(r.out)["status"], "converged");
  EXPECT_GE(result["constraint_evaluation"]["retention_min"]["value"].get<double>(), 0.4 * (1 - 1e-9));
  EXPECT_GE(result["structure_cost"].get<double>(), 0.0);
  EXPECT_GE(result["dual_bound"].get<double>(), result["expected_profit"].get<double>());
  EXPECT_LE(result["kkt"]["stationarity"].get<double>(), 1e-8);
  EXPECT_EQ(result["audit"]["ratebook_configuration"]["monotone"][0], "age:decreasing");
  const Csv book = read_csv(dir / "out" / "ratebook.csv");
  ASSERT_EQ(book.rows.size(), 6u);  // base + 3 ages + 2 regions
  EXPECT_EQ(book.text(0, "factor"), "base");
  EXPECT_EQ(book.text(2, "binding"), "fixed");
  for (size_t row = 1; row < 3; ++row)  // young ≥ mid ≥ old
    EXPECT_GE(book.number(row, "new_relativity"), book.number(row + 1, "new_relativity"));
  for (size_t row = 4; row < 6; ++row) {
    EXPECT_LE(book.number(row, "new_relativity"), book.number(row, "old_relativity") * 1.05);
    EXPECT_GE(book.number(row, "new_relativity"), book.number(row, "old_relativity") * 0.95);
  }
  const Csv policies = read_csv(dir / "out" / "policies.csv");
  ASSERT_EQ(policies.rows.size(), 60u);
  EXPECT_EQ(policies.header.back(), "factor.region");
}

TEST(CliRatebook, CapsAfterTheRatebookReportBothAndWriteTheCappedPrices) {
  const fs::path dir = scratch_dir();
  const CliRun r = run_ratebook(dir, book_text(), kRatebook,
                                {"--caps", "after", "--max-rate-change", "0.05", "--smooth", "age=0.02", "--smooth",
                                 "region=0.03", "--no-structure-cost"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json result = json::parse(read_text_file(dir / "out" / "result.json"));
  EXPECT_EQ(result["status"], "converged") << result["message"];
  EXPECT_EQ(result["caps"], "after");
  EXPECT_EQ(result["audit"]["ratebook_configuration"]["smooth"].size(), 2u);  // both flags kept
  const json& capping = result["capping"];
  EXPECT_EQ(capping["before"]["expected_profit"], result["expected_profit"]);
  const Csv policies = read_csv(dir / "out" / "policies.csv");
  ASSERT_EQ(policies.rows.size(), 60u);
  double profit = 0;
  int capped = 0;
  for (size_t row = 0; row < policies.rows.size(); ++row) {
    const double m = policies.number(row, "multiplier"), uncapped = policies.number(row, "ratebook_multiplier");
    EXPECT_LE(m, 1.05 + 1e-12);  // prior multiplier 1: the rate change is the multiplier's
    EXPECT_GE(m, 1.0);
    EXPECT_NEAR(m, std::clamp(uncapped, 1.0, 1.05), 1e-11);
    capped += m != uncapped;
    profit += policies.number(row, "contribution");
  }
  EXPECT_GT(capped, 0);
  EXPECT_EQ(capping["policies_capped"].get<int>(), capped);
  const double after = capping["after"]["expected_profit"].get<double>();
  EXPECT_NEAR(after, profit, 1e-8 * std::fabs(after));
  EXPECT_LT(after, capping["before"]["expected_profit"].get<double>());
  EXPECT_TRUE(capping["after"].contains("constraint_evaluation"));
}

TEST(CliRatebook, BadInputsExitTwoNamingFileAndLine) {
  expect_bad_input(book_text(1, "p1,107,60,0.41,-1.25,1,ancient,north"), kRatebook, "book.csv:3: factor.age",
                   "not a level");
  expect_bad_input(book_text(),
                   "factor,level,relativity\nage,young,1\nage,mid,0\nage,old,1\nregion,north,1\nregion,south,1\n",
                   "ratebook.csv:3", "relativity");
  expect_bad_input(book_text(),
                   "factor,level,relativity\nage,young,1\nage,mid,abc\nage,old,1\nregion,north,1\nregion,south,1\n",
                   "ratebook.csv:3", "not a number");
  expect_bad_input(book_text(), kRatebook + "age,mid,1.05\n", "ratebook.csv:7", "given twice");
  std::string one_region = book_text();
  for (size_t at = one_region.find("south"); at != std::string::npos; at = one_region.find("south"))
    one_region.replace(at, 5, "north");
  expect_bad_input(one_region, kRatebook, "book.csv:1: column factor.region", "one level");
  expect_bad_input(book_text(), kRatebook + "cover,basic,1\n", "ratebook.csv:7", "no column factor.cover");
  expect_bad_input(book_text(), kRatebook, "level_bounds", "lo:hi", {"--level-bounds", "age=1.1"});
  expect_bad_input(book_text(), kRatebook, "smooth = \"age=-0.1\"", "≥ 0", {"--smooth", "age=-0.1"});
  expect_bad_input(book_text(), kRatebook, "smooth = \"colour=0.1\"", "no factor \"colour\"",
                   {"--smooth", "colour=0.1"});
}

}  // namespace cli_test
}  // namespace rateopt
