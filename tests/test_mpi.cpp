// `rateopt` under mpirun (issue 9): the sharded solve against the single-process answer, and errors on
// one rank's shard reaching every rank.  Each test launches the built binary with `mpiexec -n K
// --oversubscribe` (CI has 2 cores, so 3 ranks oversubscribe) under `timeout`, so a hang fails the
// test instead of stalling the suite.  Skipped in builds without MPI.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "io/csv_reader.hpp"
#include "rateopt/book.hpp"
#include "rateopt/build_config.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using test::CliRun;
using test::concat;
using test::describe;
using test::read_text_file;

/// `rateopt args…`, under `mpiexec -n ranks` when ranks > 0, with a 120 s timeout.
CliRun run_ranks(const fs::path& dir, int ranks, const std::vector<std::string>& args) {
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);  // CI runs as root
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  std::vector<std::string> launcher = {"timeout", "120"};
  if (ranks > 0) launcher = concat(launcher, {RATEOPT_MPIEXEC, "--oversubscribe", "-n", std::to_string(ranks)});
  return test::run_rateopt(dir, args, launcher);
}

bool have_mpi() { return RATEOPT_HAVE_MPI != 0 && std::string(RATEOPT_MPIEXEC).size() > 0; }

std::vector<std::vector<std::string>> csv_rows(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::stringstream s(line);
    for (std::string f; std::getline(s, f, ',');) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.push_back("");
    rows.push_back(fields);
  }
  return rows;
}

void expect_relative(double a, double b, double tolerance, const std::string& what) {
  EXPECT_LE(std::fabs(a - b), tolerance * std::max(std::fabs(a), std::fabs(b)) + 1e-300)
      << what << ": " << a << " vs " << b;
}

/// The outputs of a sharded run against the single-process run's: the same status and passes,
/// portfolio and shadow prices to 1e-12 relative, policies.csv in the same row order with multipliers to
/// 1e-12 relative and the other columns to their printed precision.
void expect_same_answer(const fs::path& single, const fs::path& sharded) {
  const json a = json::parse(read_text_file(single / "result.json"));
  const json b = json::parse(read_text_file(sharded / "result.json"));
  EXPECT_EQ(a["status"], b["status"]);
  EXPECT_EQ(a["passes"], b["passes"]);
  EXPECT_EQ(a["n_policies"], b["n_policies"]);
  EXPECT_EQ(a["n_renewals"], b["n_renewals"]);
  EXPECT_EQ(a["n_bound_conflicts"], b["n_bound_conflicts"]);
  EXPECT_EQ(a["n_demand_above_one"], b["n_demand_above_one"]);
  EXPECT_EQ(a["warnings"], b["warnings"]);
  EXPECT_EQ(a["audit"]["inputs"]["book_sha256"], b["audit"]["inputs"]["book_sha256"]);
  for (const char* key : {"expected_profit", "expected_gwp", "expected_claims", "expected_loss_ratio"})
    expect_relative(a[key].get<double>(), b[key].get<double>(), 1e-12, key);
  for (const auto& item : a["shadow_prices"].items())
    expect_relative(item.value().get<double>(), b["shadow_prices"][item.key()].get<double>(), 1e-9,
                    "shadow price " + item.key());  // relative to a price that may be near zero: looser
  for (const auto& item : a["constraint_evaluation"].items())
    expect_relative(item.value()["value"].get<double>(), b["constraint_evaluation"][item.key()]["value"].get<double>(),
                    1e-12, "constraint " + item.key());

  const auto pa = csv_rows(single / "policies.csv"), pb = csv_rows(sharded / "policies.csv");
  ASSERT_EQ(pa.size(), pb.size());
  ASSERT_EQ(pa[0], pb[0]);
  for (size_t i = 1; i < pa.size(); ++i) {
    ASSERT_EQ(pa[i].size(), pb[i].size());
    ASSERT_EQ(pa[i][0], pb[i][0]) << "row " << i;  // policy_id: row order kept
    expect_relative(std::stod(pa[i][1]), std::stod(pb[i][1]), 1e-12, "multiplier of " + pa[i][0]);
    for (size_t c = 2; c < pa[i].size(); ++c)
      if (!pa[i][c].empty()) expect_relative(std::stod(pa[i][c]), std::stod(pb[i][c]), 1e-8, pa[0][c] + " " + pa[i][0]);
  }
}

