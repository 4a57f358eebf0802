// Every subcommand's options come from its table: --help shows each option with the default its
// struct holds, --config sets any option (a flag beside it wins), an unknown key is exit 2.
#include <gtest/gtest.h>

#include <charconv>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "cli/option_flags.hpp"
#include "cli_common.hpp"
#include "parallel/batch.hpp"
#include "rateopt/book.hpp"
#include "rateopt/clusters.hpp"
#include "rateopt/cover.hpp"
#include "rateopt/model_quality.hpp"
#include "rateopt/pareto.hpp"
#include "rateopt/qubo.hpp"
#include "rateopt/reinsure.hpp"
#include "rateopt/scenarios.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using json = nlohmann::json;

/// One subcommand: its words, its tables (bound to default-constructed structs) and the least it
/// needs besides options ("{dir}" stands for the test's directory).
struct Tool {
  std::vector<std::string> words;
  std::function<std::vector<OptionField>()> table;
  std::vector<std::string> required_args;
};

template <class... Options>
std::function<std::vector<OptionField>()> table_of() {
  return [] {
    static std::tuple<Options...> defaults;  // the fields point into it
    return std::apply([](auto&... o) { return fields_of(o...); }, defaults);
  };
}

const std::vector<Tool>& tools() {
  static const std::vector<Tool> all = {
      {{"optimise"}, table_of<OptimiseOptions>(), {"--book", "{dir}/book.csv", "--out-dir", "{dir}/out"}},
      {{"frontier"},
       table_of<FrontierOptions, OptimiseOptions>(),
       {"--book", "{dir}/book.csv", "--out-dir", "{dir}/out"}},
      {{"pareto"}, table_of<ParetoOptions, OptimiseOptions>(), {"--book", "{dir}/book.csv", "--out-dir", "{dir}/out"}},
      {{"scenarios"},
       table_of<ScenarioOptions, OptimiseOptions>(),
       {"--book", "{dir}/book.csv", "--out-dir", "{dir}/out"}},
      {{"generate"}, table_of<GenerateOptions>(), {"--out", "{dir}/out"}},
      {{"batch"}, table_of<BatchOptions>(), {"--manifest", "{dir}/jobs.json"}},
      {{"cover"}, table_of<CoverOptions>(), {"--quotes", "{dir}/quotes.csv", "--out-dir", "{dir}/out"}},
      {{"reinsure"},
       table_of<LossSimulationOptions, ReinsuranceOptions>(),
       {"--lines", "{dir}/lines.csv", "--out-dir", "{dir}/out"}},
      {{"model-quality"}, table_of<ModelQualityOptions>(), {}},
      {{"clusters"},
       table_of<ClustersOptions>(),
       {"--clusters", "{dir}/clusters.csv", "--premiums", "{dir}/premiums.csv", "--out-dir", "{dir}/out"}},
      {{"clusters", "generate"}, table_of<ClustersGenerateOptions>(), {"--out-dir", "{dir}/out"}},
      {{"qubo"}, table_of<AnnealOptions>(), {"--qubo", "{dir}/qubo.csv"}},
  };
  return all;
}

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const std::string& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

std::vector<std::string> with_dir(std::vector<std::string> args, const fs::path& dir) {
  for (std::string& a : args) {
    const size_t at = a.find("{dir}");
    if (at != std::string::npos) a.replace(at, 5, dir.string());
  }
  return args;
}

/// The help of one flag: from "  --flag" to the next line that starts another option.
std::string help_of(const std::string& help, const std::string& flag) {
  size_t at = 0;
  for (;;) {
    at = help.find("  " + flag, at);
    if (at == std::string::npos) return "";
    const char after = help[at + 2 + flag.size()];
    if (after == ' ' || after == ',' || after == '{' || after == '\n') break;
    at += flag.size();
  }
  size_t end = help.find("\n  -", at + 1);
  return help.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

/// A default as the struct holds it, written here independently of the help code.
std::string struct_default(const OptionField& f) {
  const json v = f.get();
  const auto number = [](double x) {
    char text[64];
    return std::string(text, std::to_chars(text, text + sizeof text, x).ptr);
  };
  if (v.is_null()) return f.row.unset;
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) return number(v.get<double>());
  if (v.is_number()) return v.dump();
  if (v.is_string()) return v.get<std::string>();
  std::string list;
  for (const json& item : v)
    list += (list.empty() ? "" : ",") + (item.is_string() ? item.get<std::string>() : number(item.get<double>()));
  return list;
}

TEST(CliOptionTables, HelpShowsEveryOptionWithTheDefaultItsStructHolds) {
  const fs::path dir = scratch_dir();
  for (const Tool& tool : tools()) {
    SCOPED_TRACE(joined(tool.words));
    std::vector<std::string> args = tool.words;
    args.push_back("--help");
    const CliRun r = run_rateopt(dir, args);
    ASSERT_EQ(r.rc, 0) << describe(r);
    for (const OptionField& f : tool.table()) {
      const std::string flag = flag_name(f.row.key), text = help_of(r.out, flag), value = struct_default(f);
      ASSERT_FALSE(text.empty()) << flag << " is not in --help\n" << r.out;
      if (f.row.required)
        EXPECT_TRUE(contains(text, "(required)")) << text;
      else if (value.empty())
        EXPECT_FALSE(contains(text, "(default")) << text;
      else
        EXPECT_TRUE(contains(text, "(default " + value + ")")) << text << "\nwanted default " << value;
    }
    EXPECT_TRUE(contains(r.out, "--config")) << r.out;
  }
}

