// Simulated annealing on the GPU: a warp per replica running the steps of anneal_math.hpp that the CPU
// runs, in the same order.  Each step's decision (a flip's Metropolis test, a cluster move's test) is
// taken by every lane from the same values, so the lanes agree without talking; the work after it is
// spread over the lanes: an accepted flip's neighbour-field updates (each field updated once, with the
// CPU's expression, so every field holds the CPU's value after every step) and a cluster move's partner
// options (the least (energy, option) over the lanes is the CPU's first best option).  The QUBO rows or
// the cluster moves sit in shared memory when they fit beside the warps' states, else they are read
// from global memory; the states sit in shared memory when they fit, else in global scratch.  β of
// every sweep comes from the host (anneal::beta_at, the CPU's values).
#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "clusters/anneal_storage.hpp"
#include "cuda_util.cuh"
#include "rateopt/math/anneal_math.hpp"

namespace rateopt {
namespace {

using cuda_util::DeviceBuffer;

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xFFFFFFFFu;
constexpr int kMaxWarpsPerBlock = 8;

__host__ __device__ size_t round8(size_t bytes) { return (bytes + 7) / 8 * 8; }

/// Where the QUBO rows live during the run.
enum class RowPlace : int {
  shared_rows,   // row offsets, neighbours and weights copied to shared memory
  shared_dense,  // every row full (k's neighbours are 0..n−1 but k): only the weights, neighbours implied
  global_rows,   // read from global memory
};

struct QuboLaunch {
  anneal::QuboRows q;  // in global memory
  int64_t entries = 0;
  RowPlace place = RowPlace::global_rows;
  bool state_shared = true;
  int64_t state_bytes = 0;       // one warp's state in shared memory
  const double* beta = nullptr;  // per sweep
  int64_t sweeps = 0;
  uint64_t seed = 0;
  int replicas = 0;
  uint8_t* states = nullptr;  // replica-major out (and the states themselves without shared state)
  double* scratch = nullptr;  // 2n doubles a replica (fields, then the sweep's uniforms) without shared state
};

// Shared memory: [rows (place ≠ global_rows)] [warp 0's state] [warp 1's state] …; a state is n fields,
// n uniforms, then n bits.
__global__ void __launch_bounds__(kMaxWarpsPerBlock* kWarp) anneal_qubo_kernel(QuboLaunch a) {
  extern __shared__ double shared_words[];
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp, warps = blockDim.x / kWarp;
  const int32_t n = a.q.n;
  const bool dense = a.place == RowPlace::shared_dense;
  const double* weight = a.q.weight;
  const int32_t* neighbour = a.q.neighbour;
  const int64_t* row_begin = a.q.row_begin;
  char* cursor = reinterpret_cast<char*>(shared_words);
  if (a.place != RowPlace::global_rows) {
    double* w = reinterpret_cast<double*>(cursor);
    for (int64_t e = threadIdx.x; e < a.entries; e += blockDim.x) w[e] = a.q.weight[e];
    weight = w;
    cursor += 8 * a.entries;
    if (!dense) {
      int64_t* rb = reinterpret_cast<int64_t*>(cursor);
      for (int32_t k = threadIdx.x; k <= n; k += blockDim.x) rb[k] = a.q.row_begin[k];
      row_begin = rb;
      cursor += 8 * (static_cast<int64_t>(n) + 1);
      int32_t* nb = reinterpret_cast<int32_t*>(cursor);
      for (int64_t e = threadIdx.x; e < a.entries; e += blockDim.x) nb[e] = a.q.neighbour[e];
      neighbour = nb;
      cursor += round8(4 * a.entries);
    }
    __syncthreads();
  }
  const int r = blockIdx.x * warps + warp;
  if (r >= a.replicas) return;  // no block-wide barrier below
  double* field;
  uint8_t* x;
  if (a.state_shared) {
    field = reinterpret_cast<double*>(cursor + warp * a.state_bytes);
    x = reinterpret_cast<uint8_t*>(field + 2 * static_cast<int64_t>(n));
  } else {
    field = a.scratch + 2 * static_cast<int64_t>(n) * r;
    x = a.states + static_cast<int64_t>(n) * r;
  }
  double* u = field + n;
  const uint64_t replica = static_cast<uint64_t>(r);
  const uint64_t initial_key = anneal::sweep_key(a.seed, replica, anneal::kInitialSweep);
  for (int32_t k = lane; k < n; k += kWarp) x[k] = anneal::initial_bit(initial_key, k);
  __syncwarp();
  for (int32_t k = lane; k < n; k += kWarp) field[k] = anneal::initial_field(a.q, k, x, 1);
  for (int64_t s = 0; s < a.sweeps; ++s) {
    const double beta = a.beta[s];
    const uint64_t key = anneal::sweep_key(a.seed, replica, static_cast<uint64_t>(s));
    // the sweep's random numbers up front, off the flips' critical path (the same values the CPU draws)
    for (int32_t k = lane; k < n; k += kWarp) u[k] = anneal::uniform(key, static_cast<uint64_t>(k));
    __syncwarp();
    for (int32_t k = 0; k < n; ++k) {
      const uint8_t xk = x[k];
      const double delta = anneal::flip_delta(xk, field[k]);
      const bool accept = anneal::metropolis_accept(delta, beta, [&] { return u[k]; });
      if (accept) {
        const double sign = xk ? -1.0 : 1.0;
        const int64_t begin = dense ? static_cast<int64_t>(k) * (n - 1) : row_begin[k];
        const int64_t end = dense ? begin + n - 1 : row_begin[k + 1];
        for (int64_t e = begin + lane; e < end; e += kWarp) {  // distinct neighbours: no two lanes share a field
          const int64_t j = e - begin;
          const int32_t l = dense ? static_cast<int32_t>(j < k ? j : j + 1) : neighbour[e];
          field[l] = anneal::field_after_flip(field[l], sign, weight[e]);
        }
      }
      __syncwarp();  // every lane has read x[k] and field[k]; the updated fields are visible to all
      if (accept && lane == 0) x[k] = xk ^ 1;
    }
  }
  __syncwarp();
  if (a.state_shared)
    for (int32_t k = lane; k < n; k += kWarp) a.states[static_cast<int64_t>(n) * r + k] = x[k];
}

struct ClusterLaunch {
  anneal::ClusterMoves m;  // in global memory
  int32_t options = 0;     // option_begin[n_clusters]
  bool moves_shared = false, state_shared = true;
  const double* beta = nullptr;
  int64_t sweeps = 0;
  uint64_t seed = 0;
  int replicas = 0;
  int32_t* best = nullptr;     // replica-major out
  int32_t* scratch = nullptr;  // current choices, replica-major, without shared state
};

/// The least (energy, option) pair over the warp: the option the CPU's in-order scan keeps.
__device__ void warp_least(double& best_e, int32_t& best) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    const double other_e = __shfl_xor_sync(kFullMask, best_e, offset);
    const int32_t other = __shfl_xor_sync(kFullMask, best, offset);
    if (other_e < best_e || (other_e == best_e && other < best)) best_e = other_e, best = other;
  }
}

