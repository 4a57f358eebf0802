// CUDA helpers shared by the kernels: the error-check macro and move-only device buffers.
#pragma once

#include <cuda_runtime.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "rateopt/errors.hpp"

#define RATEOPT_CUDA_CHECK(call)                                                                                  \
  do {                                                                                                            \
    const cudaError_t rateopt_err = (call);                                                                       \
    if (rateopt_err != cudaSuccess)                                                                               \
      throw ::rateopt::DeviceError(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " + #call + ": " + \
                                   cudaGetErrorName(rateopt_err) + " (" + cudaGetErrorString(rateopt_err) + ")"); \
  } while (0)

namespace rateopt {
namespace cuda_util {

inline std::string bytes_text(size_t n) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(n) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

/// Move-only device allocation; out of memory is a DeviceError with the size asked for and free.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(size_t n, const char* what) : n_(n) {
    if (n == 0) return;
    const cudaError_t err = cudaMalloc(reinterpret_cast<void**>(&ptr_), n * sizeof(T));
    if (err != cudaSuccess) {
      size_t free_bytes = 0, total_bytes = 0;
      cudaGetLastError();
      cudaMemGetInfo(&free_bytes, &total_bytes);
      ptr_ = nullptr;
      throw DeviceError(std::string("device out of memory allocating ") + what + ": asked for " +
                        bytes_text(n * sizeof(T)) + ", " + bytes_text(free_bytes) + " free of " +
                        bytes_text(total_bytes) + " (" + cudaGetErrorString(err) + ")");
    }
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), n_(o.n_) { o.ptr_ = nullptr, o.n_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(n_, o.n_);
    return *this;
  }
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }
  T* get() const { return ptr_; }
  size_t size() const { return n_; }
  void upload(const std::vector<T>& host) { upload(host.data(), host.size()); }
  /// Copies count elements (at most size()) from host memory.
  void upload(const T* host, size_t count) {
    if (count > 0) RATEOPT_CUDA_CHECK(cudaMemcpy(ptr_, host, count * sizeof(T), cudaMemcpyHostToDevice));
  }
  void download(std::vector<T>& host) const {
    host.resize(n_);
    RATEOPT_CUDA_CHECK(cudaMemcpy(host.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
  }

 private:
  T* ptr_ = nullptr;
  size_t n_ = 0;
};

/// Move-only page-locked host allocation, so that copies to and from the device can be asynchronous.
template <class T>
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  PinnedBuffer(size_t n, const char* what) : n_(n) {
    if (n == 0) return;
    const cudaError_t err = cudaMallocHost(reinterpret_cast<void**>(&ptr_), n * sizeof(T));
    if (err != cudaSuccess) {
      cudaGetLastError();
      ptr_ = nullptr;
      throw DeviceError(std::string("cannot allocate page-locked host memory for ") + what + ": " +
                        bytes_text(n * sizeof(T)) + " (" + cudaGetErrorString(err) + ")");
    }
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  PinnedBuffer(PinnedBuffer&& o) noexcept : ptr_(o.ptr_), n_(o.n_) { o.ptr_ = nullptr, o.n_ = 0; }
  PinnedBuffer& operator=(PinnedBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(n_, o.n_);
    return *this;
  }
  ~PinnedBuffer() {
    if (ptr_) cudaFreeHost(ptr_);
  }
  T* get() const { return ptr_; }
  size_t size() const { return n_; }

 private:
  T* ptr_ = nullptr;
  size_t n_ = 0;
};

/// The sum of one value per thread of a block of THREADS threads (a power of two) by a fixed tree, so
/// the order of additions depends only on THREADS; part is THREADS doubles of shared memory.  Every
/// thread gets the sum.
template <int THREADS, class Combine>
__device__ double block_tree_fold(double v, double* part, Combine combine) {
  static_assert((THREADS & (THREADS - 1)) == 0, "the tree halves the block");
  part[threadIdx.x] = v;
  __syncthreads();
  for (int width = THREADS / 2; width > 0; width /= 2) {
    if (static_cast<int>(threadIdx.x) < width)
      part[threadIdx.x] = combine(part[threadIdx.x], part[threadIdx.x + width]);
    __syncthreads();
  }
  return part[0];
}
template <int THREADS>
__device__ double block_tree_sum(double v, double* part) {
  return block_tree_fold<THREADS>(v, part, [](double a, double b) { return a + b; });
}

}  // namespace cuda_util
}  // namespace rateopt
