// A bounded, seeded mutation fuzzer over every input reader of the program: good inputs (book, config,
// clusters, premiums, QUBO, quotes, reinsurance lines, samples and correlation, elasticity file, batch
// manifest) are mutated (byte flips, truncation, duplicated or dropped lines, huge and non-finite
// numbers, NUL, CR, quotes, invalid UTF-8, UTF-16, megabyte fields) and the program is run on each copy.
// Every run must exit 0, 2 or 3, within its timeout; an exit 2 must write nothing; no run may leave a
// temporary file; and stderr must hold one-line messages only ("warning: …", "rateopt: error: …").
//
// RATEOPT_FUZZ_SEED and RATEOPT_FUZZ_CASES (cases per reader) run other or longer campaigns; the
// default is sized to keep the whole fuzzer under a minute on two cores.
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <random>

#include "cli/cli_common.hpp"

namespace rateopt::cli_test {
namespace {

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 10) : fallback;
}

/// One reader under test: the file that is mutated, the other files the run needs (unchanged), and
/// the command line, run in the case's directory.  `out` names what the run may write there.
struct FuzzTarget {
  std::string reader;
  std::string file;
  std::vector<std::pair<std::string, std::string>> inputs;  ///< name → contents; `file` among them
  std::vector<std::string> args;
  std::vector<std::string> outputs;  ///< paths (relative to the case directory) a run may create
};

std::string read_example(const std::string& name) {
  return read_text_file(fs::path(RATEOPT_SOURCE_DIR) / "examples" / name);
}

const std::string kBook =
    "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp,prior_multiplier,"
    "claims_variance,expense,group,weight\n"
    "P1,615.75,412.71,0.709,-2.03,1,687.70,1.03,851680.6,10,pcw,1\n"
    "P2,709.74,472.48,0.692,-2.37,1,762.34,1.03,1116210.8,12,direct,2\n"
    "P3,402.10,250.00,0.810,-1.20,0,,1,402000,0,pcw,1\n"
    "\"P,4\",512.00,300.50,0.650,-1.80,1,600.00,0.98,500000,5,direct,1.5\n"
    "P5,350.00,200.00,0.720,-1.50,0,,1.1,300000,0,pcw,1\n"
    "P6,820.00,590.00,0.600,-2.50,1,900.00,1,900000,20,direct,3\n";