class MpiOptimise : public ::testing::TestWithParam<int> {};

// The benchmark book and constraints (lr_max, retention_min, ENBP with a buffer, rate caps).
TEST_P(MpiOptimise, BenchmarkBookMatchesTheSingleProcessAnswer) {
  if (!have_mpi()) GTEST_SKIP() << "built without MPI";
  const fs::path dir = test::scratch_dir();
  write_book_csv(generate_book(6000, 91, BookProfile::benchmark), (dir / "book.csv").string());
  const std::string config = std::string(RATEOPT_SOURCE_DIR) + "/examples/benchmark_constraints.json";
  const std::vector<std::string> args = {"optimise", "--book", (dir / "book.csv").string(),
                                         "--config", config,   "--out-dir"};
  const CliRun single = run_ranks(dir, 0, concat(args, {(dir / "single").string()}));
  ASSERT_EQ(single.rc, 0) << describe(single);
  const CliRun sharded = run_ranks(dir, GetParam(), concat(args, {(dir / "sharded").string()}));
  ASSERT_EQ(sharded.rc, 0) << describe(sharded);
  EXPECT_NE(sharded.out.find(std::to_string(GetParam()) + " MPI ranks"), std::string::npos) << sharded.out;
  expect_same_answer(dir / "single", dir / "sharded");
}

// Fairness across groups (labels numbered book-wide), a non-separable loss-ratio disparity, random
// restarts (each shard draws its own rows' numbers), and a hand-made file whose shard boundaries meet
// CRLF line ends, blank lines and default policy ids.
TEST_P(MpiOptimise, GroupsRestartsAndAwkwardFileMatchTheSingleProcessAnswer) {
  if (!have_mpi()) GTEST_SKIP() << "built without MPI";
  const fs::path dir = test::scratch_dir();
  std::string text = "\xEF\xBB\xBFtechnical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,group\r\n";
  for (int i = 0; i < 240; ++i) {
    if (i % 37 == 5) text += "\r\n";  // blank lines
    const char* group = i < 150 ? (i % 3 == 0 ? "young" : "mid") : (i % 2 ? "old" : "mid");
    text += std::to_string(200 + (i * 37) % 300) + "," + std::to_string(120 + (i * 53) % 150) + "," +
            std::to_string(0.3 + 0.002 * (i % 200)) + "," + std::to_string(-1.0 - 0.01 * (i % 150)) + "," +
            (i % 4 ? "1" : "0") + "," + group + (i % 5 ? "\r\n" : "\n");
  }
  std::ofstream(dir / "book.csv", std::ios::binary) << text;
  const std::vector<std::string> args = concat(
      {"optimise", "--book", (dir / "book.csv").string()},
      test::words("--lr-max 0.6 --fairness-max 1.15 --fairness-metric loss_ratio_disparity --n-restarts 2 --device cpu "
                  "--out-dir"));
  const CliRun single = run_ranks(dir, 0, concat(args, {(dir / "single").string()}));
  ASSERT_EQ(single.rc, 0) << describe(single);
  const CliRun sharded = run_ranks(dir, GetParam(), concat(args, {(dir / "sharded").string()}));
  ASSERT_EQ(sharded.rc, 0) << describe(sharded);
  expect_same_answer(dir / "single", dir / "sharded");
}

