// The pricing rule: priced on its own solved book it gives back the solve's multipliers; on a new book of
// the same kind its batch meets the solved limits closely; a shifted book warns; files round-trip and bad
// files are refused naming the field.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "rateopt/errors.hpp"
#include "rateopt/pricing_rule.hpp"
#include "rateopt/solve.hpp"
#include "test_util.hpp"

using namespace rateopt;
using json = nlohmann::json;

namespace {

const std::string kPeerDir = std::string(RATEOPT_SOURCE_DIR) + "/tests/fixtures/peer/";

std::vector<Quote> quotes_of(const Book& book, const PricingRule& rule) {
  std::vector<Quote> quotes(book.size());
  for (size_t i = 0; i < book.size(); ++i)
    quotes[i] = quote_from_book(book, i, rule.needs_group() ? rule.group_index(book.group_names[book.group[i]]) : -1);
  return quotes;
}

/// How a rule priced its own solved book.
struct Reproduction {
  bool converged = false;
  int64_t compared = 0, ties = 0, not_pure_dual = 0, mismatches = 0;
  double worst = 0;
};

/// The solve, its rule (through its JSON text, as a user gets it), and the book priced by the rule.
Reproduction reproduce(const Book& book, const OptimiseOptions& options, SolveResult* solved = nullptr) {
  const SolveResult r = optimise(book, options);
  Reproduction out;
  out.converged = r.status == SolveStatus::converged;
  const PricingRule rule = PricingRule::parse(PricingRule::from_solve(options, r).to_json(), "rule");
  const std::vector<PricedQuote> priced = rule.price(quotes_of(book, rule));
  for (size_t i = 0; i < book.size(); ++i) {
    EXPECT_GE(priced[i].multiplier, r.lower_bound[i]);
    EXPECT_LE(priced[i].multiplier, r.upper_bound[i]);
    if (priced[i].tie) {
      ++out.ties;
    } else if (!rule.lagrangian().exact_dual || rule.lagrangian().linearised) {
      ++out.not_pure_dual;
    } else {
      ++out.compared;
      const double diff = std::fabs(priced[i].multiplier - r.multiplier[i]);
      out.worst = std::max(out.worst, diff);
      if (diff > 1e-12 * std::max(1.0, std::fabs(r.multiplier[i]))) ++out.mismatches;
    }
  }
  if (solved) *solved = r;
  return out;
}

json load_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

}  // namespace

TEST(PricingRule, ReproducesTheSolveOnThePeerFixtures) {
  const json manifest = load_json(kPeerDir + "manifest.json");
  int64_t compared = 0, ties = 0, not_pure = 0;
  int exact_cases = 0, converged = 0;
  for (const json& entry : manifest["cases"]) {
    const json fx = load_json(kPeerDir + entry["file"].get<std::string>());
    SCOPED_TRACE(fx["case"].get<std::string>());
    const Book book = read_book_csv(kPeerDir + fx["book"].get<std::string>());
    OptimiseOptions o;
    apply_options_json(o, fx["config"].dump(), entry["file"].get<std::string>());
    o.device = Device::cpu;
    const Reproduction rep = reproduce(book, o);
    EXPECT_EQ(rep.mismatches, 0) << "worst difference " << rep.worst;
    converged += rep.converged ? 1 : 0;
    compared += rep.compared;
    ties += rep.ties;
    not_pure += rep.not_pure_dual;
    exact_cases += rep.compared > 0 ? 1 : 0;
  }
  // Most cases end at the exact dual point; fairness on tiny books, stochastic LR and loss-ratio
  // disparity do not (counted, as the rule's summary counts them).
  EXPECT_GE(converged, 40);
  EXPECT_GE(exact_cases, 30);
  EXPECT_GT(compared, 3000);
  std::cout << "[ peer fixtures ] compared " << compared << " policies, ties " << ties << ", not pure dual " << not_pure
            << "\n";
}

struct GeneratedCase {
  const char* name;
  DemandModel demand;
  bool enbp_and_caps;
  bool fairness;
};

class PricingRuleGenerated : public ::testing::TestWithParam<GeneratedCase> {};

