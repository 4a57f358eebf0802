// Options tables: one per tool, the single source of every option's name, help, default and bounds.
//
// A tool's options are a plain struct with in-class defaults and a function
//   template <class F> void visit_options(ToolOptions& o, F&& f)
// that calls f(OptionRow{key, help, bounds}, o.field) once per option, in the order --help lists
// them.  From that one table come the JSON config reader, the command-line flags (--key with '-' for
// '_'), the defaults printed by --help (read from a default-constructed struct), the generic checks
// (finite numbers, bounds, integers that fit their type, enum names) and the audit echo.  Checks that
// relate two options stay in the struct's own validate().
//
// Field types a table may hold: double, std::optional<double>, bool, int, int64_t (also optional), uint64_t,
// std::string, std::vector<double>, std::vector<std::string>, std::optional<Range>, and any enum with
// an EnumNames specialisation (its value names, in enumerator order), plain or std::optional.  An
// optional field of a required row must be given (config or flag).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace rateopt {

/// The names of an enum's values, index = the enumerator's value (0, 1, …).  Specialise with
///   static constexpr std::array<const char*, N> names{…};
template <class E>
struct EnumNames;

template <class E>
const char* to_string(E value) {
  return EnumNames<E>::names[static_cast<size_t>(value)];
}

/// The value named `name`, or nullopt.
template <class E>
std::optional<E> enum_from_name(std::string_view name) {
  const auto& names = EnumNames<E>::names;
  for (size_t k = 0; k < names.size(); ++k)
    if (name == names[k]) return static_cast<E>(k);
  return std::nullopt;
}

/// "a|b|c", as --help and error messages show the choices.
template <class E>
std::string enum_choices() {
  std::string all;
  for (const char* name : EnumNames<E>::names) all += (all.empty() ? "" : "|") + std::string(name);
  return all;
}

/// Where a number must lie: [min, max], either end open where flagged.
struct Bounds {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false, max_open = false;
};
inline constexpr Bounds any_value{};
constexpr Bounds above(double v) { return {v, std::numeric_limits<double>::infinity(), true, false}; }
constexpr Bounds at_least(double v) { return {v, std::numeric_limits<double>::infinity(), false, false}; }
constexpr Bounds in_range(double lo, double hi, bool lo_open = false, bool hi_open = false) {
  return {lo, hi, lo_open, hi_open};
}
/// The rule in words: "> 0", "≥ 1", "in (0,1]".
std::string describe(const Bounds& b);

/// One row of a table.
struct OptionRow {
  const char* key;         ///< JSON key; the flag is --key with '-' for '_'
  const char* help;        ///< one line: what it does, with units; the default is added from the struct
  Bounds bounds = {};      ///< numbers, and every element of a list or range of numbers
  const char* unset = "";  ///< for an optional: what leaving it unset means (--help), "" = nothing shown
  bool required = false;   ///< an optional that must be given
};
constexpr OptionRow required(OptionRow row) {
  row.required = true;
  return row;
}

/// Two limits, first and last ("0.70:0.85" on the command line, [0.70, 0.85] in a config).
struct Range {
  double from = 0, to = 0;
};

/// How a field is typed, for parsing flags and printing help.
enum class OptionType { real, optional_real, boolean, integer, text, choice, real_list, text_list, range };

/// One row bound to one field of one options object (type-erased, so everything generic below is
/// ordinary code).  Values cross as JSON.
struct OptionField {
  OptionRow row;
  OptionType type = OptionType::text;
  std::string choices;  ///< "a|b" for an enum
  /// Set the field from a JSON value; throws InputError "<source>: key = value must be …".
  std::function<void(const nlohmann::json& value, const std::string& source)> set;
  std::function<nlohmann::json()> get;  ///< the field's value (null for an unset optional)
};

OptionField bind_option(const OptionRow& row, double& field);
OptionField bind_option(const OptionRow& row, std::optional<double>& field);
OptionField bind_option(const OptionRow& row, bool& field);
OptionField bind_option(const OptionRow& row, int& field);
OptionField bind_option(const OptionRow& row, int64_t& field);
OptionField bind_option(const OptionRow& row, std::optional<int64_t>& field);
OptionField bind_option(const OptionRow& row, uint64_t& field);
OptionField bind_option(const OptionRow& row, std::string& field);
OptionField bind_option(const OptionRow& row, std::vector<double>& field);
OptionField bind_option(const OptionRow& row, std::vector<std::string>& field);
OptionField bind_option(const OptionRow& row, std::optional<Range>& field);
/// An enum field, by the names of EnumNames<E>: set_by_name returns false for an unknown name;
/// name returns "" when an optional enum is unset.
OptionField bind_choice_option(const OptionRow& row, const std::string& choices,
                               std::function<bool(const std::string*)> set_by_name, std::function<std::string()> name);
