// Book CSV reader and writer (SPEC §1.1, §6): every rule, with the exact file:line of its message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "book_test_util.hpp"
#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

using test::expect_same_book;
using test::same_doubles;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const std::string kRequiredHeader = "technical_price,expected_loss_cost,p_demand,elasticity\n";

Book parse(const std::string& text) { return parse_book_csv(text.data(), text.size(), "t.csv"); }

// The InputError message of parsing `text`, or a marker when it parses.
std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& error) {
    EXPECT_EQ(error.exit_code(), 2);
    return error.what();
  }
  return "(parsed without error)";
}

std::vector<std::string> all_ids(const Book& book) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < book.size(); ++i) ids.push_back(book.policy_id(i));
  return ids;
}

TEST(BookCsv, RequiredColumnsOnlyGiveDefaultsForTheRest) {
  const Book book = parse(kRequiredHeader + "100,60,0.8,-1.5\n200,150,0.5,-2\n");
  ASSERT_EQ(book.size(), 2u);
  EXPECT_EQ(book.source, "t.csv");
  EXPECT_TRUE(same_doubles({100, 200}, book.technical_price));
  EXPECT_TRUE(same_doubles({60, 150}, book.expected_loss_cost));
  EXPECT_TRUE(same_doubles({0.8, 0.5}, book.p_demand));
  EXPECT_TRUE(same_doubles({-1.5, -2}, book.elasticity));
  EXPECT_THAT(book.renewal_flag, ElementsAre(0, 0));
  EXPECT_TRUE(std::isnan(book.enbp[0]) && std::isnan(book.enbp[1]));
  EXPECT_TRUE(same_doubles({1, 1}, book.prior_multiplier));
  EXPECT_TRUE(same_doubles({0, 0}, book.claims_variance));
  EXPECT_TRUE(same_doubles({0, 0}, book.expense));
  EXPECT_TRUE(same_doubles({1, 1}, book.weight));
  EXPECT_THAT(book.group, ElementsAre(0, 0));
  EXPECT_THAT(book.group_names, ElementsAre("all"));
  EXPECT_FALSE(book.has_enbp);
  EXPECT_FALSE(book.has_claims_variance);
  EXPECT_FALSE(book.has_group);
  EXPECT_THAT(book.id_offset, IsEmpty());
  EXPECT_THAT(all_ids(book), ElementsAre("1", "2"));
  EXPECT_THAT(book.line_number, ElementsAre(2u, 3u));
  EXPECT_THAT(book.warnings, IsEmpty());
}

TEST(BookCsv, EveryColumnIsReadInAnyOrder) {
  const Book book = parse(
      "weight,group,expense,claims_variance,prior_multiplier,enbp,renewal_flag,elasticity,p_demand,"
      "expected_loss_cost,technical_price,policy_id\n"
      "2.5,pcw,12.5,900,1.05,480,1,-1.25,0.75,300,400,A1\n"
      "1,direct,0,0,0.95,,0,-2,0.6,50,100,B2\n"
      "3,pcw,1,1,1,700,1,-0.5,0.9,500,650,C3\n");
  ASSERT_EQ(book.size(), 3u);
  EXPECT_TRUE(same_doubles({400, 100, 650}, book.technical_price));
  EXPECT_TRUE(same_doubles({300, 50, 500}, book.expected_loss_cost));
  EXPECT_TRUE(same_doubles({0.75, 0.6, 0.9}, book.p_demand));
  EXPECT_TRUE(same_doubles({-1.25, -2, -0.5}, book.elasticity));
  EXPECT_THAT(book.renewal_flag, ElementsAre(1, 0, 1));
  EXPECT_TRUE(same_doubles({480, std::numeric_limits<double>::quiet_NaN(), 700}, book.enbp));
  EXPECT_TRUE(same_doubles({1.05, 0.95, 1}, book.prior_multiplier));
  EXPECT_TRUE(same_doubles({900, 0, 1}, book.claims_variance));
  EXPECT_TRUE(same_doubles({12.5, 0, 1}, book.expense));
  EXPECT_TRUE(same_doubles({2.5, 1, 3}, book.weight));
  EXPECT_THAT(book.group, ElementsAre(0, 1, 0));
  EXPECT_THAT(book.group_names, ElementsAre("pcw", "direct"));
  EXPECT_TRUE(book.has_enbp);
  EXPECT_TRUE(book.has_claims_variance);
  EXPECT_TRUE(book.has_group);
  EXPECT_THAT(all_ids(book), ElementsAre("A1", "B2", "C3"));
}

