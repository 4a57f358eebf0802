// Outputs that survive failure (issue 14): every command that writes several files writes all of them
// or none — a write that fails (a full disk, simulated by a file-size limit) leaves the previous
// outputs as they were, --force or not, and no temporaries; temporaries a killed run left are removed
// by the next run into the directory.  Also the bounds of the integer options every tool shares.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "rateopt/option_table.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using nlohmann::json;

/// Every file of a directory with its bytes (empty when the directory does not exist).
std::map<std::string, std::string> contents(const fs::path& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) files[e.path().filename().string()] = read_text_file(e.path());
  return files;
}

/// The names in dir that look like a temporary of an atomic write (NAME.tmp.<pid>).
std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> found;
  if (!fs::exists(dir)) return found;
  for (const auto& e : fs::directory_iterator(dir))
    if (contains(e.path().filename().string(), ".tmp.")) found.push_back(e.path().filename().string());
  return found;
}

/// The program run with writes past 1,024 bytes failing as on a full disk: `ulimit -f 2` (512-byte
/// blocks in POSIX sh) with SIGXFSZ ignored, so write(2) returns EFBIG instead of killing the process.
/// stdout and stderr are redirected before the limit applies, but the limit covers them too: the
/// tests read only the exit code and the directory.
const std::vector<std::string> kDiskFull = {"sh", "-c", "trap '' XFSZ; ulimit -f 2; exec \"$0\" \"$@\""};

struct MultiFileCommand {
  std::string name;
  std::vector<std::string> first;   ///< a run that succeeds (with --out-dir DIR appended)
  std::vector<std::string> second;  ///< different outputs, run with --force into the same DIR
  std::vector<std::string> outputs;
};

std::vector<MultiFileCommand> multi_file_commands(const fs::path& dir) {
  const std::string book = generate(dir, 300).string();
  const CliRun clusters = run_rateopt(
      dir, {"clusters", "generate", "--clusters", "12", "--seed", "2", "--out-dir", (dir / "inst").string()});
  EXPECT_EQ(clusters.rc, 0) << describe(clusters);
  write_text_file(dir / "lines.csv",
                  "name,expected_loss,variance,safety_loading\nmotor,100,1600,0.3\nproperty,80,3600,0.1\n");
  const std::string quotes = std::string(RATEOPT_SOURCE_DIR) + "/examples/life_quotes.csv";
  const std::vector<std::string> cpu = {"--device", "cpu"};
  const std::vector<std::string> clusters_in = {"clusters",
                                                "--clusters",
                                                (dir / "inst" / "clusters.csv").string(),
                                                "--premiums",
                                                (dir / "inst" / "premiums.csv").string(),
                                                "--write-qubo",
                                                "--device",
                                                "cpu",
                                                "--replicas",
                                                "8",
                                                "--sweeps",
                                                "50"};
  return {
      {"optimise",
       test::concat({"optimise", "--book", book, "--lr-max", "0.7"}, cpu),
       test::concat({"optimise", "--book", book, "--lr-max", "0.68"}, cpu),
       {"policies.csv", "pricing_rule.json", "result.json"}},
      {"frontier",
       test::concat(test::concat({"frontier", "--book", book}, cpu),
                    test::words("--sweep lr_max --from 0.66 --to 0.7 --points 3")),
       test::concat(test::concat({"frontier", "--book", book}, cpu),
                    test::words("--sweep lr_max --from 0.66 --to 0.72 --points 3")),
       {"frontier.csv", "frontier.svg", "result.json"}},
      {"pareto",
       test::concat(
           test::concat({"pareto", "--book", book}, cpu),
           test::words("--sweep-x lr_max --x-range 0.66:0.7 --fairness-range 1.05:1.3 --points-x 2 --points-y 2")),
       test::concat(
           test::concat({"pareto", "--book", book}, cpu),
           test::words("--sweep-x lr_max --x-range 0.66:0.72 --fairness-range 1.05:1.3 --points-x 2 --points-y 2")),
       {"pareto_surface.csv", "pareto_front.csv", "pareto.svg", "result.json"}},
      {"scenarios",
       test::concat({"scenarios", "--book", book, "--elasticity-scale", "0.9,1.1"}, cpu),
       test::concat({"scenarios", "--book", book, "--elasticity-scale", "0.8,1.2"}, cpu),
       {"scenario_policies.csv", "scenarios.csv", "result.json"}},
      {"reinsure --frontier",
       test::words("reinsure --simulate 2000 --budget 250 --frontier 3 --device cpu --lines " +
                   (dir / "lines.csv").string()),
       test::words("reinsure --simulate 2000 --budget 240 --frontier 4 --device cpu --lines " +
                   (dir / "lines.csv").string()),
       {"reinsurance_lines.csv", "reinsurance_frontier.csv", "reinsurance_frontier.svg", "result.json"}},
      {"clusters --write-qubo",
       test::concat(clusters_in, {"--target-termination", "11"}),
       test::concat(clusters_in, {"--target-termination", "12"}),
       {"choice_table.csv", "cluster_choices.csv", "qubo.csv", "result.json"}},
      {"clusters generate",
       test::words("clusters generate --clusters 40 --seed 3"),
       test::words("clusters generate --clusters 40 --seed 4"),
       {"clusters.csv", "premiums.csv"}},
      {"cover grid",
       {"cover", "--quotes", quotes, "--grid-min-avg-term", "15,20", "--grid-min-coverage", "750000"},
       {"cover", "--quotes", quotes, "--grid-min-avg-term", "15,25", "--grid-min-coverage", "750000"},
       {"scenarios.csv", "scenario_policies.csv", "result.json"}},
  };
}