// A bad value in the last rank's shard: every rank exits 2, the message names file:line once, and
// nothing is written.
TEST_P(MpiOptimise, BadRowInALaterShardStopsEveryRankWithOneMessage) {
  if (!have_mpi()) GTEST_SKIP() << "built without MPI";
  const fs::path dir = test::scratch_dir();
  Book book = generate_book(3000, 5, BookProfile::quickstart);
  write_book_csv(book, (dir / "good.csv").string());
  std::ifstream in(dir / "good.csv");
  std::ofstream out(dir / "bad.csv");
  const std::vector<std::string> header = csv_rows(dir / "good.csv")[0];
  const size_t p_demand = static_cast<size_t>(std::find(header.begin(), header.end(), "p_demand") - header.begin());
  ASSERT_LT(p_demand, header.size());
  int line = 0;
  for (std::string row; std::getline(in, row);) {
    if (++line == 2900) {  // p_demand = 1.5 on line 2900, in the last shard for 2 and 3 ranks
      std::vector<std::string> fields;
      std::stringstream s(row);
      for (std::string f; std::getline(s, f, ',');) fields.push_back(f);
      fields[p_demand] = "1.5";
      row.clear();
      for (size_t c = 0; c < fields.size(); ++c) row += (c ? "," : "") + fields[c];
    }
    out << row << "\n";
  }
  out.close();
  const CliRun r =
      run_ranks(dir, GetParam(), {"optimise", "--book", (dir / "bad.csv").string(), "--out-dir", (dir / "o").string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  const std::string message = (dir / "bad.csv").string() + ":2900: p_demand = 1.5 is outside (0,1)";
  const size_t first = r.err.find(message);
  EXPECT_NE(first, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(message, first + 1), std::string::npos) << "printed more than once:\n" << r.err;
  EXPECT_FALSE(fs::exists(dir / "o"));
}

// Options the shards cannot honour alike, and a book with fewer rows than ranks.
TEST_P(MpiOptimise, TimeLimitRefusedAndTinyBookSolved) {
  if (!have_mpi()) GTEST_SKIP() << "built without MPI";
  const fs::path dir = test::scratch_dir();
  std::ofstream(dir / "tiny.csv") << "technical_price,expected_loss_cost,p_demand,elasticity\n100,50,0.5,-1.5\n";
  const std::vector<std::string> book = {"optimise", "--book", (dir / "tiny.csv").string()};
  const CliRun limited =
      run_ranks(dir, GetParam(), concat(book, {"--time-limit", "5", "--out-dir", (dir / "a").string()}));
  EXPECT_EQ(limited.rc, 2) << describe(limited);
  EXPECT_NE(limited.err.find("time_limit"), std::string::npos) << limited.err;
  const CliRun single = run_ranks(dir, 0, concat(book, {"--out-dir", (dir / "single").string()}));
  ASSERT_EQ(single.rc, 0) << describe(single);
  const CliRun sharded = run_ranks(dir, GetParam(), concat(book, {"--out-dir", (dir / "sharded").string()}));
  ASSERT_EQ(sharded.rc, 0) << describe(sharded);
  expect_same_answer(dir / "single", dir / "sharded");
}

// The frontier's points spread over the ranks in blocks: the same points, in order, with the same
// statuses and profits to the solver's tolerance (a block's first point starts cold, not from its
// neighbour, so the answers agree to the tolerance rather than to the last bits).
TEST_P(MpiOptimise, FrontierPointsSpreadOverRanksMatchOneProcess) {
  if (!have_mpi()) GTEST_SKIP() << "built without MPI";
  const fs::path dir = test::scratch_dir();
  write_book_csv(generate_book(3000, 17, BookProfile::benchmark), (dir / "book.csv").string());
  const std::vector<std::string> args = concat(
      {"frontier", "--book", (dir / "book.csv").string()},
      test::words("--sweep retention_min --from 0.70 --to 0.90 --points 7 --lr-max 0.68 --device cpu --out-dir"));
  const CliRun single = run_ranks(dir, 0, concat(args, {(dir / "single").string()}));
  ASSERT_EQ(single.rc, 0) << describe(single);
  const CliRun spread = run_ranks(dir, GetParam(), concat(args, {(dir / "spread").string()}));
  ASSERT_EQ(spread.rc, 0) << describe(spread);
  const auto a = csv_rows(dir / "single" / "frontier.csv"), b = csv_rows(dir / "spread" / "frontier.csv");
  ASSERT_EQ(a.size(), 8u);
  ASSERT_EQ(a.size(), b.size());
  const auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(a[0].begin(), a[0].end(), name) - a[0].begin());
  };
  for (size_t i = 1; i < a.size(); ++i) {
    EXPECT_EQ(a[i][column("epsilon")], b[i][column("epsilon")]);
    EXPECT_EQ(a[i][column("status")], b[i][column("status")]);
    expect_relative(std::stod(a[i][column("profit")]), std::stod(b[i][column("profit")]), 1e-6, "profit");
  }
}

