// Synthetic books (SPEC §5): deterministic per seed, and the sample moments of each profile match the
// distributions documented in host/book/generate.cpp to within 4 standard errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

using test::same_doubles;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr size_t kSamplePolicies = 200000;

struct Moments {
  double mean = 0;
  double sd = 0;
  size_t count = 0;
  double standard_error() const { return sd / std::sqrt(static_cast<double>(count)); }
};

// Mean and standard deviation of f(i) over the rows i that `keep` selects.
Moments moments(
    size_t n, const std::function<double(size_t)>& f,
    const std::function<bool(size_t)>& keep = [](size_t) { return true; }) {
  Moments m;
  double sum = 0;
  double sum_squares = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!keep(i)) continue;
    const double value = f(i);
    sum += value;
    sum_squares += value * value;
    ++m.count;
  }
  m.mean = sum / static_cast<double>(m.count);
  m.sd = std::sqrt(std::max(0.0, sum_squares / static_cast<double>(m.count) - m.mean * m.mean));
  return m;
}

// The sample mean is within 4 standard errors of the population mean.
void expect_mean(const Moments& m, double expected_mean, double population_sd, const char* what) {
  const double tolerance = 4 * population_sd / std::sqrt(static_cast<double>(m.count));
  EXPECT_NEAR(m.mean, expected_mean, tolerance) << what;
}

// The sample standard deviation of a normal sample is within 4 standard errors (σ/√(2n)).
void expect_normal_sd(const Moments& m, double expected_sd, const char* what) {
  EXPECT_NEAR(m.sd, expected_sd, 4 * expected_sd / std::sqrt(2.0 * static_cast<double>(m.count))) << what;
}

// A sample share is within 4 standard errors of probability p.
void expect_share(size_t hits, size_t n, double p, const char* what) {
  const double share = static_cast<double>(hits) / static_cast<double>(n);
  EXPECT_NEAR(share, p, 4 * std::sqrt(p * (1 - p) / static_cast<double>(n))) << what;
}

double standard_normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
double standard_normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * 3.14159265358979323846); }

bool same_book(const Book& a, const Book& b) {
  return same_doubles(a.technical_price, b.technical_price) &&
         same_doubles(a.expected_loss_cost, b.expected_loss_cost) && same_doubles(a.p_demand, b.p_demand) &&
         same_doubles(a.elasticity, b.elasticity) && a.renewal_flag == b.renewal_flag && same_doubles(a.enbp, b.enbp) &&
         same_doubles(a.prior_multiplier, b.prior_multiplier) && same_doubles(a.claims_variance, b.claims_variance) &&
         a.group == b.group && a.group_names == b.group_names && a.id_chars == b.id_chars && a.id_offset == b.id_offset;
}

TEST(Generate, SameSeedSameBookOtherSeedOtherBook) {
  for (BookProfile profile : {BookProfile::benchmark, BookProfile::quickstart}) {
    SCOPED_TRACE(to_string(profile));
    const Book first = generate_book(2000, 11, profile);
    const Book again = generate_book(2000, 11, profile);
    const Book other = generate_book(2000, 12, profile);
    EXPECT_TRUE(same_book(first, again));
    EXPECT_FALSE(same_doubles(first.technical_price, other.technical_price));
    EXPECT_FALSE(same_doubles(first.p_demand, other.p_demand));
  }
}

TEST(Generate, BooksAreValidWithIdsAndFlags) {
  for (BookProfile profile : {BookProfile::benchmark, BookProfile::quickstart}) {
    SCOPED_TRACE(to_string(profile));
    const Book book = generate_book(1234, 5, profile);
    ASSERT_EQ(book.size(), 1234u);
    EXPECT_NO_THROW(book.validate());
    EXPECT_EQ(book.policy_id(0), "P0000001");
    EXPECT_EQ(book.policy_id(1233), "P0001234");
    EXPECT_TRUE(book.source.empty());
    EXPECT_TRUE(book.line_number.empty());
    EXPECT_TRUE(book.has_enbp);
    EXPECT_TRUE(book.has_claims_variance);
    EXPECT_TRUE(same_doubles(std::vector<double>(1234, 0.0), book.expense));
    EXPECT_TRUE(same_doubles(std::vector<double>(1234, 1.0), book.weight));
    for (size_t i = 0; i < book.size(); ++i) {
      // Compound Poisson claims, frequency 0.4, exponential severity: Var = 2c²/0.4 = 5c².
      const double c = book.expected_loss_cost[i];
      ASSERT_EQ(book.claims_variance[i], 5.0 * c * c) << "row " << i;
    }
  }
}

