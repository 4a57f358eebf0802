// The backend interface of the price-grid solve: one coarse call, the argmax pass, over candidates
// held where the backend computes.  The algorithm (grid_solve.cpp) only sees the small vectors of sums
// it returns; a CUDA backend implements the same calls with the per-candidate math of
// rateopt/math/grid_math.hpp.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "rateopt/grid.hpp"
#include "rateopt/math/grid_math.hpp"

namespace rateopt {

/// What one argmax pass returns.
struct GridPass {
  double value = 0;          ///< Σ_i max_j ω·φ_ij
  std::vector<double> sums;  ///< term sums at the chosen candidates (math::grid_term layout)
};

class GridBackend {
 public:
  virtual ~GridBackend() = default;
  virtual std::string name() const = 0;
  virtual std::string device_name() const = 0;
  /// Make the grid available to the backend (it must outlive the backend's use of it).
  virtual void upload(const GridBook& grid) = 0;
  /// Number of terms: 5 fixed + one per extra column.
  virtual int terms() const = 0;
  /// For term prices ω (size terms()), each policy's candidate maximising ω·φ (ties: the earlier row).
  /// choice (per policy, the chosen row) and runner_up_gap (max − second best; +inf with one candidate)
  /// are filled when given.  Sums are reduced in a fixed order: the same answer for any thread count.
  virtual GridPass argmax(const std::vector<double>& omega, std::vector<int32_t>* choice = nullptr,
                          std::vector<double>* runner_up_gap = nullptr) = 0;
  /// Restricts later passes to rows [offset[i] + window[2i], offset[i] + window[2i+1]) of each policy
  /// (grid_window.hpp); an empty window leaves the policy out of the sums (choice −1).  nullptr: every
  /// row again.  False when the backend cannot restrict its passes (they keep reading every row).
  virtual bool set_row_window(const std::vector<uint32_t>* window) {
    (void)window;
    return false;
  }
  /// Per term, Σ_i max_j |φ_t(i, j)|: the scales of the constraint rows.
  virtual std::vector<double> term_magnitudes() = 0;
  virtual int64_t passes() const = 0;
};

/// Row r of policy i as the per-candidate math reads it.
inline math::GridCandidate grid_candidate(const GridBook& g, size_t i, size_t r) {
  return {g.weight[i], g.premium[r], g.demand[r], g.loss_cost.at(i, r), g.expense.at(i, r), g.renewal[i] != 0};
}

/// One policy's Lagrangian choice, offered its rows in order: the row with the largest ω·φ (ties: the
/// earlier row) and the runner-up's value.
struct GridBest {
  size_t row = static_cast<size_t>(-1);  ///< npos while no row was offered
  double best = -std::numeric_limits<double>::infinity(), second = -std::numeric_limits<double>::infinity();
  void offer(size_t r, double v) {
    if (v > best || row == static_cast<size_t>(-1)) {
      second = best;
      best = v;
      row = r;
    } else if (v > second) {
      second = v;
    }
  }
};

/// The rows of policy i that keep(r) admits, priced by math::grid_price at term prices omega (the per-candidate
/// math of the backends' passes, the same operations in the same order), ties to the earlier row as a pass
/// breaks them.  The pricing rule's argmax.  No allocation.
template <class Keep>
GridBest grid_policy_best(const GridBook& g, size_t i, const double* omega, Keep&& keep) {
  GridBest out;
  const size_t q = g.extra.size();
  for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r) {
    if (!keep(r)) continue;
    double extra_price = 0;
    for (size_t k = 0; k < q; ++k) extra_price += omega[math::grid_term::first_extra + k] * g.extra[k].at(i, r);
    out.offer(r, math::grid_price(omega, grid_candidate(g, i, r), extra_price));
  }
  return out;
}

/// The CPU backend: OpenMP threads over fixed chunks of policies.  threads = 0: every core.
std::unique_ptr<GridBackend> make_grid_cpu_backend(int threads);

/// The CUDA backend (kernels/grid_cuda.cu): the candidate columns resident on the device, a group of
/// lanes_per_policy lanes (8, 16 or 32; 0: chosen from the grid's mean candidate count) per policy.
/// Throws DeviceError when no GPU is usable or the grid does not fit (a build without CUDA: always).
std::unique_ptr<GridBackend> make_grid_cuda_backend(int lanes_per_policy = 0);

/// The terms of row `row` of policy i into out (size terms), computed as the backends do.
void grid_row_terms(const GridBook& grid, size_t i, size_t row, double* out);

}  // namespace rateopt
