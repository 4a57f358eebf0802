// Hostile inputs (issue 14): hashes of the bytes read (a FIFO, /dev/stdin), JSON numbers that overflow,
// a directory or invalid UTF-8 where a file or name belongs, sizes past what fits in memory, messages
// that stay one line, and the smaller option rules.  Every refusal is exit 2 with one line on stderr
// naming the file (and line) and the rule, before any work, and writes nothing.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "cli/cli_common.hpp"

namespace rateopt::cli_test {
namespace {

using json = nlohmann::json;
using test::run_rateopt_in;

const std::string kBook =
    "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp,group\n"
    "P1,615.75,412.71,0.709,-2.03,1,687.70,pcw\n"
    "P2,709.74,472.48,0.692,-2.37,0,,direct\n"
    "P3,402.10,250.00,0.810,-1.20,1,450,pcw\n";

std::string sha256sum(const fs::path& path) {
  const std::string text = test::tool_output({"sha256sum", path.string()});
  return text.substr(0, text.find(' '));
}

/// Exit 2 with exactly one line on stderr, the error, containing `expected`.
void expect_refused(const CliRun& r, const std::string& expected) {
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, expected)) << "expected: " << expected << "\n" << describe(r);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << describe(r);
  EXPECT_EQ(r.err.rfind("rateopt: error: ", 0), 0u) << describe(r);
}

// ------------------------------------------------------------------ item 4: hash of the bytes read

TEST(InputHash, ABookFromAFifoIsHashedFromTheBytesRead) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", kBook);
  ASSERT_EQ(::mkfifo((dir / "book.fifo").c_str(), 0600), 0);
  // the writer opens the FIFO once: a second open (the old re-read for the hash) would wait for ever
  const std::string writer = "cat " + test::shell_quote((dir / "book.csv").string()) + " > " +
                             test::shell_quote((dir / "book.fifo").string()) + " &";
  ASSERT_EQ(std::system(writer.c_str()), 0);
  const CliRun r =
      run_rateopt_in(dir, {"optimise", "--book", "book.fifo", "--device", "cpu", "--out-dir", "out"}, "", 60);
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json result = json::parse(read_text_file(dir / "out/result.json"));
  EXPECT_EQ(result["audit"]["inputs"]["book_sha256"], sha256sum(dir / "book.csv"));
}

TEST(InputHash, ABookFromDevStdinIsHashedFromTheBytesRead) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", kBook);
  const CliRun r =
      run_rateopt_in(dir, {"optimise", "--book", "/dev/stdin", "--device", "cpu", "--out-dir", "out"}, "book.csv", 60);
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json result = json::parse(read_text_file(dir / "out/result.json"));
  EXPECT_EQ(result["audit"]["inputs"]["book_sha256"], sha256sum(dir / "book.csv"));
  EXPECT_NE(result["audit"]["inputs"]["book_sha256"], sha256sum("/dev/null"));
}

TEST(InputHash, QuotesAndReinsuranceLinesFromAPipeAreHashedFromTheBytesRead) {
  const fs::path dir = scratch_dir();
  const fs::path examples = fs::path(RATEOPT_SOURCE_DIR) / "examples";
  const CliRun cover = run_rateopt_in(
      dir, {"cover", "--quotes", "/dev/stdin", "--min-coverage", "1000000", "--min-avg-term", "20", "--json"},
      (examples / "life_quotes.csv").string(), 60);
  ASSERT_EQ(cover.rc, 0) << describe(cover);
  EXPECT_EQ(json::parse(cover.out)["audit"]["inputs"]["sha256"], sha256sum(examples / "life_quotes.csv"));

  const CliRun reinsure = run_rateopt_in(dir,
                                         {"reinsure", "--lines", "/dev/stdin", "--simulate", "500", "--correlation",
                                          (examples / "reinsurance_correlation.csv").string(), "--budget", "4000000",
                                          "--device", "cpu", "--out-dir", "out"},
                                         (examples / "reinsurance_lines.csv").string(), 60);
  ASSERT_EQ(reinsure.rc, 0) << describe(reinsure);
  const json inputs = json::parse(read_text_file(dir / "out/result.json"))["inputs"];
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[0]["role"], "lines");
  EXPECT_EQ(inputs[0]["sha256"], sha256sum(examples / "reinsurance_lines.csv"));
  EXPECT_EQ(inputs[1]["sha256"], sha256sum(examples / "reinsurance_correlation.csv"));
}