TEST(BookCsv, EmptyOptionalFieldsTakeTheirDefaults) {
  const Book book = parse(
      "technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp,prior_multiplier,"
      "claims_variance,expense,weight,group,policy_id\n"
      "100,60,0.8,-1.5,,,,,,,,\n");
  ASSERT_EQ(book.size(), 1u);
  EXPECT_EQ(book.renewal_flag[0], 0);
  EXPECT_TRUE(std::isnan(book.enbp[0]));  // an empty enbp means "not given"
  EXPECT_EQ(book.prior_multiplier[0], 1.0);
  EXPECT_EQ(book.claims_variance[0], 0.0);
  EXPECT_EQ(book.expense[0], 0.0);
  EXPECT_EQ(book.weight[0], 1.0);
  EXPECT_THAT(book.group_names, ElementsAre("all"));
  EXPECT_EQ(book.policy_id(0), "1");  // an empty id is the row number
}

TEST(BookCsv, QuotedFieldsMayHoldCommasQuotesAndNewlines) {
  const Book book = parse(
      "policy_id,group,technical_price,expected_loss_cost,p_demand,elasticity\n"
      "\"A,1\",\"x, \"\"y\"\"\",100,60,0.8,-1.5\n"
      "\"two\nlines\",plain,\" 200 \",+150,\"0.5\",-2\n"
      "C,\"x, \"\"y\"\"\",300,100,0.5,-1\n");
  ASSERT_EQ(book.size(), 3u);
  EXPECT_THAT(all_ids(book), ElementsAre("A,1", "two\nlines", "C"));
  EXPECT_THAT(book.group_names, ElementsAre("x, \"y\"", "plain"));
  EXPECT_THAT(book.group, ElementsAre(0, 1, 0));
  EXPECT_TRUE(same_doubles({100, 200, 300}, book.technical_price));
  EXPECT_TRUE(same_doubles({60, 150, 100}, book.expected_loss_cost));
  EXPECT_TRUE(same_doubles({0.8, 0.5, 0.5}, book.p_demand));
  // The quoted newline makes row 2 span lines 3-4, so row 3 is on line 5.
  EXPECT_THAT(book.line_number, ElementsAre(2u, 3u, 5u));
}

TEST(BookCsv, UnclosedQuoteIsAnError) {
  EXPECT_THAT(parse_error("policy_id," + kRequiredHeader + "\"A1,100,60,0.8,-1.5\n"),
              HasSubstr("t.csv:2: policy_id: quoted field is not closed"));
  EXPECT_THAT(parse_error("policy_id," + kRequiredHeader + "\"A\"1,100,60,0.8,-1.5\n"),
              HasSubstr("t.csv:2: policy_id: text after the closing quote"));
}

TEST(BookCsv, LineEndingsAndTrailingNewline) {
  const std::vector<std::string> texts = {
      kRequiredHeader + "100,60,0.8,-1.5\n200,150,0.5,-2\n",
      kRequiredHeader + "100,60,0.8,-1.5\n200,150,0.5,-2",
      "technical_price,expected_loss_cost,p_demand,elasticity\r\n100,60,0.8,-1.5\r\n200,150,0.5,-2\r\n",
      "technical_price,expected_loss_cost,p_demand,elasticity\r\n100,60,0.8,-1.5\r\n200,150,0.5,-2",
      "technical_price,expected_loss_cost,p_demand,elasticity\r100,60,0.8,-1.5\r200,150,0.5,-2\r",
      kRequiredHeader + "100,60,0.8,-1.5\n200,150,0.5,-2\n\n\n",
  };
  for (const std::string& text : texts) {
    SCOPED_TRACE(::testing::PrintToString(text));
    const Book book = parse(text);
    ASSERT_EQ(book.size(), 2u);
    EXPECT_TRUE(same_doubles({100, 200}, book.technical_price));
    EXPECT_TRUE(same_doubles({-1.5, -2}, book.elasticity));
    EXPECT_THAT(book.line_number, ElementsAre(2u, 3u));
  }
}

