// Elasticity scenarios: a scale-1 scenario is the plain solve, every scenario equals a standalone solve
// of the book with that elasticity, percentiles by linear interpolation, the economics of more elastic
// demand, the elasticity-file reader and its errors, and the three outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/report.hpp"
#include "rateopt/scenarios.hpp"
#include "rateopt/solve.hpp"
#include "test_util.hpp"

using namespace rateopt;
namespace fs = std::filesystem;

namespace {

const Book& book_2k() {
  static const Book book = generate_book(2000, 7, BookProfile::benchmark);
  return book;
}

Book with_elasticity(const Book& book, const std::vector<double>& elasticity) {
  Book b = book;
  b.elasticity = elasticity;
  return b;
}

// The test's own percentile: numpy.percentile(v, 100q) with the default linear method.
double numpy_percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1) * q;
  const double lo = std::floor(h);
  const auto i = static_cast<size_t>(lo);
  if (i + 1 >= v.size()) return v.back();
  return v[i] + (h - lo) * (v[i + 1] - v[i]);
}

double plain_mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

template <class F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

// ------------------------------------------------------------------------------------------ solves

TEST(ScenarioSolve, ScaleOneReproducesThePlainSolveExactly) {
  const OptimiseOptions o = test::cpu_benchmark_options();
  const SolveResult plain = optimise(test::benchmark_book_20k(), o);
  ASSERT_TRUE(plain.converged) << plain.message;
  const ScenarioResult r =
      run_scenarios(test::benchmark_book_20k(), o, scale_scenarios(test::benchmark_book_20k(), {1.0}));
  ASSERT_EQ(r.scenarios.size(), 1u);
  const ScenarioSummary& s = r.scenarios[0];
  EXPECT_EQ(s.name, "scale_1");
  EXPECT_EQ(s.summary.status, plain.status);
  EXPECT_TRUE(s.summary.converged);
  EXPECT_NEAR(s.summary.profit, plain.expected_profit, 1e-12 * std::fabs(plain.expected_profit));
  EXPECT_EQ(s.summary.profit, plain.expected_profit);  // the same arithmetic, so bit for bit
  EXPECT_EQ(s.summary.passes, plain.passes);
  EXPECT_TRUE(test::same_doubles(plain.multiplier, r.multipliers[0]));
  // one scenario: p10 = mean = p90 = that scenario
  EXPECT_EQ(r.n_converged, 1);
  EXPECT_EQ(r.profit_p10, s.summary.profit);
  EXPECT_EQ(r.profit_mean, s.summary.profit);
  EXPECT_EQ(r.profit_p90, s.summary.profit);
  EXPECT_TRUE(test::same_doubles(plain.multiplier, r.multiplier_p10));
  EXPECT_TRUE(test::same_doubles(plain.multiplier, r.multiplier_mean));
  EXPECT_TRUE(test::same_doubles(plain.multiplier, r.multiplier_p90));
  EXPECT_EQ(r.backend_used, "cpu");
}

TEST(ScenarioSolve, EveryScenarioEqualsAStandaloneSolveWhateverItsPlace) {
  // the backend is reused and re-uploaded between scenarios: later scenarios must not remember earlier ones
  for (const DemandModel model : {DemandModel::log_linear, DemandModel::logistic}) {
    SCOPED_TRACE(to_string(model));
    OptimiseOptions o = test::cpu_benchmark_options();
    o.demand_model = model;
    const std::vector<ElasticityScenario> scenarios = scale_scenarios(book_2k(), {1.25, 0.75, 1.0});
    const ScenarioResult r = run_scenarios(book_2k(), o, scenarios);
    ASSERT_EQ(r.scenarios.size(), 3u);
    int64_t passes = 0;
    for (size_t k = 0; k < scenarios.size(); ++k) {
      SCOPED_TRACE(scenarios[k].name);
      const SolveResult alone = optimise(with_elasticity(book_2k(), scenarios[k].elasticity), o);
      EXPECT_EQ(r.scenarios[k].summary.status, alone.status);
      EXPECT_EQ(r.scenarios[k].summary.profit, alone.expected_profit);
      EXPECT_EQ(r.scenarios[k].summary.gwp, alone.expected_gwp);
      EXPECT_EQ(r.scenarios[k].summary.passes, alone.passes);
      EXPECT_TRUE(test::same_doubles(alone.multiplier, r.multipliers[k]));
      passes += r.scenarios[k].summary.passes;
    }
    EXPECT_EQ(r.passes, passes);
  }
}

