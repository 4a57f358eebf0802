#include "grid/grid_window.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "grid/grid_backend.hpp"

namespace rateopt {

std::vector<uint32_t> grid_argmax_windows(const GridBook& g, const GridOmegaMap& map, const std::vector<double>& lower,
                                          const std::vector<double>& upper, int threads) {
  const size_t n = g.policies(), T = map.base.size(), m = map.direction.size();
  std::vector<double> centre(T), half(m);
  for (size_t t = 0; t < T; ++t) centre[t] = map.base[t];
  for (size_t k = 0; k < m; ++k) {
    half[k] = 0.5 * (upper[k] - lower[k]);
    for (size_t t = 0; t < T; ++t) centre[t] += 0.5 * (lower[k] + upper[k]) * map.direction[k][t];
  }
  std::vector<uint32_t> window(2 * n);
  const auto policies = static_cast<int64_t>(n);
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
  {
    // Per row: its score at the centre, then its slope along each multiplier.
    std::vector<double> phi(T), score;
#pragma omp for schedule(dynamic, 1024)
    for (int64_t ii = 0; ii < policies; ++ii) {
      const auto i = static_cast<size_t>(ii);
      const size_t first = g.offset[i], rows = g.rows_of(i);
      if (rows == 0) {
        window[2 * i] = window[2 * i + 1] = 0;
        continue;
      }
      score.assign(rows * (m + 1), 0.0);
      size_t best = 0;
      for (size_t j = 0; j < rows; ++j) {
        grid_row_terms(g, i, first + j, phi.data());
        double* s = &score[j * (m + 1)];
        for (size_t t = 0; t < T; ++t) s[0] += centre[t] * phi[t];
        for (size_t k = 0; k < m; ++k)
          for (size_t t = 0; t < T; ++t) s[k + 1] += map.direction[k][t] * phi[t];
        if (s[0] > score[best * (m + 1)]) best = j;
      }
      const double* b = &score[best * (m + 1)];
      size_t lo = best, hi = best + 1;
      for (size_t j = 0; j < rows; ++j) {
        if (j >= lo && j < hi) continue;
        const double* s = &score[j * (m + 1)];
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
