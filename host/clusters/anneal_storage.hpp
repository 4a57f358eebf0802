// The annealer's storage and runs: the QUBO in symmetric compressed rows and the cluster moves, the
// CUDA launches (kernels/anneal_cuda.cu, only in builds with CUDA) and the CPU runs (anneal_cpu.cpp),
// both running anneal_math.hpp.  Free of the options code, so that tools/gpu_check builds with them alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rateopt/math/anneal_math.hpp"

namespace rateopt {

/// Owning storage behind anneal::QuboRows.
struct QuboRowStorage {
  int32_t n = 0;
  std::vector<int64_t> row_begin;
  std::vector<int32_t> neighbour;
  std::vector<double> weight, linear;
  anneal::QuboRows view() const { return {n, row_begin.data(), neighbour.data(), weight.data(), linear.data()}; }
};

/// Anneal `replicas` replicas on CUDA device 0 (a warp each); states come back replica-major (replicas × n),
/// equal to the CPU's.  Throws DeviceError on any CUDA failure (a build without CUDA:
/// host/optimise/backend/cuda_absent.cpp) and when a row repeats a neighbour (qubo_rows never does).
/// shared_cap > 0 caps the shared memory a block may use, so that tests reach the global-memory fallbacks.
void anneal_replicas_cuda(const QuboRowStorage& rows, double beta_hot, double beta_cold, int64_t sweeps, uint64_t seed,
                          int replicas, std::vector<uint8_t>& states, std::string& device_name, size_t shared_cap = 0);

/// The same on the CPU: OpenMP over replicas (threads 0 = every core).
void anneal_replicas_cpu(const QuboRowStorage& rows, double beta_hot, double beta_cold, int64_t sweeps, uint64_t seed,
                         int replicas, int threads, std::vector<uint8_t>& states);

/// Owning storage behind anneal::ClusterMoves.
struct ClusterMoveStorage {
  std::vector<int32_t> option_begin;
  std::vector<double> revenue, weight;
  double capacity = 0, penalty = 0;
  anneal::ClusterMoves view() const {
    return {static_cast<int32_t>(option_begin.size()) - 1,
            option_begin.data(),
            revenue.data(),
            weight.data(),
            capacity,
            penalty};
  }
};

/// One-hot re-pricing moves (anneal_math.hpp) for `replicas` replicas; choices come back replica-major
/// (replicas × clusters).  DeviceError on a CUDA failure (a build without CUDA: host/optimise/backend/cuda_absent.cpp).
/// shared_cap as for anneal_replicas_cuda.
void anneal_clusters_cuda(const ClusterMoveStorage& moves, double beta_hot, double beta_cold, int64_t sweeps,
                          uint64_t seed, int replicas, std::vector<int32_t>& choices, std::string& device_name,
                          size_t shared_cap = 0);
void anneal_clusters_cpu(const ClusterMoveStorage& moves, double beta_hot, double beta_cold, int64_t sweeps,
                         uint64_t seed, int replicas, int threads, std::vector<int32_t>& choices);

}  // namespace rateopt
