// The part of a priced batch's JSON summary both kinds of rule write.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "rateopt/pricing_rule.hpp"

namespace rateopt {

/// Each solved constraint on the batch: name, value, limit, relative_violation, broken.
nlohmann::ordered_json batch_constraints_json(const std::vector<BatchConstraint>& constraints);

}  // namespace rateopt