// ------------------------------------------------------------------ item 7: overflow, directories, UTF-8

TEST(JsonInput, ANumberThatOverflowsIsExit2NamingTheFileLineAndKey) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", kBook);
  write_text_file(dir / "big.json", "{\n  \"device\": \"cpu\",\n  \"lr_max\": 1e309\n}\n");
  const CliRun config =
      run_rateopt_in(dir, {"optimise", "--book", "book.csv", "--config", "big.json", "--out-dir", "o"});
  expect_refused(config, "big.json:3: \"lr_max\": 1e309 is out of the range of a double");
  EXPECT_FALSE(contains(config.err, "json.exception")) << config.err;

  const CliRun flag = run_rateopt_in(dir, {"optimise", "--book", "book.csv", "--lr-max", "1e309", "--out-dir", "o"});
  expect_refused(flag, "option --lr-max = \"1e309\" is out of the range of a double");

  write_text_file(dir / "manifest.json",
                  "{\"jobs\": [{\"command\": \"optimise\", \"book\": \"book.csv\", \"out_dir\": \"job\",\n"
                  "  \"options\": {\"lr_max\": 1e309}}]}\n");
  const CliRun batch = run_rateopt_in(dir, {"batch", "--manifest", "manifest.json", "--summary", "summary.csv"});
  expect_refused(batch, "manifest.json:2: \"lr_max\": 1e309 is out of the range of a double");
  EXPECT_FALSE(fs::exists(dir / "o") || fs::exists(dir / "job") || fs::exists(dir / "summary.csv"));

  write_text_file(dir / "broken.json", "{\n  \"lr_max\": 0.7,\n  \"device\" \"cpu\"\n}\n");
  const CliRun broken =
      run_rateopt_in(dir, {"optimise", "--book", "book.csv", "--config", "broken.json", "--out-dir", "o"});
  expect_refused(broken, "broken.json:3: not valid JSON: ");
  EXPECT_FALSE(contains(broken.err, "json.exception")) << broken.err;
}

TEST(InputFiles, ADirectoryIsExit2NamingItForEveryReader) {
  const fs::path dir = scratch_dir();
  const fs::path examples = fs::path(RATEOPT_SOURCE_DIR) / "examples";
  write_text_file(dir / "book.csv", kBook);
  fs::create_directories(dir / "d");
  const std::string lines = (examples / "reinsurance_lines.csv").string();
  const std::vector<std::vector<std::string>> runs = {
      {"optimise", "--book", "d", "--out-dir", "o"},
      {"optimise", "--book", "book.csv", "--config", "d", "--out-dir", "o"},
      {"clusters", "--clusters", "d", "--premiums", "d", "--target-termination", "7", "--out-dir", "o"},
      {"qubo", "--qubo", "d"},
      {"cover", "--quotes", "d", "--min-coverage", "1000", "--min-avg-term", "10"},
      {"reinsure", "--lines", "d", "--simulate", "10", "--budget", "1", "--out-dir", "o"},
      {"reinsure", "--lines", lines, "--samples", "d", "--budget", "1", "--out-dir", "o"},
      {"reinsure", "--lines", lines, "--simulate", "10", "--correlation", "d", "--budget", "1", "--out-dir", "o"},
      {"scenarios", "--book", "book.csv", "--elasticity-files", "d", "--out-dir", "o"},
      {"batch", "--manifest", "d", "--summary", "s.csv"},
  };
  for (const auto& args : runs) {
    const CliRun r = run_rateopt_in(dir, args);
    expect_refused(r, "d: cannot open: Is a directory");
    EXPECT_FALSE(fs::exists(dir / "o") || fs::exists(dir / "s.csv")) << describe(r);
  }
  // a config or manifest that cannot be read gives the system's reason (once CLI11's bare "File does
  // not exist")
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "book.csv", "--config", "none.json", "--out-dir", "o"}),
                 "none.json: cannot open: No such file or directory");
  expect_refused(run_rateopt_in(dir, {"batch", "--manifest", "book.csv/m.json", "--summary", "s.csv"}),
                 "book.csv/m.json: cannot open: Not a directory");
}

