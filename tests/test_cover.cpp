// The policy-mix integer programme (SPEC §4.1): CBC's answers against exhaustive enumeration on small
// quote sets (ties broken by the documented rule), infeasible goals, --max-policies, the quotes
// reader's errors, and the scenario grid on the bundled example checked against an independent
// exhaustive search.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "cover_test_util.hpp"
#include "rateopt/cover.hpp"
#include "rateopt/errors.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

namespace fs = std::filesystem;

LifeQuote quote(const std::string& id, double term, double coverage, double premium) {
  LifeQuote q;
  q.policy_id = id;
  q.insurer = "Insurer " + id;
  q.term = term;
  q.coverage = coverage;
  q.yearly_premium = premium;
  return q;
}

/// The goal in exact integers: coverage ≥ C and Σ c·t·n ≥ T·Σ c·n, evaluated in int64 (the test data
/// are whole numbers), independent of the library's doubles.
bool feasible_exactly(const std::vector<LifeQuote>& quotes, const std::vector<int64_t>& n, const CoverGoal& goal) {
  int64_t coverage = 0, coverage_term = 0, count = 0;
  for (size_t k = 0; k < quotes.size(); ++k) {
    const auto c = static_cast<int64_t>(quotes[k].coverage), t = static_cast<int64_t>(quotes[k].term);
    coverage += c * n[k];
    coverage_term += c * t * n[k];
    count += n[k];
  }
  const auto min_coverage = static_cast<int64_t>(goal.min_coverage), min_term = static_cast<int64_t>(goal.min_avg_term);
  return coverage >= min_coverage && coverage_term >= min_term * coverage &&
         (!goal.max_policies || count <= *goal.max_policies);
}

double premium_of(const std::vector<LifeQuote>& quotes, const std::vector<int64_t>& n) {
  double p = 0;
  for (size_t k = 0; k < quotes.size(); ++k) p += quotes[k].yearly_premium * static_cast<double>(n[k]);
  return p;
}

/// The documented tie-breaking rule applied to a list of feasible mixes: minimum premium (1e-9
/// relative), then fewest policies, then the lexicographically largest count vector.
std::vector<int64_t> best_by_rule(const std::vector<LifeQuote>& quotes,
                                  const std::vector<std::vector<int64_t>>& mixes) {
  double min_premium = INFINITY;
  for (const auto& n : mixes) min_premium = std::min(min_premium, premium_of(quotes, n));
  const double cap = min_premium + 1e-9 * std::max(1.0, min_premium);
  std::vector<int64_t> best;
  int64_t best_count = 0;
  for (const auto& n : mixes) {
    if (premium_of(quotes, n) > cap) continue;
    int64_t count = 0;
    for (int64_t c : n) count += c;
    if (best.empty() || count < best_count || (count == best_count && n > best)) {
      best = n;
      best_count = count;
    }
  }
  return best;
}

/// A per-quote bound that provably holds for every optimum: a single quote k with term ≥ T bought
/// ⌈C/c_k⌉ times is feasible (within max_policies), so the optimum P* ≤ that premium P_ub and every
/// optimal n_k ≤ ⌊P_ub/p_k⌋ (computed with 1e-9 slack: 375.27/125.09 is 2.9999… in binary); with
/// max_policies K also n_k ≤ K.  Empty when neither bound exists,
/// which happens only when every term is below T (then no mix is feasible).
std::vector<int64_t> enumeration_bounds(const std::vector<LifeQuote>& quotes, const CoverGoal& goal) {
  double upper_premium = INFINITY;
  for (const LifeQuote& q : quotes) {
    if (q.term < goal.min_avg_term) continue;
    const double copies = std::ceil(goal.min_coverage / q.coverage);
    if (goal.max_policies && copies > static_cast<double>(*goal.max_policies)) continue;
    upper_premium = std::min(upper_premium, copies * q.yearly_premium);
  }
  if (std::isinf(upper_premium) && !goal.max_policies) return {};
  std::vector<int64_t> bounds;
  for (const LifeQuote& q : quotes) {
    int64_t b = std::isinf(upper_premium)
                    ? INT64_MAX
                    : static_cast<int64_t>(std::floor(upper_premium / q.yearly_premium * (1 + 1e-9)));
    if (goal.max_policies) b = std::min(b, *goal.max_policies);
    bounds.push_back(b);
  }
  return bounds;
}

