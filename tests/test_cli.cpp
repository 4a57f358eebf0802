// The `rateopt` program end to end (SPEC §1.1, §1.6, §1.7, §5, §6): each test runs the built binary
// (RATEOPT_BINARY) in a scratch directory and checks its exit status, its stdout/stderr and the files
// it writes.  Books are small (≤ 2,000 policies) so the whole file runs in a few seconds.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "optimise/backend/backend.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/options.hpp"

namespace rateopt {
namespace cli_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Helpers

/// An empty directory for the running test, named after it (ctest may run tests in parallel).
fs::path test_dir() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string("cli.") + info->test_suite_name() + "." + info->name();
  for (char& c : name)
    if (c == '/') c = '_';
  const fs::path dir = fs::path(RATEOPT_TEST_TMP) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void spit(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

struct CliRun {
  int rc = -1;  ///< exit status; -1 when the program did not exit normally (signal)
  std::string out, err;
  std::string command;
};

/// CliRun rateopt with `args`; stdout and stderr are captured in files under `io_dir` (never the
/// directory the test inspects for stray output).
CliRun rateopt(const fs::path& io_dir, const std::vector<std::string>& args) {
  CliRun r;
  r.command = shell_quote(RATEOPT_BINARY);
  for (const auto& a : args) r.command += " " + shell_quote(a);
  const fs::path out = io_dir / "stdout.txt", err = io_dir / "stderr.txt";
  const std::string full =
      r.command + " > " + shell_quote(out.string()) + " 2> " + shell_quote(err.string()) + " < /dev/null";
  const int status = std::system(full.c_str());
  r.rc = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::string describe(const CliRun& r) {
  return "command: " + r.command + "\nexit: " + std::to_string(r.rc) + "\nstdout:\n" + r.out.substr(0, 4000) +
         "\nstderr:\n" + r.err.substr(0, 4000);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool contains_any(const std::string& haystack, const std::vector<std::string>& needles) {
  return std::any_of(needles.begin(), needles.end(), [&](const std::string& n) { return contains(haystack, n); });
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, sep)) fields.push_back(field);
  if (!line.empty() && line.back() == sep) fields.push_back("");
  return fields;
}

/// A simple CSV (no quoted fields, which neither the generator nor policies.csv need here): header
/// names and the rows as text.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  size_t column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      ADD_FAILURE() << "no column " << name;
      return 0;
    }
    return static_cast<size_t>(it - header.begin());
  }
  double number(size_t row, const std::string& name) const { return std::stod(rows[row][column(name)]); }
  const std::string& text(size_t row, const std::string& name) const { return rows[row][column(name)]; }
};

Csv read_csv(const fs::path& path) {
  Csv csv;
  std::ifstream in(path);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first) {
      csv.header = split(line, ',');
      first = false;
    } else if (!line.empty()) {
      csv.rows.push_back(split(line, ','));
    }
  }
  return csv;
}

std::string sha256sum(const fs::path& path) {
  const std::string command = "sha256sum " + shell_quote(path.string());
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char buffer[256] = {};
  std::string text;
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) text += buffer;
  pclose(pipe);
  return text.substr(0, text.find(' '));
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::set<std::string> option_keys() {
  std::set<std::string> keys;
  OptimiseOptions o;
  visit_options(o, [&](const OptionInfo& info, auto&) { keys.insert(info.key); });
  return keys;
}