TEST(Utf8, InvalidUtf8InANameOrPathIsExit2BeforeAnyWork) {
  const fs::path dir = scratch_dir();
  const std::string bad = "\xC3\x28";  // a lead byte without its continuation
  const std::string head = "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,group\n";
  write_text_file(dir / "group.csv", head + "P1,100,50,0.5,-1,a\nP2,100,50,0.5,-1,x" + bad + "\n");
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "group.csv", "--device", "cpu", "--out-dir", "o"}),
                 "group.csv:3: group \"x\\xC3(\" is not valid UTF-8 text (byte 0xC3)");
  write_text_file(dir / "id.csv", head + "P" + bad + ",100,50,0.5,-1,a\n");
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "id.csv", "--device", "cpu", "--out-dir", "o"}),
                 "id.csv:2: policy_id \"P\\xC3(\" is not valid UTF-8 text");
  write_text_file(dir / "header.csv",
                  "technical_price,expected_loss_cost,p_demand,elasticity,n" + bad + "\n1,1,0.5,-1,1\n");
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "header.csv", "--device", "cpu", "--out-dir", "o"}),
                 "header.csv:1: header field 5 \"n\\xC3(\" is not valid UTF-8 text");
  write_text_file(dir / "quotes.csv",
                  "policy_id,insurer,term,coverage,yearly_premium\n1,In" + bad + ",20,500000,300\n");
  expect_refused(
      run_rateopt_in(dir, {"cover", "--quotes", "quotes.csv", "--min-coverage", "1e6", "--min-avg-term", "20"}),
      "quotes.csv:2: insurer \"In\\xC3(\" is not valid UTF-8 text");
  write_text_file(dir / "lines.csv", "name,expected_loss,variance,safety_loading\nmo" + bad + "tor,1000,10,0.3\n");
  expect_refused(run_rateopt_in(dir, {"reinsure", "--lines", "lines.csv", "--simulate", "100", "--budget", "1",
                                      "--device", "cpu", "--out-dir", "o"}),
                 "lines.csv:2: name \"mo\\xC3(tor\" is not valid UTF-8 text");
  write_text_file(dir / "clusters.csv", "cluster_id,policies,avg_claim\nc" + bad + ",100,10\n");
  write_text_file(dir / "premiums.csv", "cluster_id,termination_rate,premium\nc1,5,30\n");
  expect_refused(run_rateopt_in(dir, {"clusters", "--clusters", "clusters.csv", "--premiums", "premiums.csv",
                                      "--target-termination", "7", "--out-dir", "o"}),
                 "clusters.csv:2: cluster_id \"c\\xC3(\" is not valid UTF-8 text");
  // a path: refused before the solve, not when result.json is written after it
  write_text_file(dir / "book.csv", kBook);
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "book.csv", "--device", "cpu", "--out-dir", "o" + bad}),
                 "argument 7 \"o\\xC3(\" is not valid UTF-8 text");
  EXPECT_EQ(listing(dir),
            (std::vector<std::string>{"book.csv", "clusters.csv", "group.csv", "header.csv", "id.csv", "lines.csv",
                                      "premiums.csv", "quotes.csv", "stderr.txt", "stdout.txt"}));
}