/// Every count vector 0 ≤ n ≤ bounds (an odometer), the feasible ones kept.
std::vector<std::vector<int64_t>> enumerate_feasible(const std::vector<LifeQuote>& quotes, const CoverGoal& goal,
                                                     const std::vector<int64_t>& bounds) {
  std::vector<std::vector<int64_t>> feasible;
  std::vector<int64_t> n(quotes.size(), 0);
  for (;;) {
    if (feasible_exactly(quotes, n, goal)) feasible.push_back(n);
    size_t k = 0;
    while (k < n.size() && n[k] == bounds[k]) n[k++] = 0;
    if (k == n.size()) return feasible;
    ++n[k];
  }
}

using cover_test::counts_text;
using cover_test::describe;

// Random small quote sets whose premiums are whole dollars from a coarse rate table, so equal-premium
// optima are common and the tie-breaking rule is exercised; every fourth set adds cents.
TEST(CoverEnumeration, MatchesExhaustiveEnumerationWithTiesBrokenByTheRule) {
  std::mt19937_64 rng(20261122);
  const double terms[] = {10, 15, 20, 25, 30};
  const double coverages[] = {100000, 250000, 500000, 750000};
  const double min_coverages[] = {250000, 500000, 750000, 1000000, 1500000};
  const double min_terms[] = {0, 12, 18, 20, 23, 27, 30};
  int checked = 0, infeasible = 0, ties = 0;
  for (int instance = 0; instance < 400; ++instance) {
    std::vector<LifeQuote> quotes;
    const int n = 3 + static_cast<int>(rng() % 3);  // 3..5 quotes
    for (int k = 0; k < n; ++k) {
      const double t = terms[rng() % 5], c = coverages[rng() % 4];
      const double rate = 0.4 + 0.1 * static_cast<double>(rng() % 3);  // dollars per thousand, coarse
      double premium = std::round(c / 1000 * rate * (t >= 25 ? 1.5 : 1));
      if (instance % 4 == 3) premium += static_cast<double>(rng() % 100) / 100;  // cents: no exact ties
      quotes.push_back(quote(std::to_string(k + 1), t, c, premium));
    }
    CoverGoal goal;
    goal.min_coverage = min_coverages[rng() % 5];
    goal.min_avg_term = min_terms[rng() % 7];
    if (rng() % 3 == 0) goal.max_policies = 1 + static_cast<int64_t>(rng() % 5);

    const CoverResult r = solve_cover(quotes, goal);
    const std::vector<int64_t> bounds = enumeration_bounds(quotes, goal);
    std::vector<std::vector<int64_t>> mixes;
    if (!bounds.empty()) mixes = enumerate_feasible(quotes, goal, bounds);
    if (mixes.empty()) {
      EXPECT_FALSE(r.feasible) << describe(quotes, goal) << "\nCBC found " << counts_text(r.counts);
      ++infeasible;
      continue;
    }
    ASSERT_TRUE(r.feasible) << describe(quotes, goal);
    const std::vector<int64_t> expected = best_by_rule(quotes, mixes);
    EXPECT_EQ(expected, r.counts) << describe(quotes, goal) << "\nexpected " << counts_text(expected) << "got "
                                  << counts_text(r.counts);
    EXPECT_TRUE(feasible_exactly(quotes, r.counts, goal));
    EXPECT_DOUBLE_EQ(premium_of(quotes, expected), r.yearly_premium);
    const double p = premium_of(quotes, expected);
    ties += std::count_if(mixes.begin(), mixes.end(), [&](const auto& m) { return premium_of(quotes, m) == p; }) > 1;
    ++checked;
  }
  std::printf("enumeration: %d optimal (%d with equal-premium ties), %d infeasible\n", checked, ties, infeasible);
  // the instances must exercise all three branches, or the test proves less than it claims
  EXPECT_GT(checked, 150) << infeasible << " infeasible, " << ties << " with ties";
  EXPECT_GT(infeasible, 20) << checked << " checked";
  EXPECT_GT(ties, 20) << checked << " checked";
}

