// Synthetic books with the peer's distributions (SPEC §5).
//
// Every draw comes from one std::mt19937_64 stream with our own uniform, normal (Box–Muller) and
// gamma (Marsaglia–Tsang) transforms, so a seed gives the same book on every platform and standard
// library; the std:: distributions are implementation-defined and would not.
//
// Profiles (U = uniform, N = normal, clip(x, lo, hi) = min(max(x, lo), hi)):
//   benchmark   technical_price    tc = exp(N(6.3, 0.35))
//               expected_loss_cost c  = tc·clip(N(0.65, 0.05), 0.40, 0.90)
//               segment            "pcw" with probability 0.55, else "direct"; it is also the group
//               elasticity         ε  = clip((pcw ? −2.0 : −1.2) + N(0, 0.3), −4, −0.3)
//               p_demand           x0 = clip(Beta(8, 2), 0.55, 0.95)
//               renewal_flag       1 for every policy
//               enbp               tc·exp(N(0.08, 0.06))
//               prior_multiplier   clip(exp(N(0, 0.03)), 0.9, 1.2)
//   quickstart  tc = U(300, 1200), c = tc·U(0.55, 0.75), x0 = U(0.70, 0.95), ε = U(−2.5, −0.8),
//               renewal with probability 0.7, enbp = tc·U(1.05, 1.25) for renewals (NaN otherwise),
//               prior 1, one group "all" (has_group false), as in the peer's quick start.
// Both: policy_id "P0000001", "P0000002", …; expense 0; weight 1; and
//   claims_variance = 5·c², the variance of compound-Poisson claims with frequency λ = 0.4 and
//   exponential severity of mean c/λ: Var = λ·E[X²] = λ·2·(c/λ)² = 2c²/λ = 5c².  The peer has no
//   variance column; this one makes the stochastic LR constraint usable on generated books.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kClaimsVariancePerLossCostSquared = 5.0;  // 2/λ with claim frequency λ = 0.4

class RandomSource {
 public:
  explicit RandomSource(uint64_t seed) : engine_(seed) {}

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  /// Standard normal by Box–Muller; the second value of each pair is kept for the next call.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]: log(u1) is finite
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    spare_ = radius * std::sin(2.0 * kPi * u2);
    has_spare_ = true;
    return radius * std::cos(2.0 * kPi * u2);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }

  /// Gamma(shape, 1) by Marsaglia–Tsang (2000); shape < 1 through Gamma(shape + 1)·U^(1/shape).
  double gamma(double shape) {
    if (shape < 1.0) return gamma(shape + 1.0) * std::pow(1.0 - uniform(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      const double z = normal();
      const double v_root = 1.0 + c * z;
      if (v_root <= 0.0) continue;
      const double v = v_root * v_root * v_root;
      const double u = 1.0 - uniform();
      if (std::log(u) < 0.5 * z * z + d - d * v + d * std::log(v)) return d * v;
    }
  }

  /// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
  double beta(double a, double b) {
    const double x = gamma(a);
    const double y = gamma(b);
    return x / (x + y);
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// "P0000001"-style ids: at least seven digits, zero-padded.
void set_policy_ids(Book& book) {
  const size_t n = book.size();
  book.id_chars.clear();
  book.id_chars.reserve(n * 8);
  book.id_offset.assign(1, 0);
  book.id_offset.reserve(n + 1);
  char digits[24];
  for (size_t i = 0; i < n; ++i) {
    const auto written = std::to_chars(digits, digits + sizeof digits, i + 1);
    const auto length = static_cast<size_t>(written.ptr - digits);
    book.id_chars += 'P';
    if (length < 7) book.id_chars.append(7 - length, '0');
    book.id_chars.append(digits, length);
    book.id_offset.push_back(book.id_chars.size());
  }
}

void generate_benchmark(Book& book, RandomSource& random) {
  // Group indices follow first appearance, exactly as the CSV reader assigns them, so a generated
  // book survives a write/read round trip unchanged.
  book.group_names.clear();
  int32_t pcw_index = -1;
  int32_t direct_index = -1;
  auto index_of = [&book](int32_t& index, const char* label) {
    if (index < 0) {
      index = static_cast<int32_t>(book.group_names.size());
      book.group_names.emplace_back(label);
    }
    return index;
  };

  for (size_t i = 0; i < book.size(); ++i) {
    const double tc = std::exp(random.normal(6.3, 0.35));
    const double c = tc * std::clamp(random.normal(0.65, 0.05), 0.40, 0.90);
    const bool pcw = random.uniform() < 0.55;
    const double eps = std::clamp((pcw ? -2.0 : -1.2) + random.normal(0.0, 0.3), -4.0, -0.3);
    const double x0 = std::clamp(random.beta(8.0, 2.0), 0.55, 0.95);
    const double enbp = tc * std::exp(random.normal(0.08, 0.06));
    const double prior = std::clamp(std::exp(random.normal(0.0, 0.03)), 0.9, 1.2);

    book.technical_price[i] = tc;
    book.expected_loss_cost[i] = c;
    book.p_demand[i] = x0;
    book.elasticity[i] = eps;
    book.renewal_flag[i] = 1;
    book.enbp[i] = enbp;
    book.prior_multiplier[i] = prior;
    book.group[i] = pcw ? index_of(pcw_index, "pcw") : index_of(direct_index, "direct");
  }
  book.has_group = true;
}

void generate_quickstart(Book& book, RandomSource& random) {
  for (size_t i = 0; i < book.size(); ++i) {
    const double tc = random.uniform(300.0, 1200.0);
    const double c = tc * random.uniform(0.55, 0.75);
    const double x0 = random.uniform(0.70, 0.95);
    const double eps = random.uniform(-2.5, -0.8);
    const bool renewal = random.uniform() < 0.7;

    book.technical_price[i] = tc;
    book.expected_loss_cost[i] = c;
    book.p_demand[i] = x0;
    book.elasticity[i] = eps;
    book.renewal_flag[i] = renewal ? 1 : 0;
    book.enbp[i] = renewal ? tc * random.uniform(1.05, 1.25) : std::numeric_limits<double>::quiet_NaN();
  }
  book.group_names = {"all"};
  book.has_group = false;
}

}  // namespace

Book generate_book(size_t policies, uint64_t seed, BookProfile profile) {
  if (policies == 0) throw InputError("generate: policies must be > 0");

  Book book;
  book.resize(policies);
  RandomSource random(seed);
  switch (profile) {
    case BookProfile::benchmark:
      generate_benchmark(book, random);
      break;
    case BookProfile::quickstart:
      generate_quickstart(book, random);
      break;
  }
  for (size_t i = 0; i < policies; ++i) {
    book.claims_variance[i] =
        kClaimsVariancePerLossCostSquared * book.expected_loss_cost[i] * book.expected_loss_cost[i];
  }
  book.has_enbp = true;
  book.has_claims_variance = true;
  set_policy_ids(book);
  book.validate();
  return book;
}

}  // namespace rateopt
