// The policy-mix programme over the whole of its documented ranges (cover_limits): quotes whose
// premiums, coverages and terms differ by up to 14 orders of magnitude are solved exactly (checked
// against an enumeration), the values the issue found (premium 1e25 and 1e24, coverage 1e14, term
// 1e300) are refused or answered correctly, and CBC's "infeasible" is never taken on trust when a
// single quote plainly meets the goal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cover_test_util.hpp"
#include "rateopt/cover.hpp"
#include "rateopt/errors.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

LifeQuote quote(const std::string& id, double term, double coverage, double premium) {
  LifeQuote q;
  q.policy_id = id;
  q.term = term;
  q.coverage = coverage;
  q.yearly_premium = premium;
  return q;
}

using cover_test::counts_text;
using cover_test::describe;

/// The documented answer by enumeration, for three quotes: every n_0, n_1 up to ⌈C/c⌉ + 1 (more is
/// never optimal, see useful_count in host/cover/cover.cpp) and for each the fewest n_2 that meet the
/// goal (evaluate_mix, the library's exact re-check, decides feasibility); then the tie rule.  Empty
/// when no mix is feasible.
std::vector<int64_t> enumerate_best(const std::vector<LifeQuote>& q, const CoverGoal& goal) {
  const double limit = goal.max_policies ? static_cast<double>(*goal.max_policies) : 1e9;
  const auto bound = [&](const LifeQuote& x) {
    return static_cast<int64_t>(std::min(limit, std::ceil(goal.min_coverage / x.coverage) + 1));
  };
  std::vector<std::vector<int64_t>> mixes;
  for (int64_t n0 = 0; n0 <= bound(q[0]); ++n0) {
    for (int64_t n1 = 0; n1 <= bound(q[1]); ++n1) {
      const double coverage = q[0].coverage * static_cast<double>(n0) + q[1].coverage * static_cast<double>(n1);
      const double surplus = q[0].coverage * (q[0].term - goal.min_avg_term) * static_cast<double>(n0) +
                             q[1].coverage * (q[1].term - goal.min_avg_term) * static_cast<double>(n1);
      double n2 = std::max(0.0, std::ceil((goal.min_coverage - coverage) / q[2].coverage));
      const double a2 = q[2].coverage * (q[2].term - goal.min_avg_term);
      if (surplus < 0 && a2 > 0) n2 = std::max(n2, std::ceil(-surplus / a2));
      // rounding: the fewest n_2 within one of the estimate that the re-check accepts
      for (double candidate = std::max(0.0, n2 - 1); candidate <= n2 + 1; ++candidate) {
        if (candidate > 1e9 || static_cast<double>(n0 + n1) + candidate > limit) break;
        const std::vector<int64_t> n = {n0, n1, static_cast<int64_t>(candidate)};
        if (evaluate_mix(q, n, goal).feasible) {
          mixes.push_back(n);
          break;
        }
      }
    }
  }
  if (mixes.empty()) return {};
  double min_premium = INFINITY;
  for (const auto& n : mixes) min_premium = std::min(min_premium, evaluate_mix(q, n, goal).yearly_premium);
  const double cap = min_premium + 1e-9 * std::max(1.0, min_premium);
  std::vector<int64_t> best;
  int64_t best_count = 0;
  for (const auto& n : mixes) {
    const CoverResult r = evaluate_mix(q, n, goal);
    if (r.yearly_premium > cap) continue;
    if (best.empty() || r.policy_count < best_count || (r.policy_count == best_count && n > best)) {
      best = n;
      best_count = r.policy_count;
    }
  }
  return best;
}

// Log-uniform values over the documented ranges: premiums 0.01 to 1e12, coverages 1 to 1e12 (two of
// the three within 200 policies of the goal so the enumeration stays small), terms 0.01 to 200.
TEST(CoverRanges, MatchesEnumerationAcrossTheDocumentedRanges) {
  std::mt19937_64 rng(140003);
  const auto log_uniform = [&](double lo, double hi) {
    return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng));
  };
  int optimal = 0, infeasible = 0, limited = 0;
  for (int instance = 0; instance < 300; ++instance) {
    CoverGoal goal;
    goal.min_coverage = log_uniform(100, 1e14);
    std::vector<LifeQuote> quotes;
    for (int k = 0; k < 3; ++k) {
      const double coverage = k < 2 ? log_uniform(std::max(1.0, goal.min_coverage / 200),
                                                  std::min(cover_limits::max_coverage, goal.min_coverage * 10))
                                    : log_uniform(cover_limits::min_coverage, cover_limits::max_coverage);
      quotes.push_back(quote(std::string(1, static_cast<char>('a' + k)), log_uniform(0.01, cover_limits::max_term),
                             coverage, log_uniform(cover_limits::min_premium, cover_limits::max_premium)));
    }
    const double shortest = std::min({quotes[0].term, quotes[1].term, quotes[2].term});
    const double longest = std::max({quotes[0].term, quotes[1].term, quotes[2].term});
    goal.min_avg_term = instance % 5 == 0 ? 0.0 : log_uniform(shortest, longest * 1.1);
    if (instance % 3 == 0) {
      goal.max_policies = 1 + static_cast<int64_t>(rng() % 300);
      ++limited;
    }

    const std::vector<int64_t> expected = enumerate_best(quotes, goal);
    CoverResult r;
    ASSERT_NO_THROW(r = solve_cover(quotes, goal)) << describe(quotes, goal);
    if (expected.empty()) {
      EXPECT_FALSE(r.feasible) << describe(quotes, goal) << "\nCBC found " << counts_text(r.counts);
      ++infeasible;
      continue;
    }
    ASSERT_TRUE(r.feasible) << describe(quotes, goal) << "\nexpected " << counts_text(expected);
    EXPECT_EQ(expected, r.counts) << describe(quotes, goal) << "\nexpected " << counts_text(expected) << "got "
                                  << counts_text(r.counts);
    ++optimal;
  }
  // both outcomes, with and without max_policies, or the test proves less than it claims
  EXPECT_GT(optimal, 100) << infeasible << " infeasible";
  EXPECT_GT(infeasible, 10) << optimal << " optimal";
  EXPECT_GT(limited, 50);
}

