// The backend interface of the price-grid solve: one coarse call, the argmax pass, over candidates
// held where the backend computes.  The algorithm (grid_solve.cpp) only sees the small vectors of sums
// it returns; a CUDA backend implements the same calls with the per-candidate math of
// rateopt/math/grid_math.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rateopt/grid.hpp"

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

/// The CPU backend: OpenMP threads over fixed chunks of policies.  threads = 0: every core.
std::unique_ptr<GridBackend> make_grid_cpu_backend(int threads);

/// The CUDA backend (kernels/grid_cuda.cu): the candidate columns resident on the device, a group of
/// lanes_per_policy lanes (8, 16 or 32; 0: chosen from the grid's mean candidate count) per policy.
/// Throws DeviceError when no GPU is usable or the grid does not fit (a build without CUDA: always).
std::unique_ptr<GridBackend> make_grid_cuda_backend(int lanes_per_policy = 0);

/// The terms of row `row` of policy i into out (size terms), computed as the backends do.
void grid_row_terms(const GridBook& grid, size_t i, size_t row, double* out);

}  // namespace rateopt
