// Command-line flags from options tables (rateopt/option_table.hpp): one flag per row, --key with '-'
// for '_' (booleans also --no-key), and --config FILE.  A run applies the config file first, then the
// flags given, so a flag overrides the file; --help shows each option's default, read from a
// default-constructed options struct.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "rateopt/option_table.hpp"

namespace rateopt {

/// The flag of an option key: "lr_max" → "--lr-max".
std::string flag_name(const std::string& key);

/// The tables of several options objects as one (keys must not repeat).
template <class... Options>
std::vector<OptionField> fields_of(Options&... options) {
  std::vector<OptionField> all;
  (
      [&] {
        std::vector<OptionField> one = option_fields(options);
        all.insert(all.end(), one.begin(), one.end());
      }(),
      ...);
  return all;
}

class OptionFlags {
 public:
  /// Adds to `command` one flag per field (fields bound to default-constructed options, read here
  /// for --help only) and --config.
  OptionFlags(CLI::App& command, const std::vector<OptionField>& defaults);
  /// Sets `fields` (bound to the caller's options): the config file first, then the flags given.
  /// Bad values are InputErrors naming the file or flag.
  void apply(const std::vector<OptionField>& fields) const;
  /// Convenience: fills the given options objects (already holding their defaults).
  template <class... Options>
  void fill(Options&... options) const {
    apply(fields_of(options...));
  }

 private:
  struct Given {
    CLI::Option* option = nullptr;
    OptionType type = OptionType::text;
    Bounds bounds;
    std::string text;
    bool flag = false;
  };
  std::map<std::string, Given> given_;  // by key; std::map: stable addresses for CLI11's bindings
  std::string config_;
};

}  // namespace rateopt
