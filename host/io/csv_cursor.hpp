// Field helpers (trim, quoted_text, parse_number) and a small RFC 4180 tokenizer over a buffer that counts
// lines for messages, shared by the book reader and the small-CSV reader (io/csv_reader.hpp).
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/text.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Parses a whole trimmed field as a double (a leading '+' allowed).  Returns an error text or "".
inline std::string parse_number(std::string_view text, double& value) {
  std::string_view number = text;
  if (number.size() > 1 && number[0] == '+' && number[1] != '-' && number[1] != '+') number.remove_prefix(1);
  const char* end = number.data() + number.size();
  const auto parsed = std::from_chars(number.data(), end, value);
  if (parsed.ec == std::errc::invalid_argument || parsed.ptr != end || number.empty()) return "is not a number";
  if (parsed.ec == std::errc::result_out_of_range) return "is out of the range of a double";
  if (!std::isfinite(value)) return "is not a finite number";
  return "";
}

/// The warning for a header column a reader does not use: "file:line: ignoring unknown column "x" (field 3)".
inline std::string ignored_column_warning(const std::string& file, uint64_t line, const std::string& name,
                                          size_t field) {
  return file + ":" + std::to_string(line) + ": ignoring " +
         (name.empty() ? std::string("unnamed column") : "unknown column " + quoted_text(name)) + " (field " +
         std::to_string(field) + ")";
}

/// A minimal RFC 4180 tokenizer over a buffer that counts lines for messages.
class CsvCursor {
 public:
  CsvCursor(const char* data, size_t size, const std::string& name) : p_(data), end_(data + size), name_(name) {}

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
    const std::string problem = encoding_problem(std::string_view(p_, static_cast<size_t>(end_ - p_)));
    if (!problem.empty()) fail(1, problem);
    skip_bom();
    skip_blank_lines();
    if (at_end()) fail(0, what + " is empty (no header line)");
  }

  /// The header line as trimmed names, the cursor left on the next line.  Fails on a name given twice
  /// and on one that is not UTF-8 text; empty names are allowed (unnamed columns).
  std::vector<std::string> read_header() {
    const uint64_t header_line = line_;
    std::vector<std::string> names;
    for (;;) {
      names.emplace_back(trim(field("header")));
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
      const char* start = p_;
      while (p_ < end_ && *p_ != ',' && *p_ != '\n' && *p_ != '\r') ++p_;
      return {start, static_cast<size_t>(p_ - start)};
    }
    const uint64_t open_line = line_;
    ++p_;
    scratch_.clear();
    for (;;) {
      const auto* quote = static_cast<const char*>(std::memchr(p_, '"', static_cast<size_t>(end_ - p_)));
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

 protected:
  const char* p_;
  const char* const end_;
  const std::string& name_;
  uint64_t line_ = 1;
  std::string scratch_;
};

}  // namespace rateopt
