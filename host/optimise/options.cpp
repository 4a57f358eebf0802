// Options: validation, the JSON config file and the audit echo, all driven by visit_options().
#include "rateopt/options.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <type_traits>

#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

using json = nlohmann::json;

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(12);
  s << v;
  return s.str();
}

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError("option " + message);
}

bool in_choices(const std::string& value, const char* choices) {
  std::string all = choices;
  size_t start = 0;
  while (start <= all.size()) {
    const size_t bar = all.find('|', start);
    const std::string one = all.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (one == value) return true;
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return false;
}

}  // namespace

void OptimiseOptions::validate() const {
  OptimiseOptions copy = *this;
  // Every number finite; every text one of its choices.
  visit_options(copy, [](const OptionInfo& info, auto& field) {
    using T = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<T, double>) {
      require(std::isfinite(field), std::string(info.key) + " = " + fmt(field) + " must be a finite number");
    } else if constexpr (std::is_same_v<T, std::optional<double>>) {
      if (field)
        require(std::isfinite(*field), std::string(info.key) + " = " + fmt(*field) + " must be a finite number");
    } else if constexpr (std::is_same_v<T, std::string>) {
      require(in_choices(field, info.choices),
              std::string(info.key) + " = \"" + field + "\" must be one of " + info.choices);
    }
  });
  require(RATEOPT_HAVE_CUDA || device != "cuda",
          "device = \"cuda\": this build has no CUDA support (rebuild where a CUDA compiler is found)");
  require(min_multiplier > 0, "min_multiplier = " + fmt(min_multiplier) + " must be > 0");
  require(max_multiplier >= min_multiplier,
          "max_multiplier = " + fmt(max_multiplier) + " must be ≥ min_multiplier = " + fmt(min_multiplier));
  if (technical_floor)
    require(max_multiplier >= 1.0,
            "max_multiplier = " + fmt(max_multiplier) + " must be ≥ 1 when technical_floor is on");
  if (max_rate_change)
    require(*max_rate_change > 0 && *max_rate_change < 1,
            "max_rate_change = " + fmt(*max_rate_change) + " must be in (0,1)");
  if (enbp_buffer)
    require(*enbp_buffer >= 0 && *enbp_buffer < 1, "enbp_buffer = " + fmt(*enbp_buffer) + " must be in [0,1)");
  for (auto [name, v] : {std::pair<const char*, std::optional<double>>{"lr_max", lr_max}, {"lr_min", lr_min}})
    if (v) require(*v > 0, std::string(name) + " = " + fmt(*v) + " must be > 0");
  if (lr_min && lr_max) require(*lr_min < *lr_max, "lr_min = " + fmt(*lr_min) + " must be < lr_max = " + fmt(*lr_max));
  for (auto [name, v] : {std::pair<const char*, std::optional<double>>{"gwp_min", gwp_min}, {"gwp_max", gwp_max}})
    if (v) require(*v > 0, std::string(name) + " = " + fmt(*v) + " must be > 0");
  if (gwp_min && gwp_max)
    require(*gwp_min < *gwp_max, "gwp_min = " + fmt(*gwp_min) + " must be < gwp_max = " + fmt(*gwp_max));
  if (retention_min)
    require(*retention_min > 0 && *retention_min <= 1, "retention_min = " + fmt(*retention_min) + " must be in (0,1]");
  require(stochastic_alpha > 0 && stochastic_alpha < 1,
          "stochastic_alpha = " + fmt(stochastic_alpha) + " must be in (0,1)");
  if (stochastic_lr) require(lr_max.has_value(), "stochastic_lr needs lr_max");
  if (model_quality_adjusted_lr) {
    require(lr_max.has_value(), "model_quality_adjusted_lr needs lr_max");
    require(model_rho.has_value(), "model_quality_adjusted_lr needs model_rho");
  }
  if (model_rho) require(*model_rho > 0 && *model_rho <= 1, "model_rho = " + fmt(*model_rho) + " must be in (0,1]");
  if (model_cv_lambda) require(*model_cv_lambda > 0, "model_cv_lambda = " + fmt(*model_cv_lambda) + " must be > 0");
  if (fairness_max) require(*fairness_max >= 1, "fairness_max = " + fmt(*fairness_max) + " must be ≥ 1");
  require(n_restarts >= 0, "n_restarts = " + std::to_string(n_restarts) + " must be ≥ 0");
  require(tolerance > 0 && tolerance <= 1e-3, "tolerance = " + fmt(tolerance) + " must be in (0, 1e-3]");
  require(max_outer_iterations >= 1, "max_outer_iterations must be ≥ 1");
  require(max_passes >= 10, "max_passes = " + std::to_string(max_passes) + " must be ≥ 10");
  if (time_limit) require(*time_limit > 0, "time_limit = " + fmt(*time_limit) + " must be > 0");
  require(threads >= 0, "threads = " + std::to_string(threads) + " must be ≥ 0");
}

void apply_options_json(OptimiseOptions& o, const std::string& json_text, const std::string& source) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw InputError(source + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw InputError(source + ": the config must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    const std::string& key = it.key();
    const json& v = it.value();
    visit_options(o, [&](const OptionInfo& info, auto& field) {
      if (key != info.key) return;
      known = true;
      using T = std::decay_t<decltype(field)>;
      auto bad = [&](const char* want) {
        throw InputError(source + ": " + key + " = " + v.dump() + " must be " + want);
      };
      if constexpr (std::is_same_v<T, double>) {
        if (!v.is_number()) bad("a number");
        field = v.get<double>();
      } else if constexpr (std::is_same_v<T, std::optional<double>>) {
        if (v.is_null())
          field.reset();
        else if (!v.is_number())
          bad("a number or null");
        else
          field = v.get<double>();
      } else if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_boolean()) bad("true or false");
        field = v.get<bool>();
      } else if constexpr (std::is_same_v<T, int>) {
        if (!v.is_number_integer()) bad("an integer");
        field = v.get<int>();
      } else if constexpr (std::is_same_v<T, uint64_t>) {
        if (!v.is_number_unsigned()) bad("a non-negative integer");
        field = v.get<uint64_t>();
      } else {
        if (!v.is_string()) bad("a string");
        field = v.get<std::string>();
      }
    });
    if (!known) throw InputError(source + ": unknown key \"" + key + "\"");
  }
}

std::string options_to_json(const OptimiseOptions& options) {
  OptimiseOptions o = options;
  json j = json::object();
  visit_options(o, [&](const OptionInfo& info, auto& field) {
    using T = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<T, std::optional<double>>) {
      j[info.key] = field ? json(*field) : json(nullptr);
    } else {
      j[info.key] = field;
    }
  });
  return j.dump(2);
}

}  // namespace rateopt