TEST(BookCsv, BlankLinesAreSkippedButCounted) {
  const Book book = parse(kRequiredHeader + "100,60,0.8,-1.5\n\n200,150,0.5,-2\n");
  EXPECT_THAT(book.line_number, ElementsAre(2u, 4u));
  EXPECT_THAT(parse_error(kRequiredHeader + "100,60,0.8,-1.5\r\n\r\n200,150,1.5,-2\r\n"),
              HasSubstr("t.csv:4: p_demand = 1.5 is outside (0,1)"));
}

TEST(BookCsv, ByteOrderMarkIsSkipped) {
  const Book book = parse("\xEF\xBB\xBF" + kRequiredHeader + "100,60,0.8,-1.5\n");
  ASSERT_EQ(book.size(), 1u);
  EXPECT_EQ(book.technical_price[0], 100.0);
  EXPECT_THAT(book.warnings, IsEmpty());
}

TEST(BookCsv, UnknownColumnsAreIgnoredWithAWarning) {
  const Book book = parse(
      "technical_price,region,expected_loss_cost,p_demand,elasticity,\n"
      "100,\"north, east\",60,0.8,-1.5,\n");
  ASSERT_EQ(book.size(), 1u);
  EXPECT_EQ(book.expected_loss_cost[0], 60.0);
  EXPECT_THAT(book.warnings, ElementsAre("t.csv:1: ignoring unknown column \"region\" (field 2)",
                                         "t.csv:1: ignoring unnamed column (field 6)"));
}

TEST(BookCsv, HeaderNamesAreTrimmedAndMayBeQuoted) {
  const Book book = parse(" technical_price ,\"expected_loss_cost\",p_demand,elasticity\n100,60,0.8,-1.5\n");
  EXPECT_EQ(book.expected_loss_cost[0], 60.0);
  EXPECT_THAT(book.warnings, IsEmpty());
}

TEST(BookCsv, DuplicateColumnNamesBothPositions) {
  EXPECT_THAT(parse_error("technical_price,expected_loss_cost,p_demand,elasticity,p_demand\n100,60,0.8,-1.5,0.7\n"),
              HasSubstr("t.csv:1: duplicate column \"p_demand\" (fields 3 and 5)"));
  EXPECT_THAT(parse_error("foo,technical_price,expected_loss_cost,p_demand,elasticity,foo\n1,100,60,0.8,-1.5,2\n"),
              HasSubstr("t.csv:1: duplicate column \"foo\" (fields 1 and 6)"));
}

TEST(BookCsv, MissingRequiredColumn) {
  EXPECT_THAT(parse_error("technical_price,expected_loss_cost,p_demand\n100,60,0.8\n"),
              HasSubstr("t.csv:1: missing required column \"elasticity\""));
  EXPECT_THAT(parse_error("policy_id,expected_loss_cost,p_demand,elasticity\nA,60,0.8,-1\n"),
              HasSubstr("t.csv:1: missing required column \"technical_price\""));
}

TEST(BookCsv, RowWithTheWrongNumberOfFields) {
  EXPECT_THAT(parse_error(kRequiredHeader + "100,60,0.8,-1.5\n100,60,0.8\n"),
              HasSubstr("t.csv:3: row has 3 fields, header has 4"));
  EXPECT_THAT(parse_error(kRequiredHeader + "100,60,0.8,-1.5,7\n"),
              HasSubstr("t.csv:2: row has 5 fields, header has 4"));
  EXPECT_THAT(parse_error("policy_id," + kRequiredHeader + "\"a,b\",100,60\r\n"),
              HasSubstr("t.csv:2: row has 3 fields, header has 5"));
  EXPECT_THAT(parse_error(kRequiredHeader + "100,60,0.8,-1.5\n100"),
              HasSubstr("t.csv:3: row has 1 fields, header has 4"));
}

TEST(BookCsv, TextInANumericField) {
  EXPECT_THAT(parse_error(kRequiredHeader + "abc,60,0.8,-1.5\n"),
              HasSubstr("t.csv:2: technical_price = \"abc\" is not a number"));
  EXPECT_THAT(parse_error(kRequiredHeader + "100,60,0.8,-1.5\n100,60,0.8,-1.5x\n"),
              HasSubstr("t.csv:3: elasticity = \"-1.5x\" is not a number"));
  EXPECT_THAT(parse_error(kRequiredHeader + "100,6 0,0.8,-1.5\n"),
              HasSubstr("t.csv:2: expected_loss_cost = \"6 0\" is not a number"));
  EXPECT_THAT(parse_error("enbp," + kRequiredHeader + "0x10,100,60,0.8,-1.5\n"),
              HasSubstr("t.csv:2: enbp = \"0x10\" is not a number"));
}