TEST(ScenarioSolve, MoreElasticDemandEarnsLessOnTheBenchmarkBook) {
  // Why it falls from 0.75 to 1.25: about 88% of these policies price at m ≥ 1, where m^ε falls as |ε|
  // grows and every margin is positive, so any fixed pricing earns less there, and the retention
  // floor binds harder.  It is not a theorem: the 12% of renewals whose ENBP cap lies below the
  // technical price are pinned at m in [0.85, 1), where m^ε RISES with |ε|; at very elastic demand that
  // wins (with log-linear demand above 1 left uncapped, as in the peer) and profit rises again
  // (3.296e6 at scale 3, 3.335e6 at scale 5 on this book).
  const ScenarioResult r = run_scenarios(test::benchmark_book_20k(), test::cpu_benchmark_options(),
                                         scale_scenarios(test::benchmark_book_20k(), {0.75, 1.0, 1.25}));
  ASSERT_EQ(r.scenarios.size(), 3u);
  for (const ScenarioSummary& s : r.scenarios) {
    SCOPED_TRACE(s.name);
    ASSERT_TRUE(s.summary.converged) << s.summary.message;
    EXPECT_LE(s.summary.loss_ratio, 0.68 * (1 + 1e-9));
    EXPECT_GE(s.summary.retention, 0.78 * (1 - 1e-9));
    ASSERT_TRUE(s.summary.optimality_gap.has_value());
    EXPECT_LT(*s.summary.optimality_gap, 1e-6);
  }
  EXPECT_GT(r.scenarios[0].summary.profit, r.scenarios[1].summary.profit);
  EXPECT_GT(r.scenarios[1].summary.profit, r.scenarios[2].summary.profit);
  EXPECT_EQ(r.profit_p10,
            r.scenarios[2].summary.profit + 0.2 * (r.scenarios[1].summary.profit - r.scenarios[2].summary.profit));
  EXPECT_EQ(r.profit_p90,
            r.scenarios[1].summary.profit + 0.8 * (r.scenarios[0].summary.profit - r.scenarios[1].summary.profit));
  // and with three scenarios p10 ≤ mean ≤ p90 holds for every policy (it does for any n ≤ 10)
  for (size_t i = 0; i < test::benchmark_book_20k().size(); ++i) {
    ASSERT_LE(r.multiplier_p10[i], r.multiplier_mean[i]) << "row " << i;
    ASSERT_LE(r.multiplier_mean[i], r.multiplier_p90[i]) << "row " << i;
  }
}

TEST(ScenarioSolve, InfeasibleScenariosAreLeftOutOfThePercentiles) {
  OptimiseOptions o = test::cpu_benchmark_options();
  // The renewals pinned below the technical price by their ENBP keep more customers the more elastic
  // demand is, so the highest reachable retention grows with the scale: 0.805 is out of reach at 0.25
  // (at most about 0.803) and within reach at 1 and 2.
  o.retention_min = 0.805;
  const ScenarioResult r = run_scenarios(book_2k(), o, scale_scenarios(book_2k(), {1.0, 2.0, 0.25}));
  ASSERT_EQ(r.scenarios.size(), 3u);
  ASSERT_TRUE(r.scenarios[0].summary.converged) << r.scenarios[0].summary.message;
  ASSERT_TRUE(r.scenarios[1].summary.converged) << r.scenarios[1].summary.message;
  ASSERT_EQ(r.scenarios[2].summary.status, SolveStatus::infeasible) << r.scenarios[2].summary.message;
  EXPECT_EQ(r.n_converged, 2);
  const double lo = std::min(r.scenarios[0].summary.profit, r.scenarios[1].summary.profit);
  const double hi = std::max(r.scenarios[0].summary.profit, r.scenarios[1].summary.profit);
  EXPECT_EQ(r.profit_p10, lo + 0.1 * (hi - lo));
  EXPECT_EQ(r.profit_p90, lo + 0.9 * (hi - lo));
  for (size_t i = 0; i < book_2k().size(); ++i) {
    const double a = r.multipliers[0][i], b = r.multipliers[1][i];
    ASSERT_EQ(r.multiplier_p10[i], std::min(a, b) + 0.1 * (std::max(a, b) - std::min(a, b))) << i;
  }
}

