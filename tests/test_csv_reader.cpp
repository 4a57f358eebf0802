// The block-streaming CSV reader: rows, line numbers, SHA-256 and messages the same whatever the block
// size (records and UTF-8 sequences straddling blocks), text in memory read as a file is, and the one
// number parser's accepted spellings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "io/csv_reader.hpp"
#include "io/files.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/grid.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

// Everything a reader shows of a file: header, each row's line and fields, the SHA; or the error.
std::string read_all(CsvReader& csv) {
  std::string out = "header@" + std::to_string(csv.header_line());
  for (const std::string& name : csv.header()) out += "|" + name;
  while (csv.next()) {
    out += "\n" + std::to_string(csv.line()) + ":";
    for (size_t j = 0; j < csv.header().size(); ++j) out += "[" + std::string(csv.raw(j)) + "]";
  }
  return out + "\nrows " + std::to_string(csv.rows()) + " sha " + csv.sha256() + " bytes " +
         std::to_string(csv.bytes());
}

std::string read_file(const std::string& path, size_t block) {
  try {
    CsvReader csv(path, "test file", {}, block);
    return read_all(csv);
  } catch (const InputError& e) {
    return std::string("error: ") + e.what();
  }
}

std::string read_text(const std::string& name, const std::string& text) {
  try {
    CsvReader csv(CsvText{name, text}, "test file");
    return read_all(csv);
  } catch (const InputError& e) {
    return std::string("error: ") + e.what();
  }
}

TEST(CsvReader, BlocksOfAnySizeGiveTheSameRowsLinesShaAndMessages) {
  const std::string good =
      "\xEF\xBB\xBF\n\r\nid , name,note\r\n"
      "1,caf\xC3\xA9,\"two\nlines\"\n\n"
      "2,\xE2\x82\xAC uro,\"say \"\"hi\"\"\"\r\n"
      "\"3\",\xF0\x9F\x98\x80,\"\"\n"
      "4,\"a,b\",\"x\n\ny\nz\"\n"
      "5,last,no newline at the end";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"good.csv", good},
      {"unclosed.csv", "a,b\n1,2\n3,\"open\n4,5\n"},
      {"short_row.csv", "a,b\n1,2\n3\n"},
      {"long_row.csv", "a,b\n1,2\n3,4,5\n"},
      {"after_quote.csv", "a,b\n1,\"2\"x\n"},
      {"bad_utf8.csv", "a,b\n1,ok\n2,caf\xC3\n3,\xE2\x82\n"},
      {"bad_utf8_header.csv", "a,b\xFF\n1,2\n"},
      {"utf16.csv", std::string("\xFF\xFE"
                                "a\0,\0b\0\n\0",
                                10)},
      {"nul.csv", std::string("a,b\0c\n1,2\n", 10)},
      {"empty.csv", "\n\r\n"},
      {"duplicate.csv", "a,\"b\nc\",a\n1,2,3\n"},
      {"header_only.csv", "a,b"},
  };
  const std::filesystem::path dir = test::scratch_dir();
  for (const auto& [name, text] : files) {
    const std::string path = (dir / name).string();
    test::write_text_file(path, text);
    const std::string whole = read_file(path, CsvReader::kBlockBytes);
    if (name == "good.csv") {
      EXPECT_NE(whole.find("sha " + sha256_file(path)), std::string::npos) << whole;
      EXPECT_NE(whole.find("\n7:[2][\xE2\x82\xAC uro][say \"hi\"]"), std::string::npos) << whole;
      EXPECT_NE(whole.find("\n9:[4][a,b][x\n\ny\nz]"), std::string::npos) << whole;
      EXPECT_NE(whole.find("\n13:[5][last][no newline at the end]\nrows 5"), std::string::npos) << whole;
    } else if (name != "header_only.csv") {
      EXPECT_EQ(whole.rfind("error: ", 0), 0u) << name << ": " << whole;
    }
    for (size_t block = 1; block <= 7; ++block) EXPECT_EQ(whole, read_file(path, block)) << name << " block " << block;
    const std::string in_memory = read_text(path, text);
    EXPECT_EQ(whole.substr(0, whole.rfind(" bytes")), in_memory.substr(0, in_memory.rfind(" bytes"))) << name;
  }
  EXPECT_NE(read_file((dir / "unclosed.csv").string(), 3).find("unclosed.csv:3: b: quoted field is not closed"),
            std::string::npos);
  EXPECT_NE(read_file((dir / "bad_utf8.csv").string(), 2).find("bad_utf8.csv:3: b \"caf\\xC3\" is not valid UTF-8"),
            std::string::npos);
}

