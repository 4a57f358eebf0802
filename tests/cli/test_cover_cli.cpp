// `rateopt cover` --config: options from a JSON file, flags beside it winning, unknown keys refused.
// (The command's answers, reports and bad input are tested in tests/test_cover.cpp.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using nlohmann::json;

std::vector<std::string> cover_args(const std::vector<std::string>& extra) {
  return test::concat({"cover", "--quotes", std::string(RATEOPT_SOURCE_DIR) + "/examples/life_quotes.csv"}, extra);
}

TEST(CliCover, ConfigSetsTheGoalFlagsOverrideIt) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "goal.json", R"({"min_coverage": 1500000, "min_avg_term": 23, "max_policies": 1})");
  const CliRun from_file = run_rateopt(dir, cover_args({"--config", (dir / "goal.json").string(), "--json"}));
  ASSERT_EQ(from_file.rc, 0) << describe(from_file);
  json j = json::parse(from_file.out);
  EXPECT_EQ(j["goal"]["min_coverage"], 1500000.0);
  EXPECT_EQ(j["goal"]["min_avg_term"], 23.0);
  EXPECT_EQ(j["goal"]["max_policies"], 1);
  EXPECT_EQ(j["audit"]["options"]["max_policies"], 1);
  const CliRun flag_wins =
      run_rateopt(dir, cover_args({"--config", (dir / "goal.json").string(), "--max-policies", "2", "--json"}));
  ASSERT_EQ(flag_wins.rc, 0) << describe(flag_wins);
  j = json::parse(flag_wins.out);
  EXPECT_EQ(j["goal"]["max_policies"], 2);
  EXPECT_EQ(j["goal"]["min_coverage"], 1500000.0);  // the file's, where no flag is given
  EXPECT_LE(j["policy_count"].get<int>(), 2);
}

TEST(CliCover, ConfigListsMakeTheGridAndUnknownKeysFail) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "grid.json", R"({"grid_min_avg_term": [15, 20], "grid_min_coverage": [750000]})");
  const CliRun from_file =
      run_rateopt(dir, cover_args({"--config", (dir / "grid.json").string(), "--out-dir", (dir / "a").string()}));
  ASSERT_EQ(from_file.rc, 0) << describe(from_file);
  const Csv a = read_csv(dir / "a" / "scenarios.csv");
  ASSERT_EQ(a.rows.size(), 2u);
  EXPECT_EQ(a.text(0, "scenario"), "15_750000");
  EXPECT_EQ(a.text(1, "scenario"), "20_750000");
  const CliRun flag_wins = run_rateopt(dir, cover_args({"--config", (dir / "grid.json").string(), "--grid-min-coverage",
                                                        "750000,1000000", "--out-dir", (dir / "b").string()}));
  ASSERT_EQ(flag_wins.rc, 0) << describe(flag_wins);
  const Csv b = read_csv(dir / "b" / "scenarios.csv");
  ASSERT_EQ(b.rows.size(), 4u);
  EXPECT_EQ(b.text(3, "scenario"), "20_1000000");

  write_text_file(dir / "bad.json", R"({"grid_min_avg_term": [15], "grid_min_coverge": [750000]})");
  const CliRun bad =
      run_rateopt(dir, cover_args({"--config", (dir / "bad.json").string(), "--out-dir", (dir / "c").string()}));
  EXPECT_EQ(bad.rc, 2) << describe(bad);
  EXPECT_TRUE(contains(bad.err, "unknown key \"grid_min_coverge\"")) << describe(bad);
  EXPECT_FALSE(fs::exists(dir / "c"));
  EXPECT_TRUE(bad.out.empty()) << describe(bad);
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