TEST(ScenarioSolve, BadScenarioListsAreInputErrors) {
  const Book& book = book_2k();
  const OptimiseOptions o = test::cpu_benchmark_options();
  EXPECT_NE(input_error_of([&] { run_scenarios(book, o, {}); }).find("no elasticity scenarios"), std::string::npos);
  std::vector<ElasticityScenario> twice = scale_scenarios(book, {1.0});
  twice.push_back(twice[0]);
  EXPECT_NE(input_error_of([&] { run_scenarios(book, o, twice); }).find("\"scale_1\" is used twice"),
            std::string::npos);
  std::vector<ElasticityScenario> short_one = {{"short", std::vector<double>(10, -1.0)}};
  EXPECT_NE(input_error_of([&] { run_scenarios(book, o, short_one); }).find("10 elasticities for a book of 2000"),
            std::string::npos);
  std::vector<ElasticityScenario> nan_one = {{"nan", book.elasticity}};
  nan_one[0].elasticity[5] = std::nan("");
  EXPECT_NE(input_error_of([&] { run_scenarios(book, o, nan_one); }).find("is not a finite number"), std::string::npos);
  EXPECT_NE(input_error_of([&] { scale_scenarios(book, {1.0, 1.0}); }).find("given twice"), std::string::npos);
  EXPECT_NE(input_error_of([&] { scale_scenarios(book, {-0.5}); }).find("≥ 0"), std::string::npos);
  EXPECT_NE(input_error_of([&] { scale_scenarios(book, {}); }).find("no scale factors"), std::string::npos);
}

// ------------------------------------------------------------------------------------- percentiles

TEST(ScenarioPercentiles, LinearInterpolationLikeNumpy) {
  // numpy.percentile([1,2,3,4,5], [10, 90]) = [1.4, 4.6]; [10, 0, 5] → [1.0, 9.0]
  EXPECT_DOUBLE_EQ(scenario_percentile({1, 2, 3, 4, 5}, 0.1), 1.4);
  EXPECT_DOUBLE_EQ(scenario_percentile({5, 4, 3, 2, 1}, 0.9), 4.6);
  EXPECT_DOUBLE_EQ(scenario_percentile({10, 0, 5}, 0.1), 1.0);
  EXPECT_DOUBLE_EQ(scenario_percentile({10, 0, 5}, 0.9), 9.0);
  EXPECT_EQ(scenario_percentile({10, 0, 5}, 0.5), 5.0);
  EXPECT_EQ(scenario_percentile({10, 0, 5}, 0.0), 0.0);
  EXPECT_EQ(scenario_percentile({10, 0, 5}, 1.0), 10.0);
  EXPECT_EQ(scenario_percentile({7.25}, 0.1), 7.25);
  EXPECT_TRUE(std::isnan(scenario_percentile({}, 0.1)));
  // the mean of equal values is exactly that value (so p10 = mean = p90 where a policy never moves)
  EXPECT_EQ(scenario_mean({1.1, 1.1, 1.1}), 1.1);
  EXPECT_DOUBLE_EQ(scenario_mean({1, 2, 3, 4}), 2.5);
  // beyond ten values the mean may leave [p10, p90]: one outlier among eleven
  const std::vector<double> outlier = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100};
  EXPECT_GT(scenario_mean(outlier), scenario_percentile(outlier, 0.9));
}

