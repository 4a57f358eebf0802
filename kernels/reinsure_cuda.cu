// GPU risk evaluator for the reinsurance search (host/reinsure/reinsure_risk.hpp).  Every line's samples
// go to the device once (set_lines); a load forms base = Σ_{i ≠ marginal} min(X_i, d_i) on the device, in
// line order (the CPU evaluator's doubles); each trial retention then forms base + min(marginal, d) and
//   cvar:     takes the tail threshold from a fixed subsample exactly as the CPU does (the same samples,
//             sorted here), keeps the values at or above it (CUB select), radix-sorts only those, reads
//             VaR at its rank among them and reduces the excess over it (every value when the threshold
//             keeps too few, or the tail is not small: as on the CPU);
//   variance: two device reductions (mean, then squared deviations).
// VaR is an order statistic, so it is the CPU's to the bit; the sums differ from the CPU's only in the
// order of their additions.  CUB's reductions are deterministic run to run; a few doubles come back per
// evaluation.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_reduce.cuh>
#include <cub/device/device_select.cuh>
#include <limits>
#include <string>

#include "cuda_util.cuh"
#include "rateopt/errors.hpp"
#include "reinsure/reinsure_risk.hpp"

namespace rateopt {
namespace {

constexpr int kThreads = 256;
// The CPU evaluator's subsample size for the tail threshold (host/reinsure/sample_risk.hpp).
constexpr size_t kSubsample = size_t{1} << 16;

int blocks_for(size_t n) {
  return static_cast<int>(std::max<size_t>(1, std::min<size_t>((n + kThreads - 1) / kThreads, 65535)));
}

// base[s] = Σ_{i ≠ marginal} min(X_i[s], d_i), added in line order from 0 as on the CPU.
__global__ void base_kernel(const double* lines, const double* d, int n_lines, int marginal, size_t n, double* base) {
  for (size_t s = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; s < n;
       s += static_cast<size_t>(gridDim.x) * blockDim.x) {
    double b = 0.0;
    for (int i = 0; i < n_lines; ++i) {
      if (i == marginal) continue;
      const double x = lines[static_cast<size_t>(i) * n + s], cap = d[i];
      b += cap < x ? cap : x;  // std::min(x, cap)
    }
    base[s] = b;
  }
}

__global__ void retained_kernel(const double* base, const double* marginal, double retention, size_t n, double* out) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x)
    out[i] = base[i] + (retention < marginal[i] ? retention : marginal[i]);  // std::min(marginal, retention)
}

// Every stride-th value: the CPU evaluator's subsample.
__global__ void gather_kernel(const double* values, size_t stride, size_t count, double* out) {
  for (size_t j = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; j < count;
       j += static_cast<size_t>(gridDim.x) * blockDim.x)
    out[j] = values[j * stride];
}

// values[i] − *shift (the excess over VaR of the sorted tail, or the deviation from the mean), squared
// when asked; the shift is read on the device, so VaR needs no trip to the host first.
__global__ void shifted_kernel(const double* values, const double* shift, bool square, size_t n, double* out) {
  const double c = *shift;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const double d = values[i] - c;
    out[i] = square ? d * d : d;
  }
}

struct AtLeast {
  const double* threshold;
  __device__ bool operator()(double v) const { return v >= *threshold; }
};

using cuda_util::DeviceBuffer;

class CudaRiskEvaluator final : public RetainedRiskEvaluator {
 public:
  CudaRiskEvaluator(RiskMeasure measure, double alpha) : measure_(measure), alpha_(alpha) {}