// The Pareto grid's fairness rows spread over the ranks: the same grid, statuses, front and TOPSIS
// choice, profits to the solver's tolerance.
TEST_P(MpiOptimise, ParetoRowsSpreadOverRanksMatchOneProcess) {
  if (!have_mpi()) GTEST_SKIP() << "built without MPI";
  const fs::path dir = test::scratch_dir();
  write_book_csv(generate_book(3000, 17, BookProfile::benchmark), (dir / "book.csv").string());
  const std::vector<std::string> args =
      concat({"pareto", "--book", (dir / "book.csv").string()},
             test::words("--sweep-x retention_min --x-range 0.70:0.85 --fairness-range 1.05:1.30 --points-x 3 "
                         "--points-y 4 --lr-max 0.68 --device cpu --out-dir"));
  const CliRun single = run_ranks(dir, 0, concat(args, {(dir / "single").string()}));
  ASSERT_EQ(single.rc, 0) << describe(single);
  const CliRun spread = run_ranks(dir, GetParam(), concat(args, {(dir / "spread").string()}));
  ASSERT_EQ(spread.rc, 0) << describe(spread);
  const auto a = csv_rows(dir / "single" / "pareto_surface.csv"), b = csv_rows(dir / "spread" / "pareto_surface.csv");
  ASSERT_EQ(a.size(), 13u);
  ASSERT_EQ(a.size(), b.size());
  const auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(a[0].begin(), a[0].end(), name) - a[0].begin());
  };
  for (size_t i = 1; i < a.size(); ++i) {
    for (const char* exact : {"x_limit", "fairness_limit", "status", "on_front", "topsis_choice"})
      EXPECT_EQ(a[i][column(exact)], b[i][column(exact)]) << exact << " of point " << i;
    expect_relative(std::stod(a[i][column("profit")]), std::stod(b[i][column("profit")]), 1e-6, "profit");
  }
}

// Elasticity scenarios spread over the ranks: each is a cold solve, so the per-policy multipliers
// and their percentiles are exactly one process's, byte for byte, and so are the warnings.
TEST_P(MpiOptimise, ScenariosSpreadOverRanksEqualOneProcessExactly) {
  if (!have_mpi()) GTEST_SKIP() << "built without MPI";
  const fs::path dir = test::scratch_dir();
  write_book_csv(generate_book(2000, 23, BookProfile::benchmark), (dir / "book.csv").string());
  const std::string config = std::string(RATEOPT_SOURCE_DIR) + "/examples/benchmark_constraints.json";
  const std::vector<std::string> args =
      concat({"scenarios", "--book", (dir / "book.csv").string(), "--elasticity-scale", "0.75,0.9,1,1.1,1.25"},
             {"--config", config, "--device", "cpu", "--out-dir"});
  const CliRun single = run_ranks(dir, 0, concat(args, {(dir / "single").string()}));
  ASSERT_EQ(single.rc, 0) << describe(single);
  const CliRun spread = run_ranks(dir, GetParam(), concat(args, {(dir / "spread").string()}));
  ASSERT_EQ(spread.rc, 0) << describe(spread);
  EXPECT_EQ(read_text_file(dir / "single" / "scenario_policies.csv"),
            read_text_file(dir / "spread" / "scenario_policies.csv"));
  const json a = json::parse(read_text_file(dir / "single" / "result.json"));
  const json b = json::parse(read_text_file(dir / "spread" / "result.json"));
  EXPECT_EQ(a["warnings"], b["warnings"]);
  for (const char* key : {"profit", "n_converged", "n_scenarios"}) EXPECT_EQ(a[key], b[key]) << key;
}