std::vector<FuzzTarget> targets() {
  const std::string clusters = "cluster_id,policies,avg_claim\nc1,14016,197.74\nc2,23744,257.17\nc3,9000,310.5\n";
  const std::string premiums =
      "cluster_id,termination_rate,premium\nc1,5,300\nc1,7,332.24\nc1,9,360\nc2,5,380\nc2,7,410.5\nc2,9,440\n"
      "c3,5,450\nc3,7,470\nc3,9,520\n";
  const std::string qubo = "i,j,weight\n0,0,-1\n1,1,-1\n0,1,2\n2,2,0.5\n1,2,-0.25\n";
  const std::string lines = read_example("reinsurance_lines.csv");
  const std::string correlation = read_example("reinsurance_correlation.csv");
  std::string samples = "motor,property,liability,marine,cyber\n";
  std::mt19937_64 rng(7);
  for (int s = 0; s < 40; ++s) {
    for (int j = 0; j < 5; ++j)
      samples += (j ? "," : "") + std::to_string(static_cast<int>(rng() % 2000000)) + "." +
                 std::to_string(static_cast<int>(rng() % 100));
    samples += "\n";
  }
  const std::string elasticity = "policy_id,elasticity\nP1,-1.5\nP2,-2\nP3,-1.1\n\"P,4\",-1.7\nP5,-1.4\nP6,-2.2\n";
  const std::string config =
      "{\n  \"lr_max\": 0.72,\n  \"retention_min\": 0.5,\n  \"max_rate_change\": 0.25,\n  \"device\": \"cpu\",\n"
      "  \"max_passes\": 400\n}\n";
  const std::string manifest =
      "{\"jobs\": [\n  {\"name\": \"a\", \"command\": \"optimise\", \"book\": \"book.csv\", \"out_dir\": \"job_a\",\n"
      "   \"options\": {\"lr_max\": 0.72, \"device\": \"cpu\", \"max_passes\": 400}},\n"
      "  {\"name\": \"b\", \"command\": \"optimise\", \"book\": \"book.csv\", \"out_dir\": \"job_b\",\n"
      "   \"args\": [\"--device\", \"cpu\", \"--max-passes\", \"400\"]}\n]}\n";
  const std::vector<std::string> anneal = {"--replicas", "4", "--sweeps", "30", "--device", "cpu", "--threads", "1"};
  const std::vector<std::string> solve = {"--device", "cpu", "--threads", "1", "--max-passes", "400"};
  const std::vector<std::string> reinsure_run = {"--budget",  "3000000", "--device",  "cpu",
                                                 "--threads", "1",       "--out-dir", "out"};
  return {
      {"book",
       "book.csv",
       {{"book.csv", kBook}},
       test::concat({"optimise", "--book", "book.csv", "--out-dir", "out"}, solve),
       {"out"}},
      {"config",
       "config.json",
       {{"book.csv", kBook}, {"config.json", config}},
       {"optimise", "--book", "book.csv", "--config", "config.json", "--threads", "1", "--out-dir", "out"},
       {"out"}},
      {"clusters",
       "clusters.csv",
       {{"clusters.csv", clusters}, {"premiums.csv", premiums}},
       test::concat({"clusters", "--clusters", "clusters.csv", "--premiums", "premiums.csv", "--target-termination",
                     "7", "--out-dir", "out"},
                    anneal),
       {"out"}},
      {"premiums",
       "premiums.csv",
       {{"clusters.csv", clusters}, {"premiums.csv", premiums}},
       test::concat({"clusters", "--clusters", "clusters.csv", "--premiums", "premiums.csv", "--target-termination",
                     "7", "--out-dir", "out"},
                    anneal),
       {"out"}},
      {"qubo", "qubo.csv", {{"qubo.csv", qubo}}, test::concat({"qubo", "--qubo", "qubo.csv"}, anneal), {}},
      {"quotes",
       "quotes.csv",
       {{"quotes.csv", read_example("life_quotes.csv")}},
       {"cover", "--quotes", "quotes.csv", "--min-coverage", "1000000", "--min-avg-term", "20"},
       {}},
      {"lines",
       "lines.csv",
       {{"lines.csv", lines}, {"samples.csv", samples}},
       test::concat({"reinsure", "--lines", "lines.csv", "--samples", "samples.csv"}, reinsure_run),
       {"out"}},
      {"samples",
       "samples.csv",
       {{"lines.csv", lines}, {"samples.csv", samples}},
       test::concat({"reinsure", "--lines", "lines.csv", "--samples", "samples.csv"}, reinsure_run),
       {"out"}},
      {"correlation",
       "correlation.csv",
       {{"lines.csv", lines}, {"correlation.csv", correlation}},
       test::concat({"reinsure", "--lines", "lines.csv", "--simulate", "300", "--correlation", "correlation.csv"},
                    reinsure_run),
       {"out"}},
      {"elasticity",
       "elasticity.csv",
       {{"book.csv", kBook}, {"elasticity.csv", elasticity}},
       test::concat({"scenarios", "--book", "book.csv", "--elasticity-files", "elasticity.csv", "--out-dir", "out"},
                    solve),
       {"out"}},
      {"manifest",
       "manifest.json",
       {{"book.csv", kBook}, {"manifest.json", manifest}},
       {"batch", "--manifest", "manifest.json", "--summary", "summary.csv"},
       {""}},  // a mutation may rename the jobs' folders: anything in the case directory
  };
}