  void set_lines(const std::vector<std::vector<double>>& loss) override {
    const size_t n = loss.empty() ? 0 : loss[0].size();
    if (n == 0) throw DeviceError("the GPU evaluator needs at least one sample");
    if (n > static_cast<size_t>(std::numeric_limits<int>::max()))
      throw DeviceError("the GPU evaluator sorts at most 2^31 - 1 samples; use --device cpu");
    n_ = n;
    n_lines_ = static_cast<int>(loss.size());
    // release first so that a second set of lines never needs twice the memory
    for (DeviceBuffer<double>* b : {&lines_, &base_, &values_, &kept_, &sorted_, &sub_, &d_, &scalars_})
      *b = DeviceBuffer<double>();
    temp_ = DeviceBuffer<unsigned char>();
    lines_ = DeviceBuffer<double>(n * loss.size(), "reinsurance samples");
    for (size_t i = 0; i < loss.size(); ++i) {
      if (loss[i].size() != n) throw DeviceError("reinsurance lines of different lengths");
      RATEOPT_CUDA_CHECK(cudaMemcpy(lines_.get() + i * n, loss[i].data(), n * sizeof(double), cudaMemcpyHostToDevice));
    }
    base_ = DeviceBuffer<double>(n, "reinsurance samples");
    values_ = DeviceBuffer<double>(n, "reinsurance samples");
    kept_ = DeviceBuffer<double>(n, "reinsurance samples");
    sorted_ = DeviceBuffer<double>(n, "reinsurance samples");
    sub_ = DeviceBuffer<double>(2 * std::min(kSubsample, n), "tail subsample");
    d_ = DeviceBuffer<double>(loss.size(), "retentions");
    scalars_ = DeviceBuffer<double>(1, "a reduction result");
    count_ = DeviceBuffer<int>(1, "a selection count");
    const int ni = static_cast<int>(n);
    size_t sort_bytes = 0, reduce_bytes = 0, select_bytes = 0;
    RATEOPT_CUDA_CHECK(cub::DeviceRadixSort::SortKeys(nullptr, sort_bytes, values_.get(), sorted_.get(), ni));
    RATEOPT_CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, reduce_bytes, values_.get(), scalars_.get(), n));
    RATEOPT_CUDA_CHECK(cub::DeviceSelect::If(nullptr, select_bytes, values_.get(), kept_.get(), count_.get(), ni,
                                             AtLeast{sorted_.get()}));
    temp_bytes_ = std::max({sort_bytes, reduce_bytes, select_bytes});
    temp_ = DeviceBuffer<unsigned char>(temp_bytes_, "sort workspace");
  }

  void load(const std::vector<double>& d, size_t marginal) override {
    RATEOPT_CUDA_CHECK(cudaMemcpy(d_.get(), d.data(), d.size() * sizeof(double), cudaMemcpyHostToDevice));
    base_kernel<<<blocks_for(n_), kThreads>>>(lines_.get(), d_.get(), n_lines_, static_cast<int>(marginal), n_,
                                              base_.get());
    RATEOPT_CUDA_CHECK(cudaGetLastError());
    marginal_ = lines_.get() + marginal * n_;
  }

  double risk(double retention, double* var_out) override {
    retained_kernel<<<blocks_for(n_), kThreads>>>(base_.get(), marginal_, retention, n_, values_.get());
    RATEOPT_CUDA_CHECK(cudaGetLastError());
    if (measure_ == RiskMeasure::cvar) {
      double var = 0;
      const double excess = tail_excess(var);
      if (var_out) *var_out = var;
      return var + excess / ((1.0 - alpha_) * static_cast<double>(n_));
    }
    const double mean = sum(values_.get(), n_) / static_cast<double>(n_);
    RATEOPT_CUDA_CHECK(cudaMemcpy(d_.get(), &mean, sizeof(double), cudaMemcpyHostToDevice));
    shifted_kernel<<<blocks_for(n_), kThreads>>>(values_.get(), d_.get(), true, n_, kept_.get());
    RATEOPT_CUDA_CHECK(cudaGetLastError());
    if (var_out) *var_out = std::numeric_limits<double>::quiet_NaN();
    return sum(kept_.get(), n_) / static_cast<double>(n_);
  }

  std::string backend() const override { return "cuda"; }

 private:
  /// The values at or above the subsample's threshold (as the CPU evaluator chooses it) into kept_;
  /// their count, or 0 when the tail is not small or the threshold keeps too few.
  size_t select_tail(size_t tail) {
    const size_t sub_size = std::min(kSubsample, n_ / 8);
    if (!(n_ >= 4096 && tail * 16 < n_)) return 0;
    const size_t stride = n_ / sub_size;
    gather_kernel<<<blocks_for(sub_size), kThreads>>>(values_.get(), stride, sub_size, sub_.get());
    RATEOPT_CUDA_CHECK(cudaGetLastError());
    double* sub_sorted = sub_.get() + sub_size;
    size_t bytes = temp_bytes_;
    RATEOPT_CUDA_CHECK(
        cub::DeviceRadixSort::SortKeys(temp_.get(), bytes, sub_.get(), sub_sorted, static_cast<int>(sub_size)));
    const double keep = std::min(1.0, (2.0 * tail + 8.0 * std::sqrt(static_cast<double>(tail)) + 256.0) / n_);
    const size_t at = static_cast<size_t>((1.0 - keep) * static_cast<double>(sub_size - 1));
    bytes = temp_bytes_;
    RATEOPT_CUDA_CHECK(cub::DeviceSelect::If(temp_.get(), bytes, values_.get(), kept_.get(), count_.get(),
                                             static_cast<int>(n_), AtLeast{sub_sorted + at}));
    int count = 0;
    RATEOPT_CUDA_CHECK(cudaMemcpy(&count, count_.get(), sizeof(int), cudaMemcpyDeviceToHost));
    return static_cast<size_t>(count) >= tail ? static_cast<size_t>(count) : 0;
  }

  /// VaR (into var) and Σ (v − VaR) over the values above it in sorted order.
  double tail_excess(double& var) {
    const size_t k = var_rank(n_, alpha_), tail = n_ - k + 1;
    size_t count = select_tail(tail);
    const double* candidates = kept_.get();
    if (count == 0) count = n_, candidates = values_.get();
    size_t bytes = temp_bytes_;
    RATEOPT_CUDA_CHECK(
        cub::DeviceRadixSort::SortKeys(temp_.get(), bytes, candidates, sorted_.get(), static_cast<int>(count)));
    const double* var_at = sorted_.get() + (count - tail);
    RATEOPT_CUDA_CHECK(cudaMemcpy(&var, var_at, sizeof(double), cudaMemcpyDeviceToHost));
    const size_t above = tail - 1;
    if (above == 0) return 0.0;
    shifted_kernel<<<blocks_for(above), kThreads>>>(var_at + 1, var_at, false, above, kept_.get());
    RATEOPT_CUDA_CHECK(cudaGetLastError());
    return sum(kept_.get(), above);
  }

  double sum(const double* values, size_t n) {
    size_t bytes = temp_bytes_;
    RATEOPT_CUDA_CHECK(cub::DeviceReduce::Sum(temp_.get(), bytes, values, scalars_.get(), n));
    double s = 0;
    RATEOPT_CUDA_CHECK(cudaMemcpy(&s, scalars_.get(), sizeof(double), cudaMemcpyDeviceToHost));
    return s;
  }

  RiskMeasure measure_;
  double alpha_;
  size_t n_ = 0, temp_bytes_ = 0;
  int n_lines_ = 0;
  const double* marginal_ = nullptr;
  DeviceBuffer<double> lines_, base_, values_, kept_, sorted_, sub_, d_, scalars_;
  DeviceBuffer<int> count_;
  DeviceBuffer<unsigned char> temp_;
};

}  // namespace

std::unique_ptr<RetainedRiskEvaluator> make_cuda_risk_evaluator(RiskMeasure measure, double alpha) {
  return std::make_unique<CudaRiskEvaluator>(measure, alpha);
}

}  // namespace rateopt
