// Simulated annealing on the GPU: one thread per replica running anneal_math.hpp (the very code the
// CPU path runs), states and local fields variable-major (x[k·replicas + r]) so that the threads of a
// warp, which visit the same variable together, touch consecutive addresses.  The QUBO rows are
// read-only and shared by every replica.
#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "clusters/anneal_storage.hpp"
#include "cuda_util.cuh"
#include "rateopt/math/anneal_math.hpp"

namespace rateopt {
namespace {

using cuda_util::DeviceBuffer;

__global__ void anneal_kernel(anneal::QuboRows q, double beta_hot, double beta_cold, int64_t sweeps, uint64_t seed,
                              int replicas, uint8_t* x, double* field) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= replicas) return;
  anneal::init_replica(q, seed, static_cast<uint64_t>(r), x + r, field + r, replicas);
  anneal::anneal_sweeps(q, beta_hot, beta_cold, 0, sweeps, sweeps, seed, static_cast<uint64_t>(r), x + r, field + r,
                        replicas);
}

__global__ void anneal_clusters_kernel(anneal::ClusterMoves m, double beta_hot, double beta_cold, int64_t sweeps,
                                       uint64_t seed, int replicas, int32_t* current, int32_t* best) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= replicas) return;
  double used = 0, value = 0, best_energy = INFINITY;
  anneal::init_cluster_replica(m, seed, static_cast<uint64_t>(r), current + r, replicas, used, value);
  anneal::anneal_cluster_sweeps(m, beta_hot, beta_cold, 0, sweeps, sweeps, seed, static_cast<uint64_t>(r), current + r,
                                best + r, replicas, used, value, best_energy);
}

template <class T>
DeviceBuffer<T> upload(const std::vector<T>& host, const char* what) {
  DeviceBuffer<T> d(host.size(), what);
  if (!host.empty()) d.upload(host);
  return d;
}

}  // namespace

void anneal_replicas_cuda(const QuboRowStorage& rows, double beta_hot, double beta_cold, int64_t sweeps, uint64_t seed,
                          int replicas, std::vector<uint8_t>& states, std::string& device_name) {
  cudaDeviceProp prop;
  RATEOPT_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  device_name = prop.name;
  const DeviceBuffer<int64_t> row_begin = upload(rows.row_begin, "QUBO rows");
  const DeviceBuffer<int32_t> neighbour = upload(rows.neighbour, "QUBO neighbours");
  const DeviceBuffer<double> weight = upload(rows.weight, "QUBO weights");
  const DeviceBuffer<double> linear = upload(rows.linear, "QUBO linear terms");
  const size_t cells = static_cast<size_t>(rows.n) * static_cast<size_t>(replicas);
  DeviceBuffer<uint8_t> x(cells, "replica states");
  DeviceBuffer<double> field(cells, "replica local fields");
  const anneal::QuboRows view{rows.n, row_begin.get(), neighbour.get(), weight.get(), linear.get()};
  constexpr int kThreads = 128;
  anneal_kernel<<<(replicas + kThreads - 1) / kThreads, kThreads>>>(view, beta_hot, beta_cold, sweeps, seed, replicas,
                                                                    x.get(), field.get());
  RATEOPT_CUDA_CHECK(cudaGetLastError());
  RATEOPT_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<uint8_t> variable_major;
  x.download(variable_major);
  states.assign(cells, 0);
  for (int32_t k = 0; k < rows.n; ++k)
    for (int r = 0; r < replicas; ++r)
      states[static_cast<size_t>(r) * rows.n + k] = variable_major[static_cast<size_t>(k) * replicas + r];
}

void anneal_clusters_cuda(const ClusterMoveStorage& moves, double beta_hot, double beta_cold, int64_t sweeps,
                          uint64_t seed, int replicas, std::vector<int32_t>& choices, std::string& device_name) {
  cudaDeviceProp prop;
  RATEOPT_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  device_name = prop.name;
  const DeviceBuffer<int32_t> option_begin = upload(moves.option_begin, "cluster option offsets");
  const DeviceBuffer<double> revenue = upload(moves.revenue, "cluster revenues");
  const DeviceBuffer<double> weight = upload(moves.weight, "cluster terminations");
  const int32_t n = static_cast<int32_t>(moves.option_begin.size()) - 1;
  const size_t cells = static_cast<size_t>(n) * static_cast<size_t>(replicas);
  DeviceBuffer<int32_t> current(cells, "replica choices");
  DeviceBuffer<int32_t> choice(cells, "replica best choices");
  const anneal::ClusterMoves view{n, option_begin.get(), revenue.get(), weight.get(), moves.capacity, moves.penalty};
  constexpr int kThreads = 128;
  anneal_clusters_kernel<<<(replicas + kThreads - 1) / kThreads, kThreads>>>(view, beta_hot, beta_cold, sweeps, seed,
                                                                             replicas, current.get(), choice.get());
  RATEOPT_CUDA_CHECK(cudaGetLastError());
  RATEOPT_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<int32_t> cluster_major;
  choice.download(cluster_major);
  choices.assign(cells, 0);
  for (int32_t i = 0; i < n; ++i)
    for (int r = 0; r < replicas; ++r)
      choices[static_cast<size_t>(r) * n + i] = cluster_major[static_cast<size_t>(i) * replicas + r];
}

}  // namespace rateopt