// The cases: a 1e25 premium aborted inside CLP and 1e24 gave exit 3 (both are now outside the
// reader's range); a 1e14 coverage or a 1e300 term gave "infeasible" although two ordinary quotes meet
// the goal.  Coverage 1e12 and term 200 are the largest in range, and solve.
TEST(CoverRanges, ExtremeQuotesBesideOrdinaryOnesGiveTheOrdinaryAnswer) {
  const CoverGoal goal{1000000, 20, std::nullopt};
  const std::vector<LifeQuote> base = {quote("a", 20, 500000, 300), quote("b", 25, 500000, 400)};
  for (const LifeQuote& extreme :
       {quote("c", 30, 500000, cover_limits::max_premium), quote("c", 30, cover_limits::max_coverage, 100000),
        quote("c", cover_limits::max_term, 500000, 1000), quote("c", 30, cover_limits::min_coverage, 0.01),
        quote("c", 0.01, cover_limits::max_coverage, cover_limits::min_premium * 1000)}) {
    std::vector<LifeQuote> quotes = base;
    quotes.push_back(extreme);
    const std::vector<int64_t> expected = enumerate_best(quotes, goal);
    const CoverResult r = solve_cover(quotes, goal);
    ASSERT_TRUE(r.feasible) << describe(quotes, goal);
    EXPECT_EQ(expected, r.counts) << describe(quotes, goal);
  }
  // the biggest quote alone, with max_policies 1: the term row's coefficients once spanned 1e12
  const std::vector<LifeQuote> quotes = {quote("a", 10, 1000, 0.01), quote("b", 200, 1e12, 1e12),
                                         quote("c", 200, 1, 0.01)};
  const CoverResult one = solve_cover(quotes, CoverGoal{1000, 20, 1});
  ASSERT_TRUE(one.feasible);
  EXPECT_EQ((std::vector<int64_t>{0, 1, 0}), one.counts);
}

TEST(CoverRanges, TheReaderRefusesValuesOutsideTheRanges) {
  const std::string header = "policy_id,insurer,term,coverage,yearly_premium\na,x,20,500000,300\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"c,z,30,500000,1e25\n", "quotes.csv:3: yearly_premium = \"1e25\" must be in [0.01,1e+12]"},
      {"c,z,30,500000,1e24\n", "quotes.csv:3: yearly_premium = \"1e24\" must be in [0.01,1e+12]"},
      {"c,z,30,500000,0.001\n", "quotes.csv:3: yearly_premium = \"0.001\" must be in [0.01,1e+12]"},
      {"c,z,30,1e14,1000\n", "quotes.csv:3: coverage = \"1e14\" must be in [1,1e+12]"},
      {"c,z,1e300,500000,1000\n", "quotes.csv:3: term = \"1e300\" must be in (0,200]"},
  };
  for (const auto& [row, expected] : cases) {
    const auto path = test::scratch_dir() / "quotes.csv";
    test::write_text_file(path, header + row);
    try {
      read_quotes_csv(path.string());
      ADD_FAILURE() << "accepted " << row;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("the range cover solves exactly"), std::string::npos) << e.what();
    }
  }
  // quotes built in code are held to the same ranges (a 1e25 premium used to abort inside CLP)
  EXPECT_THROW(
      solve_cover({quote("a", 20, 500000, 300), quote("c", 30, 500000, 1e25)}, CoverGoal{1000000, 20, std::nullopt}),
      InputError);
  EXPECT_THROW(
      solve_cover({quote("a", 20, 500000, 300), quote("c", 1e300, 500000, 1000)}, CoverGoal{1000000, 20, std::nullopt}),
      InputError);
  EXPECT_THROW(solve_cover({quote("a", 20, 500000, 300)}, CoverGoal{1e16, 20, std::nullopt}), InputError);
  EXPECT_THROW(solve_cover({quote("a", 20, 500000, 300)}, CoverGoal{1e6, 201, std::nullopt}), InputError);
}

}  // namespace
}  // namespace rateopt
