// GPU risk evaluator for the reinsurance search (host/reinsure_risk.hpp): the samples stay on the device;
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

#include "rateopt/errors.hpp"
#include "reinsure_risk.hpp"

#define RATEOPT_REINSURE_CUDA_CHECK(call)                                                                         \
  do {                                                                                                            \
    const cudaError_t rateopt_err = (call);                                                                       \
    if (rateopt_err != cudaSuccess)                                                                               \
      throw ::rateopt::DeviceError(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " + #call + ": " + \
                                   cudaGetErrorName(rateopt_err) + " (" + cudaGetErrorString(rateopt_err) + ")"); \
  } while (0)

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

/// Move-only device allocation.
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(size_t bytes) {
    if (bytes == 0) return;
    const cudaError_t err = cudaMalloc(&ptr_, bytes);
    if (err != cudaSuccess) {
      cudaGetLastError();
      size_t free_bytes = 0, total = 0;
      cudaMemGetInfo(&free_bytes, &total);
      throw DeviceError("GPU out of memory for the reinsurance samples: asked " + std::to_string(bytes) + " bytes, " +
                        std::to_string(free_bytes) + " free");
    }
  }
  DeviceArray(DeviceArray&& o) noexcept : ptr_(o.ptr_) { o.ptr_ = nullptr; }
  DeviceArray& operator=(DeviceArray&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = o.ptr_;
      o.ptr_ = nullptr;
    }
    return *this;
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() { release(); }
  double* get() const { return static_cast<double*>(ptr_); }
  void* raw() const { return ptr_; }

 private:
  void release() {
    if (ptr_) cudaFree(ptr_);
    ptr_ = nullptr;
  }
  void* ptr_ = nullptr;
};

class CudaRiskEvaluator final : public RetainedRiskEvaluator {
 public:
  CudaRiskEvaluator(RiskMeasure measure, double alpha) : measure_(measure), alpha_(alpha) {}

  void load(const std::vector<double>& base, const std::vector<double>& marginal) override {
    const size_t n = base.size();
    if (n > static_cast<size_t>(std::numeric_limits<int>::max()))
      throw DeviceError("the GPU evaluator sorts at most 2^31 - 1 samples; use --device cpu");
    if (n != n_) {
      n_ = n;
      const size_t bytes = n * sizeof(double);
      // release first so that a re-load of the same size never needs twice the memory
      base_ = DeviceArray();
      marginal_ = DeviceArray();
      values_ = DeviceArray();
      sorted_ = DeviceArray();
      temp_ = DeviceArray();
      base_ = DeviceArray(bytes);
      marginal_ = DeviceArray(bytes);
      values_ = DeviceArray(bytes);
      sorted_ = DeviceArray(bytes);
      sum_ = DeviceArray(sizeof(double));
      size_t sort_bytes = 0, reduce_bytes = 0;
      RATEOPT_REINSURE_CUDA_CHECK(
          cub::DeviceRadixSort::SortKeys(nullptr, sort_bytes, values_.get(), sorted_.get(), static_cast<int>(n)));
      RATEOPT_REINSURE_CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, reduce_bytes, values_.get(), sum_.get(), n));
      temp_bytes_ = std::max(sort_bytes, reduce_bytes);
      temp_ = DeviceArray(temp_bytes_);
    }
    RATEOPT_REINSURE_CUDA_CHECK(cudaMemcpy(base_.raw(), base.data(), n * sizeof(double), cudaMemcpyHostToDevice));
    RATEOPT_REINSURE_CUDA_CHECK(
        cudaMemcpy(marginal_.raw(), marginal.data(), n * sizeof(double), cudaMemcpyHostToDevice));
  }

  double risk(double retention, double* var_out) override {
    const int blocks = static_cast<int>(std::min<size_t>((n_ + kThreads - 1) / kThreads, 65535));
    retained_kernel<<<blocks, kThreads>>>(base_.get(), marginal_.get(), retention, n_, values_.get());
    RATEOPT_REINSURE_CUDA_CHECK(cudaGetLastError());
    if (measure_ == RiskMeasure::cvar) {
      size_t bytes = temp_bytes_;
      RATEOPT_REINSURE_CUDA_CHECK(
          cub::DeviceRadixSort::SortKeys(temp_.raw(), bytes, values_.get(), sorted_.get(), static_cast<int>(n_)));
      const size_t k = var_rank(n_, alpha_);
      double var = 0;
      RATEOPT_REINSURE_CUDA_CHECK(cudaMemcpy(&var, sorted_.get() + (k - 1), sizeof(double), cudaMemcpyDeviceToHost));
      const size_t above = n_ - k;  // values after VaR in sorted order
      double excess = 0;
      if (above > 0) {
        shifted_kernel<<<blocks, kThreads>>>(sorted_.get() + k, var, false, above, values_.get());
        RATEOPT_REINSURE_CUDA_CHECK(cudaGetLastError());
        excess = sum(values_.get(), above);
      }
      if (var_out) *var_out = var;
      return var + excess / ((1.0 - alpha_) * static_cast<double>(n_));
    }
    const double mean = sum(values_.get(), n_) / static_cast<double>(n_);
    shifted_kernel<<<blocks, kThreads>>>(values_.get(), mean, true, n_, sorted_.get());
    RATEOPT_REINSURE_CUDA_CHECK(cudaGetLastError());
    if (var_out) *var_out = std::numeric_limits<double>::quiet_NaN();
    return sum(sorted_.get(), n_) / static_cast<double>(n_);
  }

  std::string backend() const override { return "cuda"; }

 private:
  double sum(const double* values, size_t n) {
    size_t bytes = temp_bytes_;
    RATEOPT_REINSURE_CUDA_CHECK(cub::DeviceReduce::Sum(temp_.raw(), bytes, values, sum_.get(), n));
    double s = 0;
    RATEOPT_REINSURE_CUDA_CHECK(cudaMemcpy(&s, sum_.get(), sizeof(double), cudaMemcpyDeviceToHost));
    return s;
  }

  RiskMeasure measure_;
  double alpha_;
  size_t n_ = 0, temp_bytes_ = 0;
  DeviceArray base_, marginal_, values_, sorted_, sum_, temp_;
};

}  // namespace

std::unique_ptr<RetainedRiskEvaluator> make_cuda_risk_evaluator(RiskMeasure measure, double alpha) {
  return std::make_unique<CudaRiskEvaluator>(measure, alpha);
}

}  // namespace rateopt