TEST(CoverEnumeration, IdenticalQuotesTakeTheFirstInFileOrder) {
  const std::vector<LifeQuote> quotes = {quote("a", 20, 500000, 300), quote("b", 30, 500000, 400),
                                         quote("c", 30, 500000, 400)};
  const CoverResult r = solve_cover(quotes, CoverGoal{1000000, 30, std::nullopt});
  ASSERT_TRUE(r.feasible);
  EXPECT_EQ((std::vector<int64_t>{0, 2, 0}), r.counts);
  EXPECT_EQ(800, r.yearly_premium);
}

TEST(CoverEnumeration, FewerPoliciesWinAtEqualPremium) {
  // 2×250k at 150 each costs what one 500k at 300 does; the single policy wins, though it is later in the file
  const std::vector<LifeQuote> quotes = {quote("small", 30, 250000, 150), quote("big", 30, 500000, 300)};
  const CoverResult r = solve_cover(quotes, CoverGoal{500000, 25, std::nullopt});
  ASSERT_TRUE(r.feasible);
  EXPECT_EQ((std::vector<int64_t>{0, 1}), r.counts);
}

TEST(CoverEnumeration, BlendOfTwentyAndThirtyYearsBeatsTwentyFive) {
  // SPEC §4.1's point: 500k at 20 years + 500k at 30 years averages 25 and is cheaper than 1M at 25
  const std::vector<LifeQuote> quotes = {quote("t20", 20, 500000, 200), quote("t25", 25, 1000000, 700),
                                         quote("t30", 30, 500000, 320)};
  const CoverResult r = solve_cover(quotes, CoverGoal{1000000, 25, std::nullopt});
  ASSERT_TRUE(r.feasible);
  EXPECT_EQ((std::vector<int64_t>{1, 0, 1}), r.counts);
  EXPECT_EQ(520, r.yearly_premium);
  EXPECT_EQ(25, r.wa_term);
  EXPECT_EQ(1000000, r.total_coverage);
  EXPECT_DOUBLE_EQ(520.0 / 12, r.monthly_premium);
  EXPECT_DOUBLE_EQ(0.52, r.premium_per_thousand);
}

TEST(CoverInfeasible, EveryTermBelowTheGoal) {
  const std::vector<LifeQuote> quotes = {quote("1", 10, 500000, 100), quote("2", 20, 500000, 200)};
  const CoverResult r = solve_cover(quotes, CoverGoal{1000000, 21, std::nullopt});
  EXPECT_FALSE(r.feasible);
  EXPECT_EQ((std::vector<int64_t>{0, 0}), r.counts);
}

TEST(CoverInfeasible, MaxPoliciesTooFewForTheCoverage) {
  const std::vector<LifeQuote> quotes = {quote("1", 30, 250000, 100), quote("2", 30, 500000, 250)};
  EXPECT_FALSE(solve_cover(quotes, CoverGoal{1600000, 25, 3}).feasible);
  const CoverResult four = solve_cover(quotes, CoverGoal{1600000, 25, 4});
  ASSERT_TRUE(four.feasible);
  EXPECT_EQ((std::vector<int64_t>{1, 3}), four.counts);  // 4 policies: 1×250k + 3×500k = 1.75M at 850
  const CoverResult free = solve_cover(quotes, CoverGoal{1600000, 25, std::nullopt});
  EXPECT_EQ((std::vector<int64_t>{7, 0}), free.counts);  // 7×250k at 700 when the count is free
}

