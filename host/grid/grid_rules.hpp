// The rules a grid's values obey, shared by the CSV reader (messages "file:line: …") and
// grid_from_arrays (the Python package's arrays, messages "column[index] …"), so that both check the
// same things and say them in the same words.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/option_table.hpp"

namespace rateopt::grid_rules {

inline constexpr Bounds premium = in_range(0, book_limits::max_money, true);
inline constexpr Bounds demand = in_range(0, 1);
inline constexpr Bounds money = in_range(0, book_limits::max_money);  ///< expected_loss_cost, expense
inline constexpr Bounds weight = in_range(0, book_limits::max_weight, true);
inline constexpr Bounds enbp = in_range(0, book_limits::max_money, true);

/// "" when v obeys the rule, else "must be …" (NaN and infinities break every rule).
std::string number_problem(double v, const Bounds& rule);

/// Steps of a policy run 0, 1, …, K−1 in order.  "" when the row's `step` is the `expected` one, else
/// the problem; `earlier` says where the repeated step was given ("line 7", "step[3]").
std::string step_problem(const std::string& policy, long long step, size_t expected, const std::string& earlier);
/// A policy whose rows are split by another's; `earlier` says where its rows began.
std::string apart_problem(const std::string& policy, const std::string& earlier);
/// A second baseline row in one policy.
std::string second_baseline_problem(const std::string& policy, const std::string& earlier);
/// A per-policy column whose rows disagree: "differs from <value> given for policy … at <earlier> …".
std::string disagree_problem(const std::string& value, const std::string& policy, const std::string& earlier);

/// A per-row column that is the same on every row of each policy becomes a per-policy column (N values,
/// owned); one that varies stays as it is (a view stays a view).
void store_once_per_policy_when_constant(GridColumn& column, const std::vector<uint64_t>& offset);

}  // namespace rateopt::grid_rules
