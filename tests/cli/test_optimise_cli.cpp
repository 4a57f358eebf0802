// `rateopt optimise` end to end (SPEC §1.1, §1.6, §1.7, §5): the outputs of a converged solve, --json,
// --force, warnings, --device, --config, and an infeasible problem reported as an answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "optimise/backend/cpu_simd.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using nlohmann::json;

const char* const kPoliciesHeader =
    "policy_id,multiplier,new_premium,expected_demand,contribution,rate_change_pct,enbp_binding,lower_bound,"
    "upper_bound";

/// The book's SHA-256 as sha256sum prints it.
std::string sha256sum(const fs::path& path) {
  const std::string text = test::tool_output({"sha256sum", path.string()});
  return text.substr(0, text.find(' '));
}

// ---------------------------------------------------------------------------------------------
// optimise: the outputs of a converged solve

TEST(CliOptimise, BenchmarkConstraintsWriteConsistentOutputs) {
  const fs::path dir = scratch_dir();
  const fs::path book_path = generate(dir, 2000);
  const fs::path out = dir / "out";
  const CliRun r = run_rateopt(dir, optimise_args(book_path, out, kBenchmarkConstraints));
  ASSERT_EQ(r.rc, 0) << describe(r);
  ASSERT_TRUE(fs::exists(out / "result.json")) << describe(r);
  ASSERT_TRUE(fs::exists(out / "policies.csv")) << describe(r);
  for (const std::string& name : listing(out))
    EXPECT_TRUE(name == "result.json" || name == "policies.csv" || name == "pricing_rule.json")
        << "stray output " << name;

  // policies.csv: the header of SPEC §1.6, one row per policy in book order.
  const std::string policies_text = read_text_file(out / "policies.csv");
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

  const json res = json::parse(read_text_file(out / "result.json"));
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
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 1000);
  const fs::path out = dir / "out";
  std::vector<std::string> extra = kBenchmarkConstraints;
  extra.push_back("--json");
  const CliRun r = run_rateopt(dir, optimise_args(book, out, extra));
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
  const json res = json::parse(read_text_file(out / "result.json"));
  EXPECT_EQ(res.at("expected_profit"), summary.at("expected_profit"));
  EXPECT_EQ(res.at("status"), summary.at("status"));
}

TEST(CliOptimise, ExistingOutputsNeedForce) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 500);
  const fs::path out = dir / "out";
  CliRun r = run_rateopt(dir, optimise_args(book, out, kBenchmarkConstraints));
  ASSERT_EQ(r.rc, 0) << describe(r);
  const std::string result_before = read_text_file(out / "result.json");
  const std::string policies_before = read_text_file(out / "policies.csv");

  // Another solve into the same directory: refused, nothing changes.
  std::vector<std::string> other = {"--lr-max", "0.66", "--max-rate-change", "0.2"};
  r = run_rateopt(dir, optimise_args(book, out, other));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--force")) << describe(r);
  EXPECT_EQ(read_text_file(out / "result.json"), result_before);
  EXPECT_EQ(read_text_file(out / "policies.csv"), policies_before);
  EXPECT_EQ(listing(out), (std::vector<std::string>{"policies.csv", "pricing_rule.json", "result.json"}));

  // Only one of the two outputs present is still refused.
  fs::remove(out / "result.json");
  r = run_rateopt(dir, optimise_args(book, out, other));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_EQ(read_text_file(out / "policies.csv"), policies_before);
  EXPECT_FALSE(fs::exists(out / "result.json"));

  // With --force both are replaced by the new solve's.
  other.push_back("--force");
  r = run_rateopt(dir, optimise_args(book, out, other));
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json res = json::parse(read_text_file(out / "result.json"));
  EXPECT_DOUBLE_EQ(res.at("audit").at("configuration").at("lr_max").get<double>(), 0.66);
  EXPECT_DOUBLE_EQ(res.at("audit").at("configuration").at("max_rate_change").get<double>(), 0.2);
  EXPECT_NE(read_text_file(out / "policies.csv"), policies_before);
  EXPECT_EQ(listing(out), (std::vector<std::string>{"policies.csv", "pricing_rule.json", "result.json"}))
      << "no temporary files left behind";
}