// ------------------------------------------------------------------ item 9: sizes

TEST(Sizes, HugeIndexesPointCountsAndSamplesAreRefusedNotAllocated) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", kBook);
  write_text_file(dir / "qubo.csv", "i,j,weight\n0,0,1\n100000000,1,2\n");
  expect_refused(run_rateopt_in(dir, {"qubo", "--qubo", "qubo.csv", "--device", "cpu"}),
                 "qubo.csv:3: i = \"100000000\" must be a whole number in [0, 999999]");
  write_text_file(dir / "wide.csv", "i,j,weight\n0,0,1\n999999,1,2\n");
  expect_refused(run_rateopt_in(dir, {"qubo", "--qubo", "wide.csv", "--replicas", "1000000", "--device", "cpu"}),
                 "option replicas = 1000000 × 1000000 variables is more than 1e9 bytes of annealing state");
  expect_refused(run_rateopt_in(dir, {"frontier", "--book", "book.csv", "--sweep", "lr_max", "--from", "0.6", "--to",
                                      "0.7", "--points", "1e9", "--out-dir", "o"}),
                 "command line: points = 1000000000.0 must be an integer in [2,10000]");
  expect_refused(run_rateopt_in(dir, {"frontier", "--book", "book.csv", "--sweep", "lr_max", "--from", "0.6", "--to",
                                      "0.7", "--points", "1000000000", "--out-dir", "o"}),
                 "option points = 1000000000 must be in [2,10000]");
  const std::vector<std::string> pareto = {"pareto",  "--book",    "book.csv", "--sweep-x",
                                           "lr_max",  "--x-range", "0.6:0.8",  "--fairness-range",
                                           "1.1:1.3", "--out-dir", "o"};
  expect_refused(run_rateopt_in(dir, test::concat(pareto, {"--points-x", "100000"})),
                 "option points_x = 100000 must be in [1,10000]");
  expect_refused(run_rateopt_in(dir, test::concat(pareto, {"--points-x", "1000", "--points-y", "1000"})),
                 "option points_x × points_y = 1000000 grid points; at most 10000");
  expect_refused(run_rateopt_in(dir, {"reinsure", "--lines",
                                      (fs::path(RATEOPT_SOURCE_DIR) / "examples/reinsurance_lines.csv").string(),
                                      "--simulate", "1000000000", "--budget", "1", "--out-dir", "o"}),
                 "option simulate = 1000000000 must be in [0,100000000]");
  EXPECT_FALSE(fs::exists(dir / "o"));
}

// ------------------------------------------------------------------ item 12: one-line messages

TEST(OneLineMessages, NewlinesMegabyteKeysAndUtf16AreNamedOnOneLine) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", kBook);
  write_text_file(dir / "newline.csv",
                  "technical_price,expected_loss_cost,p_demand,elasticity\n\"12\n34\",50,0.5,-1\n");
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "newline.csv", "--out-dir", "o"}),
                 "newline.csv:2: technical_price = \"12\\n34\" is not a number");
  write_text_file(dir / "key.json", "{\"" + std::string(5 << 20, 'k') + "\": 1}");
  const CliRun key = run_rateopt_in(dir, {"optimise", "--book", "book.csv", "--config", "key.json", "--out-dir", "o"});
  expect_refused(key, "key.json: unknown key \"kkkk");
  EXPECT_LT(key.err.size(), 300u);
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string(kBook)) utf16 += std::string{c, '\0'};
  write_text_file(dir / "utf16.csv", utf16);
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "utf16.csv", "--out-dir", "o"}),
                 "utf16.csv:1: the file starts with a UTF-16 byte-order mark");
  write_text_file(dir / "quotes16.csv", utf16.substr(2));  // no mark: NUL bytes give it away
  expect_refused(
      run_rateopt_in(dir, {"cover", "--quotes", "quotes16.csv", "--min-coverage", "1", "--min-avg-term", "1"}),
      "quotes16.csv:1: the first line has a NUL byte (byte 2): UTF-16 text or a binary file");
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "book.csv", "--bogus", "a\nb", "--out-dir", "o"}),
                 "rateopt: error: ");
  EXPECT_FALSE(fs::exists(dir / "o"));
}