TEST(Generate, BadArguments) {
  // an unknown profile never reaches generate_book: the options table refuses it
  GenerateOptions options;
  try {
    apply_options_json(options, R"({"profile": "nonsense"})", "test");
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_THAT(error.what(), HasSubstr("profile = \"nonsense\" must be one of benchmark|quickstart"));
    EXPECT_EQ(error.exit_code(), 2);
  }
  EXPECT_THROW(generate_book(0, 1, BookProfile::benchmark), InputError);
}

class BenchmarkProfile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { book_ = new Book(generate_book(kSamplePolicies, 20240601, BookProfile::benchmark)); }
  static void TearDownTestSuite() {
    delete book_;
    book_ = nullptr;
  }
  static const Book& book() { return *book_; }
  static bool is_pcw(size_t i) { return book_->group_names[static_cast<size_t>(book_->group[i])] == "pcw"; }

 private:
  static Book* book_;
};
Book* BenchmarkProfile::book_ = nullptr;

TEST_F(BenchmarkProfile, TechnicalPriceIsLogNormal) {
  const Moments log_tc = moments(book().size(), [](size_t i) { return std::log(book().technical_price[i]); });
  expect_mean(log_tc, 6.3, 0.35, "mean of log tc");
  expect_normal_sd(log_tc, 0.35, "sd of log tc");
}

TEST_F(BenchmarkProfile, LossCostRatioIsClippedNormal) {
  const Book& b = book();
  const Moments ratio = moments(b.size(), [&b](size_t i) { return b.expected_loss_cost[i] / b.technical_price[i]; });
  // The clips at 0.40 and 0.90 are 5 sd away: their effect on the moments is far below the tolerance.
  expect_mean(ratio, 0.65, 0.05, "mean of c/tc");
  expect_normal_sd(ratio, 0.05, "sd of c/tc");
  for (size_t i = 0; i < b.size(); ++i) {
    const double r = b.expected_loss_cost[i] / b.technical_price[i];
    ASSERT_GE(r, 0.40 * (1 - 1e-15)) << "row " << i;
    ASSERT_LE(r, 0.90 * (1 + 1e-15)) << "row " << i;
  }
}

TEST_F(BenchmarkProfile, SegmentsAreTheGroups) {
  const Book& b = book();
  EXPECT_TRUE(b.has_group);
  std::vector<std::string> names = b.group_names;
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("direct", "pcw"));
  size_t pcw = 0;
  for (size_t i = 0; i < b.size(); ++i) pcw += is_pcw(i) ? 1 : 0;
  expect_share(pcw, b.size(), 0.55, "share of pcw");
}

TEST_F(BenchmarkProfile, ElasticityIsClippedNormalPerSegment) {
  const Book& b = book();
  const auto elasticity = [&b](size_t i) { return b.elasticity[i]; };
  const Moments pcw = moments(b.size(), elasticity, is_pcw);
  const Moments direct = moments(b.size(), elasticity, [](size_t i) { return !is_pcw(i); });
  // E[min(X, u)] = μ − σ·(φ(β) − β·(1 − Φ(β))), β = (u − μ)/σ; the −4 clip is 7 sd or more away.
  auto clipped_mean = [](double mu, double sigma, double upper) {
    const double beta = (upper - mu) / sigma;
    return mu - sigma * (standard_normal_pdf(beta) - beta * (1 - standard_normal_cdf(beta)));
  };
  expect_mean(pcw, clipped_mean(-2.0, 0.3, -0.3), 0.3, "mean elasticity of pcw");
  expect_mean(direct, clipped_mean(-1.2, 0.3, -0.3), 0.3, "mean elasticity of direct");
  expect_normal_sd(pcw, 0.3, "sd of elasticity of pcw");

  size_t direct_at_upper_clip = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    ASSERT_GE(b.elasticity[i], -4.0) << "row " << i;
    ASSERT_LE(b.elasticity[i], -0.3) << "row " << i;
    if (!is_pcw(i) && b.elasticity[i] == -0.3) ++direct_at_upper_clip;
  }
  expect_share(direct_at_upper_clip, direct.count, 1 - standard_normal_cdf(3.0), "direct elasticities clipped at -0.3");
}

