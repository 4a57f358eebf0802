// The book reader on several threads against the serial reader (same columns, warnings and first error),
// and the exact long-decimal parse against strtod.
#include <gtest/gtest.h>

#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "book/book_csv_internal.hpp"
#include "book_test_util.hpp"
#include "io/csv_cursor.hpp"
#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

// Spellings a program writes: shortest, %.17g, fixed with 0-19 decimals, random digit strings of 1-21 digits.
std::string random_spelling(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> kind(0, 3), decimals(0, 19), digits(1, 21), digit(0, 9);
  const double magnitude = std::pow(10.0, std::uniform_real_distribution<double>(-8, 12)(rng));
  const double x = (rng() & 1 ? -1 : 1) * magnitude * std::uniform_real_distribution<double>(0, 1)(rng);
  char text[64];
  switch (kind(rng)) {
    case 0:
      *std::to_chars(text, text + sizeof text, x).ptr = '\0';
      break;
    case 1:
      std::snprintf(text, sizeof text, "%.17g", x);
      break;
    case 2:
      std::snprintf(text, sizeof text, "%.*f", decimals(rng), x);
      break;
    default: {
      std::string s = rng() & 1 ? "-" : "";
      const int n = digits(rng), point = std::uniform_int_distribution<int>(0, n)(rng);
      for (int k = 0; k < n; ++k) {
        if (k == point && k > 0) s += '.';
        s += static_cast<char>('0' + digit(rng));
      }
      return s;
    }
  }
  return text;
}

TEST(LongDecimal, CorrectlyRoundedAgainstStrtod) {
  std::mt19937_64 rng(19);
  size_t accepted = 0, long_ones = 0;
  for (int trial = 0; trial < 200000; ++trial) {
    const std::string text = random_spelling(rng);
    const double expected = std::strtod(text.c_str(), nullptr);
    double value = 0;
    if (long_decimal(text.data(), text.data() + text.size(), value)) {
      ++accepted;
      long_ones += text.size() >= 17 ? 1 : 0;
      ASSERT_EQ(value, expected) << text;
      ASSERT_EQ(std::signbit(value), std::signbit(expected)) << text;
    }
    double parsed = 0;  // every field the readers parse goes the same way
    if (number_error(text, parsed) == nullptr) {
      ASSERT_EQ(parsed, expected) << text;
    }
  }
  EXPECT_GT(accepted, 150000u);
  EXPECT_GT(long_ones, 40000u);
}

TEST(LongDecimal, HalfwayCasesAndLimits) {
  // Decimals at and next to the midpoint between two doubles, where a parse that is not exact rounds wrong.
  const char* cases[] = {"9007199254740993",      "9007199254740992.5",   "0.10000000000000000555",
                         "1.0000000000000002220", "123456789012345678.9", "-0.0",
                         "0.0000000000000000001", "9999999999999999999",  "2.2250738585072011",
                         "1.7976931348623157"};
  for (const char* text : cases) {
    double value = 0;
    const std::string s = text;
    if (long_decimal(s.data(), s.data() + s.size(), value)) {
      EXPECT_EQ(value, std::strtod(text, nullptr)) << text;
      EXPECT_EQ(std::signbit(value), std::signbit(std::strtod(text, nullptr))) << text;
    }
  }
  double value = 0;
  const std::string refused[] = {"", "-", ".", "1e5", "+1", "1.2.3", "12345678901234567890", " 1", "1 ", "0x10"};
  for (const std::string& text : refused)
    EXPECT_FALSE(long_decimal(text.data(), text.data() + text.size(), value)) << text;
}

// A book with every column, awkward spellings, blank lines, CRLF and bare CR, and some empty optional fields.
std::string random_book(std::mt19937_64& rng, size_t rows, bool empty_ids) {
  std::string text =
      "\xEF\xBB\xBF\npolicy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp,"
      "prior_multiplier,claims_variance,group,note\n";
  std::uniform_real_distribution<double> u(0, 1);
  const char* groups[] = {"pcw", "direct", "broker", "", "agg\xC3\xA9"};
  for (size_t i = 0; i < rows; ++i) {
    if (u(rng) < 0.02) text += u(rng) < 0.5 ? "\n" : "\r\n";
    char row[512];
    const double tc = 100 + 900 * u(rng);
    const std::string id = empty_ids && u(rng) < 0.05 ? "" : "P" + std::to_string(i);
    std::snprintf(row, sizeof row, "%s,%.17g,%.6f,%.16g,%.3f,%s,%s,%.12g,%.2f,%s,%s", id.c_str(), tc,
                  tc * (0.3 + 0.5 * u(rng)), 0.05 + 0.9 * u(rng), -3 + 2.9 * u(rng), u(rng) < 0.5 ? "1" : "0",
                  u(rng) < 0.1 ? "" : std::to_string(tc * 1.1).c_str(), 0.9 + 0.2 * u(rng), 1e4 * u(rng),
                  groups[rng() % 5], u(rng) < 0.1 ? "+1e3" : "x");
    text += row;
    const double ending = u(rng);
    text += ending < 0.8 ? "\n" : ending < 0.95 ? "\r\n" : "\r";
  }
  return text;
}

// As read_book_csv's callers see a book: also the line numbers and the warnings.
void expect_same_books(const Book& expected, const Book& actual) {
  test::expect_same_book(expected, actual);
  EXPECT_EQ(expected.line_number, actual.line_number);
  EXPECT_EQ(expected.warnings, actual.warnings);
}

std::string error_of(const std::function<Book()>& parse) {
  try {
    parse();
  } catch (const InputError& error) {
    return error.what();
  }
  return "(parsed without error)";
}

