// `rateopt optimise` with a bad book or bad options (SPEC §6): exit 2, a message naming file, line and rule,
// and nothing written.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

// ---------------------------------------------------------------------------------------------
// Bad input (SPEC §6): exit 2, a message naming file, line and rule, and nothing written.

const char* const kHeader = "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp";
const std::vector<std::string> kRows = {
    "P1,500,300,0.8,-1.5,1,560",  // line 2
    "P2,400,250,0.7,-2.0,0,",     // line 3
    "P3,300,150,0.6,-1.2,1,330",  // line 4
    "P4,800,500,0.75,-1.8,0,",    // line 5
};

const std::string kOptionalColumnsHeader =
    "technical_price,expected_loss_cost,p_demand,elasticity,weight,prior_multiplier,expense,claims_variance";

/// The small valid book with line `line` (1 = header) replaced by `text`.
std::string book_with(int line, const std::string& text) {
  std::string csv = (line == 1 ? text : std::string(kHeader)) + "\n";
  for (size_t i = 0; i < kRows.size(); ++i) csv += (static_cast<int>(i) + 2 == line ? text : kRows[i]) + "\n";
  return csv;
}

const char* const kMissing = "<no such file>";

struct BadInput {
  const char* name;
  std::string csv;                   ///< book text; kMissing: the book file does not exist
  std::vector<std::string> extra;    ///< options beyond --book and --out-dir
  std::string location;              ///< must appear in stderr (file, or file:line)
  std::vector<std::string> subject;  ///< each must appear in stderr (column, value or option)
  std::vector<std::string> rule;     ///< at least one must appear in stderr
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

class CliBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliBadInput, Exit2NamesLocationAndRuleAndWritesNothing) {
  const BadInput& c = GetParam();
  const fs::path dir = scratch_dir();
  const fs::path in = dir / "in";
  fs::create_directories(in);
  const bool missing = c.csv == kMissing;
  const fs::path book = in / (missing ? "nope.csv" : "book.csv");
  if (!missing) write_text_file(book, c.csv);
  const std::vector<std::string> in_before = listing(in);
  const fs::path out = dir / "out";

  const CliRun r = run_rateopt(dir, optimise_args(book, out, c.extra));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, c.location)) << "expected location \"" << c.location << "\"\n" << describe(r);
  for (const std::string& s : c.subject) EXPECT_TRUE(contains(r.err, s)) << "expected \"" << s << "\"\n" << describe(r);
  if (!c.rule.empty()) {
    std::string rules;
    for (const auto& s : c.rule) rules += "\"" + s + "\" ";
    EXPECT_TRUE(contains_any(r.err, c.rule)) << "expected one of " << rules << "\n" << describe(r);
  }
  EXPECT_TRUE(r.out.empty() || !contains(r.out, "wrote")) << describe(r);
  EXPECT_FALSE(fs::exists(out)) << "the output directory must not be created\n" << describe(r);
  EXPECT_EQ(listing(in), in_before) << "nothing may be written beside the book";
}

const std::vector<std::string> kBuffer = {"--enbp-buffer", "0.01"};

