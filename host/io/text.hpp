// Text a user sees in one line: echoed input cut short and escaped, UTF-8 checks, and the guess at an
// input file's encoding that turns "missing required column" into "this file is UTF-16".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rateopt {

/// A 64-bit hash of the bytes (FNV-1a, then a murmur finaliser so both halves are well mixed).
uint64_t text_hash(std::string_view text);

/// Position of the first byte of `text` that does not start or continue a valid UTF-8 sequence
/// (overlong forms, surrogates and code points past U+10FFFF included), or npos when it is all valid.
size_t invalid_utf8_at(std::string_view text);

/// `text` made printable on one line: control characters as \n, \r, \t or \xNN, bytes that are not
/// valid UTF-8 as \xNN, and at most `max_chars` characters of it shown, "..."
/// marking the cut (made at a character boundary).
std::string escaped_text(std::string_view text, size_t max_chars);

/// Field text quoted for a message, escaped and cut to 40 characters so that a stray megabyte or a
/// line break never lands in an error: `"abc"`, `"a\nb"`, `"first forty characters..."`.
std::string quoted_text(std::string_view text);

/// A whole message made one line: escaped as escaped_text, cut to 4,000 characters.
std::string one_line(std::string_view message);

/// Why the start of an input file is not UTF-8 text, or "" when nothing says so: a UTF-16 or UTF-32
/// byte-order mark, or a NUL byte in its first line (UTF-16 without a mark, or a binary file).
std::string encoding_problem(std::string_view data);

}  // namespace rateopt