TEST(CliOptionTables, HelpNamesNoInternalDocument) {
  const fs::path dir = scratch_dir();
  std::vector<std::vector<std::string>> commands = {{"--help"}};
  for (const Tool& tool : tools()) {
    commands.push_back(tool.words);
    commands.back().push_back("--help");
  }
  for (const auto& args : commands) {
    const CliRun r = run_rateopt(dir, args);
    EXPECT_EQ(r.rc, 0) << describe(r);
    EXPECT_FALSE(contains(r.out, "SPEC")) << describe(r);
    EXPECT_FALSE(contains(r.out, "peer")) << describe(r);
  }
}

TEST(CliOptionTables, UnknownConfigKeyIsExit2NamingItAndWritesNothing) {
  for (const Tool& tool : tools()) {
    SCOPED_TRACE(joined(tool.words));
    const fs::path dir = scratch_dir() / tool.words.front();
    fs::create_directories(dir);
    write_text_file(dir / "config.json", R"({"no_such_option": 1})");
    std::vector<std::string> args = tool.words;
    for (const std::string& a : with_dir(tool.required_args, dir)) args.push_back(a);
    args.insert(args.end(), {"--config", (dir / "config.json").string()});
    const CliRun r = run_rateopt(dir, args);
    EXPECT_EQ(r.rc, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, "unknown key \"no_such_option\"")) << describe(r);
    EXPECT_FALSE(fs::exists(dir / "out")) << describe(r);
  }
}

/// Rows of a CSV file after its header.
size_t data_rows(const fs::path& csv) { return read_csv(csv).rows.size(); }

TEST(CliOptionTables, FrontierTakesItsSweepFromTheConfig) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 300);
  write_text_file(dir / "f.json", R"({"sweep": "lr_max", "from": 0.6, "to": 0.7, "points": 3, "device": "cpu"})");
  CliRun r = run_rateopt(dir, {"frontier", "--book", book.string(), "--config", (dir / "f.json").string(), "--out-dir",
                               (dir / "a").string()});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(data_rows(dir / "a" / "frontier.csv"), 3u);
  EXPECT_EQ(json::parse(read_text_file(dir / "a" / "result.json")).at("sweep"), "lr_max");
  r = run_rateopt(dir, {"frontier", "--book", book.string(), "--config", (dir / "f.json").string(), "--points", "4",
                        "--out-dir", (dir / "b").string()});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(data_rows(dir / "b" / "frontier.csv"), 4u);
}

TEST(CliOptionTables, ParetoTakesItsGridFromTheConfig) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 300);
  write_text_file(dir / "p.json", R"({"sweep_x": "retention_min", "x_range": [0.70, 0.75], "fairness_range": [1.1, 1.2],
                                     "points_x": 2, "points_y": 2, "device": "cpu"})");
  CliRun r = run_rateopt(dir, {"pareto", "--book", book.string(), "--config", (dir / "p.json").string(), "--out-dir",
                               (dir / "a").string()});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(data_rows(dir / "a" / "pareto_surface.csv"), 4u);
  r = run_rateopt(dir, {"pareto", "--book", book.string(), "--config", (dir / "p.json").string(), "--points-y", "3",
                        "--out-dir", (dir / "b").string()});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(data_rows(dir / "b" / "pareto_surface.csv"), 6u);
}

TEST(CliOptionTables, ScenariosTakeTheirScalesFromTheConfig) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 300);
  write_text_file(dir / "s.json", R"({"elasticity_scale": [0.9, 1.1], "lr_max": 0.7, "device": "cpu"})");
  CliRun r = run_rateopt(dir, {"scenarios", "--book", book.string(), "--config", (dir / "s.json").string(), "--out-dir",
                               (dir / "a").string()});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(data_rows(dir / "a" / "scenarios.csv"), 2u);
  r = run_rateopt(dir, {"scenarios", "--book", book.string(), "--config", (dir / "s.json").string(),
                        "--elasticity-scale", "1", "--out-dir", (dir / "b").string()});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(data_rows(dir / "b" / "scenarios.csv"), 1u);
}

TEST(CliOptionTables, GenerateTakesItsSizeAndSeedFromTheConfig) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "g.json", R"({"policies": 25, "seed": 3, "profile": "quickstart"})");
  CliRun r = run_rateopt(dir, {"generate", "--config", (dir / "g.json").string(), "--out", (dir / "a.csv").string()});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(data_rows(dir / "a.csv"), 25u);
  r = run_rateopt(
      dir, {"generate", "--config", (dir / "g.json").string(), "--policies", "10", "--out", (dir / "b.csv").string()});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(data_rows(dir / "b.csv"), 10u);
  EXPECT_EQ(read_csv(dir / "a.csv").rows[0], read_csv(dir / "b.csv").rows[0]);  // same seed from the file
}

TEST(CliOptionTables, BatchTakesItsSummaryPathFromTheConfig) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 100);
  write_text_file(dir / "jobs.json", json{{"jobs", json::array({json{{"command", "optimise"},
                                                                     {"book", book.string()},
                                                                     {"out_dir", (dir / "job").string()},
                                                                     {"options", json{{"device", "cpu"}}},
                                                                     {"args", json::array({"--force"})}}})}}
                                         .dump());
  write_text_file(dir / "b.json", json{{"summary", (dir / "from_config.csv").string()}}.dump());
  CliRun r =
      run_rateopt(dir, {"batch", "--manifest", (dir / "jobs.json").string(), "--config", (dir / "b.json").string()});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(data_rows(dir / "from_config.csv"), 1u);
  r = run_rateopt(dir, {"batch", "--manifest", (dir / "jobs.json").string(), "--config", (dir / "b.json").string(),
                        "--summary", (dir / "from_flag.csv").string(), "--force"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_TRUE(fs::exists(dir / "from_flag.csv"));
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