// A batch of three jobs, one of them failing: the others still run, the summary says which failed
// and why, and an optimise job's profit equals the same command run alone.
TEST_P(MpiOptimise, BatchSpreadsJobsAndReportsTheFailingOne) {
  if (!have_mpi()) GTEST_SKIP() << "built without MPI";
  const fs::path dir = test::scratch_dir();
  write_book_csv(generate_book(2000, 3, BookProfile::benchmark), (dir / "book.csv").string());
  std::ofstream(dir / "broken.csv")
      << "technical_price,expected_loss_cost,p_demand,elasticity\n100,50,0.5,-1\n0,1,0.5,-1\n";
  const std::string book = (dir / "book.csv").string();
  const json manifest = {{"jobs",
                          {{{"name", "base"},
                            {"command", "optimise"},
                            {"book", book},
                            {"out_dir", (dir / "base").string()},
                            {"options", {{"lr_max", 0.68}, {"device", "cpu"}}}},
                           {{"name", "broken"},
                            {"command", "optimise"},
                            {"book", (dir / "broken.csv").string()},
                            {"out_dir", (dir / "broken").string()}},
                           {{"name", "curve"},
                            {"command", "frontier"},
                            {"book", book},
                            {"out_dir", (dir / "curve").string()},
                            {"options", {{"device", "cpu"}}},
                            {"args", {"--sweep", "lr_max", "--from", "0.66", "--to", "0.72", "--points", "3"}}}}}};
  std::ofstream(dir / "jobs.json") << manifest.dump(2);
  const CliRun r =
      run_ranks(dir, GetParam(),
                {"batch", "--manifest", (dir / "jobs.json").string(), "--summary", (dir / "summary.csv").string()});
  EXPECT_EQ(r.rc, 3) << describe(r);  // one job failed
  const auto rows = csv_rows(dir / "summary.csv");
  ASSERT_EQ(rows.size(), 4u) << read_text_file(dir / "summary.csv");
  EXPECT_EQ(rows[0], (std::vector<std::string>{"job", "name", "command", "status", "exit_code", "profit", "seconds",
                                               "message"}));
  EXPECT_EQ(rows[1][1], "base");
  EXPECT_EQ(rows[1][3], "ok");
  EXPECT_EQ(rows[2][1], "broken");
  EXPECT_EQ(rows[2][3], "failed");
  EXPECT_EQ(rows[2][4], "2");
  EXPECT_NE(rows[2][7].find("broken.csv:3: technical_price"), std::string::npos) << rows[2][7];
  EXPECT_EQ(rows[3][3], "ok");
  EXPECT_TRUE(fs::exists(dir / "curve" / "frontier.csv"));

  const CliRun alone = run_ranks(dir, 0,
                                 {"optimise", "--book", book, "--lr-max", "0.68", "--device", "cpu", "--json",
                                  "--out-dir", (dir / "alone").string()});
  ASSERT_EQ(alone.rc, 0) << describe(alone);
  EXPECT_EQ(std::stod(rows[1][5]), json::parse(alone.out)["expected_profit"].get<double>());
}