template <class E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
OptionField bind_option(const OptionRow& row, E& field) {
  return bind_choice_option(
      row, enum_choices<E>(),
      [&field](const std::string* name) {
        const std::optional<E> v = name ? enum_from_name<E>(*name) : std::nullopt;
        if (v) field = *v;
        return v.has_value();
      },
      [&field] { return std::string(to_string(field)); });
}
template <class E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
OptionField bind_option(const OptionRow& row, std::optional<E>& field) {
  return bind_choice_option(
      row, enum_choices<E>(),
      [&field](const std::string* name) {
        if (name == nullptr) {  // JSON null: unset
          field.reset();
          return true;
        }
        const std::optional<E> v = enum_from_name<E>(*name);
        if (v) field = *v;
        return v.has_value();
      },
      [&field] { return field ? std::string(to_string(*field)) : std::string(); });
}

/// The table of `o`, bound to o's fields (valid while o lives).
template <class Options>
std::vector<OptionField> option_fields(Options& o) {
  std::vector<OptionField> fields;
  visit_options(o, [&](const OptionRow& row, auto& field) { fields.push_back(bind_option(row, field)); });
  return fields;
}

/// Apply a JSON object of options (keys as in the table).  Unknown keys, values of the wrong type
/// and integers that do not fit are InputErrors naming `source` and the key.
void apply_options_json(const std::vector<OptionField>& fields, const std::string& json_text,
                        const std::string& source);
void apply_options_json(const std::vector<OptionField>& fields, const nlohmann::json& object,
                        const std::string& source);
/// Every option with its value, keys in alphabetical order, as JSON text indented by 2.
std::string options_json_text(const std::vector<OptionField>& fields);
/// The table's own checks: every required option given ("option key is required"), every number
/// finite and within its bounds (InputError "option key = value must be …").
void check_option_bounds(const std::vector<OptionField>& fields);
/// A comma-separated list of numbers ("0.75, 1,+1.25"; spaces around items allowed), as list
/// options are written on the command line.  InputError "option key = "1,,2": an empty entry in the
/// list" or "option key: "x" is not a number".
std::vector<double> parse_number_list(const std::string& key, const std::string& text);

/// The value as --help shows it ("0.5", "true", "log_linear", "5,7,9"); for an unset optional the
/// row's `unset` text, or "" when there is none to show.
std::string default_text(const OptionField& field);

template <class Options>
void apply_options_json(Options& o, const std::string& json_text, const std::string& source) {
  apply_options_json(option_fields(o), json_text, source);
}
template <class Options>
std::string options_to_json(const Options& options) {
  Options copy = options;
  return options_json_text(option_fields(copy));
}
template <class Options>
void check_option_bounds(const Options& options) {
  Options copy = options;
  check_option_bounds(option_fields(copy));
}

// ---------------------------------------------------------------------------------------------
// Choices shared by several tools

/// Where the work runs: auto uses a GPU when one is usable and falls back to the CPU, saying why.
enum class Device { automatic, cpu, cuda };
template <>
struct EnumNames<Device> {
  static constexpr std::array<const char*, 3> names{"auto", "cpu", "cuda"};
};

/// The most CPU threads a `threads` option may ask for: 4 × the hardware threads this process may run
/// on.  More only slows a solve down, and a mistyped 100000 would start that many threads.
int max_cpu_threads();

/// Rows several tools share, so each is worded once.
namespace option_rows {
inline constexpr OptionRow device{"device", "where it runs: auto uses a GPU when one is usable, else the CPU"};
/// Its bound is this machine's (max_cpu_threads), so it is made when asked for.
inline OptionRow threads() {
  return {"threads", "CPU threads, 0 = every core; at most 4 per hardware thread", in_range(0, max_cpu_threads())};
}
}  // namespace option_rows

}  // namespace rateopt
