// Field helpers (trim, quoted_text, parse_number) and a small RFC 4180 tokenizer over a buffer that counts
// lines for messages, shared by the book reader and the small-CSV reader (io/csv_reader.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fast_float/fast_float.h>

#include "io/text.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A plain decimal ("-12.345", "7", at most 15 digits) as its digits over a power of ten: both exact in a
// double, one correctly rounded division (the fast path fast_float takes, without its general parse).
inline bool plain_decimal(std::string_view text, double& value) {
  static constexpr double kPowerOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const bool negative = !text.empty() && text[0] == '-';
  uint64_t mantissa = 0;
  size_t digits = 0, point = std::string_view::npos;
  for (size_t k = negative ? 1 : 0; k < text.size(); ++k) {
    const char c = text[k];
    if (c >= '0' && c <= '9') {
      mantissa = 10 * mantissa + static_cast<uint64_t>(c - '0');
      if (++digits > 15) return false;
    } else if (c == '.' && point == std::string_view::npos) {
      point = digits;
    } else {
      return false;
    }
  }
  if (digits == 0) return false;
  const double magnitude =
      static_cast<double>(mantissa) / kPowerOfTen[point == std::string_view::npos ? 0 : digits - point];
  value = negative ? -magnitude : magnitude;
  return true;
}

// Why a whole trimmed field is not a double, or nullptr with value set.  A leading '+' is allowed; "inf"
// and "nan" parse, then fail as not finite; a value past a double's range, either way, is out of range.
inline const char* number_error(std::string_view text, double& value) {
  std::string_view number = text;
  if (number.size() > 1 && number[0] == '+' && number[1] != '-' && number[1] != '+') number.remove_prefix(1);
  if (plain_decimal(number, value)) return nullptr;
  const char* end = number.data() + number.size();
  const auto parsed = fast_float::from_chars(number.data(), end, value);
  if (parsed.ec != std::errc() || parsed.ptr != end || number.empty()) return "is not a number";
  if (std::isfinite(value) && value != 0) return nullptr;
  // fast_float rounds past the range to ±inf or 0 where std::from_chars reported it: tell them apart.
  const std::string_view digits = number.substr(number[0] == '-' ? 1 : 0);
  const bool spelled_infinity = digits[0] == 'i' || digits[0] == 'I';
  if (std::isinf(value) && !spelled_infinity) return "is out of the range of a double";
  if (value == 0 && digits.substr(0, digits.find_first_of("eE")).find_first_of("123456789") != std::string_view::npos)
    return "is out of the range of a double";
  if (!std::isfinite(value)) return "is not a finite number";
  return nullptr;
}

// The same as a message ("" when text is a number).
inline std::string parse_number(std::string_view text, double& value) {
  const char* error = number_error(text, value);
  return error == nullptr ? "" : error;
}

/// The warning for a header column a reader does not use: "file:line: ignoring unknown column "x" (field 3)".
inline std::string ignored_column_warning(const std::string& file, uint64_t line, const std::string& name,
                                          size_t field) {
  return file + ":" + std::to_string(line) + ": ignoring " +
         (name.empty() ? std::string("unnamed column") : "unknown column " + quoted_text(name)) + " (field " +
         std::to_string(field) + ")";
}

/// A minimal RFC 4180 tokenizer over a buffer that counts lines for messages.  The buffer may hold only
/// part of a file (`whole` false): it then ends at a line end, and a quoted field running past it marks
/// the cursor incomplete() so that the caller reads more and parses the record again.
class CsvCursor {
 public:
  CsvCursor(const char* data, size_t size, const std::string& name, bool whole = true)
      : p_(data), end_(data + size), name_(name), whole_(whole) {}

  /// The buffer moved or grew: `data` holds the unparsed bytes from the cursor's position on.
  void rebase(const char* data, size_t size, bool whole) {
    p_ = data;
    end_ = data + size;
    whole_ = whole;
    incomplete_ = false;
  }
  /// Back to where a record started (its line) after incomplete().
  void rewind(const char* record, uint64_t line) {
    p_ = record;
    line_ = line;
    incomplete_ = false;
  }
  bool incomplete() const { return incomplete_; }
  const char* position() const { return p_; }

  [[noreturn]] void fail(uint64_t line, const std::string& message) const {
    throw InputError(name_, static_cast<long>(line), message);
  }
  bool at_end() const { return p_ == end_; }
  bool at_line_end() const { return p_ == end_ || *p_ == '\n' || *p_ == '\r'; }
  bool at_comma() const { return p_ < end_ && *p_ == ','; }
  void skip_comma() { ++p_; }
  uint64_t line() const { return line_; }
  void skip_bom() {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  }
  void skip_line_end() {
    if (p_ < end_ && *p_ == '\r') ++p_;
    if (p_ < end_ && *p_ == '\n') ++p_;
    ++line_;
  }
  void skip_blank_lines() {
    while (p_ < end_ && (*p_ == '\n' || *p_ == '\r')) skip_line_end();
  }
  bool at_quote() const { return p_ < end_ && *p_ == '"'; }