// A full disk never leaves part of a set under its final names: not on a first run into a new
// directory, and not on a --force rerun, which must leave the previous set exactly as it was.
TEST(CliOutputs, AFailedWriteLeavesNoPartialSetAndThePreviousOutputsAsTheyWere) {
  const fs::path dir = scratch_dir();
  const std::vector<MultiFileCommand> commands = multi_file_commands(dir);
  for (size_t k = 0; k < commands.size(); ++k) {
    const MultiFileCommand& c = commands[k];
    SCOPED_TRACE(c.name);
    const fs::path out = dir / ("out" + std::to_string(k));
    const CliRun fresh = run_rateopt(dir, test::concat(c.first, {"--out-dir", out.string()}), kDiskFull);
    EXPECT_EQ(fresh.rc, 4) << describe(fresh);
    for (const std::string& name : c.outputs) EXPECT_FALSE(fs::exists(out / name)) << name << "\n" << describe(fresh);
    EXPECT_FALSE(fs::exists(out)) << "the folder the failed run created is left behind";

    const CliRun good = run_rateopt(dir, test::concat(c.first, {"--out-dir", out.string()}));
    ASSERT_EQ(good.rc, 0) << describe(good);
    const auto before = contents(out);
    ASSERT_EQ(before.size(), c.outputs.size());
    const CliRun forced = run_rateopt(dir, test::concat(c.second, {"--out-dir", out.string(), "--force"}), kDiskFull);
    EXPECT_EQ(forced.rc, 4) << describe(forced);
    EXPECT_EQ(contents(out), before) << "a failed --force run changed the previous outputs";
    EXPECT_EQ(temporaries(out), std::vector<std::string>{});

    // without the limit the same --force run replaces the whole set
    const CliRun replaced = run_rateopt(dir, test::concat(c.second, {"--out-dir", out.string(), "--force"}));
    ASSERT_EQ(replaced.rc, 0) << describe(replaced);
    const auto after = contents(out);
    EXPECT_EQ(after.size(), c.outputs.size());
    EXPECT_NE(after, before);
  }
}

// A process that can no longer be running: a child that has exited and been waited for.
pid_t finished_process() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

TEST(CliOutputs, TemporariesOfAKilledRunAreRemovedByTheNextRun) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 200);
  const fs::path out = dir / "out";
  fs::create_directories(out);
  const std::string dead = std::to_string(finished_process());
  const std::string alive = std::to_string(getpid());  // a run still writing: left alone
  for (const std::string& name :
       std::vector<std::string>{"policies.csv.tmp." + dead, "result.json.tmp." + dead, "result.json.tmp.999999999",
                                "result.json.tmp." + alive, "notes.tmp." + dead, "result.json.tmp.12x"})
    write_text_file(out / name, "half a file");
  const CliRun r = run_rateopt(dir, optimise_args(book, out, {"--device", "cpu"}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  std::vector<std::string> kept = {"notes.tmp." + dead,        "policies.csv",       "pricing_rule.json", "result.json",
                                   "result.json.tmp." + alive, "result.json.tmp.12x"};
  std::sort(kept.begin(), kept.end());  // as listing() gives them
  EXPECT_EQ(listing(out), kept);
}

// An empty --out-dir is refused by every tool that writes a folder, before any work, and nothing is
// written (it used to mean the current folder).
TEST(CliOutputs, AnEmptyOutDirIsRefusedEverywhere) {
  const fs::path dir = scratch_dir();
  const std::string book = generate(dir, 50).string();
  const std::string quotes = std::string(RATEOPT_SOURCE_DIR) + "/examples/life_quotes.csv";
  const std::vector<std::vector<std::string>> commands = {
      {"optimise", "--book", book, "--device", "cpu"},
      {"frontier", "--book", book, "--device", "cpu", "--sweep", "lr_max", "--from", "0.6", "--to", "0.7", "--points",
       "2"},
      {"scenarios", "--book", book, "--device", "cpu", "--elasticity-scale", "1"},
      {"clusters", "generate", "--clusters", "5"},
      {"cover", "--quotes", quotes, "--grid-min-avg-term", "15", "--grid-min-coverage", "750000"},
  };
  // run from a folder of their own, which must stay empty (stdout and stderr are captured elsewhere)
  const fs::path cwd = dir / "cwd";
  fs::create_directories(cwd);
  const std::vector<std::string> from_cwd = {"sh", "-c",
                                             "cd " + test::shell_quote(cwd.string()) + " && exec \"$0\" \"$@\""};
  for (const auto& command : commands) {
    const CliRun r = run_rateopt(dir, test::concat(command, {"--out-dir", ""}), from_cwd);
    EXPECT_EQ(r.rc, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, "out_dir is empty")) << describe(r);
    EXPECT_EQ(listing(cwd), std::vector<std::string>{}) << describe(r);
  }
}

