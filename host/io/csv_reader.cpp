#include "io/csv_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "io/files.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

// The bytes a reader holds: the whole text, or the file read a block at a time.  `buffer[0, parsed)` is
// what the cursor may parse (whole lines), `[parsed, filled)` the start of a line read past.
struct CsvReader::Source {
  std::unique_ptr<FileDescriptor> file;  // null for text in memory
  size_t block_bytes = 0;
  std::string buffer;
  size_t parsed = 0, filled = 0;
  bool at_end = false;         // the file has no more bytes
  uint64_t left = UINT64_MAX;  // bytes the reader may still read (a range's rest)
  bool hashing = true;         // false for a range
  Sha256 digest;
  std::string sha256;  // known at the end
};

CsvReader::CsvReader(std::string path, const std::string& what, const std::vector<std::string>& required,
                     size_t block_bytes)
    : path_(std::move(path)), source_(new Source), cursor_(nullptr, 0, path_, false) {
  source_->file.reset(new FileDescriptor(open_for_reading(path_)));
  source_->block_bytes = std::max<size_t>(block_bytes, 1);
  bytes_ = file_size(source_->file->fd);
  read_more(nullptr);
  start(what, required);
}

CsvReader::CsvReader(std::string path, const std::string& what, const std::vector<std::string>& required,
                     CsvRange range)
    : CsvReader(std::move(path), what, required) {
  Source& s = *source_;
  if (::lseek(s.file->fd, static_cast<off_t>(range.begin), SEEK_SET) < 0)
    throw InputError(path_ + ": cannot seek to byte " + std::to_string(range.begin));
  s.filled = s.parsed = 0;
  s.at_end = false;
  s.left = range.end - range.begin;
  s.hashing = false;
  s.sha256.clear();
  read_more(nullptr);
  cursor_.rewind(s.buffer.data(), range.first_line);
}

CsvReader::CsvReader(CsvText text, const std::string& what, const std::vector<std::string>& required)
    : path_(std::move(text.name)), source_(new Source), cursor_(nullptr, 0, path_, true) {
  Source& s = *source_;
  s.buffer = std::move(text.text);
  s.parsed = s.filled = bytes_ = s.buffer.size();
  s.at_end = true;
  s.sha256 = sha256_hex(s.buffer);
  cursor_.rebase(s.buffer.data(), s.parsed, true);
  start(what, required);
}

CsvReader::~CsvReader() = default;

void CsvReader::start(const std::string& what, const std::vector<std::string>& required) {
  cursor_.check_encoding();  // the bytes read hold the first line whole
  cursor_.skip_bom();
  for (;;) {  // blank lines before the header, over as many blocks as they take
    cursor_.skip_blank_lines();
    if (!cursor_.at_end() || !read_more(cursor_.position())) break;
  }
  if (cursor_.at_end()) fail_at(0, what + " is empty (no header line)");
  header_line_ = cursor_.line();
  for (;;) {
    const char* record = cursor_.position();
    header_ = cursor_.read_header();
    if (!cursor_.incomplete()) break;
    cursor_.rewind(record, header_line_);
    read_more(record);
  }
  require(required);
  fields_.resize(header_.size());
  quoted_.resize(header_.size());
}

bool CsvReader::read_more(const char* keep) {
  Source& s = *source_;
  if (s.at_end) return false;
  // What the cursor has passed goes; the record it is on and the start of a line read past stay.
  const size_t dropped = keep == nullptr ? 0 : static_cast<size_t>(keep - s.buffer.data());
  std::memmove(&s.buffer[0], s.buffer.data() + dropped, s.filled - dropped);
  s.filled -= dropped;
  const size_t parsable = s.parsed - dropped;
  for (;;) {
    if (s.buffer.size() < s.filled + s.block_bytes) s.buffer.resize(s.filled + s.block_bytes);
    const size_t want = static_cast<size_t>(std::min<uint64_t>(s.block_bytes, s.left));
    const size_t got = want == 0 ? 0 : read_some(s.file->fd, &s.buffer[s.filled], want, path_);
    if (got == 0) {
      s.at_end = true;
      s.parsed = s.filled;
      if (s.hashing) s.sha256 = s.digest.hex();
      break;
    }
    s.left -= got;
    if (s.hashing) s.digest.add(s.buffer.data() + s.filled, got);
    const void* line_end = memrchr(s.buffer.data() + s.filled, '\n', got);
    s.filled += got;
    if (line_end != nullptr) {
      s.parsed = static_cast<size_t>(static_cast<const char*>(line_end) - s.buffer.data()) + 1;
      break;
    }
  }
  cursor_.rebase(s.buffer.data(), s.parsed, s.at_end);
  return s.parsed > parsable;
}