/// Text the mutations insert: numbers at and past the limits of a double, non-numbers, separators,
/// line ends, quotes, NUL, bytes that are not UTF-8, a BOM and a long field.
const std::vector<std::string> kInserts = {"1e309",
                                           "-1e309",
                                           "1e308",
                                           "1e300",
                                           "-1e300",
                                           "1e-320",
                                           "nan",
                                           "inf",
                                           "-inf",
                                           "0x1p3",
                                           "-0",
                                           "1e25",
                                           "99999999999999999999",
                                           "-1",
                                           "0",
                                           "1e8",
                                           "100000000",
                                           ",",
                                           ",,",
                                           "\n",
                                           "\r",
                                           "\r\n",
                                           "\"",
                                           "\"\"",
                                           "\0",
                                           std::string("\0\0", 2),
                                           "\xC3\x28",
                                           "\xFF",
                                           "\xED\xA0\x80",
                                           "\xEF\xBB\xBF",
                                           "\xFF\xFE",
                                           " ",
                                           "\t",
                                           "+",
                                           "{",
                                           "}",
                                           "[",
                                           "]",
                                           ":",
                                           "null",
                                           "true",
                                           "\\",
                                           "\\u0000",
                                           std::string(3000, 'x'),
                                           std::string(200, '9'),
                                           "P1",
                                           "c1",
                                           "motor",
                                           "lr_max",
                                           "device",
                                           "\"jobs\""};

std::string mutate_once(std::string text, std::mt19937_64& rng) {
  const auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  const auto line_bounds = [&](size_t at) {
    const size_t start = text.rfind('\n', at == 0 ? 0 : at - 1);
    const size_t begin = start == std::string::npos || at == 0 ? 0 : start + 1;
    const size_t end = text.find('\n', at);
    return std::make_pair(begin, end == std::string::npos ? text.size() : end + 1);
  };
  switch (rng() % 11) {
    case 0:  // flip a byte
      if (!text.empty()) text[pick(text.size())] = static_cast<char>(rng() % 256);
      break;
    case 1:  // truncate
      text.resize(pick(text.size() + 1));
      break;
    case 2:  // duplicate a line
      if (!text.empty()) {
        const auto [b, e] = line_bounds(pick(text.size()));
        text.insert(e, text.substr(b, e - b));
      }
      break;
    case 3:  // drop a line
      if (!text.empty()) {
        const auto [b, e] = line_bounds(pick(text.size()));
        text.erase(b, e - b);
      }
      break;
    case 4:
    case 5:  // insert something interesting
      text.insert(pick(text.size() + 1), kInserts[pick(kInserts.size())]);
      break;
    case 6: {  // replace a number with something interesting
      size_t at = text.find_first_of("0123456789", pick(text.size()));
      if (at == std::string::npos) at = text.find_first_of("0123456789");
      if (at == std::string::npos) break;
      const size_t end = text.find_first_not_of("0123456789.eE+-", at);
      text.replace(at, (end == std::string::npos ? text.size() : end) - at, kInserts[pick(20)]);
      break;
    }
    case 7:  // the whole file as UTF-16LE, with a byte-order mark
    {
      std::string wide = "\xFF\xFE";
      for (char c : text) {
        wide += c;
        wide += '\0';
      }
      text = wide;
      break;
    }
    case 8:  // line ends: all CR, or all CRLF
      for (size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n') {
          if (rng() % 2) {
            text[i] = '\r';
          } else {
            text.insert(i++, "\r");
          }
        }
      break;
    case 9:  // a megabyte field
      text.insert(pick(text.size() + 1), std::string(1 << 20, static_cast<char>('a' + rng() % 26)));
      break;
    default:  // swap two lines
      if (!text.empty()) {
        const auto first = line_bounds(pick(text.size()));
        const std::string line = text.substr(first.first, first.second - first.first);
        text.erase(first.first, line.size());
        text.insert(line_bounds(pick(text.size())).first, line);
      }
      break;
  }
  return text;
}

/// What the run left in its directory besides the inputs.
std::vector<std::string> written(const fs::path& dir, const FuzzTarget& t) {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = fs::relative(e.path(), dir).string();
    const bool input = std::any_of(t.inputs.begin(), t.inputs.end(), [&](const auto& f) { return f.first == name; });
    if (!input && name != "stdout.txt" && name != "stderr.txt" && !e.is_directory()) names.push_back(name);
  }
  return names;
}