TEST(CoverGoal, RejectsBadGoals) {
  const std::vector<LifeQuote> quotes = {quote("1", 30, 250000, 100)};
  EXPECT_THROW(solve_cover(quotes, CoverGoal{0, 20, std::nullopt}), InputError);
  EXPECT_THROW(solve_cover(quotes, CoverGoal{NAN, 20, std::nullopt}), InputError);
  EXPECT_THROW(solve_cover(quotes, CoverGoal{1000, -1, std::nullopt}), InputError);
  EXPECT_THROW(solve_cover(quotes, CoverGoal{1000, INFINITY, std::nullopt}), InputError);
  EXPECT_THROW(solve_cover(quotes, CoverGoal{1000, 20, 0}), InputError);
  EXPECT_THROW(solve_cover({}, CoverGoal{1000, 20, std::nullopt}), InputError);
  EXPECT_THROW(solve_cover(quotes, CoverGoal{1e300, 20, std::nullopt}), InputError);  // > 1e9 policies
  EXPECT_THROW(parse_number_list("--grid-min-coverage", "1,,2"), InputError);
  EXPECT_THROW(parse_number_list("--grid-min-coverage", "1,x"), InputError);
  EXPECT_EQ((std::vector<double>{15, 20.5}), parse_number_list("--grid-min-avg-term", " 15, 20.5"));
  EXPECT_THROW(solve_cover_grid(quotes, {15, 15}, {1000}, std::nullopt), InputError);
}

// ---------------------------------------------------------------- the quotes reader

std::string reader_error(const std::string& text) {
  const fs::path path = test::scratch_dir() / "quotes.csv";
  test::write_text_file(path, text);
  try {
    read_quotes_csv(path.string());
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CoverQuotesCsv, ReadsTheBundledExample) {
  const QuoteSet set = read_quotes_csv(std::string(RATEOPT_SOURCE_DIR) + "/examples/life_quotes.csv");
  ASSERT_EQ(20u, set.quotes.size());
  EXPECT_EQ("1", set.quotes[0].policy_id);
  EXPECT_EQ("Insurer 1", set.quotes[0].insurer);
  EXPECT_EQ(10, set.quotes[0].term);
  EXPECT_EQ(100000, set.quotes[0].coverage);
  EXPECT_EQ(98, set.quotes[0].yearly_premium);
  EXPECT_EQ(2u, set.quotes[0].line);
  EXPECT_EQ("49", set.quotes.back().policy_id);
  EXPECT_EQ(1234, set.quotes.back().yearly_premium);
  EXPECT_TRUE(set.warnings.empty());
}

TEST(CoverQuotesCsv, AcceptsBomCrlfQuotesBlankLinesAndExtraColumns) {
  const fs::path path = test::scratch_dir() / "quotes.csv";
  test::write_text_file(path,
                        "\xEF\xBB\xBFyearly_premium,note,coverage,term,insurer,policy_id\r\n"
                        "\r\n"
                        " 100 ,x,250000,+20,\"Acme, Inc.\",A1\r\n"
                        "200,,500000,30,Other,A2\r\n");
  const QuoteSet set = read_quotes_csv(path.string());
  ASSERT_EQ(2u, set.quotes.size());
  EXPECT_EQ("Acme, Inc.", set.quotes[0].insurer);
  EXPECT_EQ(100, set.quotes[0].yearly_premium);
  EXPECT_EQ(20, set.quotes[0].term);
  EXPECT_EQ(3u, set.quotes[0].line);
  EXPECT_EQ(4u, set.quotes[1].line);
  ASSERT_EQ(1u, set.warnings.size());
  EXPECT_NE(std::string::npos, set.warnings[0].find("quotes.csv:1: ignoring unknown column \"note\""));
}

TEST(CoverQuotesCsv, RejectsBadInputNamingFileLineAndRule) {
  const std::string header = "policy_id,insurer,term,coverage,yearly_premium\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "quotes.csv: quotes file is empty"},
      {"\n\n", "quotes.csv: quotes file is empty"},
      {header, "quotes.csv: quotes file has a header but no quotes"},
      {"policy_id,insurer,term,coverage\n1,a,10,100\n", "quotes.csv:1: missing required column \"yearly_premium\""},
      {"policy_id,insurer,term,term,coverage,yearly_premium\n",
       "quotes.csv:1: duplicate column \"term\" (fields 3 and 4)"},
      {header + "1,a,10,100000,98\n1,b,20,100000,99\n", "quotes.csv:3: policy_id \"1\" repeats the one at line 2"},
      {header + "1,a,ten,100000,98\n", "quotes.csv:2: term = \"ten\" is not a number"},
      {header + "1,a,10,100000,nan\n", "quotes.csv:2: yearly_premium = \"nan\" is not a finite number"},
      {header + "1,a,10,inf,98\n", "quotes.csv:2: coverage = \"inf\" is not a finite number"},
      {header + "1,a,10,1e999,98\n", "quotes.csv:2: coverage = \"1e999\" is out of the range of a double"},
      {header + "1,a,0,100000,98\n", "quotes.csv:2: term = \"0\" must be > 0"},
      {header + "1,a,10,-5,98\n", "quotes.csv:2: coverage = \"-5\" must be > 0"},
      {header + "1,a,10,100000,0\n", "quotes.csv:2: yearly_premium = \"0\" must be > 0"},
      {header + "1,a,10,100000,\n", "quotes.csv:2: yearly_premium is empty"},
      {header + "2,a,10,100000,5\n,a,10,100000,98\n", "quotes.csv:3: policy_id is empty"},
      {header + "1,a,10,100000\n", "quotes.csv:2: row has 4 fields, header has 5"},
      {header + "1,a,10,100000,98,7\n", "quotes.csv:2: row has more than 5 fields, header has 5"},
      {header + "1,\"a,10,100000,98\n", "quotes.csv:2: insurer: quoted field is not closed"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string message = reader_error(text);
    EXPECT_NE(std::string::npos, message.find(expected)) << "input:\n" << text << "\nmessage: " << message;
  }
  EXPECT_NE(std::string::npos, reader_error("x").find("missing required column"));
  try {
    read_quotes_csv((test::scratch_dir() / "absent.csv").string());
    ADD_FAILURE() << "no error for a missing file";
  } catch (const InputError& e) {
    EXPECT_NE(std::string::npos, std::string(e.what()).find("absent.csv: cannot open"));
  }
}

// ---------------------------------------------------------------- the program

using test::CliRun;

/// `rateopt cover --quotes quotes options…`, run in the test's scratch directory.
CliRun run_cover(const std::string& quotes, const std::vector<std::string>& options) {
  return test::run_rateopt(test::scratch_dir(), test::concat({"cover", "--quotes", quotes}, options));
}

std::string example_quotes() { return std::string(RATEOPT_SOURCE_DIR) + "/examples/life_quotes.csv"; }

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
      fields.push_back(line.substr(start, comma - start));
    fields.push_back(line.substr(start));
    rows.push_back(fields);
  }
  return rows;
}