// Shared memory: [moves: option offsets, revenues, weights (when moves_shared)] [warp 0's current
// choices] [warp 0's best choices] [warp 1's …] ….
__global__ void __launch_bounds__(kMaxWarpsPerBlock* kWarp) anneal_clusters_kernel(ClusterLaunch a) {
  extern __shared__ double shared_words[];
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp, warps = blockDim.x / kWarp;
  anneal::ClusterMoves m = a.m;
  const int32_t n = m.n_clusters;
  char* cursor = reinterpret_cast<char*>(shared_words);
  if (a.moves_shared) {
    double* revenue = reinterpret_cast<double*>(cursor);
    double* weight = revenue + a.options;
    int32_t* option_begin = reinterpret_cast<int32_t*>(weight + a.options);
    for (int32_t o = threadIdx.x; o < a.options; o += blockDim.x)
      revenue[o] = a.m.revenue[o], weight[o] = a.m.weight[o];
    for (int32_t i = threadIdx.x; i <= n; i += blockDim.x) option_begin[i] = a.m.option_begin[i];
    m.revenue = revenue, m.weight = weight, m.option_begin = option_begin;
    cursor += 16 * static_cast<int64_t>(a.options) + round8(4 * (static_cast<size_t>(n) + 1));
    __syncthreads();
  }
  const int r = blockIdx.x * warps + warp;
  if (r >= a.replicas) return;  // no block-wide barrier below
  int32_t* best_choice = a.best + static_cast<int64_t>(n) * r;
  int32_t* choice = a.state_shared ? reinterpret_cast<int32_t*>(cursor) + 2 * static_cast<int64_t>(n) * warp
                                   : a.scratch + static_cast<int64_t>(n) * r;
  int32_t* best_seen = a.state_shared ? choice + n : best_choice;
  const uint64_t replica = static_cast<uint64_t>(r);
  double used = 0, value = 0;
  if (lane == 0) anneal::init_cluster_replica(m, a.seed, replica, choice, 1, used, value);  // sums in cluster order
  used = __shfl_sync(kFullMask, used, 0);
  value = __shfl_sync(kFullMask, value, 0);
  __syncwarp();
  double energy = -value + anneal::cluster_excess_penalty(m, used), best_energy = INFINITY;
  const auto remember = [&] {  // every lane, after a __syncwarp that follows the choices' last write
    if (!(energy < best_energy)) return;
    best_energy = energy;
    for (int32_t i = lane; i < n; i += kWarp) best_seen[i] = choice[i];
  };
  remember();
  for (int64_t s = 0; s < a.sweeps; ++s) {
    const double beta = a.beta[s];
    const uint64_t key = anneal::sweep_key(a.seed, replica, static_cast<uint64_t>(s));
    for (int32_t i = 0; i < n; ++i) {
      const int32_t begin = m.option_begin[i], options = m.option_begin[i + 1] - begin;
      if (options < 2) continue;
      anneal::ClusterProposal p = anneal::propose_cluster_move(m, key, i, begin, options, choice, 1, used, value);
      double best_e = INFINITY;
      int32_t best = 0;
      anneal::scan_partner_options(m, p, lane, kWarp, best_e, best);
      warp_least(best_e, best);
      const double new_energy = anneal::complete_cluster_move(m, p, best);
      const double delta = new_energy - energy;
      const bool accept = anneal::metropolis_accept(
          delta, beta, [&] { return anneal::uniform(key, 8 * static_cast<uint64_t>(i) + 4); });
      __syncwarp();  // every lane has read the choices of i and its partner
      if (accept) {
        if (lane == 0) {
          choice[i] = p.k;
          if (p.l >= 0) choice[p.l] = best;
        }
        used = p.used, value = p.value, energy = new_energy;
        __syncwarp();
        if (delta < 0) remember();
      }
    }
  }
  __syncwarp();
  if (a.state_shared)
    for (int32_t i = lane; i < n; i += kWarp) best_choice[i] = best_seen[i];
}

