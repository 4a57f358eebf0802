// The grid's CPU backend: OpenMP over fixed chunks of policies, partial sums added in chunk order so
// the answer does not depend on the number of threads.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "grid/grid_backend.hpp"
#include "rateopt/math/grid_math.hpp"

namespace rateopt {

namespace {

constexpr size_t kChunk = 4096;

class GridCpuBackend final : public GridBackend {
 public:
  explicit GridCpuBackend(int threads) : threads_(threads > 0 ? threads : omp_get_max_threads()) {}
  std::string name() const override { return "cpu"; }
  std::string device_name() const override { return std::to_string(threads_) + " CPU threads"; }
  int terms() const override { return terms_; }
  int64_t passes() const override { return passes_; }

  void upload(const GridBook& grid) override {
    g_ = &grid;
    terms_ = math::grid_term::first_extra + static_cast<int>(grid.extra.size());
    chunks_ = (grid.policies() + kChunk - 1) / kChunk;
    partial_.assign(chunks_ * static_cast<size_t>(terms_ + 1), 0.0);
    passes_ = 0;
  }

  GridPass argmax(const std::vector<double>& omega, std::vector<int32_t>* choice,
                  std::vector<double>* runner_up_gap) override {
    const GridBook& g = *g_;
    const size_t n = g.policies(), T = static_cast<size_t>(terms_);
    if (choice) choice->resize(n);
    if (runner_up_gap) runner_up_gap->resize(n);
    const auto chunks = static_cast<int64_t>(chunks_);
    const int team = static_cast<int>(std::min<int64_t>(threads_, chunks));
#pragma omp parallel for schedule(dynamic, 1) num_threads(team) if (team > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      double* part = &partial_[static_cast<size_t>(c) * (T + 1)];
      std::fill(part, part + T + 1, 0.0);
      std::vector<double> phi(T);
      const size_t first = static_cast<size_t>(c) * kChunk, last = std::min(n, first + kChunk);
      for (size_t i = first; i < last; ++i) {
        const GridBest pick = grid_policy_best(g, i, omega.data(), [](size_t) { return true; });
        const size_t best_row = pick.row;
        const double best = pick.best, second = pick.second;
        part[T] += best;
        grid_row_terms(g, i, best_row, phi.data());
        for (size_t t = 0; t < T; ++t) part[t] += phi[t];
        if (choice) (*choice)[i] = static_cast<int32_t>(best_row);
        if (runner_up_gap) (*runner_up_gap)[i] = best - second;
      }
    }
    ++passes_;
    GridPass out;
    out.sums.assign(T, 0.0);
    for (size_t c = 0; c < chunks_; ++c) {
      const double* part = &partial_[c * (T + 1)];
      for (size_t t = 0; t < T; ++t) out.sums[t] += part[t];
      out.value += part[T];
    }
    return out;
  }

  std::vector<double> term_magnitudes() override {
    const GridBook& g = *g_;
    const size_t T = static_cast<size_t>(terms_);
    std::vector<double> total(T, 0.0), phi(T), most(T);
    for (size_t i = 0; i < g.policies(); ++i) {
      std::fill(most.begin(), most.end(), 0.0);
      for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r) {
        grid_row_terms(g, i, r, phi.data());
        for (size_t t = 0; t < T; ++t) most[t] = std::max(most[t], std::fabs(phi[t]));
      }
      for (size_t t = 0; t < T; ++t) total[t] += most[t];
    }
    return total;
  }

 private:
  int threads_;
  const GridBook* g_ = nullptr;
  int terms_ = math::grid_term::first_extra;
  size_t chunks_ = 0;
  std::vector<double> partial_;
  int64_t passes_ = 0;
};

}  // namespace

void grid_row_terms(const GridBook& g, size_t i, size_t r, double* out) {
  math::grid_fixed_terms(grid_candidate(g, i, r), out);
  for (size_t k = 0; k < g.extra.size(); ++k) out[math::grid_term::first_extra + k] = g.weight[i] * g.extra[k].at(i, r);
}

std::unique_ptr<GridBackend> make_grid_cpu_backend(int threads) { return std::make_unique<GridCpuBackend>(threads); }

}  // namespace rateopt
