// Reading a pricing rule's JSON fields with errors that name the file and the field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rateopt/errors.hpp"

namespace rateopt {

/// Reads fields of a rule file, each failure an InputError "FILE: field NAME: what".
class FieldReader {
 public:
  using Json = nlohmann::json;
  explicit FieldReader(std::string source) : source_(std::move(source)) {}
  const Json& at(const Json& parent, const std::string& path, const char* key) const {
    const std::string name = path.empty() ? key : path + "." + key;
    if (!parent.is_object() || !parent.contains(key)) fail(name, "is missing");
    return parent.at(key);
  }
  double number(const Json& parent, const std::string& path, const char* key) const {
    const Json& v = at(parent, path, key);
    if (!v.is_number()) fail(path + "." + key, "must be a number");
    return v.get<double>();
  }
  std::string text(const Json& parent, const std::string& path, const char* key, bool allow_null = false) const {
    const Json& v = at(parent, path, key);
    if (allow_null && v.is_null()) return "";
    if (!v.is_string()) fail(path.empty() ? key : path + "." + key, "must be a string");
    return v.get<std::string>();
  }
  std::vector<double> numbers(const Json& parent, const std::string& path, const char* key) const {
    const Json& v = at(parent, path, key);
    std::vector<double> out;
    if (v.is_array())
      for (const Json& item : v) {
        if (!item.is_number()) break;
        out.push_back(item.get<double>());
      }
    if (!v.is_array() || out.size() != v.size()) fail(path + "." + key, "must be an array of numbers");
    return out;
  }
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw InputError(source_ + ": field " + field + " " + what);
  }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

}  // namespace rateopt