TEST(BookCsv, NonFiniteAndOutOfRangeNumbers) {
  EXPECT_THAT(parse_error(kRequiredHeader + "nan,60,0.8,-1.5\n"),
              HasSubstr("t.csv:2: technical_price = \"nan\" is not a finite number"));
  EXPECT_THAT(parse_error(kRequiredHeader + "100,NaN,0.8,-1.5\n"),
              HasSubstr("t.csv:2: expected_loss_cost = \"NaN\" is not a finite number"));
  EXPECT_THAT(parse_error(kRequiredHeader + "100,60,0.8,-inf\n"),
              HasSubstr("t.csv:2: elasticity = \"-inf\" is not a finite number"));
  EXPECT_THAT(parse_error("weight," + kRequiredHeader + "Infinity,100,60,0.8,-1.5\n"),
              HasSubstr("t.csv:2: weight = \"Infinity\" is not a finite number"));
  // An enbp of NaN in the file is not "absent": only an empty field is.
  EXPECT_THAT(parse_error("enbp," + kRequiredHeader + "nan,100,60,0.8,-1.5\n"),
              HasSubstr("t.csv:2: enbp = \"nan\" is not a finite number"));
  EXPECT_THAT(parse_error(kRequiredHeader + "1e400,60,0.8,-1.5\n"),
              HasSubstr("t.csv:2: technical_price = \"1e400\" is out of the range of a double"));
}

TEST(BookCsv, EmptyRequiredField) {
  EXPECT_THAT(parse_error(kRequiredHeader + "100,60,0.8,-1.5\n100,,0.8,-1.5\n"),
              HasSubstr("t.csv:3: expected_loss_cost is empty"));
  EXPECT_THAT(parse_error(kRequiredHeader + "100,60,0.8,\n"), HasSubstr("t.csv:2: elasticity is empty"));
  EXPECT_THAT(parse_error(kRequiredHeader + "  ,60,0.8,-1\n"), HasSubstr("t.csv:2: technical_price is empty"));
}

TEST(BookCsv, RenewalFlagSpellings) {
  const Book book = parse("renewal_flag," + kRequiredHeader +
                          "1,100,60,0.8,-1\n0,100,60,0.8,-1\ntrue,100,60,0.8,-1\nFALSE,100,60,0.8,-1\n"
                          " True ,100,60,0.8,-1\n,100,60,0.8,-1\n\"1\",100,60,0.8,-1\n");
  EXPECT_THAT(book.renewal_flag, ElementsAre(1, 0, 1, 0, 1, 0, 1));
  EXPECT_THAT(parse_error("renewal_flag," + kRequiredHeader + "1,100,60,0.8,-1\nyes,100,60,0.8,-1\n"),
              HasSubstr("t.csv:3: renewal_flag = \"yes\" is not 0, 1, true or false"));
  EXPECT_THAT(parse_error("renewal_flag," + kRequiredHeader + "2,100,60,0.8,-1\n"),
              HasSubstr("t.csv:2: renewal_flag = \"2\" is not 0, 1, true or false"));
}

TEST(BookCsv, PositiveElasticityIsAllowedWithOneWarning) {
  const Book book = parse(kRequiredHeader + "100,60,0.8,-1.5\n100,60,0.8,0.5\n100,60,0.8,-1\n100,60,0.8,2\n");
  ASSERT_EQ(book.size(), 4u);
  EXPECT_THAT(book.warnings, ElementsAre("t.csv: 2 policies have positive elasticity (first at line 3)"));

  const Book single = parse(kRequiredHeader + "100,60,0.8,0.1\n");
  EXPECT_THAT(single.warnings, ElementsAre("t.csv: 1 policy has positive elasticity (first at line 2)"));
}

TEST(BookCsv, EmptyBooks) {
  EXPECT_THAT(parse_error(kRequiredHeader), HasSubstr("t.csv: book is empty"));
  EXPECT_THAT(parse_error("technical_price,expected_loss_cost,p_demand,elasticity\r\n\r\n"),
              HasSubstr("t.csv: book is empty"));
  EXPECT_THAT(parse_error(""), HasSubstr("t.csv: book is empty"));
  EXPECT_THAT(parse_error("\xEF\xBB\xBF"), HasSubstr("t.csv: book is empty"));
}

