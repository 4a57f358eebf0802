// Reports and outputs of a solve: status names, the text reports, the summary JSON, result.json's
// audit trail, policies.csv, and the file-system rules behind them (SPEC §1.6, §1.7, §5).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "io/files.hpp"
#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/options.hpp"
#include "rateopt/report.hpp"
#include "rateopt/result.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::read_text_file;
using test::write_text_file;

// Scratch directory of the running test, as a string for the string-typed API under test.
std::string scratch_dir() { return test::scratch_dir().string(); }

std::vector<std::string> directory_entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Three policies; the second id needs CSV quoting, the third is a renewal with an ENBP.
Book tiny_book() {
  Book book;
  book.technical_price = {100.0, 250.0, 400.0};
  book.expected_loss_cost = {60.0, 150.0, 280.0};
  book.p_demand = {0.5, 0.8, 0.9};
  book.elasticity = {-1.5, -2.0, -1.0};
  book.renewal_flag = {0, 1, 1};
  book.enbp = {std::nan(""), 300.0, 440.0};
  book.prior_multiplier = {1.0, 1.1, 1.0};
  book.claims_variance = {0.0, 0.0, 0.0};
  book.expense = {5.0, 10.0, 0.0};
  book.weight = {1.0, 2.0, 1.0};
  book.group = {0, 0, 0};
  book.group_names = {"all"};
  book.id_chars =
      "P1"
      "P,2"
      "P3";
  book.id_offset = {0, 2, 5, 7};
  book.has_enbp = true;
  return book;
}

SolveResult tiny_result() {
  SolveResult r;
  r.status = SolveStatus::converged;
  r.converged = true;
  r.message = "all constraints hold; gap below tolerance";
  r.multiplier = {1.0 / 3.0 + 1.0, 1.2, 1.0999999999999999};
  r.lower_bound = {1.0, 1.0, 1.0};
  r.upper_bound = {3.0, 1.2, 1.1};
  r.expected_profit = 1234567.8912345678;
  r.expected_gwp = 9876543.21;
  r.expected_claims = 6400000.0;
  r.expected_loss_ratio = 0.6480000000000001;
  r.expected_retention = 0.9123;
  r.n_policies = 3;
  r.n_renewals = 2;
  r.n_bound_conflicts = 1;

  ConstraintReport lr;
  lr.kind = ConstraintKind::lr_max;
  lr.value = 0.65;
  lr.limit = 0.65;
  lr.slack = 1e-12;
  lr.binding = true;
  lr.shadow_price = 15234.5;
  lr.shadow_price_unit = "money per percentage point of LR";
  ConstraintReport retention;
  retention.kind = ConstraintKind::retention_min;
  retention.value = 0.9123;
  retention.limit = 0.9;
  retention.slack = 0.0123;
  retention.shadow_price = 0;
  retention.shadow_price_unit = "money per percentage point of retention";
  r.constraints = {lr, retention};

  r.dual_bound = 1234567.9;
  r.optimality_gap = 6.9e-9;
  r.n_renewals_with_enbp = 2;
  r.n_enbp_binding = 1;
  r.max_enbp_excess = -1e-10;
  r.backend_requested = "auto";
  r.backend_used = "cpu";
  r.fallback_reason = "no CUDA device: driver version is insufficient";
  r.dual_iterations = 9;
  r.outer_iterations = 2;
  r.inner_iterations = 14;
  r.passes = 31;
  r.seconds_total = 0.25;
  r.seconds_prepare = 0.01;
  r.seconds_dual = 0.1;
  r.seconds_al = 0.12;
  r.seconds_certify = 0.02;
  r.iterations = {IterationRecord{"dual", 1, 1.2e6, 0.01, 0, 1e-3, 2, 0.02},
                  IterationRecord{"al", 1, 1.23e6, 1e-11, 10, 1e-10, 31, 0.24}};
  r.warnings = {"elasticity > 0 on 1 policy"};
  return r;
}