// ------------------------------------------------------------------ item 13: the smaller rules

TEST(SmallerRules, OptionValuesAreRefusedWithTheirReasons) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "book.csv", kBook);
  const std::vector<std::string> pareto = {"pareto",  "--book",    "book.csv", "--sweep-x",
                                           "lr_max",  "--x-range", "0.6:0.8",  "--fairness-range",
                                           "1.1:1.3", "--out-dir", "o"};
  expect_refused(run_rateopt_in(dir, test::concat(pareto, {"--topsis-weights", "0,0,0"})),
                 "option topsis_weights = 0,0,0: at least one weight must be > 0");
  expect_refused(run_rateopt_in(dir, test::concat(pareto, {"--topsis-weights", "1,,1"})),
                 "option topsis_weights = \"1,,1\": an empty entry in the list");
  // hex numbers: the CSV readers refuse them, and so do the flags, ranges and lists included
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "book.csv", "--lr-max", "0x1p-1", "--out-dir", "o"}),
                 "option --lr-max = \"0x1p-1\" is not a number");
  expect_refused(run_rateopt_in(dir, {"pareto", "--book", "book.csv", "--sweep-x", "lr_max", "--x-range", "0x1p-1:0.8",
                                      "--fairness-range", "1.1:1.3", "--out-dir", "o"}),
                 "option --x-range = \"0x1p-1:0.8\" must be FROM:TO");
  expect_refused(run_rateopt_in(dir, test::concat(pareto, {"--topsis-weights", "0x1,1,1"})),
                 "option topsis_weights: \"0x1\" is not a number");
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "book.csv", "--seed", "0x10", "--out-dir", "o"}),
                 "option --seed = \"0x10\" is not a number");
  write_text_file(dir / "hex.csv", "technical_price,expected_loss_cost,p_demand,elasticity\n0x10,5,0.5,-1\n");
  expect_refused(run_rateopt_in(dir, {"optimise", "--book", "hex.csv", "--out-dir", "o"}),
                 "hex.csv:2: technical_price = \"0x10\" is not a number");
  // the reasons: a finite number in the row's range, a count that is not negative
  expect_refused(run_rateopt_in(dir, {"clusters", "--clusters", "c.csv", "--premiums", "p.csv", "--target-termination",
                                      "nan", "--out-dir", "o"}),
                 "option --target-termination = \"nan\" must be a finite number in [0,100]");
  expect_refused(
      run_rateopt_in(dir, {"reinsure", "--lines", "l.csv", "--simulate", "-5", "--budget", "1", "--out-dir", "o"}),
      "command line: simulate = -5 must be an integer in [0,100000000]");
  EXPECT_FALSE(fs::exists(dir / "o"));
}

TEST(SmallerRules, ModelQualityInputsWithoutAFiniteLossRatioAreExit2) {
  const fs::path dir = scratch_dir();
  expect_refused(run_rateopt_in(dir, {"model-quality", "--rho", "1e-300", "--cv", "1"}),
                 "option values give loss_ratio = inf: outside the range of a double");
  expect_refused(run_rateopt_in(dir, {"model-quality", "--rho", "0.5", "--cv", "1", "--eta", "1e300", "--json"}),
                 "option values give loss_ratio = inf");
  expect_refused(run_rateopt_in(dir, {"model-quality", "--rho", "0.5", "--cv", "1e-300"}),
                 "option values give loss_ratio = ");
  const CliRun ok = run_rateopt_in(dir, {"model-quality", "--rho", "0.5", "--cv", "1", "--json"});
  EXPECT_EQ(ok.rc, 0) << describe(ok);
}

}  // namespace
}  // namespace rateopt::cli_test