TEST(ScenarioPercentiles, FiveScenariosMatchADirectComputation) {
  const std::vector<double> scales = {0.6, 1.4, 1.0, 0.8, 1.2};  // deliberately unsorted
  const ScenarioResult r = run_scenarios(book_2k(), test::cpu_benchmark_options(), scale_scenarios(book_2k(), scales));
  ASSERT_EQ(r.scenarios.size(), 5u);
  std::vector<double> profits;
  for (const ScenarioSummary& s : r.scenarios) {
    ASSERT_TRUE(s.summary.converged) << s.name << ": " << s.summary.message;
    profits.push_back(s.summary.profit);
  }
  EXPECT_EQ(r.n_converged, 5);
  EXPECT_NEAR(r.profit_p10, numpy_percentile(profits, 0.1), 1e-12 * std::fabs(r.profit_p10));
  EXPECT_NEAR(r.profit_mean, plain_mean(profits), 1e-12 * std::fabs(r.profit_mean));
  EXPECT_NEAR(r.profit_p90, numpy_percentile(profits, 0.9), 1e-12 * std::fabs(r.profit_p90));
  EXPECT_LE(r.profit_p10, r.profit_mean);
  EXPECT_LE(r.profit_mean, r.profit_p90);
  size_t moved = 0;
  for (size_t i = 0; i < book_2k().size(); ++i) {
    std::vector<double> m;
    for (const std::vector<double>& scenario : r.multipliers) m.push_back(scenario[i]);
    const double p10 = numpy_percentile(m, 0.1), mean = plain_mean(m), p90 = numpy_percentile(m, 0.9);
    ASSERT_NEAR(r.multiplier_p10[i], p10, 1e-14 * p10) << "row " << i;
    ASSERT_NEAR(r.multiplier_mean[i], mean, 1e-14 * mean) << "row " << i;
    ASSERT_NEAR(r.multiplier_p90[i], p90, 1e-14 * p90) << "row " << i;
    ASSERT_LE(r.multiplier_p10[i], r.multiplier_mean[i]) << "row " << i;
    ASSERT_LE(r.multiplier_mean[i], r.multiplier_p90[i]) << "row " << i;
    moved += r.multiplier_p90[i] > r.multiplier_p10[i];
  }
  EXPECT_GT(moved, book_2k().size() / 10);  // the scenarios really do move prices
}

// ------------------------------------------------------------------------------- elasticity files

TEST(ScenarioFiles, RoundTripInAnyRowOrderWithExtraColumnsAndQuotes) {
  const fs::path dir = test::scratch_dir();
  Book book = generate_book(300, 3, BookProfile::benchmark);
  // ids with a comma and a quote need RFC 4180 quoting
  book.id_chars.clear();
  book.id_offset.assign(1, 0);
  for (size_t i = 0; i < book.size(); ++i) {
    book.id_chars += i == 7 ? std::string("A,\"7\"") : "id-" + std::to_string(i);
    book.id_offset.push_back(book.id_chars.size());
  }
  const ElasticityScenario scaled = scale_scenarios(book, {1.3})[0];
  std::string text = "\xEF\xBB\xBFnote, elasticity ,policy_id\r\n";
  for (size_t k = 0; k < book.size(); ++k) {
    const size_t i = book.size() - 1 - k;  // reversed
    std::ostringstream row;
    row.precision(17);
    std::string id = book.policy_id(i);
    if (id.find(',') != std::string::npos) {
      std::string q = "\"";
      for (char c : id) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      id = q + "\"";
    }
    row << "x," << (k % 2 ? " " : "") << scaled.elasticity[i] << "," << id << "\r\n";
    text += row.str();
    if (k == 10) text += "\r\n";  // a blank line
  }
  test::write_text_file(dir / "stress.csv", text);
  const ElasticityScenario back = read_elasticity_file(book, (dir / "stress.csv").string());
  EXPECT_EQ(back.name, "stress");
  EXPECT_EQ(back.source, (dir / "stress.csv").string());
  EXPECT_TRUE(test::same_doubles(scaled.elasticity, back.elasticity));
}

TEST(ScenarioFiles, BooksWithoutIdsMatchRowNumbers) {
  const fs::path dir = test::scratch_dir();
  Book book = generate_book(5, 3, BookProfile::benchmark);
  book.id_chars.clear();
  book.id_offset.clear();  // ids are the row numbers "1".."5"
  test::write_text_file(dir / "rows.csv", "policy_id,elasticity\n5,-1\n4,-2\n3,-3\n2,-4\n1,-5\n");
  const ElasticityScenario s = read_elasticity_file(book, (dir / "rows.csv").string());
  EXPECT_EQ(s.elasticity, (std::vector<double>{-5, -4, -3, -2, -1}));
  test::write_text_file(dir / "zero.csv", "policy_id,elasticity\n05,-1\n");
  EXPECT_NE(input_error_of([&] {
              read_elasticity_file(book, (dir / "zero.csv").string());
            }).find("zero.csv:2: policy_id \"05\" is not in the book"),
            std::string::npos);
}