/// Every stderr line is one message: "warning: …" or "rateopt: error: …", and none is huge.
std::string bad_stderr_line(const std::string& err) {
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("warning: ", 0) != 0 && line.rfind("rateopt: error: ", 0) != 0 && line.rfind("batch: ", 0) != 0)
      return line.substr(0, 200);
    if (line.size() > 20000) return "a line of " + std::to_string(line.size()) + " bytes";
  }
  return "";
}

class FuzzReaders : public ::testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzReaders, MutatedInputsExitCleanlyAndExit2WritesNothing) {
  const FuzzTarget& t = GetParam();
  const uint64_t seed = env_number("RATEOPT_FUZZ_SEED", 1414);
  const uint64_t cases = env_number("RATEOPT_FUZZ_CASES", 24);
  std::mt19937_64 rng(seed ^ std::hash<std::string>{}(t.reader));
  const std::string good =
      std::find_if(t.inputs.begin(), t.inputs.end(), [&](const auto& f) { return f.first == t.file; })->second;
  int exits[4] = {0, 0, 0, 0};
  for (uint64_t c = 0; c < cases; ++c) {
    std::string text = good;
    const int mutations = 1 + static_cast<int>(rng() % 3);
    for (int m = 0; m < mutations; ++m) text = mutate_once(text, rng);
    // A manifest names paths the batch writes to: keep them inside the case directory.
    if (t.reader == "manifest" && (text.find('/') != std::string::npos || text.find('\\') != std::string::npos ||
                                   text.find("..") != std::string::npos || text.find('~') != std::string::npos))
      text = good;
    const fs::path dir = scratch_dir() / ("case" + std::to_string(c));
    fs::create_directories(dir);
    for (const auto& [name, contents] : t.inputs) write_text_file(dir / name, name == t.file ? text : contents);

    const CliRun run = test::run_rateopt_in(dir, t.args, "", 60);
    const int rc = run.rc;
    const std::string& err = run.err;
    const std::string what = t.reader + " case " + std::to_string(c) + " (seed " + std::to_string(seed) +
                             "), input kept in " + dir.string() + "\nexit " + std::to_string(rc) + ", stderr:\n" +
                             err.substr(0, 2000);
    ASSERT_NE(rc, 124) << "timed out: " << what;
    ASSERT_TRUE(rc == 0 || rc == 2 || rc == 3) << what;
    ++exits[rc];
    const std::vector<std::string> files = written(dir, t);
    if (rc == 2) {
      EXPECT_TRUE(files.empty()) << "exit 2 wrote " << files.front() << ": " << what;
    }
    for (const std::string& f : files) {
      EXPECT_EQ(f.find(".tmp."), std::string::npos) << "left a temporary file " << f << ": " << what;
      const bool expected =
          std::any_of(t.outputs.begin(), t.outputs.end(), [&](const std::string& o) { return f.rfind(o, 0) == 0; });
      EXPECT_TRUE(expected) << "wrote " << f << " outside its outputs: " << what;
    }
    const std::string bad_line = bad_stderr_line(err);
    EXPECT_EQ(bad_line, "") << "a message that is not one line: " << what;
    if (::testing::Test::HasFailure()) return;
    fs::remove_all(dir);  // keep only failing cases
  }
  // the mutations must reach both outcomes, or the fuzzer tests less than it claims
  EXPECT_GT(exits[2], 0) << t.reader << ": no mutated input was refused";
  std::printf("%s: %llu cases: %d exit 0, %d exit 2, %d exit 3\n", t.reader.c_str(),
              static_cast<unsigned long long>(cases), exits[0], exits[2], exits[3]);
}

// The Fuzz/ prefix gives these tests the ctest label fuzz-cpu (tests/CMakeLists.txt): `ctest -L fuzz` runs
// them alone, and they stay in the default suite (and in `ctest -L cpu`).
INSTANTIATE_TEST_SUITE_P(Fuzz, FuzzReaders, ::testing::ValuesIn(targets()),
                         [](const ::testing::TestParamInfo<FuzzTarget>& target) { return target.param.reader; });

}  // namespace
}  // namespace rateopt::cli_test
