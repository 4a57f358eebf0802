// The generic half of the options tables (include/rateopt/option_table.hpp): binding rows to fields,
// the JSON config reader, the audit echo, the bounds checks and the defaults --help prints.
#include "rateopt/option_table.hpp"

#include <omp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/csv_cursor.hpp"
#include "io/json_input.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

using json = nlohmann::json;

// Numbers in messages: 12 significant digits, enough to tell limits apart without noise.
std::string number_text(double v) {
  std::ostringstream s;
  s.precision(12);
  s << v;
  return s.str();
}

// The exact shortest text for --help defaults ("0.5", "1e-09").
std::string default_number(double v) {
  char text[64];
  return std::string(text, std::to_chars(text, text + sizeof text, v).ptr);
}

[[noreturn]] void bad_value(const OptionRow& row, const json& v, const std::string& source, const char* want) {
  throw InputError(source + ": " + row.key + " = " + escaped_text(v.dump(), 60) + " must be " + want);
}

double read_real(const OptionRow& row, const json& v, const std::string& source) {
  if (!v.is_number()) bad_value(row, v, source, "a number");
  return v.get<double>();
}

// An integer that fits T exactly (no wrapping, no rounding).
template <class T>
T read_integer(const OptionRow& row, const json& v, const std::string& source) {
  using limits = std::numeric_limits<T>;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u <= static_cast<uint64_t>(limits::max())) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i >= 0 || limits::is_signed) {
      if (i >= static_cast<int64_t>(limits::min()) && (i < 0 || static_cast<uint64_t>(i) <= limits::max()))
        return static_cast<T>(i);
    }
  }
  // The reason names the row's own range when it has one ("simulate = -5 must be an integer in
  // [0,100000000]"), else the type's.
  const Bounds& b = row.bounds;
  const std::string range =
      std::isfinite(b.min) || std::isfinite(b.max)
          ? "an integer " + describe(b)
          : "an integer in [" + std::to_string(limits::min()) + ", " + std::to_string(limits::max()) + "]";
  bad_value(row, v, source, range.c_str());
}

std::string read_text(const OptionRow& row, const json& v, const std::string& source) {
  if (!v.is_string()) bad_value(row, v, source, "a string");
  return v.get<std::string>();
}

template <class T>
OptionField field_of(const OptionRow& row, OptionType type, T& field,
                     std::function<void(const json&, const std::string&)> set) {
  OptionField f;
  f.row = row;
  f.type = type;
  f.set = std::move(set);
  f.get = [&field] { return json(field); };
  return f;
}

// `what` names the value in a message: "lr_max = 0.7", or "elasticity_scale: "-1"" for a list item.
void check_number(const OptionRow& row, double v, const std::string& what) {
  const Bounds& b = row.bounds;
  if (!std::isfinite(v)) throw InputError("option " + what + " must be a finite number");
  const bool low = b.min_open ? v <= b.min : v < b.min;
  const bool high = b.max_open ? v >= b.max : v > b.max;
  if (low || high) throw InputError("option " + what + " must be " + describe(b));
}

}  // namespace

int max_cpu_threads() { return 4 * std::max(1, omp_get_num_procs()); }

std::string describe(const Bounds& b) {
  const bool has_min = std::isfinite(b.min), has_max = std::isfinite(b.max);
  if (has_min && has_max)
    return std::string("in ") + (b.min_open ? "(" : "[") + number_text(b.min) + "," + number_text(b.max) +
           (b.max_open ? ")" : "]");
  if (has_min) return (b.min_open ? "> " : "≥ ") + number_text(b.min);
  if (has_max) return (b.max_open ? "< " : "≤ ") + number_text(b.max);
  return "a finite number";
}

OptionField bind_option(const OptionRow& row, double& field) {
  return field_of(row, OptionType::real, field,
                  [&field, row](const json& v, const std::string& source) { field = read_real(row, v, source); });
}

OptionField bind_option(const OptionRow& row, std::optional<double>& field) {
  OptionField f;
  f.row = row;
  f.type = OptionType::optional_real;
  f.set = [&field, row](const json& v, const std::string& source) {
    if (v.is_null())
      field.reset();
    else if (!v.is_number())
      bad_value(row, v, source, "a number or null");
    else
      field = v.get<double>();
  };
  f.get = [&field] { return field ? json(*field) : json(nullptr); };
  return f;
}

OptionField bind_option(const OptionRow& row, bool& field) {
  return field_of(row, OptionType::boolean, field, [&field, row](const json& v, const std::string& source) {
    if (!v.is_boolean()) bad_value(row, v, source, "true or false");
    field = v.get<bool>();
  });
}

OptionField bind_option(const OptionRow& row, int& field) {
  return field_of(row, OptionType::integer, field, [&field, row](const json& v, const std::string& source) {
    field = read_integer<int>(row, v, source);
  });
}

OptionField bind_option(const OptionRow& row, int64_t& field) {
  return field_of(row, OptionType::integer, field, [&field, row](const json& v, const std::string& source) {
    field = read_integer<int64_t>(row, v, source);
  });
}

OptionField bind_option(const OptionRow& row, std::optional<int64_t>& field) {
  OptionField f;
  f.row = row;
  f.type = OptionType::integer;
  f.set = [&field, row](const json& v, const std::string& source) {
    if (v.is_null())
      field.reset();
    else
      field = read_integer<int64_t>(row, v, source);
  };
  f.get = [&field] { return field ? json(*field) : json(nullptr); };
  return f;
}

