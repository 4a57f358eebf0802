// `rateopt reinsure` --config: options from a JSON file, flags beside it winning, unknown keys refused.
// (The command's answers, files and bad input are tested in tests/test_reinsure.cpp.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using nlohmann::json;

TEST(CliReinsure, ConfigSetsOptionsFlagsOverrideAndUnknownKeysFail) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "lines.csv",
                  "name,expected_loss,variance,safety_loading\nmotor,100,1600,0.3\nproperty,80,3600,0.1\n");
  write_text_file(dir / "config.json",
                  R"({"simulate": 4000, "seed": 9, "budget": 250, "alpha": 0.99, "frontier": 3, "device": "cpu"})");
  const std::vector<std::string> base = {"reinsure", "--lines",  (dir / "lines.csv").string(),
                                         "--json",   "--config", (dir / "config.json").string()};
  const CliRun from_file = run_rateopt(dir, test::concat(base, {"--out-dir", (dir / "a").string()}));
  ASSERT_EQ(from_file.rc, 0) << describe(from_file);
  json j = json::parse(from_file.out);
  EXPECT_EQ(j["budget"], 250.0);
  EXPECT_EQ(j["alpha"], 0.99);
  EXPECT_EQ(j["samples"], 4000);
  EXPECT_EQ(j["frontier"].size(), 3u);
  EXPECT_TRUE(fs::exists(dir / "a" / "reinsurance_frontier.csv"));
  const CliRun flag_wins =
      run_rateopt(dir, test::concat(base, {"--budget", "230", "--frontier", "0", "--out-dir", (dir / "b").string()}));
  ASSERT_EQ(flag_wins.rc, 0) << describe(flag_wins);
  j = json::parse(flag_wins.out);
  EXPECT_EQ(j["budget"], 230.0);
  EXPECT_EQ(j["alpha"], 0.99);  // the file's, where no flag is given
  EXPECT_EQ(j["frontier"].size(), 0u);
  EXPECT_FALSE(fs::exists(dir / "b" / "reinsurance_frontier.csv"));

  write_text_file(dir / "bad.json", R"({"simulate": 4000, "budget": 250, "budjet": 1})");
  const CliRun bad = run_rateopt(dir, {"reinsure", "--lines", (dir / "lines.csv").string(), "--config",
                                       (dir / "bad.json").string(), "--out-dir", (dir / "c").string()});
  EXPECT_EQ(bad.rc, 2) << describe(bad);
  EXPECT_TRUE(contains(bad.err, "unknown key \"budjet\"")) << describe(bad);
  EXPECT_FALSE(fs::exists(dir / "c"));
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
