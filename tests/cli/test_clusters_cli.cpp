// `rateopt clusters` and `rateopt clusters generate` (SPEC §3): tables, JSON, the exact optimum, and bad input.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// clusters, clusters generate (SPEC §3)

fs::path generate_clusters(const fs::path& dir, int clusters, uint64_t seed) {
  const fs::path out = dir / "instance";
  const CliRun r = run_rateopt(dir, {"clusters", "generate", "--clusters", std::to_string(clusters), "--seed",
                                     std::to_string(seed), "--out-dir", out.string()});
  EXPECT_EQ(r.rc, 0) << describe(r);
  return out;
}

TEST(CliClusters, WritesTablesAndJsonWithTheExactOptimum) {
  const fs::path dir = scratch_dir();
  const fs::path inst = generate_clusters(dir, 15, 3);
  const fs::path out = dir / "out";
  const CliRun r = run_rateopt(
      dir, {"clusters", "--clusters", (inst / "clusters.csv").string(), "--premiums", (inst / "premiums.csv").string(),
            "--target-termination", "11", "--device", "cpu", "--out-dir", out.string(), "--write-qubo", "--json"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json j = json::parse(r.out);
  EXPECT_TRUE(j["sa"]["valid"].get<bool>());
  EXPECT_LE(j["sa"]["termination_rate"].get<double>(), 11.0);
  EXPECT_DOUBLE_EQ(j["sa"]["revenue"].get<double>(), j["exact"]["revenue"].get<double>());
  EXPECT_DOUBLE_EQ(j["gap"].get<double>(), 0.0);
  EXPECT_TRUE(j["seconds"].is_number());
  EXPECT_TRUE(contains(j["qubo"]["penalty_rule"].get<std::string>(), "lambda")) << describe(r);
  EXPECT_EQ(listing(out),
            (std::vector<std::string>{"choice_table.csv", "cluster_choices.csv", "qubo.csv", "result.json"}));
  // the choice table is one-hot per cluster and agrees with the chosen premiums
  const Csv table = read_csv(out / "choice_table.csv");
  const Csv choices = read_csv(out / "cluster_choices.csv");
  ASSERT_EQ(table.rows.size(), 15u);
  ASSERT_EQ(table.header.size(), 10u);
  double revenue = 0;
  for (size_t i = 0; i < 15; ++i) {
    int ones = 0;
    for (size_t c = 1; c < table.header.size(); ++c) {
      if (table.rows[i][c] != "1") continue;
      ++ones;
      EXPECT_EQ("rate_" + choices.text(i, "sa_termination_rate"), table.header[c]);
    }
    EXPECT_EQ(ones, 1) << "row " << i;
    revenue += choices.number(i, "sa_revenue");
  }
  EXPECT_NEAR(revenue, j["sa"]["revenue"].get<double>(), 1e-6 * revenue);
  // the exported QUBO anneals with `rateopt qubo`
  const CliRun q = run_rateopt(dir, {"qubo", "--qubo", (out / "qubo.csv").string(), "--replicas", "8", "--sweeps", "50",
                                     "--device", "cpu", "--json"});
  ASSERT_EQ(q.rc, 0) << describe(q);
  const json qj = json::parse(q.out);
  EXPECT_EQ(qj["variables"].get<int>(), j["qubo"]["variables"].get<int>());
  EXPECT_EQ(qj["best_state"].get<std::string>().size(), qj["variables"].get<size_t>());
  // a second run refuses to overwrite without --force
  const CliRun again =
      run_rateopt(dir, {"clusters", "--clusters", (inst / "clusters.csv").string(), "--premiums",
                        (inst / "premiums.csv").string(), "--target-termination", "11", "--out-dir", out.string()});
  EXPECT_EQ(again.rc, 2) << describe(again);
  EXPECT_TRUE(contains(again.err, "--force")) << describe(again);
}

TEST(CliClusters, UnreachableTargetIsReportedInfeasible) {
  const fs::path dir = scratch_dir();
  const fs::path inst = generate_clusters(dir, 6, 4);
  const CliRun r = run_rateopt(
      dir, {"clusters", "--clusters", (inst / "clusters.csv").string(), "--premiums", (inst / "premiums.csv").string(),
            "--target-termination", "2", "--device", "cpu", "--out-dir", (dir / "out").string(), "--json"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json j = json::parse(r.out);
  EXPECT_FALSE(j["sa"]["valid"].get<bool>());
  EXPECT_FALSE(j["exact"]["feasible"].get<bool>());
  EXPECT_TRUE(j["gap"].is_null());
}

TEST(CliClusters, ExplicitCudaWithoutAGpuFailsAndWritesNothing) {
  if (gpu_usable()) GTEST_SKIP() << "a GPU is usable here";
  const fs::path dir = scratch_dir();
  const fs::path inst = generate_clusters(dir, 5, 5);
  const CliRun r = run_rateopt(
      dir, {"clusters", "--clusters", (inst / "clusters.csv").string(), "--premiums", (inst / "premiums.csv").string(),
            "--target-termination", "11", "--device", "cuda", "--out-dir", (dir / "out").string()});
  EXPECT_EQ(r.rc, RATEOPT_HAVE_CUDA ? 4 : 2) << describe(r);
  // a GPU-less CUDA build names the device; a build without CUDA says it has none
  EXPECT_TRUE(contains(r.err, RATEOPT_HAVE_CUDA ? "device cuda" : "this build has no CUDA")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

// export-grid: the instance as a grid; `grid` (dual and exact, by the printed flags and by the written
// config) reaches `clusters`' exact optimum, its bound above it.
TEST(CliClusters, ExportedGridSolvesToTheClustersOptimum) {
  const fs::path dir = scratch_dir();
  const fs::path inst = generate_clusters(dir, 60, 7);
  const std::vector<std::string> instance = {"--clusters",           (inst / "clusters.csv").string(),
                                             "--premiums",           (inst / "premiums.csv").string(),
                                             "--target-termination", "10.5"};
  const CliRun c = run_rateopt(
      dir, test::concat({"clusters"}, test::concat(instance, {"--device", "cpu", "--replicas", "4", "--sweeps", "20",
                                                              "--out-dir", (dir / "c").string(), "--json"})));
  ASSERT_EQ(c.rc, 0) << describe(c);
  const double optimum = json::parse(c.out)["exact"]["revenue"].get<double>();
  const CliRun e = run_rateopt(
      dir, test::concat({"clusters", "export-grid"}, test::concat(instance, {"--out-dir", (dir / "g").string()})));
  ASSERT_EQ(e.rc, 0) << describe(e);
  EXPECT_EQ(listing(dir / "g"), (std::vector<std::string>{"grid.csv", "grid_config.json"}));
  EXPECT_EQ(read_csv(dir / "g" / "grid.csv").rows.size(), 60u * 9u);
  // the printed command, run as printed (its --out-dir DIR replaced)
  const size_t at = e.out.find("solve: rateopt ");
  ASSERT_NE(at, std::string::npos) << describe(e);
  std::vector<std::string> printed = split(e.out.substr(at + 15, e.out.find('\n', at) - at - 15), ' ');
  ASSERT_EQ(printed.back(), "DIR");
  printed.back() = (dir / "dual").string();
  const CliRun dual = run_rateopt(dir, test::concat(printed, {"--json"}));
  ASSERT_EQ(dual.rc, 0) << describe(dual);
  const json d = json::parse(dual.out);
  EXPECT_EQ(d["method"], "dual");
  EXPECT_NEAR(d["portfolio"]["expected_profit"].get<double>(), optimum, 1e-9 * optimum);
  EXPECT_GE(d["dual_bound"].get<double>(), optimum * (1 - 1e-12));
  EXPECT_TRUE(d["constraint_evaluation"]["sum_min[volume]"]["binding"].get<bool>());
  for (const std::string method : {"knapsack", "cbc"}) {
    const CliRun x = run_rateopt(dir, {"grid", "--grid", (dir / "g" / "grid.csv").string(), "--config",
                                       (dir / "g" / "grid_config.json").string(), "--exact", "--exact-method", method,
                                       "--out-dir", (dir / method).string(), "--json"});
    ASSERT_EQ(x.rc, 0) << describe(x);
    const json j = json::parse(x.out);
    EXPECT_EQ(j["method"], "exact");
    EXPECT_EQ(j["exact_method"], method);
    EXPECT_EQ(j["audit"]["solver"]["exact_method"], method);
    EXPECT_NEAR(j["portfolio"]["expected_profit"].get<double>(), optimum, 1e-9 * optimum);
  }
  // the target is required; nothing is written without it
  const CliRun bad =
      run_rateopt(dir, {"clusters", "export-grid", "--clusters", (inst / "clusters.csv").string(), "--premiums",
                        (inst / "premiums.csv").string(), "--out-dir", (dir / "bad").string()});
  EXPECT_EQ(bad.rc, 2) << describe(bad);
  EXPECT_TRUE(contains(bad.err, "target_termination is required")) << describe(bad);
  EXPECT_FALSE(fs::exists(dir / "bad"));
}

// --config: keys as the flags, a flag beside the file overrides it, an unknown key is an error.
TEST(CliClusters, ConfigSetsOptionsFlagsOverrideAndUnknownKeysFail) {
  const fs::path dir = scratch_dir();
  const fs::path inst = generate_clusters(dir, 8, 2);
  write_text_file(dir / "config.json",
                  R"({"target_termination": 11, "replicas": 8, "sweeps": 50, "device": "cpu", "exact": "off"})");
  const std::vector<std::string> base = {
      "clusters", "--clusters", (inst / "clusters.csv").string(), "--premiums", (inst / "premiums.csv").string(),
      "--json"};
  const CliRun from_file = run_rateopt(
      dir, test::concat(base, {"--config", (dir / "config.json").string(), "--out-dir", (dir / "a").string()}));
  ASSERT_EQ(from_file.rc, 0) << describe(from_file);
  json j = json::parse(from_file.out);
  EXPECT_EQ(j["sa"]["replicas"], 8);
  EXPECT_EQ(j["sa"]["sweeps"], 50);
  EXPECT_DOUBLE_EQ(j["problem"]["target_termination"].get<double>(), 11.0);
  EXPECT_TRUE(j["exact"].is_null());  // exact off, from the file
  const CliRun flag_wins =
      run_rateopt(dir, test::concat(base, {"--config", (dir / "config.json").string(), "--replicas", "4", "--exact",
                                           "on", "--out-dir", (dir / "b").string()}));
  ASSERT_EQ(flag_wins.rc, 0) << describe(flag_wins);
  j = json::parse(flag_wins.out);
  EXPECT_EQ(j["sa"]["replicas"], 4);
  EXPECT_EQ(j["sa"]["sweeps"], 50);  // the file's, where no flag is given
  EXPECT_TRUE(j["exact"]["feasible"].is_boolean());
  write_text_file(dir / "bad.json", R"({"target_termination": 11, "replicaz": 8})");
  const CliRun bad = run_rateopt(
      dir, test::concat(base, {"--config", (dir / "bad.json").string(), "--out-dir", (dir / "c").string()}));
  EXPECT_EQ(bad.rc, 2) << describe(bad);
  EXPECT_TRUE(contains(bad.err, "unknown key \"replicaz\"")) << describe(bad);
  EXPECT_FALSE(fs::exists(dir / "c"));
}

TEST(CliClusters, GenerateConfigSetsOptionsFlagsOverrideAndUnknownKeysFail) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "config.json", R"({"clusters": 4, "rates": [5, 10], "seed": 3})");
  const std::vector<std::string> base = {"clusters", "generate", "--config", (dir / "config.json").string()};
  const CliRun from_file = run_rateopt(dir, test::concat(base, {"--out-dir", (dir / "a").string()}));
  ASSERT_EQ(from_file.rc, 0) << describe(from_file);
  EXPECT_EQ(read_csv(dir / "a" / "clusters.csv").rows.size(), 4u);
  EXPECT_EQ(read_csv(dir / "a" / "premiums.csv").rows.size(), 8u);
  const CliRun flag_wins = run_rateopt(dir, test::concat(base, {"--clusters", "6", "--out-dir", (dir / "b").string()}));
  ASSERT_EQ(flag_wins.rc, 0) << describe(flag_wins);
  EXPECT_EQ(read_csv(dir / "b" / "clusters.csv").rows.size(), 6u);
  EXPECT_EQ(read_csv(dir / "b" / "premiums.csv").rows.size(), 12u);  // the file's two rates
  write_text_file(dir / "bad.json", R"({"clusters": 4, "rate": [5]})");
  const CliRun bad = run_rateopt(
      dir, {"clusters", "generate", "--config", (dir / "bad.json").string(), "--out-dir", (dir / "c").string()});
  EXPECT_EQ(bad.rc, 2) << describe(bad);
  EXPECT_TRUE(contains(bad.err, "unknown key \"rate\"")) << describe(bad);
  EXPECT_FALSE(fs::exists(dir / "c"));
}

struct ClustersBadCase {
  std::string name, clusters, premiums;
  std::vector<std::string> extra;
  std::string needle;
};

class CliClustersBadInput : public ::testing::TestWithParam<ClustersBadCase> {};

TEST_P(CliClustersBadInput, Exit2NamesLocationAndRuleAndWritesNothing) {
  const ClustersBadCase& c = GetParam();
  const fs::path dir = scratch_dir();
  write_text_file(dir / "c.csv", c.clusters);
  write_text_file(dir / "p.csv", c.premiums);
  std::vector<std::string> args = {
      "clusters",  "--clusters",          (dir / "c.csv").string(), "--premiums", (dir / "p.csv").string(),
      "--out-dir", (dir / "out").string()};
  args.insert(args.end(), c.extra.begin(), c.extra.end());
  const CliRun r = run_rateopt(dir, args);
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, c.needle)) << "want \"" << c.needle << "\"\n" << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out")) << describe(r);
}

const std::string kGoodClusters = "cluster_id,policies,avg_claim\na,1000,200\nb,2000,150\n";
const std::string kGoodPremiums = "cluster_id,termination_rate,premium\na,5,300\na,10,350\nb,5,250\nb,10,260\n";
const std::vector<std::string> kTarget = {"--target-termination", "8"};

INSTANTIATE_TEST_SUITE_P(
    Cases, CliClustersBadInput,
    ::testing::Values(
        ClustersBadCase{"text_policies", "cluster_id,policies,avg_claim\na,many,200\n", kGoodPremiums, kTarget,
                        "c.csv:2: policies = \"many\" is not a number"},
        ClustersBadCase{"negative_claim", "cluster_id,policies,avg_claim\na,10,200\nb,10,-5\n", kGoodPremiums, kTarget,
                        "c.csv:3: avg_claim"},
        ClustersBadCase{"unknown_cluster", kGoodClusters, kGoodPremiums + "zz,5,100\n", kTarget,
                        "p.csv:6: cluster_id \"zz\" is not in"},
        ClustersBadCase{"rate_out_of_range", kGoodClusters, "cluster_id,termination_rate,premium\na,120,300\n", kTarget,
                        "p.csv:2: termination_rate = \"120\""},
        ClustersBadCase{"nan_premium", kGoodClusters, "cluster_id,termination_rate,premium\na,5,nan\nb,5,1\n", kTarget,
                        "p.csv:2: premium"},
        ClustersBadCase{"missing_column", "cluster_id,policies\na,1\n", kGoodPremiums, kTarget,
                        "c.csv:1: missing required column \"avg_claim\""},
        ClustersBadCase{"empty_file", "", kGoodPremiums, kTarget, "c.csv: clusters file is empty (no header line)"},
        ClustersBadCase{"target_above_100",
                        kGoodClusters,
                        kGoodPremiums,
                        {"--target-termination", "150"},
                        "option target_termination = 150 must be in [0,100]"},
        ClustersBadCase{"zero_replicas",
                        kGoodClusters,
                        kGoodPremiums,
                        {"--target-termination", "8", "--replicas", "0"},
                        "replicas"},
        ClustersBadCase{"bad_exact",
                        kGoodClusters,
                        kGoodPremiums,
                        {"--target-termination", "8", "--exact", "maybe"},
                        "exact = \"maybe\" must be one of auto|on|off"},
        ClustersBadCase{"no_target", kGoodClusters, kGoodPremiums, {}, "option target_termination is required"},
        ClustersBadCase{"bad_moves",
                        kGoodClusters,
                        kGoodPremiums,
                        {"--target-termination", "8", "--moves", "jump"},
                        "moves = \"jump\" must be one of onehot|flip"}),
    [](const ::testing::TestParamInfo<ClustersBadCase>& param) { return param.param.name; });

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