TEST_P(PricingRuleGenerated, ReproducesTheSolveOn1e5Policies) {
  static const Book book = generate_book(100000, 42, BookProfile::benchmark);
  const GeneratedCase c = GetParam();
  OptimiseOptions o;
  o.device = Device::cpu;
  o.demand_model = c.demand;
  o.lr_max = 0.68;
  o.retention_min = 0.78;
  if (c.enbp_and_caps) {
    o.max_rate_change = 0.25;
    o.enbp_buffer = 0.01;
  }
  if (c.fairness) o.fairness_max = 1.02;
  const Reproduction rep = reproduce(book, o);
  EXPECT_TRUE(rep.converged);
  EXPECT_EQ(rep.not_pure_dual, 0);
  EXPECT_EQ(rep.mismatches, 0) << "worst difference " << rep.worst;
  EXPECT_GE(rep.compared, 99900);
  EXPECT_LE(rep.ties, 100);
}

INSTANTIATE_TEST_SUITE_P(Books, PricingRuleGenerated,
                         ::testing::Values(GeneratedCase{"loglinear_enbp_caps", DemandModel::log_linear, true, false},
                                           GeneratedCase{"loglinear_plain", DemandModel::log_linear, false, false},
                                           GeneratedCase{"loglinear_fairness", DemandModel::log_linear, true, true},
                                           GeneratedCase{"logistic_enbp_caps", DemandModel::logistic, true, false},
                                           GeneratedCase{"logistic_plain", DemandModel::logistic, false, false},
                                           GeneratedCase{"logistic_fairness", DemandModel::logistic, true, true}),
                         [](const auto& test_case) { return std::string(test_case.param.name); });

namespace {

BatchReport price_batch(const PricingRule& rule, const Book& book) {
  const std::vector<Quote> quotes = quotes_of(book, rule);
  const std::vector<PricedQuote> priced = rule.price(quotes);
  BatchSums sums(rule);
  for (size_t i = 0; i < quotes.size(); ++i) sums.add(rule, quotes[i], priced[i]);
  return batch_report(rule, sums, 0.01);
}

}  // namespace

// A new book from the same distributions (another seed): each constraint's value on it is within 1% of the
// limit of its value on the solved book (sampling error of 1e5 policies is about 0.2%), and none is
// broken; 15% higher loss costs break lr_max and warn.
TEST(PricingRule, NewBookMeetsTheSolvedLimitsAndAShiftedBookWarns) {
  OptimiseOptions o = test::cpu_benchmark_options();
  SolveResult solved;
  const Book book = generate_book(100000, 42, BookProfile::benchmark);
  reproduce(book, o, &solved);
  const PricingRule rule = PricingRule::from_solve(o, solved);

  const BatchReport same = price_batch(rule, generate_book(100000, 4242, BookProfile::benchmark));
  ASSERT_EQ(same.constraints.size(), 2u);
  ASSERT_EQ(solved.constraints.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    const BatchConstraint& c = same.constraints[k];
    EXPECT_EQ(c.name, to_string(solved.constraints[k].kind));
    EXPECT_EQ(c.limit, solved.constraints[k].limit);
    EXPECT_NEAR(c.value, solved.constraints[k].value, 0.01 * c.limit) << c.name;
    EXPECT_FALSE(c.broken) << c.name;
  }
  EXPECT_TRUE(same.warnings.empty());
  EXPECT_NEAR(same.profit, solved.expected_profit, 0.02 * solved.expected_profit);

  Book shifted = generate_book(100000, 4242, BookProfile::benchmark);
  for (double& c : shifted.expected_loss_cost) c *= 1.15;
  const BatchReport drift = price_batch(rule, shifted);
  ASSERT_FALSE(drift.warnings.empty());
  EXPECT_NE(drift.warnings[0].find("breaks lr_max"), std::string::npos) << drift.warnings[0];
}

