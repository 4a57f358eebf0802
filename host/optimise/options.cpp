// Options of a solve: the checks that relate several options (the table checks each one alone).
#include "rateopt/options.hpp"

#include <sstream>

#include "optimise/backend/backend.hpp"
#include "optimise/backend/device_choice.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(12);
  s << v;
  return s.str();
}

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError("option " + message);
}

}  // namespace

void OptimiseOptions::validate() const {
  check_option_bounds(*this);
  check_device_compiled_in(device);
  require(max_multiplier >= min_multiplier,
          "max_multiplier = " + fmt(max_multiplier) + " must be ≥ min_multiplier = " + fmt(min_multiplier));
  if (technical_floor)
    require(max_multiplier >= 1.0,
            "max_multiplier = " + fmt(max_multiplier) + " must be ≥ 1 when technical_floor is on");
  if (lr_min && lr_max) require(*lr_min < *lr_max, "lr_min = " + fmt(*lr_min) + " must be < lr_max = " + fmt(*lr_max));
  if (gwp_min && gwp_max)
    require(*gwp_min < *gwp_max, "gwp_min = " + fmt(*gwp_min) + " must be < gwp_max = " + fmt(*gwp_max));
  if (stochastic_lr) require(lr_max.has_value(), "stochastic_lr needs lr_max");
  if (model_quality_adjusted_lr) {
    require(lr_max.has_value(), "model_quality_adjusted_lr needs lr_max");
    require(model_rho.has_value(), "model_quality_adjusted_lr needs model_rho");
  }
}

}  // namespace rateopt
