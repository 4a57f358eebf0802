// Command-line flags from options tables: registration with help from the struct defaults, and the
// flags given turned into one JSON object applied after the config file.
#include "cli/option_flags.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

#include "io/csv_cursor.hpp"
#include "io/files.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

using json = nlohmann::json;

const char* type_name(OptionType type) {
  switch (type) {
    case OptionType::real:
    case OptionType::optional_real:
      return "NUMBER";
    case OptionType::integer:
      return "INT";
    case OptionType::real_list:
      return "NUMBERS";
    case OptionType::text_list:
      return "LIST";
    case OptionType::range:
      return "FROM:TO";
    case OptionType::choice:
    case OptionType::text:
    case OptionType::boolean:
      break;
  }
  return "TEXT";
}

// "--help" text of one option: its help, the choices, "(required)" or "(default …)".
std::string help_text(const OptionField& f) {
  std::string help = f.row.help;
  if (!f.choices.empty()) help += " {" + f.choices + "}";
  if (f.row.required) return help + " (required)";
  const std::string value = default_text(f);
  if (!value.empty()) help += " (default " + value + ")";
  return help;
}

// An integer flag keeps every digit (64-bit seeds are exact); text that is not a whole number in 64
// bits ("1e3", "2.5") passes on as the double `value`, which the table refuses as not an integer.
json whole_number(std::string_view text, double value) {
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  uint64_t magnitude = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), magnitude);
  if (text.empty() || parsed.ec != std::errc() || parsed.ptr != text.data() + text.size()) return value;
  if (!negative) return magnitude;
  if (magnitude > uint64_t{1} << 63) return value;
  return magnitude == uint64_t{1} << 63 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(magnitude);
}

// The text of a flag as the JSON value the table reads.  Numbers are read as the CSV readers read
// them (decimal only: no hex); inf and nan are refused here with the row's rule, and the table checks
// the bounds of the rest.
json flag_value(const std::string& key, OptionType type, const Bounds& bounds, const std::string& text) {
  const std::string flag = flag_name(key);
  switch (type) {
    case OptionType::real:
    case OptionType::optional_real:
    case OptionType::integer: {
      const std::string shown = "option " + flag + " = " + quoted_text(text);
      const std::string_view number = trim(text);
      double value = 0;
      const std::string error = parse_number(number, value);
      const bool has_bounds = std::isfinite(bounds.min) || std::isfinite(bounds.max);
      if (error == "is not a finite number")  // inf, nan
        throw InputError(shown + " must be a finite number" + (has_bounds ? " " + describe(bounds) : std::string()));
      if (!error.empty()) throw InputError(shown + " " + error);
      if (type != OptionType::integer) return value;
      return whole_number(number, value);
    }
    case OptionType::real_list:
      return parse_number_list(key, text);
    case OptionType::range: {
      const size_t colon = text.find(':');
      double from = 0, to = 0;
      if (colon == std::string::npos || !parse_number(trim(std::string_view(text).substr(0, colon)), from).empty() ||
          !parse_number(trim(std::string_view(text).substr(colon + 1)), to).empty())
        throw InputError("option " + flag + " = " + quoted_text(text) + " must be FROM:TO, e.g. 0.70:0.85");
      return json::array({from, to});
    }
    case OptionType::text_list: {
      json items = json::array();
      size_t start = 0;
      for (;;) {
        const size_t comma = text.find(',', start);
        const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) items.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return items;
    }
    case OptionType::boolean:
    case OptionType::choice:
    case OptionType::text:
      break;
  }
  return text;
}

}  // namespace

std::string flag_name(const std::string& key) {
  std::string s = "--" + key;
  for (char& c : s)
    if (c == '_') c = '-';
  return s;
}

OptionFlags::OptionFlags(CLI::App& command, const std::vector<OptionField>& defaults) {
  for (const OptionField& f : defaults) {
    Given& g = given_[f.row.key];
    g.type = f.type;
    g.bounds = f.row.bounds;
    const std::string flag = flag_name(f.row.key);
    if (f.type == OptionType::boolean) {
      g.option = command.add_flag(flag + ",!--no-" + flag.substr(2), g.flag, help_text(f));
    } else {
      g.option = command.add_option(flag, g.text, help_text(f))->type_name(type_name(f.type));
      // a list flag may be given again for more entries: joined with ',' as one list
      if (f.type == OptionType::text_list) g.option->multi_option_policy(CLI::MultiOptionPolicy::Join)->delimiter(',');
    }
  }
  // Read when the command runs, as every input file is: a missing or unreadable file is
  // "PATH: cannot open: <the system's reason>" (exit 2).
  command.add_option("--config", config_, "JSON file of options (keys as the flags, with _ for -)");
}

void OptionFlags::apply(const std::vector<OptionField>& fields) const {
  if (!config_.empty()) apply_options_json(fields, read_whole_file(config_), config_);
  json flags = json::object();
  for (const auto& [key, g] : given_) {
    if (g.option->count() == 0) continue;
    flags[key] = g.type == OptionType::boolean ? json(g.flag) : flag_value(key, g.type, g.bounds, g.text);
  }
  apply_options_json(fields, flags, "command line");
}

}  // namespace rateopt