// One rule of SPEC §1.1 broken on line 3, and the message that must name it.
struct RangeCase {
  std::string extra_column;  ///< optional column added to the header ("" for none)
  std::string good_extra;    ///< its value on the good row
  std::string bad_row;       ///< the required fields, then the extra one
  std::string message;
};

class BookCsvRange : public ::testing::TestWithParam<RangeCase> {};

TEST_P(BookCsvRange, NamesFileLineColumnAndRule) {
  const RangeCase& c = GetParam();
  const std::string header = c.extra_column.empty()
                                 ? kRequiredHeader
                                 : "technical_price,expected_loss_cost,p_demand,elasticity," + c.extra_column + "\n";
  const std::string good_row = "100,60,0.8,-1.5" + (c.extra_column.empty() ? "" : "," + c.good_extra) + "\n";
  EXPECT_THAT(parse_error(header + good_row + c.bad_row + "\n"), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, BookCsvRange,
    ::testing::Values(
        RangeCase{"", "", "0,60,0.8,-1.5", "t.csv:3: technical_price = 0 is not > 0"},
        RangeCase{"", "", "-5,60,0.8,-1.5", "t.csv:3: technical_price = -5 is not > 0"},
        RangeCase{"", "", "100,-1,0.8,-1.5", "t.csv:3: expected_loss_cost = -1 is not >= 0"},
        RangeCase{"", "", "100,60,1.3,-1.5", "t.csv:3: p_demand = 1.3 is outside (0,1)"},
        RangeCase{"", "", "100,60,0,-1.5", "t.csv:3: p_demand = 0 is outside (0,1)"},
        RangeCase{"", "", "100,60,1,-1.5", "t.csv:3: p_demand = 1 is outside (0,1)"},
        RangeCase{"enbp", "110", "100,60,0.8,-1.5,0", "t.csv:3: enbp = 0 is not > 0"},
        RangeCase{"enbp", "", "100,60,0.8,-1.5,-3", "t.csv:3: enbp = -3 is not > 0"},
        RangeCase{"prior_multiplier", "1", "100,60,0.8,-1.5,0", "t.csv:3: prior_multiplier = 0 is not > 0"},
        RangeCase{"claims_variance", "4", "100,60,0.8,-1.5,-2", "t.csv:3: claims_variance = -2 is not >= 0"},
        RangeCase{"expense", "3", "100,60,0.8,-1.5,-0.5", "t.csv:3: expense = -0.5 is not >= 0"},
        RangeCase{"weight", "2", "100,60,0.8,-1.5,0", "t.csv:3: weight = 0 is not > 0"},
        RangeCase{"weight", "2", "100,60,0.8,-1.5,-1", "t.csv:3: weight = -1 is not > 0"}));

TEST(BookCsv, ZeroIsAllowedWhereTheRuleSaysGreaterOrEqual) {
  const Book book = parse("claims_variance,expense," + kRequiredHeader + "0,0,100,0,0.5,-1\n");
  EXPECT_EQ(book.expected_loss_cost[0], 0.0);
}

TEST(BookCsv, FirstErrorInFileOrderIsReported) {
  // Line 2 breaks a later column than line 3; the line-2 error must win.
  EXPECT_THAT(parse_error(kRequiredHeader + "100,60,0.8,-1.5\n100,60,1.8,-1.5\n0,60,0.8,-1.5\n"),
              HasSubstr("t.csv:3: p_demand = 1.8 is outside (0,1)"));
}

TEST(BookCsvFile, ReadsAFileAndNamesItInMessages) {
  const auto dir = test::scratch_dir();
  const std::string path = (dir / "book.csv").string();
  test::write_text_file(path, kRequiredHeader + "100,60,0.8,-1.5\n200,150,0.5,-2\n");
  const Book book = read_book_csv(path);
  EXPECT_EQ(book.source, path);
  EXPECT_TRUE(same_doubles({100, 200}, book.technical_price));

  test::write_text_file(path, kRequiredHeader + "100,60,0.8,-1.5\n200,150,1.3,-2\n");
  try {
    read_book_csv(path);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), path + ":3: p_demand = 1.3 is outside (0,1)");
  }
}

TEST(BookCsvFile, MissingFileOrDirectory) {
  const auto dir = test::scratch_dir();
  const std::string missing = (dir / "nope.csv").string();
  try {
    read_book_csv(missing);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), missing + ": cannot open: No such file or directory");
    EXPECT_EQ(error.exit_code(), 2);
  }
  EXPECT_THROW(read_book_csv(dir.string()), InputError);
  const std::string empty = (dir / "empty.csv").string();
  test::write_text_file(empty, "");
  try {
    read_book_csv(empty);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_THAT(error.what(), HasSubstr(empty + ": book is empty"));
  }
}

