// Host/device annotation shared by the CPU backend and the CUDA kernels.
#pragma once

#if defined(__CUDACC__)
#define RATEOPT_HD __host__ __device__ __forceinline__
#else
#define RATEOPT_HD inline
#endif