TEST_F(BenchmarkProfile, DemandIsClippedBeta82) {
  const Book& b = book();
  // Beta(8, 2): density 72·x⁷·(1 − x), CDF 9x⁸ − 8x⁹, and ∫x·density = 8x⁹ − 7.2x¹⁰.
  auto cdf = [](double x) { return 9 * std::pow(x, 8) - 8 * std::pow(x, 9); };
  auto partial_mean = [](double x) { return 8 * std::pow(x, 9) - 7.2 * std::pow(x, 10); };
  const double below = cdf(0.55);
  const double above = 1 - cdf(0.95);
  const double clipped_mean = 0.55 * below + (partial_mean(0.95) - partial_mean(0.55)) + 0.95 * above;
  const double clipped_second_moment =
      0.55 * 0.55 * below +
      72 * ((std::pow(0.95, 10) - std::pow(0.55, 10)) / 10 - (std::pow(0.95, 11) - std::pow(0.55, 11)) / 11) +
      0.95 * 0.95 * above;
  const double clipped_sd = std::sqrt(clipped_second_moment - clipped_mean * clipped_mean);

  const Moments x0 = moments(b.size(), [&b](size_t i) { return b.p_demand[i]; });
  expect_mean(x0, clipped_mean, clipped_sd, "mean of p_demand");
  EXPECT_NEAR(x0.sd, clipped_sd, 0.01 * clipped_sd);

  size_t at_low = 0;
  size_t at_high = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    ASSERT_GE(b.p_demand[i], 0.55) << "row " << i;
    ASSERT_LE(b.p_demand[i], 0.95) << "row " << i;
    at_low += b.p_demand[i] == 0.55 ? 1 : 0;
    at_high += b.p_demand[i] == 0.95 ? 1 : 0;
  }
  expect_share(at_low, b.size(), below, "p_demand clipped at 0.55");
  expect_share(at_high, b.size(), above, "p_demand clipped at 0.95");
}

TEST_F(BenchmarkProfile, RenewalsEnbpAndPrior) {
  const Book& b = book();
  EXPECT_TRUE(std::all_of(b.renewal_flag.begin(), b.renewal_flag.end(), [](uint8_t flag) { return flag == 1; }));

  const Moments log_enbp_ratio =
      moments(b.size(), [&b](size_t i) { return std::log(b.enbp[i] / b.technical_price[i]); });
  expect_mean(log_enbp_ratio, 0.08, 0.06, "mean of log(enbp/tc)");
  expect_normal_sd(log_enbp_ratio, 0.06, "sd of log(enbp/tc)");

  // log prior ~ N(0, 0.03) clipped to [ln 0.9, ln 1.2], 3.5 sd and more away.
  const Moments log_prior = moments(b.size(), [&b](size_t i) { return std::log(b.prior_multiplier[i]); });
  expect_mean(log_prior, 0.0, 0.03, "mean of log prior");
  expect_normal_sd(log_prior, 0.03, "sd of log prior");
  for (size_t i = 0; i < b.size(); ++i) {
    ASSERT_GE(b.prior_multiplier[i], 0.9) << "row " << i;
    ASSERT_LE(b.prior_multiplier[i], 1.2) << "row " << i;
  }
}

TEST(QuickstartProfile, MomentsAndBounds) {
  const Book b = generate_book(kSamplePolicies, 99, BookProfile::quickstart);
  const size_t n = b.size();
  const double uniform_sd = 1 / std::sqrt(12.0);  // sd of U(0, 1)
  expect_mean(moments(n, [&b](size_t i) { return b.technical_price[i]; }), 750, 900 * uniform_sd, "mean tc");
  expect_mean(moments(n, [&b](size_t i) { return b.expected_loss_cost[i] / b.technical_price[i]; }), 0.65,
              0.2 * uniform_sd, "mean c/tc");
  expect_mean(moments(n, [&b](size_t i) { return b.p_demand[i]; }), 0.825, 0.25 * uniform_sd, "mean x0");
  expect_mean(moments(n, [&b](size_t i) { return b.elasticity[i]; }), -1.65, 1.7 * uniform_sd, "mean elasticity");

  size_t renewals = 0;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_GE(b.technical_price[i], 300.0);
    ASSERT_LE(b.technical_price[i], 1200.0);
    const double ratio = b.expected_loss_cost[i] / b.technical_price[i];
    ASSERT_GE(ratio, 0.55 * (1 - 1e-15));
    ASSERT_LE(ratio, 0.75 * (1 + 1e-15));
    ASSERT_GE(b.p_demand[i], 0.70);
    ASSERT_LE(b.p_demand[i], 0.95);
    ASSERT_GE(b.elasticity[i], -2.5);
    ASSERT_LE(b.elasticity[i], -0.8);
    ASSERT_EQ(b.prior_multiplier[i], 1.0);
    if (b.renewal_flag[i] == 1) {
      ++renewals;
      const double enbp_ratio = b.enbp[i] / b.technical_price[i];
      ASSERT_GE(enbp_ratio, 1.05 * (1 - 1e-15)) << "row " << i;
      ASSERT_LE(enbp_ratio, 1.25 * (1 + 1e-15)) << "row " << i;
    } else {
      ASSERT_TRUE(std::isnan(b.enbp[i])) << "row " << i;  // new business: no ENBP
    }
  }
  expect_share(renewals, n, 0.7, "share of renewals");
  EXPECT_FALSE(b.has_group);
  EXPECT_THAT(b.group_names, ElementsAre("all"));
  EXPECT_TRUE(std::all_of(b.group.begin(), b.group.end(), [](int32_t g) { return g == 0; }));
}

}  // namespace
}  // namespace rateopt
