#include "io/format.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <ctime>

namespace rateopt {

std::string shortest(double x) {
  char text[64];
  const auto end = std::to_chars(text, text + sizeof text, x).ptr;
  return std::string(text, end);
}

void append_exact(std::string& out, double x) {
  if (!std::isfinite(x)) return;
  char text[64];
  const auto end = std::to_chars(text, text + sizeof text, x).ptr;
  out.append(text, end);
}

namespace {

constexpr double kPowerOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// printf's "%.{digits}g" for the common case, |x| from 1e-4 to below 10^digits (fixed notation): x·10^k
// rounded to a digits-long integer.  Both factors are exact and the product is off by at most half its ulp,
// so the rounding is exact unless the product sits that close to a half: false then, and for every other
// case (zero, scientific notation, more than 15 digits), which std::to_chars writes.
bool fixed_significant(double x, int digits, char* text, char*& end) {
  const double magnitude = std::fabs(x);
  if (!(magnitude >= 1e-4 && magnitude < kPowerOfTen[15]) || digits < 1 || digits > 15) return false;
  int exponent = 0;  // of the leading digit, first guessed, then settled by the rounded digits
  if (magnitude >= 1) {
    while (magnitude >= kPowerOfTen[exponent + 1]) ++exponent;
  } else {
    for (exponent = -1; exponent > -4 && magnitude * kPowerOfTen[-exponent] < 1;) --exponent;
  }
  double rounded = 0;
  for (int attempt = 0;; ++attempt) {
    const int scale = digits - 1 - exponent;
    if (attempt == 3 || scale < 0 || scale > 22 || exponent < -4 || exponent >= digits) return false;
    const double product = magnitude * kPowerOfTen[scale];  // below 1e15 < 2^52: adding 2^52 rounds it
    rounded = (product + 0x1p52) - 0x1p52;                  // to an integer, nearest (no libm call)
    const double fraction = product - static_cast<double>(static_cast<uint64_t>(product));
    if (std::fabs(fraction - 0.5) <= product * 0x1p-52) return false;  // near a tie
    if (rounded >= kPowerOfTen[digits]) {
      ++exponent;
    } else if (rounded < kPowerOfTen[digits - 1]) {
      --exponent;
    } else {
      break;
    }
  }
  char figures[16];  // the digits, most significant first
  auto value = static_cast<uint64_t>(rounded);
  for (int k = digits - 1; k >= 0; --k, value /= 10) figures[k] = static_cast<char>('0' + value % 10);
  int last = digits - 1;  // %g drops trailing zeros of the fraction
  while (last > exponent && last > 0 && figures[last] == '0') --last;
  char* p = text;
  if (std::signbit(x)) *p++ = '-';
  if (exponent < 0) {
    *p++ = '0';
    *p++ = '.';
    for (int k = exponent; k < -1; ++k) *p++ = '0';
    for (int k = 0; k <= last; ++k) *p++ = figures[k];
  } else {
    for (int k = 0; k <= exponent; ++k) *p++ = figures[k];
    if (last > exponent) {
      *p++ = '.';
      for (int k = exponent + 1; k <= last; ++k) *p++ = figures[k];
    }
  }
  end = p;
  return true;
}

}  // namespace

void append_significant(std::string& out, double x, int digits) {
  char text[64];
  char* end = nullptr;
  if (!fixed_significant(x, digits, text, end))
    end = std::to_chars(text, text + sizeof text, x, std::chars_format::general, digits).ptr;
  out.append(text, end);
}

void append_csv_text(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(text);
    return;
  }
  out += '"';
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

nlohmann::ordered_json finite_or_null(double x) {
  return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
}

std::string utc_timestamp_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace rateopt