TEST(BookCsvParallel, SameColumnsAsTheSerialReader) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const std::string text = random_book(rng, 50 + rng() % 3000, trial % 2 == 1);
    const Book serial = parse_book_csv(text.data(), text.size(), "b.csv");
    for (size_t ranges : {1, 2, 3, 7, 64}) {
      SCOPED_TRACE("trial " + std::to_string(trial) + ", " + std::to_string(ranges) + " ranges");
      expect_same_books(serial, parse_book_csv_parallel(text.data(), text.size(), "b.csv", ranges));
    }
  }
}

TEST(BookCsvParallel, SideTaskRunsAndItsFailureIsThrown) {
  std::mt19937_64 rng(8);
  const std::string text = random_book(rng, 500, false);
  bool ran = false;
  parse_book_csv_parallel(text.data(), text.size(), "b.csv", 4, [&] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_THROW(
      parse_book_csv_parallel(text.data(), text.size(), "b.csv", 4, [] { throw InputError("b.csv: cannot read"); }),
      InputError);
}

// One or two bad fields planted at random rows: the message (file:line, column, rule) is the serial reader's.
TEST(BookCsvParallel, FirstErrorInFileOrderAsTheSerialReader) {
  std::mt19937_64 rng(11);
  const char* bad_rows[] = {
      "P,abc,1,0.5,-1,1,,1,0,pcw,x",        // not a number
      "P,100,60,0.5,-1,1,,1,0,pcw",         // too few fields
      "P,100,60,0.5,-1,1,,1,0,pcw,x,y",     // too many fields
      "P,100,60,1.5,-1,1,,1,0,pcw,x",       // p_demand out of range (found by validate)
      "P,100,60,0.5,-1,2,,1,0,pcw,x",       // renewal flag
      "P,,60,0.5,-1,1,,1,0,pcw,x",          // empty required field
      "P,100,60,0.5,-1,1,,1,0,\xFF\xFE,x",  // group not UTF-8
      "P,1e999,60,0.5,-1,1,,1,0,pcw,x",     // out of range
      "P,-100,60,0.5,-1,1,,1,0,pcw,x",      // technical price not > 0
  };
  size_t errors_seen = 0;
  for (int trial = 0; trial < 60; ++trial) {
    std::string text = random_book(rng, 200 + rng() % 2000, trial % 3 == 0);
    // Replace one or two whole rows (after the header's line) by bad ones.
    std::vector<size_t> starts;
    const size_t header_end = text.find("note\n") + 5;
    for (size_t at = header_end; at < text.size(); ++at)
      if (at == header_end || text[at - 1] == '\n') starts.push_back(at);
    for (int planted = 0; planted < 1 + trial % 2; ++planted) {
      const size_t at = starts[rng() % starts.size()];
      const size_t end = text.find_first_of("\r\n", at);
      if (end == at) continue;  // a blank line
      text.replace(at, end - at, bad_rows[rng() % (sizeof bad_rows / sizeof *bad_rows)]);
      starts.clear();
      for (size_t k = header_end; k < text.size(); ++k)
        if (k == header_end || text[k - 1] == '\n') starts.push_back(k);
    }
    const std::string expected = error_of([&] { return parse_book_csv(text.data(), text.size(), "b.csv"); });
    errors_seen += expected != "(parsed without error)" ? 1 : 0;
    for (size_t ranges : {2, 5, 16}) {
      SCOPED_TRACE("trial " + std::to_string(trial) + ", " + std::to_string(ranges) + " ranges");
      EXPECT_EQ(expected, error_of([&] { return parse_book_csv_parallel(text.data(), text.size(), "b.csv", ranges); }));
    }
  }
  EXPECT_GT(errors_seen, 50u);
}

TEST(BookCsvParallel, QuotedFieldsWithLineBreaksFallBackToTheSerialReader) {
  std::mt19937_64 rng(12);
  std::string text = random_book(rng, 1000, false);
  const size_t at = text.find("\nP500,") + 1;
  text.replace(at, 4, "\"P5\n00\"");  // a quoted id holding a line break, mid-file
  const Book serial = parse_book_csv(text.data(), text.size(), "b.csv");
  EXPECT_NE(serial.id_chars.find("P5\n00"), std::string::npos);
  for (size_t ranges : {2, 3, 9})
    expect_same_books(serial, parse_book_csv_parallel(text.data(), text.size(), "b.csv", ranges));
  // An unclosed quote: the serial reader's message.
  std::string broken = random_book(rng, 1000, false);
  broken.insert(broken.find("\nP700,") + 1, "\"");
  EXPECT_EQ(error_of([&] { return parse_book_csv(broken.data(), broken.size(), "b.csv"); }),
            error_of([&] { return parse_book_csv_parallel(broken.data(), broken.size(), "b.csv", 4); }));
}

TEST(BookCsvParallel, HeaderOnlyAndHeaderErrorsAsTheSerialReader) {
  const std::string header = "technical_price,expected_loss_cost,p_demand,elasticity\n";
  for (const std::string& text : {header, header + "\n\n", std::string("technical_price,p_demand\n1,0.5\n"),
                                  std::string(""), header + "100,60,0.5,-1\n"}) {
    const std::string expected = error_of([&] { return parse_book_csv(text.data(), text.size(), "b.csv"); });
    EXPECT_EQ(expected, error_of([&] { return parse_book_csv_parallel(text.data(), text.size(), "b.csv", 3); }));
  }
}

}  // namespace
}  // namespace rateopt
