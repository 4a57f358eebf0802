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
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "io/text.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// When the 8 bytes of `word` (as loaded from memory, little-endian) are all ASCII digits: mantissa becomes
// mantissa·10^8 + their value (fast_float's test and sum: a byte is a digit when neither it + 0x46 nor it
// less '0' reaches 0x80; the digits are then summed in pairs, fours and eights by multiplications).
inline bool eight_digits(uint64_t word, uint64_t& mantissa) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "eight_digits reads little-endian words");
  const uint64_t v = word - 0x3030303030303030ull;
  if (((word + 0x4646464646464646ull) | v) & 0x8080808080808080ull) return false;
  uint64_t pairs = v * 10 + (v >> 8);
  pairs = (((pairs & 0x000000FF000000FFull) * 0x000F424000000064ull) +
           (((pairs >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull)) >>
          32;
  mantissa = mantissa * 100000000 + (pairs & 0xFFFFFFFFull);
  return true;
}

// Digits [first, end) of 8 to 16 bytes with a point among the first 8 ("359.960000", "0.354344") as
// mantissa and decimals, a word for each side of the point; false for any other text.
inline bool short_decimal(const char* first, const char* end, uint64_t& mantissa, size_t& decimals) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull, kZeros = 0x3030303030303030ull;
  static constexpr uint64_t kPowerOfTen[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  const auto size = static_cast<size_t>(end - first);
  if (size < 8 || size > 16) return false;
  uint64_t head, tail;
  std::memcpy(&head, first, 8);
  std::memcpy(&tail, end - 8, 8);
  const uint64_t points = head ^ (kOnes * '.');
  const uint64_t zero_bytes = (points - kOnes) & ~points & kHighs;  // the lowest flag is exact
  if (zero_bytes == 0) return false;
  const size_t integer_digits = static_cast<size_t>(__builtin_ctzll(zero_bytes)) / 8;  // 0 to 7
  const size_t fraction_digits = size - integer_digits - 1;
  if (fraction_digits > 8) return false;
  // Each side right-aligned in a word of eight digits, '0' before it (the lowest byte is the first digit).
  const uint64_t integer =
      integer_digits == 0 ? kZeros : (head << (64 - 8 * integer_digits)) | (kZeros >> (8 * integer_digits));
  const uint64_t before = fraction_digits == 8 ? 0 : ~uint64_t{0} >> (8 * fraction_digits);
  const uint64_t fraction = (tail & ~before) | (kZeros & before);
  uint64_t integer_value = 0, fraction_value = 0;
  if (!eight_digits(integer, integer_value) || !eight_digits(fraction, fraction_value)) return false;
  mantissa = integer_value * kPowerOfTen[fraction_digits] + fraction_value;
  decimals = fraction_digits;
  return true;
}

// A plain decimal ("-12.345", "7", at most 15 digits) as its digits over a power of ten: both exact in a
// double, one correctly rounded division (the fast path fast_float takes, without its general parse).
inline bool plain_decimal(std::string_view text, double& value) {
  static constexpr double kPowerOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool negative = p != end && *p == '-';
  p += negative ? 1 : 0;
  uint64_t mantissa = 0;
  size_t decimals = 0;
  if (!short_decimal(p, end, mantissa, decimals)) {  // digit by digit
    const auto digit = [](char c) { return static_cast<unsigned char>(c - '0') < 10; };
    const char* const first = p;
    for (; p != end && digit(*p) && p - first < 16; ++p) mantissa = 10 * mantissa + static_cast<uint64_t>(*p - '0');
    size_t digits = static_cast<size_t>(p - first);
    if (p != end && *p == '.') {
      const char* const fraction = ++p;
      for (; p != end && digit(*p) && p - fraction < 16; ++p)
        mantissa = 10 * mantissa + static_cast<uint64_t>(*p - '0');
      decimals = static_cast<size_t>(p - fraction);
      digits += decimals;
    }
    if (p != end || digits == 0 || digits > 15) return false;
  }
  const double magnitude = static_cast<double>(mantissa) / kPowerOfTen[decimals];
  value = negative ? -magnitude : magnitude;
  return true;
}

// A plain decimal of up to 19 digits ("-1.7239528497658363", as a program writes a double's shortest text),
// correctly rounded: the digits summed eight at a time, then the quotient when both sides are exact doubles,
// else fast_float's exact decimal-to-binary step (Eisel-Lemire).  False for any other text, and for the rare
// mantissa that step cannot settle: the caller's general parser then decides.
inline bool long_decimal(const char* p, const char* const end, double& value) {
  const bool negative = p != end && *p == '-';
  p += negative ? 1 : 0;
  const auto digits = [&](uint64_t& mantissa) {
    const char* const first = p;
    for (uint64_t word; end - p >= 8 && (std::memcpy(&word, p, 8), eight_digits(word, mantissa));) p += 8;
    for (; p != end && static_cast<unsigned char>(*p - '0') < 10; ++p)
      mantissa = 10 * mantissa + static_cast<uint64_t>(*p - '0');
    return static_cast<size_t>(p - first);
  };
  uint64_t mantissa = 0;
  size_t count = 0, decimals = 0;
  if (end - p > 20) return false;  // 19 digits, a point and a digit more: eight_digits cannot overflow below
  count = digits(mantissa);
  if (p != end && *p == '.') {
    ++p;
    decimals = digits(mantissa);
    count += decimals;
  }
  if (p != end || count == 0 || count > 19) return false;
  static constexpr double kPowerOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
                                           1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19};
  if (mantissa <= (uint64_t{1} << 53)) {  // both exact: one correctly rounded division
    const double magnitude = static_cast<double>(mantissa) / kPowerOfTen[decimals];
    value = negative ? -magnitude : magnitude;
    return true;
  }
  using Format = fast_float::binary_format<double>;
  const fast_float::adjusted_mantissa rounded =
      fast_float::compute_float<Format>(-static_cast<int64_t>(decimals), mantissa);
  if (rounded.power2 < 0) return false;  // a halfway case that needs the digits again
  fast_float::to_float(negative, rounded, value);
  return true;
}

