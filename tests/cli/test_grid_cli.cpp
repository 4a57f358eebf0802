// `rateopt grid`: a solve of the bundled example grid end to end, caps and percent limits, and every
// bad-input rule exiting 2 with file:line and the rule, writing nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using json = nlohmann::json;

const std::string kExample = std::string(RATEOPT_SOURCE_DIR) + "/examples/grid_quotes.csv";

CliRun run_grid(const fs::path& dir, const std::string& grid, const std::vector<std::string>& extra = {}) {
  return run_rateopt(dir, test::concat({"grid", "--grid", grid, "--out-dir", (dir / "out").string()}, extra));
}

// A grid file from its lines (header first).
std::string grid_file(const fs::path& dir, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  const fs::path path = dir / "grid.csv";
  write_text_file(path, text);
  return path.string();
}

void expect_bad_input(const fs::path& dir, const std::vector<std::string>& lines, const std::string& where,
                      const std::string& rule, const std::vector<std::string>& extra = {}) {
  const CliRun r = run_grid(dir, grid_file(dir, lines), extra);
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "grid.csv:" + where)) << describe(r);
  EXPECT_TRUE(contains(r.err, rule)) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out" / "result.json"));
}

}  // namespace

TEST(CliGrid, SolvesTheExampleWithConstraintsAndWritesItsOutputs) {
  const fs::path dir = scratch_dir();
  const CliRun r = run_grid(dir, kExample, {"--lr-max", "0.7", "--retention-min", "0.85", "--json"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json result = json::parse(read_text_file(dir / "out" / "result.json"));
  EXPECT_EQ(result["status"], "converged");
  EXPECT_LE(result["constraint_evaluation"]["lr_max"]["value"].get<double>(), 0.7 * (1 + 1e-9));
  EXPECT_GE(result["constraint_evaluation"]["retention_min"]["value"].get<double>(), 0.85 * (1 - 1e-9));
  EXPECT_GE(result["dual_bound"].get<double>(), result["portfolio"]["expected_profit"].get<double>());
  EXPECT_EQ(result["audit"]["inputs"]["grid_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(result["audit"]["inputs"]["bytes_per_candidate"], 16);  // premium, demand; costs once per policy
  const Csv policies = read_csv(dir / "out" / "policies.csv");
  ASSERT_EQ(policies.rows.size(), 6u);
  EXPECT_EQ(policies.header[0], "policy_id");
  EXPECT_EQ(policies.header[1], "step");
  // --exact proves the optimum: at least the dual path's profit, at most its bound.
  const CliRun e = run_rateopt(dir, {"grid", "--grid", kExample, "--out-dir", (dir / "exact").string(), "--lr-max",
                                     "0.7", "--retention-min", "0.85", "--exact"});
  ASSERT_EQ(e.rc, 0) << describe(e);
  const json exact = json::parse(read_text_file(dir / "exact" / "result.json"));
  EXPECT_EQ(exact["method"], "exact");
  EXPECT_EQ(exact["optimality_gap"], 0.0);
  EXPECT_GE(exact["portfolio"]["expected_profit"].get<double>(),
            result["portfolio"]["expected_profit"].get<double>() - 1e-9);
  EXPECT_LE(exact["portfolio"]["expected_profit"].get<double>(), result["dual_bound"].get<double>() + 1e-9);
}

TEST(CliGrid, RateChangeCapAndPercentLimitsUseTheBaseline) {
  const fs::path dir = scratch_dir();
  const CliRun r = run_grid(dir, kExample, {"--max-rate-change", "0.06", "--sum-min", "volume=99%"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json result = json::parse(read_text_file(dir / "out" / "result.json"));
  EXPECT_EQ(result["portfolio"]["candidates_removed"], 18);  // steps at ±10% and +20% of the baseline
  const Csv policies = read_csv(dir / "out" / "policies.csv");
  for (size_t i = 0; i < policies.rows.size(); ++i) {
    EXPECT_LE(std::fabs(std::stod(policies.text(i, "rate_change_pct"))), 6.0 + 1e-9);
    EXPECT_EQ(policies.text(i, "candidates"), "3");
  }
  EXPECT_EQ(result["constraint_evaluation"]["sum_min[volume]"]["kind"], "sum_min");
}

TEST(CliGrid, AnUnreachableLimitIsProvenInfeasible) {
  const fs::path dir = scratch_dir();
  const CliRun r = run_grid(dir, kExample, {"--retention-min", "0.999"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json result = json::parse(read_text_file(dir / "out" / "result.json"));
  EXPECT_EQ(result["status"], "infeasible");
  EXPECT_TRUE(contains(result["message"].get<std::string>(), "retention_min 0.999 unreachable: at most"))
      << result["message"];
  EXPECT_GT(result["infeasibility"]["combined_min"].get<double>(),
            result["infeasibility"]["combined_limit"].get<double>());
}

TEST(CliGrid, BadInputExitsTwoNamingFileLineAndRule) {
  const fs::path dir = scratch_dir();
  const std::string header = "policy_id,step,premium,demand";
  expect_bad_input(dir, {header, "A,0,100,0.5", "A,2,110,0.4"}, "3", "must run 0, 1");  // unsorted steps
  expect_bad_input(dir, {header, "A,0,100,0.5", "A,1,110,0.4", "A,1,120,0.3"}, "4", "duplicate (policy, step)");
  expect_bad_input(dir, {header, "A,1,100,0.5"}, "2", "no step 0 means K = 0");
  expect_bad_input(dir, {header}, "1", "K = 0");
  expect_bad_input(dir, {header, "A,0,100,1.2"}, "2", "demand = \"1.2\" must be in [0,1]");
  expect_bad_input(dir, {header, "A,0,100,-0.1"}, "2", "demand");
  expect_bad_input(dir, {header, "A,0,100,0.5", "B,0,100,0.5", "A,1,90,0.6"}, "4", "are not together");
  expect_bad_input(dir, {header + ",weight", "A,0,100,0.5,1", "A,1,110,0.4,2"}, "3", "differs from \"1\"");
  expect_bad_input(dir, {header + ",renewal_flag", "A,0,100,0.5,1", "A,1,110,0.4,0"}, "3", "renewal_flag");
  expect_bad_input(dir, {header + ",baseline", "A,0,100,0.5,0", "A,1,110,0.4,0"}, "2",
                   "has no baseline row (baseline = 1), which max_rate_change needs", {"--max-rate-change", "0.1"});
  expect_bad_input(dir, {header + ",baseline", "A,0,100,0.5,1", "B,0,110,0.4,0"}, "3",
                   "which --sum-min (a percent of the baseline's sum) needs", {"--sum-min", "gwp=90%"});
  expect_bad_input(dir, {header + ",baseline", "A,0,100,0.5,1", "A,1,110,0.4,1"}, "3", "second baseline row");
  expect_bad_input(dir, {header + ",renewal_flag,enbp", "A,0,100,0.5,1,90", "A,1,110,0.4,1,90"}, "2",
                   "no candidate at or below its ENBP cap");
  expect_bad_input(dir, {header + ",score", "A,0,100,0.5,", "A,1,110,0.4,"}, "2", "score is empty on every row",
                   {"--sum-max", "score=5"});
  expect_bad_input(dir, {header + ",expected_loss_cost", "A,0,100,0.5,10", "A,1,110,0.4,", "A,2,120,0.3,12"}, "3",
                   "other rows give different values");
}

TEST(CliGrid, BadOptionsExitTwo) {
  const fs::path dir = scratch_dir();
  CliRun r = run_grid(dir, kExample, {"--sum-min", "nosuch=5"});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "\"nosuch\" is neither a column of")) << describe(r);
  r = run_grid(dir, kExample, {"--ratio-max", "claims=5"});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "numerator/denominator=value")) << describe(r);
  r = run_grid(dir, kExample, {"--lr-min", "0.8", "--lr-max", "0.7"});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out" / "result.json"));
}

TEST(CliGrid, ExplicitCudaWithoutAGpuFailsAndWritesNothing) {
  if (gpu_usable()) GTEST_SKIP() << "a GPU is usable here";
  const fs::path dir = scratch_dir();
  const CliRun r = run_grid(dir, kExample, {"--device", "cuda"});
  EXPECT_EQ(r.rc, RATEOPT_HAVE_CUDA ? 4 : 2) << describe(r);
  // a GPU-less CUDA build names the device; a build without CUDA says it has none
  EXPECT_TRUE(contains(r.err, RATEOPT_HAVE_CUDA ? "device cuda" : "this build has no CUDA")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(CliGrid, AutoDeviceFallsBackToCpuSayingSo) {
  if (gpu_usable()) GTEST_SKIP() << "a GPU is usable here";
  const fs::path dir = scratch_dir();
  const CliRun r = run_grid(dir, kExample, {"--device", "auto", "--json"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json backend = json::parse(r.out)["backend"];
  EXPECT_EQ(backend.value("requested", ""), "auto");
  EXPECT_EQ(backend.value("used", ""), "cpu");
  ASSERT_TRUE(backend["fallback_reason"].is_string()) << describe(r);
  EXPECT_TRUE(contains(backend["fallback_reason"].get<std::string>(), "using the CPU")) << describe(r);
}

}  // namespace cli_test
}  // namespace rateopt