OptionField bind_option(const OptionRow& row, uint64_t& field) {
  return field_of(row, OptionType::integer, field, [&field, row](const json& v, const std::string& source) {
    field = read_integer<uint64_t>(row, v, source);
  });
}

OptionField bind_option(const OptionRow& row, std::string& field) {
  return field_of(row, OptionType::text, field,
                  [&field, row](const json& v, const std::string& source) { field = read_text(row, v, source); });
}

OptionField bind_option(const OptionRow& row, std::vector<double>& field) {
  return field_of(row, OptionType::real_list, field, [&field, row](const json& v, const std::string& source) {
    if (!v.is_array()) bad_value(row, v, source, "a list of numbers");
    std::vector<double> values;
    for (const json& item : v) {
      if (!item.is_number()) bad_value(row, v, source, "a list of numbers");
      values.push_back(item.get<double>());
    }
    field = std::move(values);
  });
}

OptionField bind_option(const OptionRow& row, std::vector<std::string>& field) {
  return field_of(row, OptionType::text_list, field, [&field, row](const json& v, const std::string& source) {
    if (!v.is_array()) bad_value(row, v, source, "a list of strings");
    std::vector<std::string> values;
    for (const json& item : v) {
      if (!item.is_string()) bad_value(row, v, source, "a list of strings");
      values.push_back(item.get<std::string>());
    }
    field = std::move(values);
  });
}

OptionField bind_option(const OptionRow& row, std::optional<Range>& field) {
  OptionField f;
  f.row = row;
  f.type = OptionType::range;
  f.set = [&field, row](const json& v, const std::string& source) {
    if (v.is_null()) {
      field.reset();
      return;
    }
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
      bad_value(row, v, source, "two numbers [from, to]");
    field = Range{v[0].get<double>(), v[1].get<double>()};
  };
  f.get = [&field] { return field ? json::array({field->from, field->to}) : json(nullptr); };
  return f;
}

OptionField bind_choice_option(const OptionRow& row, const std::string& choices,
                               std::function<bool(const std::string*)> set_by_name, std::function<std::string()> name) {
  OptionField f;
  f.row = row;
  f.type = OptionType::choice;
  f.choices = choices;
  f.set = [row, choices, set_by_name](const json& v, const std::string& source) {
    const std::string text = v.is_string() ? v.get<std::string>() : "";
    if (!(v.is_null() ? set_by_name(nullptr) : v.is_string() && set_by_name(&text)))
      bad_value(row, v, source, ("one of " + choices).c_str());
  };
  f.get = [name] {
    const std::string value = name();
    return value.empty() ? json(nullptr) : json(value);
  };
  return f;
}

void apply_options_json(const std::vector<OptionField>& fields, const json& object, const std::string& source) {
  if (!object.is_object()) throw InputError(source + ": the config must be a JSON object");
  for (auto it = object.begin(); it != object.end(); ++it) {
    const OptionField* match = nullptr;
    for (const OptionField& f : fields)
      if (it.key() == f.row.key) match = &f;
    if (match == nullptr) throw InputError(source + ": unknown key " + quoted_text(it.key()));
    match->set(it.value(), source);
  }
}

void apply_options_json(const std::vector<OptionField>& fields, const std::string& json_text,
                        const std::string& source) {
  apply_options_json(fields, parse_json_input(json_text, source), source);
}

std::string options_json_text(const std::vector<OptionField>& fields) {
  json j = json::object();
  for (const OptionField& f : fields) j[f.row.key] = f.get();
  return j.dump(2);
}

void check_option_bounds(const std::vector<OptionField>& fields) {
  for (const OptionField& f : fields) {
    const json v = f.get();
    if (v.is_null() && f.row.required) throw InputError("option " + std::string(f.row.key) + " is required");
    const std::string key = f.row.key;
    if (v.is_number()) {
      check_number(f.row, v.get<double>(),
                   key + " = " + (v.is_number_float() ? number_text(v.get<double>()) : v.dump()));
    } else if (v.is_array() && (f.type == OptionType::real_list || f.type == OptionType::range)) {
      for (const json& item : v)
        check_number(f.row, item.get<double>(), key + ": \"" + default_number(item.get<double>()) + "\"");
    }
  }
}

std::vector<double> parse_number_list(const std::string& key, const std::string& text) {
  std::vector<double> values;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string_view item =
        trim(std::string_view(text).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) throw InputError("option " + key + " = " + quoted_text(text) + ": an empty entry in the list");
    double value = 0;
    const std::string error = parse_number(item, value);
    if (!error.empty()) throw InputError("option " + key + ": " + quoted_text(item) + " " + error);
    values.push_back(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

std::string default_text(const OptionField& field) {
  const json v = field.get();
  if (v.is_null()) return field.row.unset;
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) return default_number(v.get<double>());
  if (v.is_number()) return v.dump();
  if (v.is_string()) return v.get<std::string>();
  if (field.type == OptionType::range)
    return default_number(v[0].get<double>()) + ":" + default_number(v[1].get<double>());
  std::string list;
  for (const json& item : v)
    list += (list.empty() ? "" : ",") + (item.is_number_float() ? default_number(item.get<double>())
                                         : item.is_string()     ? item.get<std::string>()
                                                                : item.dump());
  return list;
}

}  // namespace rateopt
