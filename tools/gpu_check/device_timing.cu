// The copy ceiling for tools/gpu_check: device-to-device copies timed with CUDA events.
#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "../../kernels/cuda_util.cuh"
#include "device_timing.hpp"

double device_copy_seconds(size_t bytes, int reps) {
  using rateopt::cuda_util::DeviceBuffer;
  DeviceBuffer<unsigned char> from(bytes, "copy source"), to(bytes, "copy target");
  RATEOPT_CUDA_CHECK(cudaMemset(from.get(), 1, bytes));
  cudaEvent_t start, stop;
  RATEOPT_CUDA_CHECK(cudaEventCreate(&start));
  RATEOPT_CUDA_CHECK(cudaEventCreate(&stop));
  std::vector<float> ms;
  for (int i = 0; i <= reps; ++i) {
    RATEOPT_CUDA_CHECK(cudaEventRecord(start));
    RATEOPT_CUDA_CHECK(cudaMemcpy(to.get(), from.get(), bytes, cudaMemcpyDeviceToDevice));
    RATEOPT_CUDA_CHECK(cudaEventRecord(stop));
    RATEOPT_CUDA_CHECK(cudaEventSynchronize(stop));
    float t = 0;
    RATEOPT_CUDA_CHECK(cudaEventElapsedTime(&t, start, stop));
    if (i > 0) ms.push_back(t);  // the first is the warm-up
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  return 1e-3 * ms[ms.size() / 2];
}