template <class T>
DeviceBuffer<T> upload(const std::vector<T>& host, const char* what) {
  DeviceBuffer<T> d(host.size(), what);
  if (!host.empty()) d.upload(host);
  return d;
}

/// β of every sweep, computed on the host by the CPU path's function.
DeviceBuffer<double> upload_betas(double beta_hot, double beta_cold, int64_t sweeps) {
  std::vector<double> beta(static_cast<size_t>(sweeps));
  for (int64_t s = 0; s < sweeps; ++s) beta[static_cast<size_t>(s)] = anneal::beta_at(beta_hot, beta_cold, s, sweeps);
  return upload(beta, "annealing schedule");
}

/// Shared memory a block may use: the device's opt-in limit, or `cap` when smaller (to test the fallbacks).
size_t shared_limit(size_t cap, std::string& device_name) {
  cudaDeviceProp prop;
  RATEOPT_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  device_name = prop.name;
  const size_t limit = prop.sharedMemPerBlockOptin;
  return cap > 0 && cap < limit ? cap : limit;
}

/// Every row k holds exactly the neighbours 0..n−1 but k, in order.
bool rows_are_dense(const QuboRowStorage& rows) {
  const int64_t n = rows.n;
  if (rows.row_begin.back() != n * (n - 1)) return false;
  for (int64_t k = 0; k < n; ++k)
    for (int64_t j = 0; j < n - 1; ++j)
      if (rows.neighbour[static_cast<size_t>(k * (n - 1) + j)] != (j < k ? j : j + 1)) return false;
  return true;
}