TEST(PricingRule, LinearisedRuleSaysSoAndCountsEveryQuote) {
  const Book book = read_book_csv(kPeerDir + "n200.book.csv");
  OptimiseOptions o;
  o.device = Device::cpu;
  o.lr_max = 0.75;
  o.fairness_max = 1.3;
  o.fairness_metric = FairnessMetric::loss_ratio_disparity;
  const SolveResult r = optimise(book, o);
  const PricingRule rule = PricingRule::from_solve(o, r);
  EXPECT_TRUE(rule.lagrangian().linearised);
  EXPECT_NE(rule.to_json().find("\"linearised\": true"), std::string::npos);
  const BatchReport report = price_batch(rule, book);
  EXPECT_EQ(report.n_linearised, 200);
  EXPECT_NE(report.linearisation_note.find("fairness_max"), std::string::npos) << report.linearisation_note;
}

TEST(PricingRule, SaveAndLoadRoundTripExactly) {
  OptimiseOptions o = test::cpu_benchmark_options();
  o.fairness_max = 1.05;
  const Book& book = test::benchmark_book_20k();
  const PricingRule rule = PricingRule::from_solve(o, optimise(book, o), "abc123", "book.csv");
  const std::string path = (test::scratch_dir() / "rule.json").string();
  rule.save(path);
  const PricingRule back = PricingRule::load(path);
  EXPECT_EQ(back.to_json(), rule.to_json());
  EXPECT_TRUE(test::same_doubles(rule.lagrangian().basis_prices, back.lagrangian().basis_prices));
  EXPECT_EQ(back.book_sha256(), "abc123");
  EXPECT_EQ(back.group_names(), rule.group_names());
  const std::vector<Quote> quotes = quotes_of(book, rule);
  const std::vector<PricedQuote> a = rule.price(quotes), b = back.price(quotes);
  for (size_t i = 0; i < quotes.size(); ++i) ASSERT_EQ(a[i].multiplier, b[i].multiplier) << i;
}

TEST(PricingRule, BadRuleFilesNameTheField) {
  OptimiseOptions o = test::cpu_benchmark_options();
  const json good = json::parse(PricingRule::from_solve(o, optimise(test::benchmark_book_20k(), o)).to_json());
  auto error_of = [](const json& j) {
    try {
      PricingRule::parse(j.dump(), "rule.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  json v2 = good;
  v2["schema_version"] = 2;
  EXPECT_NE(error_of(v2).find("rule.json: field schema_version is 2"), std::string::npos) << error_of(v2);
  json no_prices = good;
  no_prices["basis"].erase("prices");
  EXPECT_NE(error_of(no_prices).find("field basis.prices is missing"), std::string::npos) << error_of(no_prices);
  json no_options = good;
  no_options.erase("options");
  EXPECT_NE(error_of(no_options).find("field options is missing"), std::string::npos);
  json bad_kind = good;
  bad_kind["constraints"][0]["name"] = "lr_maximum";
  EXPECT_NE(error_of(bad_kind).find("constraints[].name"), std::string::npos);
  json short_basis = good;
  short_basis["basis"]["prices"].erase(0);
  EXPECT_NE(error_of(short_basis).find("basis.prices must hold 5 numbers"), std::string::npos) << error_of(short_basis);
  json bad_option = good;
  bad_option["options"]["lr_max"] = "high";
  EXPECT_NE(error_of(bad_option).find("lr_max"), std::string::npos);
}

TEST(PricingRule, QuoteProblemsAreNamed) {
  OptimiseOptions o = test::cpu_benchmark_options();
  const PricingRule rule = PricingRule::from_solve(o, optimise(test::benchmark_book_20k(), o));
  Quote q;
  q.technical_price = 500;
  q.expected_loss_cost = 300;
  q.p_demand = 0.8;
  q.elasticity = -1.5;
  EXPECT_EQ(rule.quote_problem(q), nullptr);
  q.renewal = true;  // the rule has an ENBP buffer: a renewal needs its ENBP
  EXPECT_STREQ(rule.quote_problem(q), "enbp: a renewal needs an ENBP when enbp_buffer is set");
  q.enbp = 520;
  const PricedQuote p = rule.price_one(q);
  EXPECT_LE(p.new_premium, 520 * (1 - 0.01));
  std::vector<Quote> bad(3, q);
  bad[2].p_demand = 1.2;
  try {
    rule.price(bad);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "quote 2: p_demand: must be in (0,1)");
  }
}
