// `rateopt qubo` (SPEC §3): a bad QUBO file and the brute-force ground state of a small one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using nlohmann::json;

TEST(CliQubo, BadQuboCsvIsExit2WithFileAndLine) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "q.csv", "i,j,weight\n0,0,1\n0,1,oops\n");
  const CliRun r = run_rateopt(dir, {"qubo", "--qubo", (dir / "q.csv").string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "q.csv:3: weight = \"oops\" is not a number")) << describe(r);
}

TEST(CliQubo, PrintsTheBruteForceGroundState) {
  const fs::path dir = scratch_dir();
  // E = -x0 - x1 + 3 x0 x1 - 2 x2: ground state 101 or 011 at -3; replica order picks one
  write_text_file(dir / "q.csv", "i,j,weight\n0,0,-1\n1,1,-1\n0,1,3\n2,2,-2\n");
  const CliRun r = run_rateopt(dir, {"qubo", "--qubo", (dir / "q.csv").string(), "--device", "cpu", "--json"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json j = json::parse(r.out);
  EXPECT_DOUBLE_EQ(j["best_energy"].get<double>(), -3.0);
  const std::string state = j["best_state"].get<std::string>();
  EXPECT_TRUE(state == "101" || state == "011") << state;
}

// --config: keys as the flags, a flag beside the file overrides it, an unknown key is an error.
TEST(CliQubo, ConfigSetsOptionsFlagsOverrideAndUnknownKeysFail) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "q.csv", "i,j,weight\n0,0,-1\n1,1,-1\n0,1,3\n2,2,-2\n");
  write_text_file(dir / "config.json", R"({"replicas": 8, "sweeps": 20, "seed": 5, "device": "cpu"})");
  const std::vector<std::string> base = {"qubo",   "--qubo",   (dir / "q.csv").string(),
                                         "--json", "--config", (dir / "config.json").string()};
  const CliRun from_file = run_rateopt(dir, base);
  ASSERT_EQ(from_file.rc, 0) << describe(from_file);
  json j = json::parse(from_file.out);
  EXPECT_EQ(j["replicas"], 8);
  EXPECT_EQ(j["sweeps"], 20);
  EXPECT_EQ(j["seed"], 5);
  EXPECT_EQ(j["backend_used"], "cpu");
  const CliRun flag_wins = run_rateopt(dir, test::concat(base, {"--replicas", "3"}));
  ASSERT_EQ(flag_wins.rc, 0) << describe(flag_wins);
  j = json::parse(flag_wins.out);
  EXPECT_EQ(j["replicas"], 3);
  EXPECT_EQ(j["sweeps"], 20);  // the file's, where no flag is given
  write_text_file(dir / "bad.json", R"({"replicas": 8, "temperature": 2})");
  const CliRun bad =
      run_rateopt(dir, {"qubo", "--qubo", (dir / "q.csv").string(), "--config", (dir / "bad.json").string()});
  EXPECT_EQ(bad.rc, 2) << describe(bad);
  EXPECT_TRUE(contains(bad.err, "unknown key \"temperature\"")) << describe(bad);
  EXPECT_TRUE(bad.out.empty()) << describe(bad);
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