size_t CsvReader::column(std::string_view name) const {
  for (size_t j = 0; j < header_.size(); ++j)
    if (header_[j] == name) return j;
  return npos;
}

void CsvReader::require(const std::vector<std::string>& names) const {
  for (const std::string& name : names)
    if (column(name) == npos) fail_at(header_line_, "missing required column \"" + name + "\"");
}

bool CsvReader::next() {
  for (;;) {
    cursor_.skip_blank_lines();
    if (cursor_.at_end()) {
      if (read_more(cursor_.position())) continue;
      return false;
    }
    const char* record = cursor_.position();
    row_line_ = cursor_.line();
    if (read_fields()) return true;
    cursor_.rewind(record, row_line_);  // a quoted field runs on past the bytes read: read more, parse again
    read_more(record);
  }
}

bool CsvReader::read_fields() {
  const size_t count = header_.size();
  if (cursor_.simple_row(fields_.data(), count)) {
    ++rows_;
    return true;
  }
  for (size_t j = 0; j < count; ++j) {
    if (cursor_.at_quote()) {  // the cursor's view of a quoted field lasts until the next one
      quoted_[j] = cursor_.field(header_[j]);
      if (cursor_.incomplete()) return false;
      fields_[j] = quoted_[j];
    } else {
      fields_[j] = cursor_.field(header_[j]);
    }
    if (j + 1 < count) {
      if (!cursor_.at_comma())
        fail("row has " + std::to_string(j + 1) + " fields, header has " + std::to_string(count));
      cursor_.skip_comma();
    }
  }
  if (cursor_.at_comma())
    fail("row has more than " + std::to_string(count) + " fields, header has " + std::to_string(count));
  cursor_.skip_line_end();
  ++rows_;
  return true;
}

std::string_view CsvReader::raw(size_t field) const {
  cursor_.require_utf8(row_line_, fields_[field], header_[field]);
  return fields_[field];
}

std::string CsvReader::sha256() const {
  if (!source_->hashing) return "";
  if (source_->sha256.empty()) throw std::logic_error("CsvReader::sha256 asked before the end of " + path_);
  return source_->sha256;
}

double CsvReader::number(size_t field) const {
  const std::string_view field_text = trim(fields_[field]);  // a number needs no UTF-8 check
  if (field_text.empty()) fail(header_[field] + " is empty");
  double value = 0;
  if (const char* error = number_error(field_text, value)) fail_field(field, error);
  return value;
}

double CsvReader::checked_number(size_t field, const Bounds& rule) const {
  const double value = number(field);
  if (!within(value, rule)) fail_field(field, "must be " + describe(rule));
  return value;
}

long long CsvReader::integer(size_t field, long long lo, long long hi) const {
  const std::string_view digits = fields_[field];
  if (!digits.empty() && digits.size() <= 9) {  // plain digits, the common case, without a double
    long long value = 0;
    size_t k = 0;
    while (k < digits.size() && digits[k] >= '0' && digits[k] <= '9') value = 10 * value + (digits[k++] - '0');
    if (k == digits.size() && value >= lo && value <= hi) return value;
  }
  const double value = number(field);
  if (value != std::floor(value) || value < static_cast<double>(lo) || value > static_cast<double>(hi))
    fail_field(field, "must be a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<long long>(value);
}

void CsvReader::fail_field(size_t field, const std::string& rule) const {
  fail(header_[field] + " = " + quoted_text(trim(fields_[field])) + " " + rule);
}

void CsvReader::fail_at(uint64_t line, const std::string& rule) const {
  throw InputError(path_, static_cast<long>(line), rule);
}

}  // namespace rateopt
