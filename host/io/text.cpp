#include "io/text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace rateopt {

namespace {

// Length of the valid UTF-8 sequence that starts at text[i], or 0 (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF).
size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

}  // namespace

uint64_t text_hash(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (const char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

size_t invalid_utf8_at(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Plain ASCII eight bytes at a time: the common case of numbers and ids.
    while (i + 8 <= text.size()) {
      uint64_t word = 0;
      for (size_t k = 0; k < 8; ++k) word |= static_cast<uint64_t>(static_cast<uint8_t>(text[i + k])) << (8 * k);
      if ((word & 0x8080808080808080ull) != 0) break;
      i += 8;
    }
    if (i >= text.size()) break;
    const size_t length = utf8_sequence_length(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string escaped_text(std::string_view text, size_t max_chars) {
  std::string out;
  size_t shown = 0;
  for (size_t i = 0; i < text.size();) {
    if (shown == max_chars) return out + "...";
    const auto c = static_cast<uint8_t>(text[i]);
    const size_t length = utf8_sequence_length(text, i);
    ++shown;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F || length == 0) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(c));
      out += hex;
    } else {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    ++i;
  }
  return out;
}

std::string quoted_text(std::string_view text) { return "\"" + escaped_text(text, 40) + "\""; }

std::string one_line(std::string_view message) { return escaped_text(message, 4000); }

std::string encoding_problem(std::string_view data) {
  const auto starts_with = [&](std::string_view mark) { return data.substr(0, mark.size()) == mark; };
  using namespace std::string_view_literals;
  if (starts_with("\xFF\xFE\0\0"sv) || starts_with("\0\0\xFE\xFF"sv))
    return "the file starts with a UTF-32 byte-order mark: it is UTF-32 text, not UTF-8; save it as UTF-8 CSV";
  if (starts_with("\xFF\xFE"sv) || starts_with("\xFE\xFF"sv))
    return "the file starts with a UTF-16 byte-order mark: it is UTF-16 text, not UTF-8; save it as UTF-8 CSV";
  const std::string_view first_line = data.substr(0, std::min(data.find('\n'), size_t{64 * 1024}));
  const size_t nul = first_line.find('\0');
  if (nul != std::string_view::npos)
    return "the first line has a NUL byte (byte " + std::to_string(nul + 1) +
           "): UTF-16 text or a binary file, not a UTF-8 CSV";
  return "";
}

}  // namespace rateopt