TEST(ScenarioFiles, BadFilesNameFileLineAndRule) {
  const fs::path dir = test::scratch_dir();
  Book book = generate_book(4, 3, BookProfile::benchmark);  // ids P0000001..P0000004
  book.source = "book.csv";
  auto error_for = [&](const std::string& name, const std::string& text) {
    const std::string path = (dir / name).string();
    test::write_text_file(path, text);
    return input_error_of([&] { read_elasticity_file(book, path); });
  };
  const std::string head = "policy_id,elasticity\n";
  const std::string ok_rows = "P0000001,-1\nP0000002,-2\nP0000003,-3\nP0000004,-4\n";
  ASSERT_EQ(error_for("ok.csv", head + ok_rows), "(no InputError)");
  const std::string p = (dir / "").string();

  EXPECT_EQ(error_for("unknown.csv", head + "P0000001,-1\nP0000009,-2\n"),
            p + "unknown.csv:3: policy_id \"P0000009\" is not in the book book.csv");
  EXPECT_EQ(error_for("dup.csv", head + "P0000001,-1\nP0000002,-2\nP0000001,-3\n"),
            p + "dup.csv:4: policy_id \"P0000001\" appears again (first at line 2)");
  EXPECT_EQ(error_for("missing.csv", head + "P0000001,-1\nP0000002,-2\nP0000004,-4\n"),
            p + "missing.csv: 1 of the book's 4 policies are missing, first policy_id \"P0000003\" (book.csv:4)");
  EXPECT_EQ(error_for("text.csv", head + "P0000001,-1\nP0000002,abc\n"),
            p + "text.csv:3: elasticity = \"abc\" is not a number");
  EXPECT_EQ(error_for("tail.csv", head + "P0000001,-1.5x\n"), p + "tail.csv:2: elasticity = \"-1.5x\" is not a number");
  EXPECT_EQ(error_for("inf.csv", head + "P0000001,inf\n"),
            p + "inf.csv:2: elasticity = \"inf\" is not a finite number");
  EXPECT_EQ(error_for("nan.csv", head + "P0000001,nan\n"),
            p + "nan.csv:2: elasticity = \"nan\" is not a finite number");
  EXPECT_EQ(error_for("blank.csv", head + "P0000001,\n"), p + "blank.csv:2: elasticity is empty");
  EXPECT_EQ(error_for("noid.csv", head + ",-1\n"), p + "noid.csv:2: policy_id is empty");
  EXPECT_EQ(error_for("fields.csv", head + "P0000001\n"), p + "fields.csv:2: row has 1 fields, header has 2");
  EXPECT_EQ(error_for("more.csv", head + "P0000001,-1,9\n"),
            p + "more.csv:2: row has more than 2 fields, header has 2");
  EXPECT_EQ(error_for("nocol.csv", "policy_id,eps\nP0000001,-1\n"),
            p + "nocol.csv:1: missing required column \"elasticity\"");
  EXPECT_EQ(error_for("twice.csv", "policy_id,elasticity,elasticity\n"),
            p + "twice.csv:1: duplicate column \"elasticity\" (fields 2 and 3)");
  EXPECT_EQ(error_for("empty.csv", ""), p + "empty.csv: elasticity file is empty (no header line)");
  EXPECT_EQ(error_for("quote.csv", head + "\"P0000001,-1\n"), p + "quote.csv:2: policy_id: quoted field is not closed");
  // the line count runs on after a quoted field with a line break in it
  EXPECT_EQ(error_for("multi.csv", "policy_id,elasticity,note\nP0000001,-1,\"a\nb\"\nP0000002,x,\n"),
            p + "multi.csv:4: elasticity = \"x\" is not a number");
  EXPECT_NE(input_error_of([&] { read_elasticity_file(book, (dir / "absent.csv").string()); }).find("cannot open"),
            std::string::npos);

  // a book whose ids repeat cannot be matched by id
  Book repeated = book;
  repeated.id_chars = "AAB";
  repeated.id_offset = {0, 1, 2, 3, 3};
  repeated.id_chars += "C";
  repeated.id_offset[4] = 4;
  EXPECT_NE(input_error_of([&] {
              read_elasticity_file(repeated, (dir / "ok.csv").string());
            }).find("book.csv:3: policy_id \"A\" repeats the one at line 2"),
            std::string::npos);
}