// --threads is bounded by one rule, the same for every tool that has it: at most 4 per hardware
// thread (100000 used to crash inside OpenMP, leaving a temporary behind).
TEST(CliOptionBounds, ThreadsAboveFourPerHardwareThreadAreRefusedByEveryTool) {
  const fs::path dir = scratch_dir();
  const std::string book = generate(dir, 100).string();
  const CliRun inst =
      run_rateopt(dir, {"clusters", "generate", "--clusters", "5", "--out-dir", (dir / "inst").string()});
  ASSERT_EQ(inst.rc, 0) << describe(inst);
  write_text_file(dir / "lines.csv", "name,expected_loss,variance,safety_loading\nmotor,100,1600,0.3\n");
  write_text_file(dir / "q.csv", "i,j,weight\n0,0,-1\n0,1,2\n");
  const std::string too_many = "100000";
  const std::vector<std::vector<std::string>> commands = {
      {"optimise", "--book", book},
      {"frontier", "--book", book, "--sweep", "lr_max", "--from", "0.6", "--to", "0.7", "--points", "2"},
      {"scenarios", "--book", book, "--elasticity-scale", "1"},
      {"pareto", "--book", book, "--sweep-x", "lr_max", "--x-range", "0.6:0.7", "--fairness-range", "1.1:1.2"},
      {"clusters", "--clusters", (dir / "inst" / "clusters.csv").string(), "--premiums",
       (dir / "inst" / "premiums.csv").string(), "--target-termination", "11"},
      {"qubo", "--qubo", (dir / "q.csv").string()},
      {"reinsure", "--lines", (dir / "lines.csv").string(), "--budget", "10"},
  };
  const std::string rule = "threads = " + too_many + " must be in [0," + std::to_string(max_cpu_threads()) + "]";
  for (const auto& command : commands) {
    const fs::path out = dir / ("out_" + command[0]);
    const bool writes = command[0] != "qubo";  // qubo prints its answer only
    const CliRun r = run_rateopt(
        dir, test::concat(command, writes ? std::vector<std::string>{"--threads", too_many, "--out-dir", out.string()}
                                          : std::vector<std::string>{"--threads", too_many}));
    EXPECT_EQ(r.rc, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, rule)) << describe(r);
    EXPECT_FALSE(fs::exists(out)) << describe(r);
  }
  // the largest allowed value runs
  const CliRun most = run_rateopt(dir, {"optimise", "--book", book, "--device", "cpu", "--threads",
                                        std::to_string(max_cpu_threads()), "--out-dir", (dir / "most").string()});
  EXPECT_EQ(most.rc, 0) << describe(most);
}

// Integers that do not fit their option's type are refused, from flags and from a config alike,
// never wrapped (4294967298 threads used to become 2).
TEST(CliOptionBounds, IntegersThatDoNotFitTheirTypeAreRefused) {
  const fs::path dir = scratch_dir();
  const std::string book = generate(dir, 50).string();
  write_text_file(dir / "threads.json", R"({"threads": -4294967295})");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"optimise", "--book", book, "--max-passes", "4294967306"}, "max_passes = 4294967306 must be an integer ≥ 10"},
      {{"optimise", "--book", book, "--threads", "4294967298"}, "threads = 4294967298 must be an integer in [0,"},
      {{"optimise", "--book", book, "--config", (dir / "threads.json").string()},
       "threads.json: threads = -4294967295 must be an integer in [0,"},
      {{"optimise", "--book", book, "--seed", "-1"}, "seed = -1 must be an integer in [0, 18446744073709551615]"},
      {{"generate", "--policies", "-1"}, "option policies = -1 must be ≥ 1"},
      {{"generate", "--policies", "5", "--seed", "-1"}, "seed = -1 must be an integer in [0, 18446744073709551615]"},
  };
  for (const auto& [args, message] : cases) {
    const bool generates = args[0] == "generate";
    const fs::path out = dir / (generates ? "g.csv" : "o");
    const CliRun r = run_rateopt(dir, test::concat(args, {generates ? "--out" : "--out-dir", out.string()}));
    EXPECT_EQ(r.rc, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, message)) << describe(r);
    EXPECT_FALSE(fs::exists(out)) << describe(r);
  }
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