// --- SHA-256 -------------------------------------------------------------------------------

TEST(Sha256File, MatchesPublishedTestVectors) {
  const std::string dir = scratch_dir();
  write_text_file(dir + "/abc.txt", "abc");
  EXPECT_EQ(sha256_file(dir + "/abc.txt"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  write_text_file(dir + "/empty.txt", "");
  EXPECT_EQ(sha256_file(dir + "/empty.txt"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Larger than one read chunk of the implementation (1 MiB), so the chunks are chained.
  write_text_file(dir + "/two_chunks.txt", std::string(1000000, 'a'));
  EXPECT_EQ(sha256_file(dir + "/two_chunks.txt"), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256File, MissingFileIsInputErrorNamingIt) {
  const std::string missing = scratch_dir() + "/no_such_book.csv";
  try {
    sha256_file(missing);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
}

// --- atomic writes ---------------------------------------------------------------------------

TEST(WriteFileAtomically, ReplacesContentAndLeavesNoTemporaryFile) {
  const std::string dir = scratch_dir();
  const std::string path = dir + "/out.txt";
  write_file_atomically(path, "first version\n");
  EXPECT_EQ(read_text_file(path), "first version\n");
  write_file_atomically(path, "second");
  EXPECT_EQ(read_text_file(path), "second");
  EXPECT_EQ(directory_entries(dir), std::vector<std::string>{"out.txt"});
}

TEST(WriteFileAtomically, MissingDirectoryIsDeviceErrorNamingPath) {
  const std::string path = scratch_dir() + "/no_such_dir/out.txt";
  try {
    write_file_atomically(path, "x");
    FAIL() << "expected DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.exit_code(), 4);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos) << e.what();
  }
}

TEST(WriteFileAtomically, FailedRenameRemovesTheTemporaryFile) {
  const std::string dir = scratch_dir();
  fs::create_directory(dir + "/taken");  // a directory where the file should go: rename fails
  EXPECT_THROW(write_file_atomically(dir + "/taken", "x"), DeviceError);
  EXPECT_EQ(directory_entries(dir), std::vector<std::string>{"taken"});
}

// --- output directory checks -----------------------------------------------------------------

TEST(CheckOutputDir, RefusesExistingOutputWithoutForceAndAllowsWithForce) {
  const std::string dir = scratch_dir();
  write_text_file(dir + "/result.json", "{}");
  try {
    check_output_dir(dir, {"result.json", "policies.csv"}, false);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_EQ(std::string(e.what()), dir + "/result.json exists; use --force to replace it");
  }
  EXPECT_NO_THROW(check_output_dir(dir, {"result.json", "policies.csv"}, true));
  EXPECT_NO_THROW(check_output_dir(dir, {"policies.csv"}, false));
}

TEST(CheckOutputDir, CreatesNothing) {
  const std::string dir = scratch_dir() + "/not_yet";
  EXPECT_NO_THROW(check_output_dir(dir, {"result.json"}, false));
  EXPECT_FALSE(fs::exists(dir));
}

TEST(CheckOutputDir, RegularFileInPlaceOfDirectoryIsInputError) {
  const std::string file = scratch_dir() + "/plain_file";
  write_text_file(file, "x");
  EXPECT_THROW(check_output_dir(file, {"result.json"}, true), InputError);
}

// --- status names ------------------------------------------------------------------------------

TEST(SolveStatusNames, RoundTripEveryStatus) {
  for (SolveStatus s : {SolveStatus::converged, SolveStatus::infeasible, SolveStatus::max_iterations,
                        SolveStatus::numerical_failure, SolveStatus::time_limit}) {
    EXPECT_EQ(solve_status_from_string(to_string(s)), s) << to_string(s);
  }
  EXPECT_STREQ(to_string(SolveStatus::numerical_failure), "numerical_failure");
}

TEST(SolveStatusNames, UnknownNameIsInputErrorListingTheValidOnes) {
  try {
    solve_status_from_string("Converged");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    const std::string message = e.what();
    EXPECT_NE(message.find("'Converged'"), std::string::npos) << message;
    EXPECT_NE(message.find("time_limit"), std::string::npos) << message;
  }
}

// --- summary JSON --------------------------------------------------------------------------------

TEST(SummaryJson, ParsesBackWithExactNumbersAndNullsForMissingValues) {
  SolveResult r = tiny_result();
  r.expected_retention = std::numeric_limits<double>::quiet_NaN();
  r.lagrangian_stationarity = std::numeric_limits<double>::infinity();
  r.dual_bound.reset();
  r.optimality_gap.reset();
  r.dual_bound_note = "stochastic_lr is not separable";
  const json s = json::parse(summary_json(tiny_book(), OptimiseOptions{}, r));

  EXPECT_EQ(s.at("status"), "converged");
  EXPECT_EQ(s.at("converged"), true);
  EXPECT_TRUE(s.at("expected_retention").is_null());
  EXPECT_TRUE(s.at("lagrangian_stationarity").is_null());
  EXPECT_TRUE(s.at("dual_bound").is_null());
  EXPECT_TRUE(s.at("optimality_gap").is_null());
  EXPECT_EQ(s.at("dual_bound_note"), "stochastic_lr is not separable");
  // Doubles survive the text round trip bit for bit.
  EXPECT_EQ(s.at("expected_profit").get<double>(), r.expected_profit);
  EXPECT_EQ(s.at("expected_loss_ratio").get<double>(), r.expected_loss_ratio);

  EXPECT_EQ(s.at("shadow_prices").at("lr_max").get<double>(), 15234.5);
  EXPECT_EQ(s.at("shadow_prices").at("retention_min").get<double>(), 0.0);
  EXPECT_EQ(s.at("shadow_price_units").at("lr_max"), "money per percentage point of LR");
  const json& lr = s.at("constraint_evaluation").at("lr_max");
  for (const char* key : {"value", "limit", "slack", "relative_violation", "binding", "shadow_price", "unit"})
    EXPECT_TRUE(lr.contains(key)) << key;
  EXPECT_EQ(lr.at("binding"), true);

  EXPECT_EQ(s.at("n_policies"), 3);
  EXPECT_EQ(s.at("n_renewals"), 2);
  EXPECT_EQ(s.at("n_bound_conflicts"), 1);
  EXPECT_EQ(s.at("backend_used"), "cpu");
  EXPECT_TRUE(s.at("device_name").is_null());
  EXPECT_EQ(s.at("fallback_reason"), r.fallback_reason);
  EXPECT_EQ(s.at("passes"), 31);
  EXPECT_EQ(s.at("seconds_by_phase").at("certify").get<double>(), 0.02);
  EXPECT_EQ(s.at("precision"), "fp64");
  EXPECT_EQ(s.at("warnings"), json::array({"elasticity > 0 on 1 policy"}));
}

TEST(SummaryJson, ListsReaderWarningsOnce) {
  Book book = tiny_book();
  book.warnings = {"unknown column 'postcode' ignored", "elasticity > 0 on 1 policy"};
  const json s = json::parse(summary_json(book, OptimiseOptions{}, tiny_result()));
  EXPECT_EQ(s.at("warnings"), json::array({"elasticity > 0 on 1 policy", "unknown column 'postcode' ignored"}));
}

// --- text reports --------------------------------------------------------------------------------

TEST(BriefReport, IsOneLineWithTheHeadlineFigures) {
  const std::string brief = tiny_result().brief_report();
  EXPECT_EQ(brief.find('\n'), std::string::npos) << brief;
  for (const char* part : {"converged", "1,234,567.89", "64.80%", "91.23%", "31 passes", "0.250 s"})
    EXPECT_NE(brief.find(part), std::string::npos) << part << " missing from: " << brief;
}

TEST(FullReport, ShowsEveryConstraintCertificateAndSolverFacts) {
  const std::string report = tiny_result().full_report();
  for (const char* part : {"lr_max", "retention_min", "binding", "15,234.50", "money per percentage point of LR",
                           "1,234,567.89", "9,876,543.21", "dual bound 1,234,567.90", "fell back: no CUDA device",
                           "elasticity > 0 on 1 policy", "certify 0.020"})
    EXPECT_NE(report.find(part), std::string::npos) << part << " missing from:\n" << report;
  EXPECT_LE(split_lines(report).size(), 40u) << "more than one screen:\n" << report;
}

TEST(FullReport, NamesTheStatusOnceWhenTheMessageRepeatsIt) {
  SolveResult r = tiny_result();
  r.message = "converged: every bound and constraint holds";
  const std::string report = r.full_report();
  EXPECT_NE(report.find("Status        converged: every bound"), std::string::npos) << report;
  EXPECT_EQ(report.find("converged: converged"), std::string::npos) << report;
}

TEST(FullReport, ExplainsAMissingDualBoundAndMissingRetention) {
  SolveResult r = tiny_result();
  r.dual_bound.reset();
  r.optimality_gap.reset();
  r.dual_bound_note = "stochastic_lr is not separable";
  r.expected_retention = std::numeric_limits<double>::quiet_NaN();
  r.constraints[1].slack = -0.01;  // retention_min missed by a point, still flagged binding
  r.constraints[1].relative_violation = 0.01 / 0.9;
  r.constraints[1].binding = true;
  const std::string report = r.full_report();
  EXPECT_NE(report.find("no dual bound: stochastic_lr is not separable"), std::string::npos) << report;
  EXPECT_NE(report.find("n/a (no renewals)"), std::string::npos) << report;
  const std::string retention_row = report.substr(report.find("  retention_min"));
  EXPECT_NE(retention_row.find("VIOLATED"), std::string::npos) << report;
  EXPECT_NE(r.brief_report().find("gap n/a"), std::string::npos) << r.brief_report();
}

// --- result.json and policies.csv ----------------------------------------------------------------

TEST(WriteSolveOutputs, WritesPoliciesCsvAndResultJsonWithAudit) {
  const std::string dir = scratch_dir();
  Book book = tiny_book();
  book.source = dir + "/book.csv";
  write_text_file(book.source, "technical_price,expected_loss_cost,p_demand,elasticity\n100,60,0.5,-1.5\n");
  const SolveResult r = tiny_result();
  const std::string out = dir + "/run/nested";
  write_solve_outputs(out, book, OptimiseOptions{}, r, false);
  EXPECT_EQ(directory_entries(out), (std::vector<std::string>{"policies.csv", "result.json"}));

  const std::vector<std::string> lines = split_lines(read_text_file(out + "/policies.csv"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0],
            "policy_id,multiplier,new_premium,expected_demand,contribution,rate_change_pct,enbp_binding,"
            "lower_bound,upper_bound");
  EXPECT_EQ(lines[1].substr(0, 3), "P1,");
  EXPECT_EQ(lines[2].substr(0, 6), "\"P,2\",");
  // Multipliers and bounds are written exactly: they parse back to the same doubles.
  const std::string row1 = lines[1];
  const size_t m_start = row1.find(',') + 1;
  EXPECT_EQ(std::strtod(row1.c_str() + m_start, nullptr), r.multiplier[0]);
  const size_t ub_start = row1.rfind(',') + 1;
  EXPECT_EQ(std::strtod(row1.c_str() + ub_start, nullptr), r.upper_bound[0]);
  const size_t premium_start = row1.find(',', m_start) + 1;
  EXPECT_NEAR(std::strtod(row1.c_str() + premium_start, nullptr), r.multiplier[0] * 100.0, 1e-7);

  const json doc = json::parse(read_text_file(out + "/result.json"));
  EXPECT_EQ(doc.at("status"), "converged");
  EXPECT_EQ(doc.at("expected_profit").get<double>(), r.expected_profit);
  const json& audit = doc.at("audit");
  const json& inputs = audit.at("inputs");
  EXPECT_EQ(inputs.at("book_file"), book.source);
  EXPECT_EQ(inputs.at("book_sha256"), sha256_file(book.source));
  EXPECT_EQ(inputs.at("n_policies"), 3);
  EXPECT_EQ(inputs.at("n_renewals"), 2);
  EXPECT_DOUBLE_EQ(inputs.at("sum_technical_price").get<double>(), 750.0);
  EXPECT_DOUBLE_EQ(inputs.at("sum_weighted_technical_price").get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(inputs.at("sum_expected_loss_cost").get<double>(), 490.0);
  EXPECT_DOUBLE_EQ(inputs.at("sum_weighted_expected_loss_cost").get<double>(), 640.0);
  EXPECT_TRUE(audit.at("configuration").is_object());
  EXPECT_TRUE(audit.at("configuration").contains("tolerance"));
  EXPECT_EQ(audit.at("rateopt").at("version"), version_string());
  EXPECT_EQ(audit.at("rateopt").at("git_revision"), git_revision());
  EXPECT_TRUE(audit.at("rateopt").at("cuda_compiled").is_boolean());
  EXPECT_TRUE(test::has_shape(audit.at("timestamp_utc").get<std::string>(), "####-##-##T##:##:##Z"))
      << audit.at("timestamp_utc");
  EXPECT_EQ(audit.at("solver").at("tolerance").get<double>(), OptimiseOptions{}.tolerance);
  EXPECT_EQ(audit.at("constraint_evaluation").at("lr_max").at("shadow_price").get<double>(), 15234.5);
  EXPECT_EQ(audit.at("enbp_evidence").at("n_renewals_with_enbp"), 2);
  EXPECT_EQ(audit.at("enbp_evidence").at("max_enbp_excess").get<double>(), -1e-10);
  EXPECT_EQ(audit.at("convergence").at("status"), "converged");
  ASSERT_EQ(audit.at("iterations").size(), 2u);
  EXPECT_EQ(audit.at("iterations")[1].at("phase"), "al");
  EXPECT_EQ(audit.at("iterations")[1].at("passes"), 31);
}

TEST(WriteSolveOutputs, NeverOverwritesWithoutForce) {
  const std::string dir = scratch_dir();
  const Book book = tiny_book();
  SolveResult r = tiny_result();
  write_solve_outputs(dir, book, OptimiseOptions{}, r, false);
  const std::string first_policies = read_text_file(dir + "/policies.csv");
  EXPECT_TRUE(json::parse(read_text_file(dir + "/result.json")).at("audit").at("inputs").at("book_sha256").is_null());

  r.multiplier[0] = 2.5;
  EXPECT_THROW(write_solve_outputs(dir, book, OptimiseOptions{}, r, false), InputError);
  EXPECT_EQ(read_text_file(dir + "/policies.csv"), first_policies);

  write_solve_outputs(dir, book, OptimiseOptions{}, r, true);
  EXPECT_NE(read_text_file(dir + "/policies.csv"), first_policies);
  EXPECT_EQ(directory_entries(dir), (std::vector<std::string>{"policies.csv", "result.json"}));
}

TEST(WriteSolveOutputs, MismatchedResultLengthIsSolverErrorAndWritesNothing) {
  const std::string out = scratch_dir() + "/out";
  SolveResult r = tiny_result();
  r.lower_bound.pop_back();
  EXPECT_THROW(write_solve_outputs(out, tiny_book(), OptimiseOptions{}, r, false), SolverError);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace rateopt