std::string flag_of(const std::string& key) {
  std::string f = "--" + key;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

/// Generate a book with the CLI; fails the test when generation fails.
fs::path generate(const fs::path& dir, size_t policies, const std::string& profile = "benchmark", uint64_t seed = 7) {
  const fs::path book = dir / ("book_" + profile + ".csv");
  const CliRun r = rateopt(dir, {"generate", "--policies", std::to_string(policies), "--seed", std::to_string(seed),
                                 "--profile", profile, "--out", book.string()});
  EXPECT_EQ(r.rc, 0) << describe(r);
  EXPECT_TRUE(fs::exists(book)) << describe(r);
  return book;
}

const std::vector<std::string> kBenchmarkConstraints = {"--lr-max",          "0.68", "--retention-min", "0.78",
                                                        "--max-rate-change", "0.25", "--enbp-buffer",   "0.01"};

std::vector<std::string> optimise_args(const fs::path& book, const fs::path& out_dir,
                                       const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"optimise", "--book", book.string(), "--out-dir", out_dir.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

const char* const kPoliciesHeader =
    "policy_id,multiplier,new_premium,expected_demand,contribution,rate_change_pct,enbp_binding,lower_bound,"
    "upper_bound";

// ---------------------------------------------------------------------------------------------
// --version, --help

TEST(CliBasics, VersionSaysVersionAndWhetherCudaIsCompiledIn) {
  const fs::path dir = test_dir();
  const CliRun r = rateopt(dir, {"--version"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const std::string text = r.out + r.err;
  EXPECT_TRUE(contains(text, RATEOPT_VERSION)) << describe(r);
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(\d+\.\d+\.\d+)"))) << describe(r);
  EXPECT_TRUE(contains(text, "CUDA")) << describe(r);
  if (RATEOPT_HAVE_CUDA) {
    EXPECT_FALSE(contains(text, "not compiled")) << describe(r);
  } else {
    EXPECT_TRUE(contains_any(text, {"not compiled", "without CUDA", "CUDA: no", "CUDA off"})) << describe(r);
  }
}

TEST(CliBasics, OptimiseHelpListsEveryOptionFlag) {
  const fs::path dir = test_dir();
  const CliRun r = rateopt(dir, {"optimise", "--help"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "--lr-max")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--retention-min")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--book")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--out-dir")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--config")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--force")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--json")) << describe(r);
  for (const std::string& key : option_keys()) EXPECT_TRUE(contains(r.out, flag_of(key))) << key;
  EXPECT_TRUE(contains(r.out, "--no-technical-floor")) << describe(r);
}

TEST(CliBasics, UnknownFlagIsExit2) {
  const fs::path dir = test_dir();
  const fs::path book = generate(dir, 50);
  const CliRun r = rateopt(dir, optimise_args(book, dir / "out", {"--lr-maxx", "0.7"}));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "lr-maxx")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

// ---------------------------------------------------------------------------------------------
// generate

TEST(CliGenerate, BenchmarkAndQuickstartBooksAreValidAndReproducible) {
  const fs::path dir = test_dir();
  for (const std::string profile : {"benchmark", "quickstart"}) {
    SCOPED_TRACE(profile);
    const fs::path book = generate(dir, 500, profile, 11);
    const Csv csv = read_csv(book);
    ASSERT_EQ(csv.rows.size(), 500u);
    for (const char* column : {"policy_id", "technical_price", "expected_loss_cost", "p_demand", "elasticity"})
      EXPECT_NE(std::find(csv.header.begin(), csv.header.end(), column), csv.header.end()) << column;
    std::set<std::string> ids;
    for (size_t i = 0; i < csv.rows.size(); ++i) {
      ASSERT_EQ(csv.rows[i].size(), csv.header.size()) << "row " << i;
      const double tc = csv.number(i, "technical_price"), c = csv.number(i, "expected_loss_cost");
      const double x0 = csv.number(i, "p_demand"), eps = csv.number(i, "elasticity");
      EXPECT_TRUE(std::isfinite(tc) && tc > 0) << "row " << i;
      EXPECT_TRUE(std::isfinite(c) && c >= 0) << "row " << i;
      EXPECT_TRUE(x0 > 0 && x0 < 1) << "row " << i;
      EXPECT_TRUE(std::isfinite(eps)) << "row " << i;
      ids.insert(csv.text(i, "policy_id"));
    }
    EXPECT_EQ(ids.size(), 500u) << "policy ids are unique";

    // The same seed gives the same bytes; another seed another book.
    const fs::path again = dir / ("again_" + profile + ".csv");
    CliRun r =
        rateopt(dir, {"generate", "--policies", "500", "--seed", "11", "--profile", profile, "--out", again.string()});
    ASSERT_EQ(r.rc, 0) << describe(r);
    EXPECT_EQ(slurp(book), slurp(again));
    const fs::path other = dir / ("other_" + profile + ".csv");
    r = rateopt(dir, {"generate", "--policies", "500", "--seed", "12", "--profile", profile, "--out", other.string()});
    ASSERT_EQ(r.rc, 0) << describe(r);
    EXPECT_NE(slurp(book), slurp(other));

    // The book it writes is one optimise accepts.
    r = rateopt(dir, optimise_args(book, dir / ("out_" + profile), {"--max-rate-change", "0.25"}));
    EXPECT_EQ(r.rc, 0) << describe(r);
  }
}

TEST(CliGenerate, RefusesToOverwriteWithoutForce) {
  const fs::path dir = test_dir();
  const fs::path book = generate(dir, 100);
  const std::string before = slurp(book);
  CliRun r = rateopt(dir, {"generate", "--policies", "30", "--out", book.string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--force")) << describe(r);
  EXPECT_EQ(slurp(book), before) << "the existing book must be untouched";

  r = rateopt(dir, {"generate", "--policies", "30", "--out", book.string(), "--force"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(read_csv(book).rows.size(), 30u);
  EXPECT_EQ(listing(dir), (std::vector<std::string>{"book_benchmark.csv", "stderr.txt", "stdout.txt"}))
      << "no temporary files left behind";
}

TEST(CliGenerate, UnknownProfileIsExit2) {
  const fs::path dir = test_dir();
  const fs::path out = dir / "book.csv";
  const CliRun r = rateopt(dir, {"generate", "--policies", "10", "--profile", "gigantic", "--out", out.string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "gigantic")) << describe(r);
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliGenerate, ZeroPoliciesIsExit2) {
  const fs::path dir = test_dir();
  const fs::path out = dir / "book.csv";
  const CliRun r = rateopt(dir, {"generate", "--policies", "0", "--out", out.string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_FALSE(fs::exists(out));
}

// ---------------------------------------------------------------------------------------------
// optimise: the outputs of a converged solve

TEST(CliOptimise, BenchmarkConstraintsWriteConsistentOutputs) {
  const fs::path dir = test_dir();
  const fs::path book_path = generate(dir, 2000);
  const fs::path out = dir / "out";
  const CliRun r = rateopt(dir, optimise_args(book_path, out, kBenchmarkConstraints));
  ASSERT_EQ(r.rc, 0) << describe(r);
  ASSERT_TRUE(fs::exists(out / "result.json")) << describe(r);
  ASSERT_TRUE(fs::exists(out / "policies.csv")) << describe(r);
  for (const std::string& name : listing(out))
    EXPECT_TRUE(name == "result.json" || name == "policies.csv") << "stray output " << name;

  // policies.csv: the header of SPEC §1.6, one row per policy in book order.
  const std::string policies_text = slurp(out / "policies.csv");
  ASSERT_EQ(policies_text.substr(0, policies_text.find('\n')), kPoliciesHeader);
  const Csv pol = read_csv(out / "policies.csv");
  const Csv book = read_csv(book_path);
  ASSERT_EQ(pol.rows.size(), 2000u);
  ASSERT_EQ(book.rows.size(), 2000u);

  const bool has_expense = std::find(book.header.begin(), book.header.end(), "expense") != book.header.end();
  double profit = 0, gwp = 0, claims = 0, renewal_demand = 0, renewals = 0;
  long enbp_binding_count = 0;
  for (size_t i = 0; i < pol.rows.size(); ++i) {
    ASSERT_EQ(pol.rows[i].size(), 9u) << "row " << i;
    ASSERT_EQ(pol.text(i, "policy_id"), book.text(i, "policy_id")) << "row " << i;
    const double m = pol.number(i, "multiplier"), lb = pol.number(i, "lower_bound"), ub = pol.number(i, "upper_bound");
    // Every bound exactly (SPEC §1.5).
    EXPECT_GE(m, lb) << "row " << i;
    EXPECT_LE(m, ub) << "row " << i;
    EXPECT_LE(lb, ub) << "row " << i;

    const double tc = book.number(i, "technical_price"), c = book.number(i, "expected_loss_cost");
    const double x0 = book.number(i, "p_demand"), eps = book.number(i, "elasticity");
    const double e = has_expense ? book.number(i, "expense") : 0.0;
    const double prior = book.number(i, "prior_multiplier");
    const bool renewal = book.text(i, "renewal_flag") == "1";
    const std::string enbp_text = book.text(i, "enbp");

    // The bounds of SPEC §1.4 with min 0.5, max 3, technical floor, δ = 0.25, buffer 0.01.
    double want_lb = std::max({0.5, 1.0, prior * 0.75});
    double want_ub = std::min(3.0, prior * 1.25);
    if (renewal && !enbp_text.empty()) want_ub = std::min(want_ub, std::stod(enbp_text) / tc * 0.99);
    if (want_lb > want_ub) want_lb = want_ub;
    EXPECT_NEAR(lb, want_lb, 1e-12 * want_lb) << "row " << i;
    EXPECT_NEAR(ub, want_ub, 1e-12 * want_ub) << "row " << i;

    // Derived columns (money columns are rounded to 10 significant digits).
    const double x = x0 * std::pow(m, eps);
    const double p = m * tc;
    EXPECT_NEAR(pol.number(i, "new_premium"), p, 1e-9 * p) << "row " << i;
    EXPECT_NEAR(pol.number(i, "expected_demand"), x, 1e-9 * x) << "row " << i;
    EXPECT_NEAR(pol.number(i, "contribution"), (p - c - e) * x, 1e-9 * std::fabs((p - c - e) * x) + 1e-9)
        << "row " << i;
    EXPECT_NEAR(pol.number(i, "rate_change_pct"), (m / prior - 1) * 100, 1e-7) << "row " << i;
    const std::string binding = pol.text(i, "enbp_binding");
    EXPECT_TRUE(binding == "0" || binding == "1" || binding == "true" || binding == "false") << binding;
    const bool is_binding = binding == "1" || binding == "true";
    if (renewal && !enbp_text.empty()) {
      // ENBP (SPEC §1.4 step 4): m·tc ≤ enbp·(1 − buffer), exactly.
      EXPECT_LE(p, std::stod(enbp_text) * 0.99 * (1 + 1e-15)) << "row " << i;
      const double cap = std::stod(enbp_text) / tc * 0.99;
      EXPECT_EQ(is_binding, m >= cap - 1e-9 * std::max(1.0, cap)) << "row " << i << " m " << m << " cap " << cap;
    } else {
      EXPECT_FALSE(is_binding) << "row " << i;
    }
    enbp_binding_count += is_binding ? 1 : 0;

    profit += pol.number(i, "contribution");
    gwp += p * x;
    claims += c * x;
    if (renewal) {
      renewal_demand += x;
      renewals += 1;
    }
  }

  const json res = json::parse(slurp(out / "result.json"));
  ASSERT_TRUE(res.is_object());
  EXPECT_EQ(res.at("status"), "converged") << res.dump(2).substr(0, 3000);
  EXPECT_EQ(res.at("converged"), true);
  EXPECT_EQ(res.at("n_policies"), 2000);
  const double reported_profit = res.at("expected_profit").get<double>();
  EXPECT_NEAR(profit, reported_profit, 1e-9 * std::fabs(reported_profit)) << "Σ contribution vs expected_profit";
  EXPECT_NEAR(gwp, res.at("expected_gwp").get<double>(), 1e-9 * gwp);
  EXPECT_NEAR(claims / gwp, res.at("expected_loss_ratio").get<double>(), 1e-9);
  ASSERT_GT(renewals, 0);
  EXPECT_NEAR(renewal_demand / renewals, res.at("expected_retention").get<double>(), 1e-9);

  // The constraints hold at the answer (relative tolerance 1e-9, SPEC §1.5), recomputed here.
  EXPECT_LE(claims / gwp, 0.68 * (1 + 1e-9));
  EXPECT_GE(renewal_demand / renewals, 0.78 * (1 - 1e-9));
  EXPECT_TRUE(res.at("constraint_evaluation").contains("lr_max"));
  EXPECT_TRUE(res.at("constraint_evaluation").contains("retention_min"));
  EXPECT_TRUE(res.at("shadow_prices").contains("retention_min"));
  ASSERT_TRUE(res.at("dual_bound").is_number());
  EXPECT_GE(res.at("dual_bound").get<double>(), reported_profit * (1 - 1e-9));
  if (res.contains("enbp_evidence")) {
    EXPECT_EQ(res["enbp_evidence"].value("n_enbp_binding", -1), enbp_binding_count);
  }

  // The audit trail (SPEC §1.7).
  ASSERT_TRUE(res.contains("audit")) << "result.json has no audit block";
  const json& audit = res.at("audit");
  const json inputs = audit.at("inputs");
  EXPECT_EQ(inputs.at("book_sha256"), sha256sum(book_path));
  EXPECT_EQ(inputs.at("n_policies"), 2000);
  EXPECT_EQ(inputs.at("n_renewals"), static_cast<long>(renewals));
  ASSERT_TRUE(audit.contains("configuration"));
  const json& config = audit.at("configuration");
  for (const std::string& key : option_keys()) EXPECT_TRUE(config.contains(key)) << "configuration lacks " << key;
  EXPECT_DOUBLE_EQ(config.at("lr_max").get<double>(), 0.68);
  EXPECT_DOUBLE_EQ(config.at("retention_min").get<double>(), 0.78);
  EXPECT_DOUBLE_EQ(config.at("max_rate_change").get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(config.at("enbp_buffer").get<double>(), 0.01);
  // Defaults are echoed too.
  EXPECT_DOUBLE_EQ(config.at("min_multiplier").get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(config.at("max_multiplier").get<double>(), 3.0);
  EXPECT_EQ(config.at("technical_floor"), true);
  EXPECT_EQ(config.at("demand_model"), "log_linear");
  EXPECT_TRUE(config.at("lr_min").is_null());
  EXPECT_TRUE(audit.contains("timestamp_utc"));
  EXPECT_TRUE(audit.contains("rateopt"));

  // The human summary goes to stdout.
  EXPECT_FALSE(r.out.empty());
}

TEST(CliOptimise, JsonPrintsExactlyOneSummaryObject) {
  const fs::path dir = test_dir();
  const fs::path book = generate(dir, 1000);
  const fs::path out = dir / "out";
  std::vector<std::string> extra = kBenchmarkConstraints;
  extra.push_back("--json");
  const CliRun r = rateopt(dir, optimise_args(book, out, extra));
  ASSERT_EQ(r.rc, 0) << describe(r);
  json summary;
  try {
    summary = json::parse(r.out);  // rejects anything but one value and whitespace
  } catch (const json::parse_error& e) {
    FAIL() << "stdout is not one JSON value: " << e.what() << "\n" << describe(r);
  }
  ASSERT_TRUE(summary.is_object()) << describe(r);
  for (const char* key : {"status", "converged", "expected_profit", "expected_gwp", "expected_loss_ratio",
                          "expected_retention", "shadow_prices", "constraint_evaluation", "dual_bound",
                          "optimality_gap", "n_policies", "backend_used", "passes", "seconds"})
    EXPECT_TRUE(summary.contains(key)) << "summary lacks " << key;
  EXPECT_EQ(summary.value("status", ""), "converged");
  EXPECT_EQ(summary.value("n_policies", 0), 1000);
  EXPECT_TRUE(summary.at("shadow_prices").is_object());
  EXPECT_TRUE(summary.at("constraint_evaluation").is_object());
  if (!RATEOPT_HAVE_CUDA) {
    EXPECT_EQ(summary.value("backend_used", ""), "cpu");
  }

  // The outputs are written as without --json, and agree with the summary.
  ASSERT_TRUE(fs::exists(out / "result.json"));
  ASSERT_TRUE(fs::exists(out / "policies.csv"));
  const json res = json::parse(slurp(out / "result.json"));
  EXPECT_EQ(res.at("expected_profit"), summary.at("expected_profit"));
  EXPECT_EQ(res.at("status"), summary.at("status"));
}

TEST(CliOptimise, ExistingOutputsNeedForce) {
  const fs::path dir = test_dir();
  const fs::path book = generate(dir, 500);
  const fs::path out = dir / "out";
  CliRun r = rateopt(dir, optimise_args(book, out, kBenchmarkConstraints));
  ASSERT_EQ(r.rc, 0) << describe(r);
  const std::string result_before = slurp(out / "result.json");
  const std::string policies_before = slurp(out / "policies.csv");

  // Another solve into the same directory: refused, nothing changes.
  std::vector<std::string> other = {"--lr-max", "0.66", "--max-rate-change", "0.2"};
  r = rateopt(dir, optimise_args(book, out, other));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--force")) << describe(r);
  EXPECT_EQ(slurp(out / "result.json"), result_before);
  EXPECT_EQ(slurp(out / "policies.csv"), policies_before);
  EXPECT_EQ(listing(out), (std::vector<std::string>{"policies.csv", "result.json"}));

  // Only one of the two outputs present is still refused.
  fs::remove(out / "result.json");
  r = rateopt(dir, optimise_args(book, out, other));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_EQ(slurp(out / "policies.csv"), policies_before);
  EXPECT_FALSE(fs::exists(out / "result.json"));

  // With --force both are replaced by the new solve's.
  other.push_back("--force");
  r = rateopt(dir, optimise_args(book, out, other));
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json res = json::parse(slurp(out / "result.json"));
  EXPECT_DOUBLE_EQ(res.at("audit").at("configuration").at("lr_max").get<double>(), 0.66);
  EXPECT_DOUBLE_EQ(res.at("audit").at("configuration").at("max_rate_change").get<double>(), 0.2);
  EXPECT_NE(slurp(out / "policies.csv"), policies_before);
  EXPECT_EQ(listing(out), (std::vector<std::string>{"policies.csv", "result.json"}))
      << "no temporary files left behind";
}

TEST(CliOptimise, WarningsDoNotStopTheSolve) {
  // An unknown column and a positive elasticity are warned about (SPEC §1.1); a renewal without an
  // ENBP is fine when no ENBP buffer is set.
  const fs::path dir = test_dir();
  const fs::path book = dir / "book.csv";
  spit(book,
       "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp,colour\n"
       "A,500,300,0.8,0.5,1,560,red\n"
       "B,400,250,0.7,-2,0,,blue\n"
       "C,300,150,0.6,-1.2,1,,green\n");
  const CliRun r = rateopt(dir, optimise_args(book, dir / "out", {}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "colour")) << describe(r);
  EXPECT_TRUE(contains(r.err, "elasticity")) << describe(r);
  const Csv pol = read_csv(dir / "out" / "policies.csv");
  ASSERT_EQ(pol.rows.size(), 3u);
  EXPECT_EQ(pol.text(0, "policy_id"), "A");
  EXPECT_EQ(pol.text(2, "policy_id"), "C");
  // A's ENBP caps its price: m·tc ≤ 560.
  EXPECT_LE(pol.number(0, "multiplier") * 500, 560 * (1 + 1e-15));
}

// Without CUDA compiled in, --device cuda is an option error; with CUDA but no usable GPU (this
// machine and CI) it is a device failure.  Where a GPU is usable the gpu-labelled tests cover it.
bool gpu_usable() {
#if RATEOPT_HAVE_CUDA
  return rateopt::probe_cuda_device().usable;
#else
  return false;
#endif
}

TEST(CliOptimise, ExplicitCudaWithoutAGpuFails) {
  if (gpu_usable()) GTEST_SKIP() << "a GPU is usable here";
  const fs::path dir = test_dir();
  const fs::path book = generate(dir, 50);
  const CliRun r = rateopt(dir, optimise_args(book, dir / "out", {"--device", "cuda"}));
  EXPECT_EQ(r.rc, RATEOPT_HAVE_CUDA ? 4 : 2) << describe(r);
  EXPECT_TRUE(contains_any(r.err, {"device cuda"})) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out")) << describe(r);
}

TEST(CliOptimise, AutoDeviceFallsBackToCpuSayingSo) {
  if (gpu_usable()) GTEST_SKIP() << "a GPU is usable here";
  const fs::path dir = test_dir();
  const fs::path book = generate(dir, 50);
  const CliRun r = rateopt(dir, optimise_args(book, dir / "out", {"--device", "auto", "--json"}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary.value("backend_requested", ""), "auto");
  EXPECT_EQ(summary.value("backend_used", ""), "cpu");
  ASSERT_TRUE(summary["fallback_reason"].is_string()) << describe(r);
  EXPECT_NE(summary["fallback_reason"].get<std::string>().find("using the CPU"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Config file

TEST(CliConfig, ValuesComeFromTheFileAndFlagsOverrideIt) {
  const fs::path dir = test_dir();
  const fs::path book = generate(dir, 500);
  const fs::path config = dir / "config.json";
  spit(config, R"({"lr_max": 0.66, "retention_min": 0.75, "max_rate_change": 0.2, "enbp_buffer": 0.01,
                   "technical_floor": true, "demand_model": "log_linear"})");

  CliRun r = rateopt(dir, optimise_args(book, dir / "a", {"--config", config.string()}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  json cfg = json::parse(slurp(dir / "a" / "result.json")).at("audit").at("configuration");
  EXPECT_DOUBLE_EQ(cfg.at("lr_max").get<double>(), 0.66);
  EXPECT_DOUBLE_EQ(cfg.at("retention_min").get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(cfg.at("max_rate_change").get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(cfg.at("enbp_buffer").get<double>(), 0.01);
  EXPECT_EQ(cfg.at("technical_floor"), true);

  // A flag beats the file; the file's other values stay.  Flags may come before or after --config.
  r = rateopt(dir,
              optimise_args(book, dir / "b", {"--lr-max", "0.7", "--config", config.string(), "--no-technical-floor"}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  cfg = json::parse(slurp(dir / "b" / "result.json")).at("audit").at("configuration");
  EXPECT_DOUBLE_EQ(cfg.at("lr_max").get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(cfg.at("retention_min").get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(cfg.at("max_rate_change").get<double>(), 0.2);
  EXPECT_EQ(cfg.at("technical_floor"), false);
}

TEST(CliConfig, UnknownKeyIsExit2NamingTheKey) {
  const fs::path dir = test_dir();
  const fs::path book = generate(dir, 50);
  const fs::path config = dir / "config.json";
  spit(config, R"({"lr_max": 0.68, "retention_minimum": 0.8})");
  const CliRun r = rateopt(dir, optimise_args(book, dir / "out", {"--config", config.string()}));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "retention_minimum")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(CliConfig, InvalidJsonIsExit2) {
  const fs::path dir = test_dir();
  const fs::path book = generate(dir, 50);
  const fs::path config = dir / "config.json";
  spit(config, "{\"lr_max\": 0.68,\n");
  const CliRun r = rateopt(dir, optimise_args(book, dir / "out", {"--config", config.string()}));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "config.json")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(CliConfig, WrongTypeAndMissingFileAreExit2) {
  const fs::path dir = test_dir();
  const fs::path book = generate(dir, 50);
  const fs::path config = dir / "config.json";
  spit(config, R"({"lr_max": "high"})");
  CliRun r = rateopt(dir, optimise_args(book, dir / "out", {"--config", config.string()}));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "lr_max")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));

  r = rateopt(dir, optimise_args(book, dir / "out", {"--config", (dir / "absent.json").string()}));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "absent.json")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

// ---------------------------------------------------------------------------------------------
// Bad input (SPEC §6): exit 2, a message naming file, line and rule, and nothing written.

const char* const kHeader = "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp";
const std::vector<std::string> kRows = {
    "P1,500,300,0.8,-1.5,1,560",  // line 2
    "P2,400,250,0.7,-2.0,0,",     // line 3
    "P3,300,150,0.6,-1.2,1,330",  // line 4
    "P4,800,500,0.75,-1.8,0,",    // line 5
};

const std::string kOptionalColumnsHeader =
    "technical_price,expected_loss_cost,p_demand,elasticity,weight,prior_multiplier,expense,claims_variance";

/// The small valid book with line `line` (1 = header) replaced by `text`.
std::string book_with(int line, const std::string& text) {
  std::string csv = (line == 1 ? text : std::string(kHeader)) + "\n";
  for (size_t i = 0; i < kRows.size(); ++i) csv += (static_cast<int>(i) + 2 == line ? text : kRows[i]) + "\n";
  return csv;
}

const char* const kMissing = "<no such file>";

struct BadInput {
  const char* name;
  std::string csv;                   ///< book text; kMissing: the book file does not exist
  std::vector<std::string> extra;    ///< options beyond --book and --out-dir
  std::string location;              ///< must appear in stderr (file, or file:line)
  std::vector<std::string> subject;  ///< each must appear in stderr (column, value or option)
  std::vector<std::string> rule;     ///< at least one must appear in stderr
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

class CliBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliBadInput, Exit2NamesLocationAndRuleAndWritesNothing) {
  const BadInput& c = GetParam();
  const fs::path dir = test_dir();
  const fs::path in = dir / "in";
  fs::create_directories(in);
  const bool missing = c.csv == kMissing;
  const fs::path book = in / (missing ? "nope.csv" : "book.csv");
  if (!missing) spit(book, c.csv);
  const std::vector<std::string> in_before = listing(in);
  const fs::path out = dir / "out";

  const CliRun r = rateopt(dir, optimise_args(book, out, c.extra));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, c.location)) << "expected location \"" << c.location << "\"\n" << describe(r);
  for (const std::string& s : c.subject) EXPECT_TRUE(contains(r.err, s)) << "expected \"" << s << "\"\n" << describe(r);
  if (!c.rule.empty()) {
    std::string rules;
    for (const auto& s : c.rule) rules += "\"" + s + "\" ";
    EXPECT_TRUE(contains_any(r.err, c.rule)) << "expected one of " << rules << "\n" << describe(r);
  }
  EXPECT_TRUE(r.out.empty() || !contains(r.out, "wrote")) << describe(r);
  EXPECT_FALSE(fs::exists(out)) << "the output directory must not be created\n" << describe(r);
  EXPECT_EQ(listing(in), in_before) << "nothing may be written beside the book";
}

const std::vector<std::string> kBuffer = {"--enbp-buffer", "0.01"};

INSTANTIATE_TEST_SUITE_P(
    Book, CliBadInput,
    ::testing::Values(
        BadInput{"missing_file",
                 kMissing,
                 {},
                 "nope.csv",
                 {},
                 {"cannot open", "does not exist", "No such file", "not found"}},
        BadInput{"header_only", std::string(kHeader) + "\n", {}, "book.csv", {}, {"empty", "no rows"}},
        BadInput{"empty_file", "", {}, "book.csv", {}, {"empty", "no header"}},
        BadInput{"blank_lines_only", "\n\n", {}, "book.csv", {}, {"empty", "no header"}},
        BadInput{"duplicate_header",
                 book_with(1,
                           "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,"
                           "elasticity"),
                 {},
                 "book.csv:1",
                 {"elasticity"},
                 {"duplicate"}},
        BadInput{"missing_required_column",
                 book_with(1, "policy_id,technical_price,expected_loss_cost,p_demnd,elasticity,renewal_flag,enbp"),
                 {},
                 "book.csv:1",
                 {"p_demand"},
                 {"missing", "required"}},
        BadInput{"nan",
                 book_with(3, "P2,NaN,250,0.7,-2.0,0,"),
                 {},
                 "book.csv:3",
                 {"technical_price"},
                 {"finite", "NaN", "nan"}},
        BadInput{"nan_p_demand",
                 book_with(4, "P3,300,150,nan,-1.2,1,330"),
                 {},
                 "book.csv:4",
                 {"p_demand"},
                 {"finite", "(0,1)"}},
        BadInput{"inf",
                 book_with(4, "P3,300,inf,0.6,-1.2,1,330"),
                 {},
                 "book.csv:4",
                 {"expected_loss_cost"},
                 {"finite", "inf"}},
        BadInput{"minus_inf_elasticity",
                 book_with(5, "P4,800,500,0.75,-inf,0,"),
                 {},
                 "book.csv:5",
                 {"elasticity"},
                 {"finite", "inf"}},
        BadInput{"text_in_number",
                 book_with(2, "P1,500,300,0.8,abc,1,560"),
                 {},
                 "book.csv:2",
                 {"elasticity", "abc"},
                 {"not a number", "numeric"}},
        BadInput{"number_with_trailing_text",
                 book_with(3, "P2,400x,250,0.7,-2.0,0,"),
                 {},
                 "book.csv:3",
                 {"technical_price"},
                 {"not a number", "numeric"}},
        BadInput{"p_demand_above_one",
                 book_with(3, "P2,400,250,1.3,-2.0,0,"),
                 {},
                 "book.csv:3",
                 {"p_demand", "1.3"},
                 {"(0,1)", "(0, 1)"}},
        BadInput{"p_demand_one",
                 book_with(2, "P1,500,300,1,-1.5,1,560"),
                 {},
                 "book.csv:2",
                 {"p_demand"},
                 {"(0,1)", "(0, 1)"}},
        BadInput{
            "p_demand_zero", book_with(5, "P4,800,500,0,-1.8,0,"), {}, "book.csv:5", {"p_demand"}, {"(0,1)", "(0, 1)"}},
        BadInput{"technical_price_zero",
                 book_with(4, "P3,0,150,0.6,-1.2,1,330"),
                 {},
                 "book.csv:4",
                 {"technical_price"},
                 {"> 0", "positive"}},
        BadInput{"technical_price_negative",
                 book_with(2, "P1,-500,300,0.8,-1.5,1,560"),
                 {},
                 "book.csv:2",
                 {"technical_price"},
                 {"> 0", "positive"}},
        BadInput{"negative_loss_cost",
                 book_with(5, "P4,800,-1,0.75,-1.8,0,"),
                 {},
                 "book.csv:5",
                 {"expected_loss_cost"},
                 {">= 0", "≥ 0", "negative"}},
        BadInput{
            "too_many_fields", book_with(3, "P2,400,250,0.7,-2.0,0,,9"), {}, "book.csv:3", {}, {"fields", "columns"}},
        BadInput{"too_few_fields", book_with(4, "P3,300,150,0.6,-1.2"), {}, "book.csv:4", {}, {"fields", "columns"}},
        BadInput{"renewal_without_enbp",
                 book_with(4, "P3,300,150,0.6,-1.2,1,"),
                 kBuffer,
                 "book.csv:4",
                 {"enbp"},
                 {"renewal", "ENBP", "enbp_buffer"}},
        BadInput{"enbp_zero", book_with(2, "P1,500,300,0.8,-1.5,1,0"), {}, "book.csv:2", {"enbp"}, {"> 0", "positive"}},
        BadInput{"weight_zero",
                 kOptionalColumnsHeader + "\n500,300,0.8,-1.5,1,1,0,0\n400,250,0.7,-2,0,1,0,0\n",
                 {},
                 "book.csv:3",
                 {"weight"},
                 {"> 0", "positive"}},
        BadInput{"prior_multiplier_negative",
                 kOptionalColumnsHeader + "\n500,300,0.8,-1.5,1,-1,0,0\n",
                 {},
                 "book.csv:2",
                 {"prior_multiplier"},
                 {"> 0", "positive"}},
        BadInput{"expense_negative",
                 kOptionalColumnsHeader + "\n500,300,0.8,-1.5,1,1,-3,0\n",
                 {},
                 "book.csv:2",
                 {"expense"},
                 {">= 0", "≥ 0", "negative"}},
        BadInput{"claims_variance_negative",
                 kOptionalColumnsHeader + "\n500,300,0.8,-1.5,1,1,0,-2\n",
                 {},
                 "book.csv:2",
                 {"claims_variance"},
                 {">= 0", "≥ 0", "negative"}},
        BadInput{"crlf_line_numbers",
                 "policy_id,technical_price,expected_loss_cost,p_demand,elasticity\r\nA,500,300,0.8,-1.5\r\n"
                 "B,400,250,1.7,-2\r\n",
                 {},
                 "book.csv:3",
                 {"p_demand", "1.7"},
                 {"(0,1)", "(0, 1)"}},
        BadInput{"bad_renewal_flag",
                 book_with(3, "P2,400,250,0.7,-2.0,maybe,"),
                 {},
                 "book.csv:3",
                 {"renewal_flag"},
                 {"0, 1", "0/1", "true or false"}}),
    [](const ::testing::TestParamInfo<BadInput>& param) { return std::string(param.param.name); });

const std::string kGoodBook = book_with(0, "");  // line 0 replaces nothing

INSTANTIATE_TEST_SUITE_P(
    Options, CliBadInput,
    ::testing::Values(
        BadInput{"lr_min_above_lr_max", kGoodBook, {"--lr-min", "0.7", "--lr-max", "0.6"}, "lr_min", {"lr_max"}, {}},
        BadInput{"lr_min_equal_lr_max", kGoodBook, {"--lr-min", "0.65", "--lr-max", "0.65"}, "lr_min", {"lr_max"}, {}},
        BadInput{
            "gwp_min_above_gwp_max", kGoodBook, {"--gwp-min", "1000", "--gwp-max", "500"}, "gwp_min", {"gwp_max"}, {}},
        BadInput{
            "gwp_min_equal_gwp_max", kGoodBook, {"--gwp-min", "500", "--gwp-max", "500"}, "gwp_min", {"gwp_max"}, {}},
        BadInput{"retention_min_above_one", kGoodBook, {"--retention-min", "1.2"}, "retention_min", {"1.2"}, {}},
        BadInput{"negative_max_rate_change", kGoodBook, {"--max-rate-change", "-0.1"}, "max_rate_change", {}, {}},
        BadInput{
            "unknown_demand_model", kGoodBook, {"--demand-model", "exponential"}, "demand_model", {"exponential"}, {}},
        BadInput{"non_numeric_flag", kGoodBook, {"--lr-max", "abc"}, "abc", {}, {"lr-max", "lr_max"}},
        BadInput{"non_numeric_flag_with_suffix",
                 kGoodBook,
                 {"--retention-min", "0.8x"},
                 "0.8x",
                 {},
                 {"retention-min", "retention_min"}},
        BadInput{"fairness_without_group_column", kGoodBook, {"--fairness-max", "1.2"}, "fairness_max", {"group"}, {}}),
    [](const ::testing::TestParamInfo<BadInput>& param) { return std::string(param.param.name); });

// ---------------------------------------------------------------------------------------------
// Infeasible problems are an answer, not a failure (SPEC §1.6, §5).

TEST(CliOptimise, UnreachableRetentionIsReportedInfeasibleWithExit0) {
  const fs::path dir = test_dir();
  const fs::path book_path = generate(dir, 2000);
  const fs::path out = dir / "out";
  // Demand falls with price (every elasticity < 0 in the benchmark profile), so the most retention
  // reachable is every renewal priced at its lower bound.
  const Csv book = read_csv(book_path);
  double best = 0, renewals = 0;
  for (size_t i = 0; i < book.rows.size(); ++i) {
    if (book.text(i, "renewal_flag") != "1") continue;
    ASSERT_LT(book.number(i, "elasticity"), 0);
    const double prior = book.number(i, "prior_multiplier"), tc = book.number(i, "technical_price");
    double lb = std::max({0.5, 1.0, prior * 0.75});
    const double ub = std::min({3.0, prior * 1.25, book.number(i, "enbp") / tc * 0.99});
    lb = std::min(lb, ub);
    best += book.number(i, "p_demand") * std::pow(lb, book.number(i, "elasticity"));
    renewals += 1;
  }
  ASSERT_GT(renewals, 0);
  best /= renewals;
  ASSERT_LT(best, 0.99) << "the test needs a book that cannot keep 99% of renewals";

  // (An earlier solver ended this run with numerical_failure and exit 3 instead of proving it
  // infeasible; this test guards against that.)
  const CliRun r = rateopt(dir, optimise_args(book_path, out,
                                              {"--lr-max", "0.68", "--retention-min", "0.99", "--max-rate-change",
                                               "0.25", "--enbp-buffer", "0.01", "--json"}));
  EXPECT_EQ(r.rc, 0) << describe(r);
  json summary;
  ASSERT_NO_THROW(summary = json::parse(r.out)) << describe(r);
  EXPECT_EQ(summary.value("status", ""), "infeasible") << describe(r);
  EXPECT_EQ(summary.value("converged", true), false);
  const std::string message = summary.value("message", "");
  EXPECT_TRUE(contains(message, "retention_min")) << message;
  // The message gives the best reachable retention (printed to a few significant digits).
  bool found = false;
  const std::regex number(R"((\d+\.\d+)(%?))");
  for (auto it = std::sregex_iterator(message.begin(), message.end(), number); it != std::sregex_iterator(); ++it) {
    double v = std::stod((*it)[1].str());
    if ((*it)[2].matched && (*it)[2].length() > 0) v /= 100;
    if (std::fabs(v - best) <= 2e-3 * best) found = true;
  }
  EXPECT_TRUE(found) << "message \"" << message << "\" should name the best reachable retention " << best;

  // The answer is still written, with its audit trail.
  ASSERT_TRUE(fs::exists(out / "result.json")) << describe(r);
  EXPECT_TRUE(fs::exists(out / "policies.csv")) << describe(r);
  const json res = json::parse(slurp(out / "result.json"));
  EXPECT_EQ(res.value("status", ""), "infeasible");
  EXPECT_TRUE(res.contains("audit"));
}

// ---------------------------------------------------------------------------------------------
// clusters, clusters generate, qubo (SPEC §3)

fs::path generate_clusters(const fs::path& dir, int clusters, uint64_t seed) {
  const fs::path out = dir / "instance";
  const CliRun r = rateopt(dir, {"clusters", "generate", "--clusters", std::to_string(clusters), "--seed",
                                 std::to_string(seed), "--out-dir", out.string()});
  EXPECT_EQ(r.rc, 0) << describe(r);
  return out;
}

TEST(CliClusters, WritesTablesAndJsonWithTheExactOptimum) {
  const fs::path dir = test_dir();
  const fs::path inst = generate_clusters(dir, 15, 3);
  const fs::path out = dir / "out";
  const CliRun r = rateopt(
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
  const CliRun q = rateopt(dir, {"qubo", "--qubo", (out / "qubo.csv").string(), "--replicas", "8", "--sweeps", "50",
                                 "--device", "cpu", "--json"});
  ASSERT_EQ(q.rc, 0) << describe(q);
  const json qj = json::parse(q.out);
  EXPECT_EQ(qj["variables"].get<int>(), j["qubo"]["variables"].get<int>());
  EXPECT_EQ(qj["best_state"].get<std::string>().size(), qj["variables"].get<size_t>());
  // a second run refuses to overwrite without --force
  const CliRun again =
      rateopt(dir, {"clusters", "--clusters", (inst / "clusters.csv").string(), "--premiums",
                    (inst / "premiums.csv").string(), "--target-termination", "11", "--out-dir", out.string()});
  EXPECT_EQ(again.rc, 2) << describe(again);
  EXPECT_TRUE(contains(again.err, "--force")) << describe(again);
}

TEST(CliClusters, UnreachableTargetIsReportedInfeasible) {
  const fs::path dir = test_dir();
  const fs::path inst = generate_clusters(dir, 6, 4);
  const CliRun r = rateopt(
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
  const fs::path dir = test_dir();
  const fs::path inst = generate_clusters(dir, 5, 5);
  const CliRun r = rateopt(
      dir, {"clusters", "--clusters", (inst / "clusters.csv").string(), "--premiums", (inst / "premiums.csv").string(),
            "--target-termination", "11", "--device", "cuda", "--out-dir", (dir / "out").string()});
  EXPECT_EQ(r.rc, RATEOPT_HAVE_CUDA ? 4 : 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "device cuda")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

struct ClustersBadCase {
  std::string name, clusters, premiums;
  std::vector<std::string> extra;
  std::string needle;
};

class CliClustersBadInput : public ::testing::TestWithParam<ClustersBadCase> {};

TEST_P(CliClustersBadInput, Exit2NamesLocationAndRuleAndWritesNothing) {
  const ClustersBadCase& c = GetParam();
  const fs::path dir = test_dir();
  spit(dir / "c.csv", c.clusters);
  spit(dir / "p.csv", c.premiums);
  std::vector<std::string> args = {
      "clusters",  "--clusters",          (dir / "c.csv").string(), "--premiums", (dir / "p.csv").string(),
      "--out-dir", (dir / "out").string()};
  args.insert(args.end(), c.extra.begin(), c.extra.end());
  const CliRun r = rateopt(dir, args);
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
        ClustersBadCase{
            "target_above_100", kGoodClusters, kGoodPremiums, {"--target-termination", "150"}, "target-termination"},
        ClustersBadCase{"zero_replicas",
                        kGoodClusters,
                        kGoodPremiums,
                        {"--target-termination", "8", "--replicas", "0"},
                        "replicas"},
        ClustersBadCase{
            "bad_exact", kGoodClusters, kGoodPremiums, {"--target-termination", "8", "--exact", "maybe"}, "--exact"},
        ClustersBadCase{"no_target", kGoodClusters, kGoodPremiums, {}, "--target-termination"},
        ClustersBadCase{
            "bad_moves", kGoodClusters, kGoodPremiums, {"--target-termination", "8", "--moves", "jump"}, "--moves"}),
    [](const ::testing::TestParamInfo<ClustersBadCase>& param) { return param.param.name; });

TEST(CliQubo, BadQuboCsvIsExit2WithFileAndLine) {
  const fs::path dir = test_dir();
  spit(dir / "q.csv", "i,j,weight\n0,0,1\n0,1,oops\n");
  const CliRun r = rateopt(dir, {"qubo", "--qubo", (dir / "q.csv").string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "q.csv:3: weight = \"oops\" is not a number")) << describe(r);
}

TEST(CliQubo, PrintsTheBruteForceGroundState) {
  const fs::path dir = test_dir();
  // E = -x0 - x1 + 3 x0 x1 - 2 x2: ground state 101 or 011 at -3; replica order picks one
  spit(dir / "q.csv", "i,j,weight\n0,0,-1\n1,1,-1\n0,1,3\n2,2,-2\n");
  const CliRun r = rateopt(dir, {"qubo", "--qubo", (dir / "q.csv").string(), "--device", "cpu", "--json"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json j = json::parse(r.out);
  EXPECT_DOUBLE_EQ(j["best_energy"].get<double>(), -3.0);
  const std::string state = j["best_state"].get<std::string>();
  EXPECT_TRUE(state == "101" || state == "011") << state;
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
