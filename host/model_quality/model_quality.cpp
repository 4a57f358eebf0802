// The checks of `rateopt model-quality`'s options: which computation they ask for, and what it needs.
#include "rateopt/model_quality.hpp"

#include <initializer_list>
#include <string>
#include <utility>

#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

using Given = std::pair<const std::optional<double>&, const char*>;  // an option and its key

void require(std::initializer_list<Given> options, const std::string& why) {
  for (const Given& o : options)
    if (!o.first) throw InputError(std::string("option ") + o.second + " is required" + why);
}

}  // namespace

void ModelQualityOptions::validate() const {
  check_option_bounds(*this);
  if (calibrate_eta) {
    if (frequency_severity())
      throw InputError("option calibrate_eta takes rho and cv, not the frequency–severity pair");
    require({{rho, "rho"}, {cv, "cv"}, {lr_observed, "lr_observed"}}, " with calibrate_eta");
    if (*rho >= 0.999)
      throw InputError("option calibrate_eta needs rho < 0.999 (at ρ ≥ 0.999 the loss ratio is 1/M for every η)");
  } else if (frequency_severity()) {
    require({{rho_f, "rho_f"}, {cv_f, "cv_f"}, {rho_s, "rho_s"}, {cv_s, "cv_s"}},
            " for the frequency–severity product");
  } else {
    require({{rho, "rho"}, {cv, "cv"}}, " (or the frequency–severity models rho_f, cv_f, rho_s, cv_s)");
  }
}

}  // namespace rateopt
