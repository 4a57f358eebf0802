// The grid's value rules, shared by the CSV reader and grid_from_arrays.
#include "grid/grid_rules.hpp"

#include <cmath>

#include "io/text.hpp"

namespace rateopt::grid_rules {

std::string number_problem(double v, const Bounds& rule) {
  if (!std::isfinite(v)) return "must be a finite number" + (rule.min > -INFINITY ? " " + describe(rule) : "");
  const bool low = rule.min_open ? v <= rule.min : v < rule.min;
  const bool high = rule.max_open ? v >= rule.max : v > rule.max;
  return low || high ? "must be " + describe(rule) : "";
}

std::string step_problem(const std::string& policy, long long step, size_t expected, const std::string& earlier) {
  if (step == static_cast<long long>(expected)) return "";
  if (expected == 0)
    return "policy " + quoted_text(policy) + " starts at step " + std::to_string(step) +
           ": its steps must run 0, 1, …, K−1 (no step 0 means K = 0)";
  if (step >= 0 && step < static_cast<long long>(expected))
    return "duplicate (policy, step): policy " + quoted_text(policy) + " step " + std::to_string(step) +
           " is already at " + earlier;
  return "steps of policy " + quoted_text(policy) + " must run 0, 1, …, K−1 in order: step " + std::to_string(step) +
         " where step " + std::to_string(expected) + " was expected";
}

std::string apart_problem(const std::string& policy, const std::string& earlier) {
  return "the rows of policy " + quoted_text(policy) + " are not together (its rows began at " + earlier +
         "); sort the grid by policy, then step";
}

std::string second_baseline_problem(const std::string& policy, const std::string& earlier) {
  return "policy " + quoted_text(policy) + " has a second baseline row (the first at " + earlier + ")";
}

std::string disagree_problem(const std::string& value, const std::string& policy, const std::string& earlier) {
  return "differs from " + value + " given for policy " + quoted_text(policy) + " at " + earlier +
         " (a per-policy column must agree across its rows)";
}

void store_once_per_policy_when_constant(GridColumn& column, const std::vector<uint64_t>& offset) {
  const size_t n = offset.size() - 1;
  const GridArray<double>& v = column.values;
  for (size_t i = 0; i < n; ++i)
    for (size_t r = offset[i] + 1; r < offset[i + 1]; ++r)
      if (v[r] != v[offset[i]]) {
        column.per_row = true;
        return;
      }
  std::vector<double> once(n);
  for (size_t i = 0; i < n; ++i) once[i] = v[offset[i]];
  column.values = std::move(once);
  column.per_row = false;
}

}  // namespace rateopt::grid_rules