// A manifest of three jobs whose names hold line breaks followed by digits, quotes and commas (one
// used to be split at its line break and its digits taken as a job index, writing past the end of a
// vector), run on `ranks` processes: the summary, read as quoted CSV, has each name as written, in
// job order.
void expect_batch_names_round_trip(int ranks) {
  const fs::path dir = test::scratch_dir();
  std::ofstream(dir / "tiny.csv") << "technical_price,expected_loss_cost,p_demand,elasticity\n100,50,0.5,-1.5\n";
  const std::vector<std::string> names = {"north\n7", "south, \"east\"\r\n12\tend", "west"};
  json jobs = json::array();
  for (size_t j = 0; j < names.size(); ++j)
    jobs.push_back({{"name", names[j]},
                    {"command", "optimise"},
                    {"book", (dir / (j == 1 ? "missing.csv" : "tiny.csv")).string()},
                    {"out_dir", (dir / ("out" + std::to_string(j))).string()},
                    {"options", {{"device", "cpu"}}}});
  std::ofstream(dir / "jobs.json") << json{{"jobs", jobs}}.dump();
  const CliRun r = run_ranks(
      dir, ranks, {"batch", "--manifest", (dir / "jobs.json").string(), "--summary", (dir / "summary.csv").string()});
  EXPECT_EQ(r.rc, 3) << describe(r);  // the job with the missing book failed
  CsvReader summary((dir / "summary.csv").string(), "summary", {"job", "name", "status", "message"});
  for (size_t j = 0; j < names.size(); ++j) {
    ASSERT_TRUE(summary.next()) << read_text_file(dir / "summary.csv");
    EXPECT_EQ(summary.raw(summary.column("job")), std::to_string(j));
    EXPECT_EQ(summary.raw(summary.column("name")), names[j]);
    EXPECT_EQ(summary.raw(summary.column("status")), j == 1 ? "failed" : "ok");
  }
  EXPECT_FALSE(summary.next()) << read_text_file(dir / "summary.csv");
}

TEST_P(MpiOptimise, BatchJobNamesWithLineBreaksRoundTripThroughTheSummary) {
  if (!have_mpi()) GTEST_SKIP() << "built without MPI";
  expect_batch_names_round_trip(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Mpi, MpiOptimise, ::testing::Values(2, 3), [](const ::testing::TestParamInfo<int>& param) {
  return std::to_string(param.param) + "ranks";
});

}  // namespace
}  // namespace rateopt