INSTANTIATE_TEST_SUITE_P(
    Book, CliBadInput,
    ::testing::Values(
        BadInput{"missing_file",
                 kMissing,
                 {},
                 "nope.csv",
                 {},
                 {"cannot open", "does not exist", "No such file", "not found"}},
        BadInput{"header_only", std::string(kHeader) + "\n", {}, "book.csv", {}, {"empty", "no rows"}},
        BadInput{"empty_file", "", {}, "book.csv", {}, {"empty", "no header"}},
        BadInput{"blank_lines_only", "\n\n", {}, "book.csv", {}, {"empty", "no header"}},
        BadInput{"duplicate_header",
                 book_with(1,
                           "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,"
                           "elasticity"),
                 {},
                 "book.csv:1",
                 {"elasticity"},
                 {"duplicate"}},
        BadInput{"missing_required_column",
                 book_with(1, "policy_id,technical_price,expected_loss_cost,p_demnd,elasticity,renewal_flag,enbp"),
                 {},
                 "book.csv:1",
                 {"p_demand"},
                 {"missing", "required"}},
        BadInput{"nan",
                 book_with(3, "P2,NaN,250,0.7,-2.0,0,"),
                 {},
                 "book.csv:3",
                 {"technical_price"},
                 {"finite", "NaN", "nan"}},
        BadInput{"nan_p_demand",
                 book_with(4, "P3,300,150,nan,-1.2,1,330"),
                 {},
                 "book.csv:4",
                 {"p_demand"},
                 {"finite", "(0,1)"}},
        BadInput{"inf",
                 book_with(4, "P3,300,inf,0.6,-1.2,1,330"),
                 {},
                 "book.csv:4",
                 {"expected_loss_cost"},
                 {"finite", "inf"}},
        BadInput{"minus_inf_elasticity",
                 book_with(5, "P4,800,500,0.75,-inf,0,"),
                 {},
                 "book.csv:5",
                 {"elasticity"},
                 {"finite", "inf"}},
        BadInput{"text_in_number",
                 book_with(2, "P1,500,300,0.8,abc,1,560"),
                 {},
                 "book.csv:2",
                 {"elasticity", "abc"},
                 {"not a number", "numeric"}},
        BadInput{"number_with_trailing_text",
                 book_with(3, "P2,400x,250,0.7,-2.0,0,"),
                 {},
                 "book.csv:3",
                 {"technical_price"},
                 {"not a number", "numeric"}},
        BadInput{"p_demand_above_one",
                 book_with(3, "P2,400,250,1.3,-2.0,0,"),
                 {},
                 "book.csv:3",
                 {"p_demand", "1.3"},
                 {"(0,1)", "(0, 1)"}},
        BadInput{"p_demand_one",
                 book_with(2, "P1,500,300,1,-1.5,1,560"),
                 {},
                 "book.csv:2",
                 {"p_demand"},
                 {"(0,1)", "(0, 1)"}},
        BadInput{
            "p_demand_zero", book_with(5, "P4,800,500,0,-1.8,0,"), {}, "book.csv:5", {"p_demand"}, {"(0,1)", "(0, 1)"}},
        BadInput{"technical_price_zero",
                 book_with(4, "P3,0,150,0.6,-1.2,1,330"),
                 {},
                 "book.csv:4",
                 {"technical_price"},
                 {"> 0", "positive"}},
        BadInput{"technical_price_negative",
                 book_with(2, "P1,-500,300,0.8,-1.5,1,560"),
                 {},
                 "book.csv:2",
                 {"technical_price"},
                 {"> 0", "positive"}},
        BadInput{"negative_loss_cost",
                 book_with(5, "P4,800,-1,0.75,-1.8,0,"),
                 {},
                 "book.csv:5",
                 {"expected_loss_cost"},
                 {">= 0", "≥ 0", "negative"}},
        BadInput{
            "too_many_fields", book_with(3, "P2,400,250,0.7,-2.0,0,,9"), {}, "book.csv:3", {}, {"fields", "columns"}},
        BadInput{"too_few_fields", book_with(4, "P3,300,150,0.6,-1.2"), {}, "book.csv:4", {}, {"fields", "columns"}},
        BadInput{"renewal_without_enbp",
                 book_with(4, "P3,300,150,0.6,-1.2,1,"),
                 kBuffer,
                 "book.csv:4",
                 {"enbp"},
                 {"renewal", "ENBP", "enbp_buffer"}},
        BadInput{"enbp_zero", book_with(2, "P1,500,300,0.8,-1.5,1,0"), {}, "book.csv:2", {"enbp"}, {"> 0", "positive"}},
        BadInput{"weight_zero",
                 kOptionalColumnsHeader + "\n500,300,0.8,-1.5,1,1,0,0\n400,250,0.7,-2,0,1,0,0\n",
                 {},
                 "book.csv:3",
                 {"weight"},
                 {"> 0", "positive"}},
        BadInput{"prior_multiplier_negative",
                 kOptionalColumnsHeader + "\n500,300,0.8,-1.5,1,-1,0,0\n",
                 {},
                 "book.csv:2",
                 {"prior_multiplier"},
                 {"> 0", "positive"}},
        BadInput{"expense_negative",
                 kOptionalColumnsHeader + "\n500,300,0.8,-1.5,1,1,-3,0\n",
                 {},
                 "book.csv:2",
                 {"expense"},
                 {">= 0", "≥ 0", "negative"}},
        BadInput{"claims_variance_negative",
                 kOptionalColumnsHeader + "\n500,300,0.8,-1.5,1,1,0,-2\n",
                 {},
                 "book.csv:2",
                 {"claims_variance"},
                 {">= 0", "≥ 0", "negative"}},
        BadInput{"crlf_line_numbers",
                 "policy_id,technical_price,expected_loss_cost,p_demand,elasticity\r\nA,500,300,0.8,-1.5\r\n"
                 "B,400,250,1.7,-2\r\n",
                 {},
                 "book.csv:3",
                 {"p_demand", "1.7"},
                 {"(0,1)", "(0, 1)"}},
        BadInput{"bad_renewal_flag",
                 book_with(3, "P2,400,250,0.7,-2.0,maybe,"),
                 {},
                 "book.csv:3",
                 {"renewal_flag"},
                 {"0, 1", "0/1", "true or false"}}),
    [](const ::testing::TestParamInfo<BadInput>& param) { return std::string(param.param.name); });

const std::string kGoodBook = book_with(0, "");  // line 0 replaces nothing

INSTANTIATE_TEST_SUITE_P(
    Options, CliBadInput,
    ::testing::Values(
        BadInput{"lr_min_above_lr_max", kGoodBook, {"--lr-min", "0.7", "--lr-max", "0.6"}, "lr_min", {"lr_max"}, {}},
        BadInput{"lr_min_equal_lr_max", kGoodBook, {"--lr-min", "0.65", "--lr-max", "0.65"}, "lr_min", {"lr_max"}, {}},
        BadInput{
            "gwp_min_above_gwp_max", kGoodBook, {"--gwp-min", "1000", "--gwp-max", "500"}, "gwp_min", {"gwp_max"}, {}},
        BadInput{
            "gwp_min_equal_gwp_max", kGoodBook, {"--gwp-min", "500", "--gwp-max", "500"}, "gwp_min", {"gwp_max"}, {}},
        BadInput{"retention_min_above_one", kGoodBook, {"--retention-min", "1.2"}, "retention_min", {"1.2"}, {}},
        BadInput{"negative_max_rate_change", kGoodBook, {"--max-rate-change", "-0.1"}, "max_rate_change", {}, {}},
        BadInput{
            "unknown_demand_model", kGoodBook, {"--demand-model", "exponential"}, "demand_model", {"exponential"}, {}},
        BadInput{"non_numeric_flag", kGoodBook, {"--lr-max", "abc"}, "abc", {}, {"lr-max", "lr_max"}},
        BadInput{"non_numeric_flag_with_suffix",
                 kGoodBook,
                 {"--retention-min", "0.8x"},
                 "0.8x",
                 {},
                 {"retention-min", "retention_min"}},
        BadInput{"fairness_without_group_column", kGoodBook, {"--fairness-max", "1.2"}, "fairness_max", {"group"}, {}}),
    [](const ::testing::TestParamInfo<BadInput>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