/// The fewest warps per block worth running, and the most that `limit` allows with `fixed` bytes of rows
/// plus `per_warp` bytes a warp; 0 when not even one fits.
int warps_fitting(size_t limit, size_t fixed, size_t per_warp) {
  if (fixed + per_warp > limit) return 0;
  return static_cast<int>(std::min<size_t>(kMaxWarpsPerBlock, (limit - fixed) / per_warp));
}

}  // namespace

void anneal_replicas_cuda(const QuboRowStorage& rows, double beta_hot, double beta_cold, int64_t sweeps, uint64_t seed,
                          int replicas, std::vector<uint8_t>& states, std::string& device_name, size_t shared_cap) {
  const size_t limit = shared_limit(shared_cap, device_name);
  const size_t cells = static_cast<size_t>(rows.n) * static_cast<size_t>(std::max(replicas, 0));
  states.assign(cells, 0);
  if (cells == 0) return;  // nothing to anneal: no empty grid launched
  // two lanes must never update one field, nor a lane the field its step is reading
  for (int32_t k = 0; k < rows.n; ++k)
    for (int64_t e = rows.row_begin[k]; e < rows.row_begin[k + 1]; ++e)
      if (rows.neighbour[e] == k || (e > rows.row_begin[k] && rows.neighbour[e] <= rows.neighbour[e - 1]))
        throw DeviceError("the GPU annealer needs each QUBO row's neighbours distinct, sorted and off the diagonal");
  const DeviceBuffer<int64_t> row_begin = upload(rows.row_begin, "QUBO rows");
  const DeviceBuffer<int32_t> neighbour = upload(rows.neighbour, "QUBO neighbours");
  const DeviceBuffer<double> weight = upload(rows.weight, "QUBO weights");
  const DeviceBuffer<double> linear = upload(rows.linear, "QUBO linear terms");
  const DeviceBuffer<double> beta = upload_betas(beta_hot, beta_cold, sweeps);
  DeviceBuffer<uint8_t> out(cells, "replica states");
  QuboLaunch a;
  a.q = {rows.n, row_begin.get(), neighbour.get(), weight.get(), linear.get()};
  a.entries = rows.row_begin.back();
  a.beta = beta.get(), a.sweeps = sweeps, a.seed = seed, a.replicas = replicas, a.states = out.get();
  const size_t n = static_cast<size_t>(rows.n), entries = static_cast<size_t>(a.entries);
  const size_t state_bytes = 16 * n + round8(n);
  const size_t row_bytes = 8 * entries + 8 * (n + 1) + round8(4 * entries), dense_bytes = 8 * entries;
  int warps = warps_fitting(limit, row_bytes, state_bytes);
  size_t fixed = row_bytes;
  a.place = RowPlace::shared_rows;
  if (warps == 0 && rows_are_dense(rows) && (warps = warps_fitting(limit, dense_bytes, state_bytes)) > 0) {
    a.place = RowPlace::shared_dense, fixed = dense_bytes;
  }
  if (warps == 0) a.place = RowPlace::global_rows, fixed = 0, warps = warps_fitting(limit, 0, state_bytes);
  DeviceBuffer<double> scratch;
  if (warps == 0) {
    a.state_shared = false, warps = kMaxWarpsPerBlock;
    scratch = DeviceBuffer<double>(2 * cells, "replica local fields");
    a.scratch = scratch.get();
  }
  a.state_bytes = static_cast<int64_t>(state_bytes);
  const size_t shared_bytes = fixed + (a.state_shared ? warps * state_bytes : 0);
  if (shared_bytes > 48 * 1024)
    RATEOPT_CUDA_CHECK(cudaFuncSetAttribute(anneal_qubo_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                            static_cast<int>(shared_bytes)));
  anneal_qubo_kernel<<<(replicas + warps - 1) / warps, warps * kWarp, shared_bytes>>>(a);
  RATEOPT_CUDA_CHECK(cudaGetLastError());
  RATEOPT_CUDA_CHECK(cudaDeviceSynchronize());
  out.download(states);
}