TEST(CoverCli, OneGoalReportAndJson) {
  const CliRun report = run_cover(example_quotes(), {"--min-coverage", "1500000", "--min-avg-term", "30"});
  ASSERT_EQ(0, report.rc) << report.err;
  EXPECT_NE(std::string::npos, report.out.find("yearly premium 941.00, monthly premium 78.42")) << report.out;
  EXPECT_NE(std::string::npos, report.out.find("premium per thousand 0.6273")) << report.out;

  const CliRun j =
      run_cover(example_quotes(), test::words("--min-coverage 1500000 --min-avg-term 23 --max-policies 2 --json"));
  ASSERT_EQ(0, j.rc) << j.err;
  const nlohmann::json doc = nlohmann::json::parse(j.out);
  EXPECT_EQ("optimal", doc["status"]);
  EXPECT_EQ(2, doc["goal"]["max_policies"]);
  EXPECT_LE(doc["policy_count"].get<int>(), 2);
  double premium = 0, coverage = 0, coverage_term = 0;
  for (const auto& p : doc["policies"]) {
    premium += p["yearly_premium"].get<double>() * p["count"].get<double>();
    coverage += p["coverage"].get<double>() * p["count"].get<double>();
    coverage_term += p["coverage"].get<double>() * p["term"].get<double>() * p["count"].get<double>();
  }
  EXPECT_EQ(premium, doc["yearly_premium"].get<double>());
  EXPECT_GE(coverage, 1500000);
  EXPECT_GE(coverage_term, 23 * coverage);
  EXPECT_EQ(64, doc["audit"]["inputs"]["sha256"].get<std::string>().size());
}