TEST(CliOptimise, WarningsDoNotStopTheSolve) {
  // An unknown column and a positive elasticity are warned about (SPEC §1.1); a renewal without an
  // ENBP is fine when no ENBP buffer is set.
  const fs::path dir = scratch_dir();
  const fs::path book = dir / "book.csv";
  write_text_file(book,
                  "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp,colour\n"
                  "A,500,300,0.8,0.5,1,560,red\n"
                  "B,400,250,0.7,-2,0,,blue\n"
                  "C,300,150,0.6,-1.2,1,,green\n");
  const CliRun r = run_rateopt(dir, optimise_args(book, dir / "out", {}));
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

TEST(CliOptimise, ExplicitCudaWithoutAGpuFails) {
  if (gpu_usable()) GTEST_SKIP() << "a GPU is usable here";
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 50);
  const CliRun r = run_rateopt(dir, optimise_args(book, dir / "out", {"--device", "cuda"}));
  EXPECT_EQ(r.rc, RATEOPT_HAVE_CUDA ? 4 : 2) << describe(r);
  // a GPU-less CUDA build names the device; a build without CUDA says it has none
  EXPECT_TRUE(contains(r.err, RATEOPT_HAVE_CUDA ? "device cuda" : "this build has no CUDA")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out")) << describe(r);
}

TEST(CliOptimise, AutoDeviceFallsBackToCpuSayingSo) {
  if (gpu_usable()) GTEST_SKIP() << "a GPU is usable here";
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 50);
  const CliRun r = run_rateopt(dir, optimise_args(book, dir / "out", {"--device", "auto", "--json"}));
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
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 500);
  const fs::path config = dir / "config.json";
  write_text_file(config, R"({"lr_max": 0.66, "retention_min": 0.75, "max_rate_change": 0.2, "enbp_buffer": 0.01,
                   "technical_floor": true, "demand_model": "log_linear"})");

  CliRun r = run_rateopt(dir, optimise_args(book, dir / "a", {"--config", config.string()}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  json cfg = json::parse(read_text_file(dir / "a" / "result.json")).at("audit").at("configuration");
  EXPECT_DOUBLE_EQ(cfg.at("lr_max").get<double>(), 0.66);
  EXPECT_DOUBLE_EQ(cfg.at("retention_min").get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(cfg.at("max_rate_change").get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(cfg.at("enbp_buffer").get<double>(), 0.01);
  EXPECT_EQ(cfg.at("technical_floor"), true);

  // A flag beats the file; the file's other values stay.  Flags may come before or after --config.
  r = run_rateopt(
      dir, optimise_args(book, dir / "b", {"--lr-max", "0.7", "--config", config.string(), "--no-technical-floor"}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  cfg = json::parse(read_text_file(dir / "b" / "result.json")).at("audit").at("configuration");
  EXPECT_DOUBLE_EQ(cfg.at("lr_max").get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(cfg.at("retention_min").get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(cfg.at("max_rate_change").get<double>(), 0.2);
  EXPECT_EQ(cfg.at("technical_floor"), false);
}

TEST(CliConfig, UnknownKeyIsExit2NamingTheKey) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 50);
  const fs::path config = dir / "config.json";
  write_text_file(config, R"({"lr_max": 0.68, "retention_minimum": 0.8})");
  const CliRun r = run_rateopt(dir, optimise_args(book, dir / "out", {"--config", config.string()}));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "retention_minimum")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(CliConfig, InvalidJsonIsExit2) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 50);
  const fs::path config = dir / "config.json";
  write_text_file(config, "{\"lr_max\": 0.68,\n");
  const CliRun r = run_rateopt(dir, optimise_args(book, dir / "out", {"--config", config.string()}));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "config.json")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(CliConfig, WrongTypeAndMissingFileAreExit2) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 50);
  const fs::path config = dir / "config.json";
  write_text_file(config, R"({"lr_max": "high"})");
  CliRun r = run_rateopt(dir, optimise_args(book, dir / "out", {"--config", config.string()}));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "lr_max")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));

  r = run_rateopt(dir, optimise_args(book, dir / "out", {"--config", (dir / "absent.json").string()}));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "absent.json")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

// ---------------------------------------------------------------------------------------------
// Infeasible problems are an answer, not a failure (SPEC §1.6, §5).

TEST(CliOptimise, UnreachableRetentionIsReportedInfeasibleWithExit0) {
  const fs::path dir = scratch_dir();
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
  const CliRun r = run_rateopt(dir, optimise_args(book_path, out,
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
  for (size_t at = 0; at < message.size();) {  // each "d.d" number, divided by 100 when a '%' follows
    const size_t start = message.find_first_of("0123456789", at);
    if (start == std::string::npos) break;
    size_t end = message.find_first_not_of("0123456789.", start);
    if (end == std::string::npos) end = message.size();
    while (end > start && message[end - 1] == '.') --end;  // a full stop after the number
    const std::string text = message.substr(start, end - start);
    at = std::max(end, start + 1);
    if (text.find('.') == std::string::npos) continue;
    double v = std::stod(text);
    if (end < message.size() && message[end] == '%') v /= 100;
    if (std::fabs(v - best) <= 2e-3 * best) found = true;
  }
  EXPECT_TRUE(found) << "message \"" << message << "\" should name the best reachable retention " << best;

  // The answer is still written, with its audit trail.
  ASSERT_TRUE(fs::exists(out / "result.json")) << describe(r);
  EXPECT_TRUE(fs::exists(out / "policies.csv")) << describe(r);
  const json res = json::parse(read_text_file(out / "result.json"));
  EXPECT_EQ(res.value("status", ""), "infeasible");
  EXPECT_TRUE(res.contains("audit"));
}

// result.json names the instruction set the CPU passes used and the threads (backend facts, SPEC §1.6).
TEST(CliOptimise, ResultNamesTheCpuInstructionSet) {
  const fs::path dir = scratch_dir();
  const fs::path book_path = generate(dir, 300);
  const fs::path out = dir / "out";
  const CliRun r = run_rateopt(dir, optimise_args(book_path, out, {"--device", "cpu", "--threads", "2"}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json res = json::parse(read_text_file(out / "result.json"));
  EXPECT_EQ(res.at("backend_used"), "cpu");
  EXPECT_EQ(res.at("device_name"), simd::target_name() + ", 2 threads");
  EXPECT_EQ(res.at("audit").at("solver").at("device_name"), simd::target_name() + ", 2 threads");
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