TEST(BookCsvWrite, GeneratedBooksRoundTripExactly) {
  const auto dir = test::scratch_dir();
  for (BookProfile profile : {BookProfile::benchmark, BookProfile::quickstart}) {
    SCOPED_TRACE(to_string(profile));
    const Book book = generate_book(5000, 7, profile);
    const std::string path = (dir / (std::string(to_string(profile)) + ".csv")).string();
    write_book_csv(book, path);
    const Book back = read_book_csv(path);
    expect_same_book(book, back);
    EXPECT_THAT(back.warnings, IsEmpty());
  }
}

TEST(BookCsvWrite, AwkwardValuesRoundTripExactly) {
  Book book;
  book.resize(6);
  // The largest values are the largest a book may hold (book_limits: past them the sums overflow).
  book.technical_price = {0.1,
                          1.0 / 3.0,
                          5e-324,
                          std::nextafter(book_limits::max_money, 0.0),
                          123456789.123456789,
                          2.2250738585072014e-308};
  book.expected_loss_cost = {0.0, 1e-300, 3.0, book_limits::max_money, 0.30000000000000004, 7.0};
  book.p_demand = {0.5, std::nextafter(1.0, 0.0), std::nextafter(0.0, 1.0), 0.1, 0.9, 0.7};
  book.elasticity = {-1.0, 0.0, -0.0, 1e-20, std::nextafter(-book_limits::max_abs_elasticity, 0.0), 2.5};
  book.renewal_flag = {1, 0, 1, 1, 0, 0};
  book.enbp = {1.1, std::numeric_limits<double>::quiet_NaN(), 1e-10, 4.0, std::numeric_limits<double>::quiet_NaN(), 8};
  book.prior_multiplier = {1.0, 0.9, 1.2, 1.0000000000000002, 1, 1};
  book.claims_variance = {0, 1e-5, 5, 6, 7, 8};
  book.expense = {0, 0, 12.75, 0, 0, 0};
  book.weight = {1, 2, 3, 0.5, 1, 1};
  book.group_names = {"a,b", "say \"hi\"", "plain"};
  book.group = {0, 1, 2, 0, 1, 2};
  book.has_group = true;
  book.has_enbp = true;
  book.has_claims_variance = true;
  const std::vector<std::string> ids = {"x", "with,comma", "with \"quotes\"", "line\nbreak", "é", "6"};
  book.id_offset = {0};
  for (const std::string& id : ids) {
    book.id_chars += id;
    book.id_offset.push_back(book.id_chars.size());
  }
  book.validate();

  const auto dir = test::scratch_dir();
  const std::string path = (dir / "awkward.csv").string();
  write_book_csv(book, path);
  const Book back = read_book_csv(path);
  expect_same_book(book, back);
  EXPECT_THAT(back.warnings, ElementsAre(path + ": 2 policies have positive elasticity (first at line 5)"));
}

TEST(BookCsvWrite, CanonicalHeaderWithOnlyTheColumnsTheBookHas) {
  const auto dir = test::scratch_dir();
  const std::string path = (dir / "minimal.csv").string();
  Book book;
  book.resize(2);
  book.technical_price = {100, 200};
  book.expected_loss_cost = {60, 150};
  book.p_demand = {0.8, 0.5};
  book.elasticity = {-1.5, -2};
  write_book_csv(book, path);
  EXPECT_EQ(test::read_text_file(path), kRequiredHeader + "100,60,0.8,-1.5\n200,150,0.5,-2\n");

  book.has_enbp = true;
  book.enbp[1] = 210;
  book.renewal_flag = {0, 1};
  book.weight = {1, 4};
  write_book_csv(book, path);  // replaces the file
  EXPECT_EQ(test::read_text_file(path),
            "technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp,weight\n"
            "100,60,0.8,-1.5,0,,1\n200,150,0.5,-2,1,210,4\n");

  const Book full = generate_book(1, 1, BookProfile::benchmark);
  write_book_csv(full, path);
  const std::string text = test::read_text_file(path);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp,prior_multiplier,"
            "claims_variance,group");
}