TEST(CsvReader, ShaIsKnownOnlyOnceTheFileIsRead) {
  const std::string path = (test::scratch_dir() / "rows.csv").string();
  test::write_text_file(path, "a\n1\n2\n");
  CsvReader csv(path, "test file", {}, 2);
  EXPECT_EQ(csv.bytes(), 6u);
  EXPECT_THROW(csv.sha256(), std::logic_error);
  while (csv.next()) {
  }
  EXPECT_EQ(csv.sha256(), sha256_file(path));
}

// Rows are split a block of 64 bytes at a time when they hold no quote; every other row (quotes, a bare
// CR, a wrong count of fields, the last bytes of a buffer) field by field.  Both must give the same rows.
TEST(CsvReader, RowsSplitByBlocksGiveTheFieldsAndMessagesOfTheFieldByFieldPath) {
  std::mt19937 rng(7);
  const std::vector<std::string> plain = {
      "", "1", "359.960000", "P00000042", std::string(70, 'x'), "caf\xC3\xA9", std::string(130, '7')};
  std::string text = "a,b,c\n", expected = "header@1|a|b|c";
  uint64_t line = 2;
  for (int row = 0; row < 400; ++row) {
    std::string fields[3], written[3];
    for (int j = 0; j < 3; ++j) {
      const unsigned pick = rng() % 9;
      fields[j] = pick < 7 ? plain[pick] : pick == 7 ? "a,\"b\"" : "two\nlines";
      written[j] = pick < 7 ? fields[j] : pick == 7 ? "\"a,\"\"b\"\"\"" : "\"two\nlines\"";
    }
    const std::string end = rng() % 4 == 0 ? "\r\n" : "\n";
    text += written[0] + "," + written[1] + "," + written[2] + end;
    expected += "\n" + std::to_string(line) + ":[" + fields[0] + "][" + fields[1] + "][" + fields[2] + "]";
    line += 1 + static_cast<uint64_t>(std::count(fields, fields + 3, "two\nlines"));
  }
  const std::string whole = read_text("rows.csv", text);
  EXPECT_EQ(whole.substr(0, whole.find("\nrows ")), expected);
  const std::string path = (test::scratch_dir() / "rows.csv").string();
  test::write_text_file(path, text);
  EXPECT_EQ(read_file(path, 100), read_file(path, CsvReader::kBlockBytes));
  // A short or long row, and a bare CR, far from the end of the text: the field-by-field messages.
  std::string many = "a,b,c\n";
  for (int row = 0; row < 50; ++row) many += "1,2,3\n";
  EXPECT_EQ(read_text("short.csv", many + "1,2\n" + many.substr(6)).rfind("error: short.csv:52: row has 2 fields", 0),
            0u);
  EXPECT_EQ(
      read_text("long.csv", many + "1,2,3,4\n" + many.substr(6)).rfind("error: long.csv:52: row has more than 3", 0),
      0u);
  EXPECT_NE(read_text("cr.csv", many + "1,2,3\r" + many.substr(6)).find("\n52:[1][2][3]\n53:[1][2][3]"),
            std::string::npos);
}

// Plain decimals take a short path (8 to 16 bytes, a word each side of the point, or digit by digit): its
// values are the correctly rounded ones, and every spelling it refuses goes on to the general parser.
TEST(CsvReader, PlainDecimalsGiveTheCorrectlyRoundedValue) {
  std::mt19937_64 rng(11);
  const char alphabet[] = "0123456789.-+e";
  char formatted[48];
  for (int k = 0; k < 200000; ++k) {
    std::string text;
    if (k % 2 == 0) {
      const double value =
          std::uniform_real_distribution<double>(-1e5, 1e5)(rng) / static_cast<double>(1 + rng() % 1000);
      std::snprintf(formatted, sizeof formatted, "%.*f", static_cast<int>(rng() % 13), value);
      text = formatted;
    } else {
      for (size_t n = 1 + rng() % 18; n-- > 0;) text += alphabet[rng() % (k % 4 == 1 ? 11 : 14)];
    }
    double value = -7;
    const std::string error = parse_number(text, value);
    char* end = nullptr;
    const double strtod_value = std::strtod(text.c_str(), &end);
    const bool whole = !text.empty() && end == text.c_str() + text.size();
    if (error.empty()) {
      EXPECT_EQ(value, strtod_value) << '"' << text << '"';
    } else if (whole && text.find('e') == std::string::npos) {
      ADD_FAILURE() << '"' << text << "\" refused: " << error;
    }
  }
}

