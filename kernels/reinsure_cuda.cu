// GPU risk evaluator for the reinsurance search (host/reinsure/reinsure_risk.hpp): the samples stay on the device;
// each trial retention forms base + min(marginal, d) in one kernel, then
//   cvar:     a CUB radix sort gives VaR (the ⌈α·S⌉-th value) and a device reduction the mean excess;
//   variance: two device reductions (mean, then squared deviations).
// CUB reductions are deterministic run to run; only a few doubles come back per evaluation.
#include <cuda_runtime.h>

#include <cmath>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_reduce.cuh>
#include <limits>
#include <string>

#include "cuda_util.cuh"
#include "rateopt/errors.hpp"
#include "reinsure/reinsure_risk.hpp"

namespace rateopt {
namespace {

constexpr int kThreads = 256;

__global__ void retained_kernel(const double* base, const double* marginal, double retention, size_t n, double* out) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x)
    out[i] = base[i] + fmin(marginal[i], retention);
}

// values[i] − shift (the excess over VaR of the sorted tail, or the deviation from the mean), squared
// when asked.
__global__ void shifted_kernel(const double* values, double shift, bool square, size_t n, double* out) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const double d = values[i] - shift;
    out[i] = square ? d * d : d;
  }
}

using cuda_util::DeviceBuffer;

class CudaRiskEvaluator final : public RetainedRiskEvaluator {
 public:
  CudaRiskEvaluator(RiskMeasure measure, double alpha) : measure_(measure), alpha_(alpha) {}

  void load(const std::vector<double>& base, const std::vector<double>& marginal) override {
    const size_t n = base.size();
    if (n > static_cast<size_t>(std::numeric_limits<int>::max()))
      throw DeviceError("the GPU evaluator sorts at most 2^31 - 1 samples; use --device cpu");
    if (n != n_) {
      n_ = n;
            // release first so that a re-load of the same size never needs twice the memory
      for (DeviceBuffer<double>* b : {&base_, &marginal_, &values_, &sorted_}) *b = DeviceBuffer<double>();
      temp_ = DeviceBuffer<unsigned char>();
      base_ = DeviceBuffer<double>(n, "reinsurance samples");
      marginal_ = DeviceBuffer<double>(n, "reinsurance samples");
      values_ = DeviceBuffer<double>(n, "reinsurance samples");
      sorted_ = DeviceBuffer<double>(n, "reinsurance samples");
      sum_ = DeviceBuffer<double>(1, "a reduction result");
      size_t sort_bytes = 0, reduce_bytes = 0;
      RATEOPT_CUDA_CHECK(
          cub::DeviceRadixSort::SortKeys(nullptr, sort_bytes, values_.get(), sorted_.get(), static_cast<int>(n)));
      RATEOPT_CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, reduce_bytes, values_.get(), sum_.get(), n));
      temp_bytes_ = std::max(sort_bytes, reduce_bytes);
      temp_ = DeviceBuffer<unsigned char>(temp_bytes_, "sort workspace");
    }
    RATEOPT_CUDA_CHECK(cudaMemcpy(base_.get(), base.data(), n * sizeof(double), cudaMemcpyHostToDevice));
    RATEOPT_CUDA_CHECK(
        cudaMemcpy(marginal_.get(), marginal.data(), n * sizeof(double), cudaMemcpyHostToDevice));
  }

  double risk(double retention, double* var_out) override {
    const int blocks = static_cast<int>(std::min<size_t>((n_ + kThreads - 1) / kThreads, 65535));
    retained_kernel<<<blocks, kThreads>>>(base_.get(), marginal_.get(), retention, n_, values_.get());
    RATEOPT_CUDA_CHECK(cudaGetLastError());
    if (measure_ == RiskMeasure::cvar) {
      size_t bytes = temp_bytes_;
      RATEOPT_CUDA_CHECK(
          cub::DeviceRadixSort::SortKeys(temp_.get(), bytes, values_.get(), sorted_.get(), static_cast<int>(n_)));
      const size_t k = var_rank(n_, alpha_);
      double var = 0;
      RATEOPT_CUDA_CHECK(cudaMemcpy(&var, sorted_.get() + (k - 1), sizeof(double), cudaMemcpyDeviceToHost));
      const size_t above = n_ - k;  // values after VaR in sorted order
      double excess = 0;
      if (above > 0) {
        shifted_kernel<<<blocks, kThreads>>>(sorted_.get() + k, var, false, above, values_.get());
        RATEOPT_CUDA_CHECK(cudaGetLastError());
        excess = sum(values_.get(), above);
      }
      if (var_out) *var_out = var;
      return var + excess / ((1.0 - alpha_) * static_cast<double>(n_));
    }
    const double mean = sum(values_.get(), n_) / static_cast<double>(n_);
    shifted_kernel<<<blocks, kThreads>>>(values_.get(), mean, true, n_, sorted_.get());
    RATEOPT_CUDA_CHECK(cudaGetLastError());
    if (var_out) *var_out = std::numeric_limits<double>::quiet_NaN();
    return sum(sorted_.get(), n_) / static_cast<double>(n_);
  }

  std::string backend() const override { return "cuda"; }

 private:
  double sum(const double* values, size_t n) {
    size_t bytes = temp_bytes_;
    RATEOPT_CUDA_CHECK(cub::DeviceReduce::Sum(temp_.get(), bytes, values, sum_.get(), n));
    double s = 0;
    RATEOPT_CUDA_CHECK(cudaMemcpy(&s, sum_.get(), sizeof(double), cudaMemcpyDeviceToHost));
    return s;
  }

  RiskMeasure measure_;
  double alpha_;
  size_t n_ = 0, temp_bytes_ = 0;
  DeviceBuffer<double> base_, marginal_, values_, sorted_, sum_;
  DeviceBuffer<unsigned char> temp_;
};

}  // namespace

std::unique_ptr<RetainedRiskEvaluator> make_cuda_risk_evaluator(RiskMeasure measure, double alpha) {
  return std::make_unique<CudaRiskEvaluator>(measure, alpha);
}

}  // namespace rateopt
