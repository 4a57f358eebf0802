#include "grid/grid_window.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "rateopt/math/grid_math.hpp"

namespace rateopt {

std::vector<uint32_t> grid_argmax_windows(const GridBook& g, const GridOmegaMap& map, const std::vector<double>& lower,
                                          const std::vector<double>& upper, int threads) {
  const size_t n = g.policies(), T = map.base.size(), m = map.direction.size(), q = g.extra.size();
  // Price vectors: ω at the box's centre, then each direction (ω·φ is linear in ω, so the same
  // per-candidate price gives a candidate's slope along each multiplier).
  std::vector<std::vector<double>> prices{map.base};
  std::vector<double> half(m);
  for (size_t k = 0; k < m; ++k) {
    half[k] = 0.5 * (upper[k] - lower[k]);
    for (size_t t = 0; t < T; ++t) prices[0][t] += 0.5 * (lower[k] + upper[k]) * map.direction[k][t];
    prices.push_back(map.direction[k]);
  }
  const size_t P = m + 1;
  const bool row_costs = g.loss_cost.per_row || g.expense.per_row;
  std::vector<uint32_t> window(2 * n);
  const auto policies = static_cast<int64_t>(n);
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
  {
    std::vector<double> score;  // per row: its price at the centre, then its slope along each multiplier
    std::vector<math::GridPriceLine> line(P);
#pragma omp for schedule(dynamic, 1024)
    for (int64_t ii = 0; ii < policies; ++ii) {
      const auto i = static_cast<size_t>(ii);
      const size_t first = g.offset[i], rows = g.rows_of(i);
      const double w = g.weight[i];
      const bool renewal = g.renewal[i] != 0;
      if (rows == 0) {
        window[2 * i] = window[2 * i + 1] = 0;
        continue;
      }
      score.resize(rows * P);
      size_t best = 0;
      for (size_t j = 0; j < rows; ++j) {
        const size_t r = first + j;
        if (j == 0 || row_costs)
          for (size_t p = 0; p < P; ++p)
            line[p] = math::grid_price_line(prices[p].data(), g.loss_cost.at(i, r), g.expense.at(i, r), renewal);
        for (size_t p = 0; p < P; ++p) {
          double extra_price = 0;
          for (size_t k = 0; k < q; ++k)
            extra_price += prices[p][math::grid_term::first_extra + k] * g.extra[k].at(i, r);
          score[j * P + p] = math::grid_price_on_line(line[p], w, g.premium[r], g.demand[r], extra_price);
        }
        if (score[j * P] > score[best * P]) best = j;
      }
      const double* b = &score[best * P];
      size_t lo = best, hi = best + 1;
      for (size_t j = 0; j < rows; ++j) {
        if (j >= lo && j < hi) continue;
        const double* s = &score[j * P];
        // The least lead of the centre's best over row j in the box, and what rounding could move it.
        double lead = b[0] - s[0], size = std::fabs(b[0]) + std::fabs(s[0]);
        for (size_t k = 0; k < m; ++k) {
          lead -= half[k] * std::fabs(b[k + 1] - s[k + 1]);
          size += half[k] * (std::fabs(b[k + 1]) + std::fabs(s[k + 1]));
        }
        if (lead > 1e-9 * size) continue;
        lo = std::min(lo, j);
        hi = std::max(hi, j + 1);
      }
      window[2 * i] = static_cast<uint32_t>(lo);
      window[2 * i + 1] = static_cast<uint32_t>(hi);
    }
  }
  return window;
}

}  // namespace rateopt