// parse_number: the one number parser of every reader; its spellings and messages are part of the inputs.
TEST(CsvReader, NumberSpellingsAcceptedAndRejected) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1", ""},
      {"+1", ""},
      {"-0", ""},
      {"1e308", ""},
      {".5", ""},
      {"5.", ""},
      {"1E5", ""},
      {"1e-310", ""},
      {"0e999999", ""},
      {"1e309", "is out of the range of a double"},
      {"-1e309", "is out of the range of a double"},
      {"1e-400", "is out of the range of a double"},
      {"2e-324", "is out of the range of a double"},
      {"nan", "is not a finite number"},
      {"inf", "is not a finite number"},
      {"-Infinity", "is not a finite number"},
      {"+inf", "is not a finite number"},
      {"0x10", "is not a number"},
      {" 1", "is not a number"},
      {"1 ", "is not a number"},
      {"", "is not a number"},
      {"1.5.2", "is not a number"},
      {"++1", "is not a number"},
      {"+-1", "is not a number"},
      {"+", "is not a number"},
      {"1e", "is not a number"},
      {"1,5", "is not a number"},
  };
  for (const auto& [text, expected] : cases) {
    double value = -7;
    EXPECT_EQ(parse_number(text, value), expected) << '"' << text << '"';
    if (expected.empty()) {
      EXPECT_EQ(value, std::strtod(text.c_str(), nullptr)) << text;
    }
  }
}

TEST(GridCsvText, ReadsAsTheSameFileDoes) {
  const std::string text =
      "policy_id,step,premium,demand,weight,renewal_flag,group,baseline,expected_loss_cost,score\n"
      "A,0,100,0.9,2,1,g1,0,50,1\n"
      "A,1,110,0.8,,,,1,50,2\n"
      "B,0,200,0.7,1,0,g2,1,80,3\n"
      "B,1,210,0.6,,,,0,80,\n";
  const std::string path = (test::scratch_dir() / "grid.csv").string();
  test::write_text_file(path, text);
  const GridBook file = read_grid_csv(path, {"score"});
  const GridBook memory = read_grid_csv_text(path, text, {"score"});
  EXPECT_EQ(file.sha256, sha256_file(path));
  EXPECT_EQ(memory.sha256, file.sha256);
  EXPECT_EQ(memory.source, file.source);
  EXPECT_EQ(memory.policy_id, file.policy_id);
  EXPECT_EQ(memory.offset, file.offset);
  EXPECT_EQ(memory.first_line, file.first_line);
  EXPECT_EQ(std::vector<double>(memory.premium.begin(), memory.premium.end()),
            std::vector<double>(file.premium.begin(), file.premium.end()));
  EXPECT_EQ(std::vector<double>(memory.weight.begin(), memory.weight.end()), (std::vector<double>{2, 1}));
  EXPECT_EQ(memory.group, file.group);
  EXPECT_EQ(memory.baseline, (std::vector<int32_t>{1, 0}));
  ASSERT_EQ(memory.extra.size(), 1u);
  EXPECT_EQ(std::vector<double>(memory.extra[0].values.begin(), memory.extra[0].values.end()),
            std::vector<double>(file.extra[0].values.begin(), file.extra[0].values.end()));
  try {
    read_grid_csv_text("sample.csv", "policy_id,step,premium,demand\nA,0,1,0.5\nA,2,1,0.5\n");
    ADD_FAILURE() << "a skipped step was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("sample.csv:3: steps of policy \"A\" must run"), std::string::npos)
        << e.what();
  }
}

// A policy whose rows are split by another's is found within a chunk and across chunks handed out.
TEST(GridCsvText, SplitPolicyIsFoundAcrossChunks) {
  const std::string path = (test::scratch_dir() / "split.csv").string();
  test::write_text_file(path, "policy_id,step,premium,demand\nA,0,1,0.5\nB,0,1,0.5\nC,0,1,0.5\nD,0,1,0.5\nA,0,1,0.5\n");
  for (const size_t policies : {1, 2, 100}) {
    GridChunkReader reader(path, {}, policies);
    GridBook chunk;
    try {
      while (reader.next(chunk)) {
      }
      ADD_FAILURE() << "the split policy was not found, chunks of " << policies;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("split.csv:6: the rows of policy \"A\" are not together (its rows began "
                                           "at line 2)"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace rateopt