TEST(ScenarioFiles, ScaleListsParse) {
  EXPECT_EQ(parse_scale_list("0.75,1,1.25"), (std::vector<double>{0.75, 1, 1.25}));
  EXPECT_EQ(parse_scale_list(" 0.5 , +2 "), (std::vector<double>{0.5, 2}));
  EXPECT_EQ(input_error_of([] { parse_scale_list("1,,2"); }),
            "option elasticity_scale = \"1,,2\": an empty entry in the list");
  EXPECT_EQ(input_error_of([] { parse_scale_list("1,x"); }), "option elasticity_scale: \"x\" is not a number");
  EXPECT_EQ(input_error_of([] { parse_scale_list("-1"); }), "option elasticity_scale: \"-1\" must be ≥ 0");
  const std::vector<ElasticityScenario> s = scale_scenarios(book_2k(), parse_scale_list("0.75,1,1.25"));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "scale_0.75");
  EXPECT_EQ(s[1].name, "scale_1");
  EXPECT_EQ(s[2].name, "scale_1.25");
  for (size_t i = 0; i < book_2k().size(); ++i) ASSERT_EQ(s[2].elasticity[i], book_2k().elasticity[i] * 1.25);
}

// ---------------------------------------------------------------------------------------- outputs

TEST(ScenarioOutputs, TablesAndJsonWithExactHeadersAndNoSilentOverwrite) {
  const fs::path dir = test::scratch_dir() / "out";
  const Book& book = book_2k();
  std::vector<ElasticityScenario> scenarios = scale_scenarios(book, {0.75, 1.25});
  scenarios.push_back({"from,file", book.elasticity, "dir/from,file.csv"});  // a name that needs quoting
  const ScenarioResult r = run_scenarios(book, test::cpu_benchmark_options(), scenarios);
  write_scenario_outputs(dir.string(), book, r, false);

  const std::vector<std::string> policies = lines_of(test::read_text_file(dir / "scenario_policies.csv"));
  ASSERT_EQ(policies.size(), book.size() + 1);
  EXPECT_EQ(policies[0],
            "policy_id,multiplier_p10,multiplier_mean,multiplier_p90,m_scale_0.75,m_scale_1.25,\"m_from,file\"");
  for (size_t i = 0; i < book.size(); i += 397) {
    std::istringstream row(policies[i + 1]);
    std::string id, field;
    std::getline(row, id, ',');
    EXPECT_EQ(id, book.policy_id(i));
    std::vector<double> values;
    while (std::getline(row, field, ',')) values.push_back(std::stod(field));
    ASSERT_EQ(values.size(), 6u);
    EXPECT_EQ(values[0], r.multiplier_p10[i]);  // shortest exact text round-trips
    EXPECT_EQ(values[1], r.multiplier_mean[i]);
    EXPECT_EQ(values[2], r.multiplier_p90[i]);
    EXPECT_EQ(values[3], r.multipliers[0][i]);
    EXPECT_EQ(values[5], r.multipliers[2][i]);
  }

  const std::vector<std::string> summary = lines_of(test::read_text_file(dir / "scenarios.csv"));
  ASSERT_EQ(summary.size(), 4u);
  EXPECT_EQ(summary[0], "scenario,status,converged,profit,gwp,loss_ratio,retention,optimality_gap,passes,seconds");
  EXPECT_EQ(summary[1].rfind("scale_0.75,converged,1,", 0), 0u) << summary[1];
  EXPECT_EQ(summary[3].rfind("\"from,file\",converged,1,", 0), 0u) << summary[3];

  const auto j = nlohmann::json::parse(test::read_text_file(dir / "result.json"));
  EXPECT_EQ(j["kind"], "elasticity_scenarios");
  EXPECT_EQ(j["n_scenarios"], 3);
  EXPECT_EQ(j["n_converged"], 3);
  EXPECT_EQ(j["profit"]["p10"].get<double>(), r.profit_p10);
  EXPECT_EQ(j["profit"]["mean"].get<double>(), r.profit_mean);
  EXPECT_EQ(j["profit"]["p90"].get<double>(), r.profit_p90);
  ASSERT_EQ(j["scenarios"].size(), 3u);
  EXPECT_EQ(j["scenarios"][2]["scenario"], "from,file");
  EXPECT_EQ(j["scenarios"][2]["source"], "dir/from,file.csv");
  EXPECT_EQ(j["scenarios"][0]["profit"].get<double>(), r.scenarios[0].summary.profit);
  EXPECT_EQ(j["backend_used"], "cpu");
  EXPECT_EQ(j["rateopt"]["version"], version_string());
  EXPECT_EQ(j["audit"]["inputs"]["n_policies"], 2000);
  EXPECT_EQ(j["audit"]["configuration"]["lr_max"], 0.68);
  EXPECT_TRUE(j["audit"]["timestamp_utc"].is_string());
  EXPECT_EQ(nlohmann::json::parse(scenarios_json(r))["profit"], j["profit"]);

  // refuses to overwrite without force, and leaves the files alone
  const std::string before = test::read_text_file(dir / "scenarios.csv");
  const std::string refused = input_error_of([&] { write_scenario_outputs(dir.string(), book, r, false); });
  EXPECT_NE(refused.find("exists; use --force to replace it"), std::string::npos) << refused;
  EXPECT_EQ(test::read_text_file(dir / "scenarios.csv"), before);
  EXPECT_NO_THROW(write_scenario_outputs(dir.string(), book, r, true));
  for (const std::string& name : scenario_output_names()) EXPECT_TRUE(fs::exists(dir / name)) << name;
  for (const auto& entry : fs::directory_iterator(dir))  // no temporary files left behind
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(ScenarioOutputs, NoConvergedScenarioLeavesEmptyPercentiles) {
  const fs::path dir = test::scratch_dir();
  OptimiseOptions o = test::cpu_benchmark_options();
  o.retention_min = 0.99;  // out of reach within ±25%
  const ScenarioResult r = run_scenarios(book_2k(), o, scale_scenarios(book_2k(), {1.0}));
  ASSERT_EQ(r.scenarios[0].summary.status, SolveStatus::infeasible);
  EXPECT_EQ(r.n_converged, 0);
  EXPECT_TRUE(std::isnan(r.profit_p10) && std::isnan(r.profit_mean) && std::isnan(r.profit_p90));
  write_scenario_outputs(dir.string(), book_2k(), r, false);
  const std::vector<std::string> policies = lines_of(test::read_text_file(dir / "scenario_policies.csv"));
  ASSERT_EQ(policies.size(), book_2k().size() + 1);
  EXPECT_EQ(policies[1].rfind(book_2k().policy_id(0) + ",,,,", 0), 0u) << policies[1];
  const auto j = nlohmann::json::parse(test::read_text_file(dir / "result.json"));
  EXPECT_TRUE(j["profit"]["p10"].is_null());
  EXPECT_EQ(j["scenarios"][0]["status"], "infeasible");
}

// The CLI wiring: scales and a file together, one row per policy, and no source given is exit 2.
TEST(ScenarioCli, ScalesAndFilesRunEndToEnd) {
  const std::filesystem::path dir = test::scratch_dir();
  const std::string book = (dir / "book.csv").string();
  const test::CliRun generated =
      test::run_rateopt(dir, {"generate", "--policies", "500", "--seed", "4", "--out", book});
  ASSERT_EQ(generated.rc, 0) << test::describe(generated);
  const rateopt::Book b = rateopt::read_book_csv(book);
  {
    std::ofstream f(dir / "steep.csv");
    f << "policy_id,elasticity\n";
    for (size_t i = 0; i < b.size(); ++i) f << b.policy_id(i) << "," << 1.5 * b.elasticity[i] << "\n";
  }
  const std::string out = (dir / "out").string();
  const test::CliRun r =
      test::run_rateopt(dir, {"scenarios", "--book", book, "--elasticity-scale", "0.75,1", "--elasticity-files",
                              (dir / "steep.csv").string(), "--retention-min", "0.75", "--out-dir", out});
  ASSERT_EQ(r.rc, 0) << test::describe(r);
  std::ifstream csv(std::filesystem::path(out) / "scenario_policies.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "policy_id,multiplier_p10,multiplier_mean,multiplier_p90,m_scale_0.75,m_scale_1,m_steep");
  int rows = 0;
  for (std::string line; std::getline(csv, line);) ++rows;
  EXPECT_EQ(rows, 500);
  const test::CliRun none = test::run_rateopt(dir, {"scenarios", "--book", book, "--out-dir", (dir / "none").string()});
  EXPECT_EQ(none.rc, 2) << test::describe(none);
  EXPECT_FALSE(std::filesystem::exists(dir / "none"));
}
