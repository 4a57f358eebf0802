// A small RFC 4180 tokenizer over a buffer that counts lines for messages, shared by the CSV readers
// (the book, elasticity files).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "rateopt/errors.hpp"

namespace rateopt {

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