// Why a whole trimmed field is not a double, or nullptr with value set.  A leading '+' is allowed; "inf"
// and "nan" parse, then fail as not finite; a value past a double's range, either way, is out of range.
inline const char* number_error(std::string_view text, double& value) {
  std::string_view number = text;
  if (number.size() > 1 && number[0] == '+' && number[1] != '-' && number[1] != '+') number.remove_prefix(1);
  if (plain_decimal(number, value) || long_decimal(number.data(), number.data() + number.size(), value)) return nullptr;
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

  /// A row with no quotes, ending in "\n" or "\r\n", split at once into its `count` fields; the cursor moves
  /// to the next line.  False (the cursor unmoved) for any other row, which field() then reads one field at
  /// a time with its checks and messages: a quote, a bare "\r", another number of fields, or fewer than
  /// 64 bytes left in the buffer.
  bool simple_row(std::string_view* fields, size_t count) {
    const char* start = p_;
    size_t j = 0;
    for (const char* block = p_; end_ - block >= 64; block += 64) {
      uint64_t commas = 0, stops = 0;
      stop_masks(block, commas, stops);
      const unsigned stop = stops == 0 ? 64 : static_cast<unsigned>(__builtin_ctzll(stops));
      if (stop < 64) commas &= (uint64_t{1} << stop) - 1;
      for (; commas != 0; commas &= commas - 1) {
        if (j + 1 >= count) return false;
        const char* comma = block + __builtin_ctzll(commas);
        fields[j++] = {start, static_cast<size_t>(comma - start)};
        start = comma + 1;
      }
      if (stop == 64) continue;
      const char* line_end = block + stop;
      if (j + 1 != count || *line_end == '"') return false;
      const char* next = line_end + 1;
      if (*line_end == '\r') {
        if (next == end_ || *next != '\n') return false;
        ++next;
      }
      fields[j] = {start, static_cast<size_t>(line_end - start)};
      p_ = next;
      ++line_;
      return true;
    }
    return false;
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

  // Bit k of `commas` is set when block[k] is ',', of `stops` when it is '\n', '\r' or '"' (k < 64).
  static void stop_masks(const char* block, uint64_t& commas, uint64_t& stops) {
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(','), newline = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                  quote = _mm_set1_epi8('"');
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * k));
      const __m128i stop =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, newline), _mm_cmpeq_epi8(v, cr)), _mm_cmpeq_epi8(v, quote));
      commas |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)))} << (16 * k);
      stops |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(stop))} << (16 * k);
    }
#else
    for (unsigned k = 0; k < 64; ++k) {
      const char c = block[k];
      commas |= uint64_t{c == ','} << k;
      stops |= uint64_t{c == '\n' || c == '\r' || c == '"'} << k;
    }
#endif
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