namespace rateopt {
namespace {

// Without mpirun the jobs run back to back in one process's children: same summary, and a manifest
// that names an unknown command is refused before any job runs.
TEST(Batch, BackToBackWithoutMpirunAndBadManifestRefused) {
  const fs::path dir = test::scratch_dir();
  write_book_csv(generate_book(1000, 4, BookProfile::benchmark), (dir / "book.csv").string());
  const json manifest = {
      {"jobs",
       {{{"command", "optimise"},
         {"book", (dir / "book.csv").string()},
         {"out_dir", (dir / "a").string()},
         {"options", {{"lr_max", 0.7}, {"device", "cpu"}}}},
        {{"command", "optimise"}, {"book", (dir / "missing.csv").string()}, {"out_dir", (dir / "b").string()}}}}};
  std::ofstream(dir / "jobs.json") << manifest.dump();
  const CliRun r = run_ranks(
      dir, 0, {"batch", "--manifest", (dir / "jobs.json").string(), "--summary", (dir / "summary.csv").string()});
  EXPECT_EQ(r.rc, 3) << describe(r);
  const auto rows = csv_rows(dir / "summary.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][1], "job0");
  EXPECT_EQ(rows[1][3], "ok");
  EXPECT_GT(std::stod(rows[1][5]), 0.0);  // profit
  EXPECT_EQ(rows[2][3], "failed");
  EXPECT_NE(rows[2][7].find("missing.csv: cannot open"), std::string::npos) << rows[2][7];
  EXPECT_TRUE(fs::exists(dir / "a" / "policies.csv"));

  // the summary is not replaced without --force
  const CliRun again = run_ranks(
      dir, 0, {"batch", "--manifest", (dir / "jobs.json").string(), "--summary", (dir / "summary.csv").string()});
  EXPECT_EQ(again.rc, 2) << describe(again);

  std::ofstream(dir / "bad.json") << R"({"jobs": [{"command": "explode", "book": "b.csv", "out_dir": "o"}]})";
  const CliRun bad = run_ranks(
      dir, 0, {"batch", "--manifest", (dir / "bad.json").string(), "--summary", (dir / "bad_summary.csv").string()});
  EXPECT_EQ(bad.rc, 2) << describe(bad);
  EXPECT_NE(bad.err.find("job 0: command \"explode\" must be optimise|frontier|scenarios|pareto"), std::string::npos)
      << bad.err;
  EXPECT_FALSE(fs::exists(dir / "bad_summary.csv"));
}

TEST(Batch, JobNamesWithLineBreaksRoundTripThroughTheSummary) { expect_batch_names_round_trip(0); }

// A failed job's message is its own error: a command-line error (not CLI11's closing "Run with
// --help" line), a solve that stopped (optimise's status and message, where stderr is empty).
TEST(Batch, AFailedJobIsReportedWithItsOwnError) {
  const fs::path dir = test::scratch_dir();
  write_book_csv(generate_book(500, 3, BookProfile::benchmark), (dir / "book.csv").string());
  const std::string book = (dir / "book.csv").string();
  const json manifest = {
      {"jobs",
       {{{"name", "typo"},
         {"command", "optimise"},
         {"book", book},
         {"out_dir", (dir / "a").string()},
         {"args", {"--no-such-flag"}}},
        {{"name", "stopped"},
         {"command", "optimise"},
         {"book", book},
         {"out_dir", (dir / "b").string()},
         {"options", {{"lr_max", 0.68}, {"retention_min", 0.78}, {"time_limit", 1e-9}, {"device", "cpu"}}}}}}};
  std::ofstream(dir / "jobs.json") << manifest.dump();
  const CliRun r = run_ranks(
      dir, 0, {"batch", "--manifest", (dir / "jobs.json").string(), "--summary", (dir / "summary.csv").string()});
  EXPECT_EQ(r.rc, 3) << describe(r);
  CsvReader summary((dir / "summary.csv").string(), "summary", {"exit_code", "message"});
  ASSERT_TRUE(summary.next());
  EXPECT_EQ(summary.raw(summary.column("exit_code")), "2");
  EXPECT_NE(summary.raw(summary.column("message")).find("--no-such-flag"), std::string::npos)
      << summary.raw(summary.column("message"));
  ASSERT_TRUE(summary.next());
  EXPECT_EQ(summary.raw(summary.column("exit_code")), "3");
  EXPECT_EQ(summary.raw(summary.column("message")).substr(0, 24), "time_limit: time limit o")
      << summary.raw(summary.column("message"));
}

// The summary's folder is checked before any job runs: a long batch must not end unable to write it.
TEST(Batch, SummaryInAMissingFolderIsRefusedBeforeAnyJobRuns) {
  const fs::path dir = test::scratch_dir();
  std::ofstream(dir / "tiny.csv") << "technical_price,expected_loss_cost,p_demand,elasticity\n100,50,0.5,-1.5\n";
  const json manifest = {
      {"jobs", {{{"command", "optimise"}, {"book", (dir / "tiny.csv").string()}, {"out_dir", (dir / "a").string()}}}}};
  std::ofstream(dir / "jobs.json") << manifest.dump();
  const fs::path summary = dir / "no" / "such" / "summary.csv";
  const CliRun r =
      run_ranks(dir, 0, {"batch", "--manifest", (dir / "jobs.json").string(), "--summary", summary.string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_NE(r.err.find("the folder " + summary.parent_path().string() + " does not exist"), std::string::npos)
      << describe(r);
  EXPECT_FALSE(fs::exists(dir / "a")) << "a job ran";
  EXPECT_FALSE(fs::exists(summary.parent_path()));
}

}  // namespace
}  // namespace rateopt
