// Grids as CSV text for the tests of the grid's readers, solve and pricing rule.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace rateopt::test {

// A long grid CSV: per policy 2..max_k sorted candidates around today's premium (the baseline row),
// log-linear demand, a loss cost given once per policy, a per-row "score", renewals with an enbp.
// loss_factor scales the loss costs (a new batch of a different mix).
inline std::string random_grid_csv(uint32_t seed, size_t n, size_t max_k, double loss_factor = 1.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::string text = "policy_id,step,premium,demand,expected_loss_cost,weight,renewal_flag,baseline,enbp,score\n";
  for (size_t i = 0; i < n; ++i) {
    const size_t k = 2 + static_cast<size_t>(u(rng) * static_cast<double>(max_k - 1));
    const double tc = 200 + 600 * u(rng), cost = loss_factor * tc * (0.5 + 0.4 * u(rng)), x0 = 0.3 + 0.6 * u(rng),
                 eps = -3 + 2.5 * u(rng);
    const bool renewal = u(rng) < 0.6;
    const std::string weight = u(rng) < 0.5 ? "1" : "2";
    std::vector<double> m(k);
    for (double& v : m) v = 0.8 + 0.6 * u(rng);
    m[0] = 1.0;  // today's premium is a candidate
    std::sort(m.begin(), m.end());
    const std::string enbp = renewal ? std::to_string(tc * (1.1 + 0.3 * u(rng))) : "";
    for (size_t j = 0; j < k; ++j) {
      text += "P" + std::to_string(i) + "," + std::to_string(j) + "," + std::to_string(tc * m[j]) + "," +
              std::to_string(std::min(1.0, x0 * std::pow(m[j], eps))) + "," + (j == 0 ? std::to_string(cost) : "") +
              "," + weight + "," + (renewal ? "1" : "0") + "," + (m[j] == 1.0 ? "1" : "0") + "," + enbp + "," +
              std::to_string(10 * u(rng)) + "\n";
    }
  }
  return text;
}

}  // namespace rateopt::test