TEST(CoverCli, InfeasibleGoalExitsZeroAndSaysSo) {
  const CliRun r = run_cover(example_quotes(), {"--min-coverage", "1000000", "--min-avg-term", "31"});
  EXPECT_EQ(0, r.rc) << r.err;
  EXPECT_NE(std::string::npos, r.out.find("infeasible")) << r.out;
  const CliRun j = run_cover(example_quotes(), {"--min-coverage", "1000000", "--min-avg-term", "31", "--json"});
  EXPECT_EQ(0, j.rc);
  EXPECT_EQ("infeasible", nlohmann::json::parse(j.out)["status"]);
}

TEST(CoverCli, BadInputExitsTwoAndWritesNothing) {
  const fs::path dir = test::scratch_dir();
  const fs::path bad = dir / "bad.csv";
  test::write_text_file(bad, "policy_id,insurer,term,coverage,yearly_premium\n1,a,10,100000,98\n2,b,-3,100000,98\n");
  const fs::path out = dir / "grid";
  const std::vector<std::string> to_out = {"--out-dir", out.string()};
  CliRun r = run_cover(bad.string(),
                       test::concat(test::words("--grid-min-avg-term 15,20 --grid-min-coverage 750000"), to_out));
  EXPECT_EQ(2, r.rc);
  EXPECT_NE(std::string::npos, r.err.find("bad.csv:3: term = \"-3\" must be > 0")) << r.err;
  EXPECT_FALSE(fs::exists(out));
  const std::vector<std::vector<std::string>> bad_options = {
      test::words("--min-coverage 1000000"),               // no term
      test::words("--min-coverage -1 --min-avg-term 20"),  // coverage ≤ 0
      test::words("--min-coverage 1000000 --min-avg-term 20 --max-policies 0"),
      test::words("--min-coverage abc --min-avg-term 20"),  // CLI11 rejects it
      test::concat(test::words("--grid-min-avg-term 15,x --grid-min-coverage 750000"), to_out),
      test::concat(test::words("--grid-min-avg-term 15"), to_out),       // one list only
      test::words("--grid-min-avg-term 15 --grid-min-coverage 750000"),  // no --out-dir
      test::concat(test::words("--min-coverage 1000000 --min-avg-term 20"), to_out),
  };
  for (const std::vector<std::string>& options : bad_options) {
    r = run_cover(example_quotes(), options);
    EXPECT_EQ(2, r.rc) << test::describe(r);
    EXPECT_FALSE(fs::exists(out)) << r.command;
  }
}

/// Every feasible mix with premium ≤ limit, by depth-first search over the quotes with two safe
/// prunings: the premium so far already exceeds limit, or even the best coverage per dollar among the
/// quotes left cannot reach the coverage with the budget left.  Independent of CBC.
void search_mixes(const std::vector<LifeQuote>& quotes, const CoverGoal& goal, double limit, size_t k,
                  std::vector<int64_t>& n, double premium, double coverage, std::vector<std::vector<int64_t>>& out) {
  if (k == quotes.size()) {
    if (feasible_exactly(quotes, n, goal)) out.push_back(n);
    return;
  }
  double best_ratio = 0;
  for (size_t j = k; j < quotes.size(); ++j)
    best_ratio = std::max(best_ratio, quotes[j].coverage / quotes[j].yearly_premium);
  if (coverage + (limit - premium) * best_ratio < goal.min_coverage * (1 - 1e-12)) return;
  for (n[k] = 0; premium + quotes[k].yearly_premium * static_cast<double>(n[k]) <= limit; ++n[k])
    search_mixes(quotes, goal, limit, k + 1, n, premium + quotes[k].yearly_premium * static_cast<double>(n[k]),
                 coverage + quotes[k].coverage * static_cast<double>(n[k]), out);
  n[k] = 0;
}

