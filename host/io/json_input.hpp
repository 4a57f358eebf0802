// JSON documents a user hands in (config files, batch manifests, option values): parsed with errors that
// name the file and line in one line, never a library's raw exception text.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace rateopt {

/// Parse `text`; `source` names it in messages.  Every failure is an InputError, e.g.
/// `config.json:3: not valid JSON: syntax error while parsing object key - unexpected '}'` or
/// `config.json:1: "lr_max": 1e309 is out of the range of a double`.
nlohmann::json parse_json_input(const std::string& text, const std::string& source);

}  // namespace rateopt