  /// Skips a BOM and the blank lines before the header; fails on a file that is not UTF-8 text
  /// (encoding_problem) and on one with nothing else ("<what> is empty (no header line)").
  void skip_to_header(const std::string& what) {
    check_encoding();
    skip_bom();
    skip_blank_lines();
    if (at_end()) fail(0, what + " is empty (no header line)");
  }

  /// Fails on a file that is not UTF-8 text (encoding_problem); the buffer holds its first line whole.
  void check_encoding() const {
    const std::string problem = encoding_problem(std::string_view(p_, static_cast<size_t>(end_ - p_)));
    if (!problem.empty()) fail(1, problem);
  }

  /// The header line as trimmed names, the cursor left on the next line.  Fails on a name given twice
  /// and on one that is not UTF-8 text; empty names are allowed (unnamed columns).
  std::vector<std::string> read_header() {
    const uint64_t header_line = line_;
    std::vector<std::string> names;
    for (;;) {
      names.emplace_back(trim(field("header")));
      if (incomplete_) return {};
      if (!at_comma()) break;
      skip_comma();
    }
    skip_line_end();
    std::unordered_map<std::string_view, size_t> field_of_name;  // name → 1-based field
    for (size_t j = 0; j < names.size(); ++j) {
      require_utf8(header_line, names[j], "header field " + std::to_string(j + 1));
      if (names[j].empty()) continue;
      const auto inserted = field_of_name.emplace(names[j], j + 1);
      if (!inserted.second)
        fail(header_line, "duplicate column " + quoted_text(names[j]) + " (fields " +
                              std::to_string(inserted.first->second) + " and " + std::to_string(j + 1) + ")");
    }
    return names;
  }

  /// Fails at `line` unless text is valid UTF-8: text from a file ends up in JSON outputs, which must be.
  void require_utf8(uint64_t line, std::string_view text, const std::string& what) const {
    const size_t bad = invalid_utf8_at(text);
    if (bad == std::string_view::npos) return;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[bad])));
    fail(line, what + " " + quoted_text(text) + " is not valid UTF-8 text (byte " + byte + "): save the file as UTF-8");
  }

  // One field, quoted or not; leaves the cursor on the delimiter.  The view points into the buffer
  // or, for a quoted field, into scratch_ (valid until the next quoted field).
  std::string_view field(const std::string& column) {
    if (p_ == end_ || *p_ != '"') {
      const char* const start = p_;
      p_ = field_end(p_);
      return {start, static_cast<size_t>(p_ - start)};
    }
    return quoted_field(column);
  }

 protected:
  // The rare case out of line, so that field() inlines into a reader's row loop.
  std::string_view quoted_field(const std::string& column) {
    const uint64_t open_line = line_;
    ++p_;
    scratch_.clear();
    for (;;) {
      const auto* quote = static_cast<const char*>(std::memchr(p_, '"', static_cast<size_t>(end_ - p_)));
      if (quote == nullptr && !whole_) {
        incomplete_ = true;
        return {};
      }
      if (quote == nullptr) fail(open_line, column + ": quoted field is not closed");
      line_ += static_cast<uint64_t>(std::count(p_, quote, '\n'));
      scratch_.append(p_, quote);
      p_ = quote + 1;
      if (p_ < end_ && *p_ == '"') {
        scratch_ += '"';
        ++p_;
        continue;
      }
      break;
    }
    if (!at_line_end() && !at_comma()) fail(line_, column + ": text after the closing quote");
    return scratch_;
  }

  // The first ',', '\n' or '\r' from p on, or end_: eight bytes at a time (a byte equal to c is a zero
  // byte of word ^ c, found by the borrow of subtracting one from each byte; the lowest flag is exact).
  const char* field_end(const char* p) const {
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    const auto zero_bytes = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
    for (; end_ - p >= 8; p += 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      const uint64_t stops =
          zero_bytes(word ^ (kOnes * ',')) | zero_bytes(word ^ (kOnes * '\n')) | zero_bytes(word ^ (kOnes * '\r'));
      if (stops != 0) return p + __builtin_ctzll(stops) / 8;
    }
    while (p < end_ && *p != ',' && *p != '\n' && *p != '\r') ++p;
    return p;
  }

  const char* p_;
  const char* end_;
  const std::string& name_;
  bool whole_;
  bool incomplete_ = false;
  uint64_t line_ = 1;
  std::string scratch_;
};

}  // namespace rateopt
