// append_significant's own fixed-notation path against printf's "%.{digits}g", which it must equal byte for
// byte (policies.csv's money columns): random, awkward and near-tie values, every digit count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "io/format.hpp"

namespace rateopt {
namespace {

std::string printf_significant(double x, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*g", digits, x);
  return text;
}

TEST(SignificantDigits, SameTextAsPrintf) {
  std::mt19937_64 rng(10);
  for (int trial = 0; trial < 400000; ++trial) {
    double x = 0;
    switch (trial % 5) {
      case 0:
        x = std::uniform_real_distribution<double>(-1000, 1000)(rng);
        break;
      case 1:
        x = std::pow(10.0, std::uniform_real_distribution<double>(-6, 17)(rng));
        break;
      case 2: {  // any bit pattern
        const uint64_t bits = rng();
        std::memcpy(&x, &bits, sizeof x);
        if (!std::isfinite(x)) x = -0.0;
        break;
      }
      case 3:  // decimals with few digits, some a hair off a tie
        x = std::round(std::uniform_real_distribution<double>(-1e6, 1e6)(rng)) /
                std::pow(10.0, static_cast<double>(rng() % 12)) +
            (rng() % 2 ? 5e-11 : 0);
        break;
      default:  // halves at the rounding digit, near powers of ten
        x = (static_cast<double>(rng() % 100000) + 0.5) * std::pow(10.0, static_cast<double>(rng() % 9) - 4.0);
        if (rng() % 3 == 0)
          x = std::nextafter(std::pow(10.0, static_cast<double>(rng() % 14) - 4.0), rng() % 2 ? 0.0 : 1e30);
        break;
    }
    const int digits = 1 + static_cast<int>(rng() % 17);
    std::string ours;
    append_significant(ours, x, digits);
    ASSERT_EQ(ours, printf_significant(x, digits)) << std::hexfloat << x << " with " << digits << " digits";
  }
}

TEST(SignificantDigits, MoneyColumnExamples) {
  const std::pair<double, const char*> cases[] = {{458.0724018139006, "458.0724018"},
                                                  {0.8259398271625448, "0.8259398272"},
                                                  {-0.2772080131, "-0.2772080131"},
                                                  {100, "100"},
                                                  {0.0001, "0.0001"},
                                                  {0.00001, "1e-05"},
                                                  {9999999999.7, "1e+10"},
                                                  {0, "0"},
                                                  {-0.0, "-0"},
                                                  {1234567890123.0, "1.23456789e+12"}};
  for (const auto& [x, text] : cases) {
    std::string ours;
    append_significant(ours, x, 10);
    EXPECT_EQ(ours, text) << x;
    EXPECT_EQ(ours, printf_significant(x, 10)) << x;
  }
}

}  // namespace
}  // namespace rateopt