TEST(BookCsvWrite, LeavesNoTemporaryFileBehind) {
  const auto dir = test::scratch_dir();
  write_book_csv(generate_book(10, 3, BookProfile::quickstart), (dir / "book.csv").string());
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  EXPECT_THAT(names, ElementsAre("book.csv"));
}

TEST(BookCsvWrite, UnwritableDirectoryIsAResourceError) {
  const auto dir = test::scratch_dir();
  try {
    write_book_csv(generate_book(3, 3, BookProfile::quickstart), (dir / "no_such_dir" / "book.csv").string());
    ADD_FAILURE() << "expected a DeviceError";
  } catch (const DeviceError& error) {
    EXPECT_THAT(error.what(), HasSubstr("book.csv: cannot write: No such file or directory"));
    EXPECT_EQ(error.exit_code(), 4);
  }
}

TEST(Book, ResizeFillsDefaults) {
  Book book;
  book.resize(3);
  EXPECT_THAT(book.technical_price, SizeIs(3));
  EXPECT_THAT(book.renewal_flag, ElementsAre(0, 0, 0));
  EXPECT_TRUE(std::isnan(book.enbp[2]));
  EXPECT_TRUE(same_doubles({1, 1, 1}, book.prior_multiplier));
  EXPECT_TRUE(same_doubles({0, 0, 0}, book.claims_variance));
  EXPECT_TRUE(same_doubles({0, 0, 0}, book.expense));
  EXPECT_TRUE(same_doubles({1, 1, 1}, book.weight));
  EXPECT_THAT(book.group, ElementsAre(0, 0, 0));
  EXPECT_THAT(book.group_names, ElementsAre("all"));
  EXPECT_THAT(all_ids(book), ElementsAre("1", "2", "3"));

  book.id_offset = {0, 1, 2, 3};
  book.id_chars = "abc";
  book.resize(5);  // new rows get their row number as id
  EXPECT_THAT(all_ids(book), ElementsAre("a", "b", "c", "4", "5"));
  book.resize(2);
  EXPECT_THAT(all_ids(book), ElementsAre("a", "b"));
  EXPECT_EQ(book.id_chars, "ab");
}

Book small_valid_book() {
  Book book;
  book.resize(3);
  book.technical_price = {100, 200, 300};
  book.expected_loss_cost = {60, 150, 200};
  book.p_demand = {0.8, 0.5, 0.6};
  book.elasticity = {-1.5, -2, -1};
  return book;
}

std::string validate_error(const Book& book) {
  try {
    book.validate();
  } catch (const InputError& error) {
    return error.what();
  }
  return "(valid)";
}

TEST(Book, ValidateInMemoryBooks) {
  Book book = small_valid_book();
  EXPECT_EQ(validate_error(book), "(valid)");

  // Rows of an in-memory book are named as if read from a file: row i on "line" i + 2.
  book.technical_price[1] = 0;
  EXPECT_EQ(validate_error(book), "book:3: technical_price = 0 is not > 0");

  book = small_valid_book();
  book.elasticity[2] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(validate_error(book), "book:4: elasticity = inf is not finite");

  book = small_valid_book();
  book.p_demand[0] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(validate_error(book), "book:2: p_demand = nan is outside (0,1)");

  book = small_valid_book();
  book.renewal_flag[0] = 2;
  EXPECT_EQ(validate_error(book), "book:2: renewal_flag = 2 is not 0 or 1");

  book = small_valid_book();
  book.enbp[0] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(validate_error(book), "book:2: enbp = inf is not finite");

  book = small_valid_book();
  book.group[1] = 3;
  EXPECT_EQ(validate_error(book), "book:3: group = 3 is not an index into the 1 group names");

  book = small_valid_book();
  book.source = "mine.csv";
  book.line_number = {10, 20, 30};
  book.weight[2] = -1;
  EXPECT_EQ(validate_error(book), "mine.csv:30: weight = -1 is not > 0");
}

TEST(Book, ValidateColumnLengthsAndEmptiness) {
  Book book = small_valid_book();
  book.weight.pop_back();
  EXPECT_EQ(validate_error(book), "book: column weight has 2 rows, technical_price has 3");
  EXPECT_THROW(write_book_csv(book, "/nonexistent/never-written.csv"), InputError);

  Book empty;
  empty.source = "mine.csv";
  EXPECT_EQ(validate_error(empty), "mine.csv: book is empty");
}

}  // namespace
}  // namespace rateopt
