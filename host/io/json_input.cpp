#include "io/json_input.hpp"

#include <algorithm>

#include "io/text.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

using json = nlohmann::json;

/// Builds nothing: finds where a document fails and the key it was in (run only after a failure).
class FailureFinder : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t& name) override {
    key_ = name;
    return true;
  }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& e) override {
    failed_ = true;
    position_ = position;
    token_ = token;
    overflow_ = e.id == 406;
    reason_ = e.what();
    return false;
  }

  bool failed_ = false, overflow_ = false;
  size_t position_ = 0;
  std::string key_, token_, reason_;
};

// nlohmann's text without its "[json.exception.parse_error.101] parse error at line 1, column 5: ".
std::string plain_reason(std::string reason) {
  const size_t bracket = reason.find("] ");
  if (reason.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos) reason.erase(0, bracket + 2);
  if (reason.rfind("parse error", 0) == 0) {
    const size_t colon = reason.find(": ");
    if (colon != std::string::npos) reason.erase(0, colon + 2);
  }
  return reason;
}

}  // namespace

json parse_json_input(const std::string& text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    FailureFinder finder;
    json::sax_parse(text, &finder);
    if (!finder.failed_) throw InputError(source + ": not valid JSON: " + one_line(plain_reason(e.what())));
    const size_t at = std::min(finder.position_, text.size());
    const long line = 1 + static_cast<long>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    if (finder.overflow_)
      throw InputError(source, line,
                       (finder.key_.empty() ? std::string() : quoted_text(finder.key_) + ": ") +
                           escaped_text(finder.token_, 40) + " is out of the range of a double");
    throw InputError(source, line, "not valid JSON: " + escaped_text(plain_reason(finder.reason_), 200));
  }
}

}  // namespace rateopt