void anneal_clusters_cuda(const ClusterMoveStorage& moves, double beta_hot, double beta_cold, int64_t sweeps,
                          uint64_t seed, int replicas, std::vector<int32_t>& choices, std::string& device_name,
                          size_t shared_cap) {
  const size_t limit = shared_limit(shared_cap, device_name);
  const int32_t n = static_cast<int32_t>(moves.option_begin.size()) - 1;
  const size_t cells = static_cast<size_t>(std::max(n, 0)) * static_cast<size_t>(std::max(replicas, 0));
  choices.assign(cells, 0);
  if (cells == 0) return;
  const DeviceBuffer<int32_t> option_begin = upload(moves.option_begin, "cluster option offsets");
  const DeviceBuffer<double> revenue = upload(moves.revenue, "cluster revenues");
  const DeviceBuffer<double> weight = upload(moves.weight, "cluster terminations");
  const DeviceBuffer<double> beta = upload_betas(beta_hot, beta_cold, sweeps);
  DeviceBuffer<int32_t> best(cells, "replica best choices");
  ClusterLaunch a;
  a.m = {n, option_begin.get(), revenue.get(), weight.get(), moves.capacity, moves.penalty};
  a.options = moves.option_begin.back();
  a.beta = beta.get(), a.sweeps = sweeps, a.seed = seed, a.replicas = replicas, a.best = best.get();
  const size_t state_bytes = 8 * static_cast<size_t>(n);
  const size_t move_bytes = 16 * static_cast<size_t>(a.options) + round8(4 * (static_cast<size_t>(n) + 1));
  int warps = warps_fitting(limit, move_bytes, state_bytes);
  size_t fixed = move_bytes;
  a.moves_shared = warps > 0;
  if (warps == 0) fixed = 0, warps = warps_fitting(limit, 0, state_bytes);
  DeviceBuffer<int32_t> scratch;
  if (warps == 0) {
    a.state_shared = false, warps = kMaxWarpsPerBlock;
    scratch = DeviceBuffer<int32_t>(cells, "replica choices");
    a.scratch = scratch.get();
  }
  const size_t shared_bytes = fixed + (a.state_shared ? warps * state_bytes : 0);
  if (shared_bytes > 48 * 1024)
    RATEOPT_CUDA_CHECK(cudaFuncSetAttribute(anneal_clusters_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                            static_cast<int>(shared_bytes)));
  anneal_clusters_kernel<<<(replicas + warps - 1) / warps, warps * kWarp, shared_bytes>>>(a);
  RATEOPT_CUDA_CHECK(cudaGetLastError());
  RATEOPT_CUDA_CHECK(cudaDeviceSynchronize());
  best.download(choices);
}

}  // namespace rateopt
