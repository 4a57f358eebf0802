// Failure messages shared by the cover tests: a quote set and goal, and a mix's counts.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "rateopt/cover.hpp"

namespace rateopt::cover_test {

/// The goal and every quote, at full precision (enough to rebuild a failing instance).
inline std::string describe(const std::vector<LifeQuote>& quotes, const CoverGoal& goal) {
  std::ostringstream s;
  s.precision(17);
  s << "goal: coverage >= " << goal.min_coverage << ", term >= " << goal.min_avg_term << ", max_policies "
    << (goal.max_policies ? std::to_string(*goal.max_policies) : "none") << "\nquotes:";
  for (const LifeQuote& q : quotes)
    s << "\n  " << q.policy_id << " term " << q.term << " coverage " << q.coverage << " premium " << q.yearly_premium;
  return s.str();
}

inline std::string counts_text(const std::vector<int64_t>& n) {
  std::string s;
  for (int64_t c : n) s += std::to_string(c) + " ";
  return s;
}

}  // namespace rateopt::cover_test