TEST(CoverCli, GridOnTheBundledExampleIsConsistentAndOptimal) {
  const fs::path out = test::scratch_dir() / "grid";
  const CliRun r =
      run_cover(example_quotes(), {"--grid-min-avg-term", "15,20,23,25,27", "--grid-min-coverage",
                                   "750000,1000000,1250000,1500000,1750000,2000000", "--out-dir", out.string()});
  ASSERT_EQ(0, r.rc) << r.err;
  const QuoteSet set = read_quotes_csv(example_quotes());
  const auto summary = csv_rows(test::read_text_file(out / "scenarios.csv"));
  const auto per_policy = csv_rows(test::read_text_file(out / "scenario_policies.csv"));
  ASSERT_EQ(31u, summary.size());
  EXPECT_EQ((std::vector<std::string>{"scenario", "min_avg_term", "min_tot_cov", "policy_count", "yearly_premium",
                                      "wa_term", "total_coverage", "premium_per_thousand"}),
            summary[0]);
  ASSERT_EQ(21u, per_policy.size());
  ASSERT_EQ(5u + 30u, per_policy[0].size());
  EXPECT_EQ("15_750000", summary[1][0]);
  EXPECT_EQ("27_2000000", summary[30][0]);
  const nlohmann::json doc = nlohmann::json::parse(test::read_text_file(out / "result.json"));
  EXPECT_EQ(30u, doc["scenarios"].size());

  for (size_t s = 1; s < summary.size(); ++s) {
    const auto& row = summary[s];
    ASSERT_EQ(8u, row.size()) << row[0];
    ASSERT_EQ(row[0], per_policy[0][4 + s]);
    CoverGoal goal{std::stod(row[2]), std::stod(row[1]), std::nullopt};
    std::vector<int64_t> counts;
    for (size_t k = 1; k < per_policy.size(); ++k) counts.push_back(std::stoll(per_policy[k][4 + s]));
    // the row's figures are those of its policies
    const CoverResult mix = evaluate_mix(set.quotes, counts, goal);
    EXPECT_TRUE(feasible_exactly(set.quotes, counts, goal)) << row[0];
    EXPECT_EQ(mix.policy_count, std::stoll(row[3])) << row[0];
    EXPECT_EQ(premium_of(set.quotes, counts), std::stod(row[4])) << row[0];
    EXPECT_EQ(mix.wa_term, std::stod(row[5])) << row[0];
    EXPECT_EQ(mix.total_coverage, std::stod(row[6])) << row[0];
    EXPECT_EQ(mix.premium_per_thousand, std::stod(row[7])) << row[0];
    EXPECT_GE(mix.wa_term, goal.min_avg_term);
    // and no cheaper mix exists: every mix up to CBC's premium, found by exhaustive search
    std::vector<std::vector<int64_t>> mixes;
    std::vector<int64_t> n(set.quotes.size(), 0);
    search_mixes(set.quotes, goal, mix.yearly_premium * (1 + 1e-9), 0, n, 0, 0, mixes);
    ASSERT_FALSE(mixes.empty()) << row[0];
    EXPECT_EQ(best_by_rule(set.quotes, mixes), counts) << row[0];
  }

  // no overwrite without --force; with it the same files come back
  const std::vector<std::string> again = {"--grid-min-avg-term", "15",        "--grid-min-coverage", "750000",
                                          "--out-dir",           out.string()};
  const CliRun refused = run_cover(example_quotes(), again);
  EXPECT_EQ(2, refused.rc);
  EXPECT_NE(std::string::npos, refused.err.find("use --force")) << refused.err;
  EXPECT_EQ(31u, csv_rows(test::read_text_file(out / "scenarios.csv")).size());
  EXPECT_EQ(0, run_cover(example_quotes(), test::concat(again, {"--force"})).rc);
  EXPECT_EQ(2u, csv_rows(test::read_text_file(out / "scenarios.csv")).size());
}

}  // namespace
}  // namespace rateopt
