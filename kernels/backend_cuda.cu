// CUDA backend: the book resident on the device, one fused kernel per pass.
//
// Policies are stored grouped by fairness group and cut into chunks that never straddle a group, so
// every thread block adds contributions in the compact layout of policy_passes.hpp (five global
// entries and its group's three).  Each block reduces its chunk with CUB warp reductions in a fixed
// order and writes one record; a fold kernel then adds the records of each group in chunk order.
// Results are deterministic run to run, and only (groups × record) doubles come back per pass.
#include <cuda_runtime.h>

#include <algorithm>
#include <cub/warp/warp_reduce.cuh>
#include <numeric>
#include <string>
#include <vector>

#include "optimise/backend/backend.hpp"
#include "cuda_util.cuh"
#include "rateopt/errors.hpp"
#include "rateopt/math/policy_passes.hpp"

namespace rateopt {
namespace {

namespace b = math::basis;
using cuda_util::bytes_text;
using cuda_util::DeviceBuffer;

constexpr int kCompact = b::global_count + b::per_group;  // 8 entries a policy touches
constexpr int kTriangle = kCompact * (kCompact + 1) / 2;  // upper triangle of the 8×8 curvature
// One record per chunk (and per group after the fold).
constexpr int kTerms = 0;
constexpr int kR = kTerms + kCompact;
constexpr int kCurvature = kR + kCompact;
constexpr int kH = kCurvature + kTriangle;
constexpr int kGdg = kH + 1;
constexpr int kMaxGradient = kGdg + 1;
constexpr int kFree = kMaxGradient + 1;
constexpr int kRecord = kFree + 1;

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
// 2,048 policies a block (8 per thread): 489 blocks at N = 1e6, enough to fill an H100's 132 SMs at
// two blocks each, while the per-block records (56 doubles) stay under 0.3% of a pass's traffic.
constexpr int64_t kChunk = 2048;

enum Mode : int { kEvaluate = 0, kArgmax = 1, kNewtonSystem = 2, kNewtonTrial = 3 };

/// Device view of the prepared book (already permuted into group order).
struct DevicePolicies {
  const double *wtc, *wc, *we, *wr, *wv, *d0, *d1, *lb, *ub;
  const int64_t* chunk_begin;  // n_chunks + 1 offsets
  const int* chunk_group;      // −1 when the basis has no groups
  math::DemandKind demand;
};

struct MaxOp {
  __device__ double operator()(double a, double c) const { return fmax(a, c); }
};

/// One thread's running sums in the record layout.
struct ThreadSums {
  double v[kRecord];
  __device__ void add_terms(const double* t8) {
    for (int a = 0; a < kCompact; ++a) v[kTerms + a] += t8[a];
  }
  __device__ void add_h(double h) { v[kH] += h; }
  __device__ void add_curvature(const double* j8, double inv_delta, double g) {
    int t = kCurvature;
    for (int a = 0; a < kCompact; ++a) {
      const double ja = j8[a] * inv_delta;
      v[kR + a] += ja * g;
      for (int c = a; c < kCompact; ++c) v[t++] += ja * j8[c];
    }
  }
  __device__ void add_newton_scalars(double g2_over_delta, double scaled_gradient) {
    v[kGdg] += g2_over_delta;
    v[kMaxGradient] = fmax(v[kMaxGradient], scaled_gradient);
  }
  __device__ void count_free() { v[kFree] += 1.0; }
};

// Entries a mode fills (the rest stay zero and are not reduced).
__host__ __device__ constexpr int record_end(int mode) {
  return mode == kEvaluate || mode == kNewtonTrial ? kR : kRecord;
}

template <int MODE>
__global__ void __launch_bounds__(kThreads, 2)
    pass_kernel(DevicePolicies p, const double* __restrict__ m, double* __restrict__ trial,
                const double* __restrict__ params, int K, double alpha, int want_curvature,
                double* __restrict__ records) {
  const int64_t begin = p.chunk_begin[blockIdx.x], end = p.chunk_begin[blockIdx.x + 1];
  const int group = p.chunk_group[blockIdx.x];
  const double* omega = params;
  const double* z = params + K;
  ThreadSums acc;
  for (int e = 0; e < kRecord; ++e) acc.v[e] = 0.0;
  for (int64_t i = begin + threadIdx.x; i < end; i += kThreads) {
    const math::PolicyData pd{math::PolicyCoefficients{p.wtc[i], p.wc[i], p.we[i], p.wr[i], p.wv[i]},
                              p.d0[i],
                              p.d1[i],
                              p.lb[i],
                              p.ub[i],
                              group};
    if (MODE == kEvaluate) math::pass_evaluate(p.demand, pd, m[i], acc);
    if (MODE == kArgmax) trial[i] = math::pass_argmax(p.demand, pd, omega, want_curvature != 0, acc);
    if (MODE == kNewtonSystem) math::pass_newton_system(p.demand, pd, omega, m[i], acc);
    if (MODE == kNewtonTrial) trial[i] = math::pass_newton_trial(p.demand, pd, omega, z, alpha, m[i], acc);
  }
  // Block reduction in a fixed order: CUB warp sums, then warp 0..7 added in order.
  using WarpReduce = cub::WarpReduce<double>;
  __shared__ typename WarpReduce::TempStorage storage[kWarps];
  __shared__ double warp_records[kWarps][kRecord];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  constexpr int used = record_end(MODE);
  for (int e = 0; e < used; ++e) {
    const double s = e == kMaxGradient ? WarpReduce(storage[warp]).Reduce(acc.v[e], MaxOp())
                                       : WarpReduce(storage[warp]).Sum(acc.v[e]);
    if (lane == 0) warp_records[warp][e] = s;
    __syncwarp();
  }
  __syncthreads();
  if (threadIdx.x < used) {
    const int e = threadIdx.x;
    double s = warp_records[0][e];
    for (int w = 1; w < kWarps; ++w) s = e == kMaxGradient ? fmax(s, warp_records[w][e]) : s + warp_records[w][e];
    records[static_cast<int64_t>(blockIdx.x) * kRecord + e] = s;
  }
}

// Adds the chunk records of each group slot in chunk order: one thread per (slot, entry).
__global__ void fold_kernel(const double* __restrict__ records, const int* __restrict__ chunk_slot, int n_chunks,
                            int n_slots, int used, double* __restrict__ folded) {
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= n_slots * used) return;
  const int slot = t / used, e = t % used;
  double s = 0.0;
  for (int c = 0; c < n_chunks; ++c) {
    if (chunk_slot[c] != slot) continue;
    const double v = records[static_cast<int64_t>(c) * kRecord + e];
    s = e == kMaxGradient ? fmax(s, v) : s + v;
  }
  folded[slot * kRecord + e] = s;
}

class CudaBackend final : public Backend {
 public:
  CudaBackend() {
    cudaDeviceProp prop;
    RATEOPT_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    name_ = prop.name;
  }
  std::string name() const override { return "cuda"; }
  std::string device_name() const override { return name_; }

  void upload(const PolicyArrays& pa) override {
    // a re-upload (a new scenario) first frees the previous book, so it is not counted against free memory
    columns_.clear();
    for (DeviceBuffer<double>* b : {&m_, &trial_, &records_, &folded_, &params_}) *b = DeviceBuffer<double>();
    chunk_begin_ = DeviceBuffer<int64_t>();
    chunk_group_ = DeviceBuffer<int>();
    chunk_slot_ = DeviceBuffer<int>();
    n_ = pa.size();
    K_ = pa.basis_size();
    n_groups_ = pa.n_groups;
    demand_ = pa.demand;
    // Group order (stable), and chunks that never straddle a group.
    order_.resize(n_);
    std::iota(order_.begin(), order_.end(), size_t{0});
    if (n_groups_ > 0)
      std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t c) { return pa.group[a] < pa.group[c]; });
    std::vector<int64_t> chunk_begin{0};
    std::vector<int> chunk_group, chunk_slot;
    for (size_t s = 0; s < n_;) {
      const int g = n_groups_ > 0 ? pa.group[order_[s]] : -1;
      size_t e = s;
      while (e < n_ && (n_groups_ > 0 ? pa.group[order_[e]] : -1) == g && static_cast<int64_t>(e - s) < kChunk) ++e;
      chunk_begin.push_back(static_cast<int64_t>(e));
      chunk_group.push_back(g);
      chunk_slot.push_back(g < 0 ? 0 : g);
      s = e;
    }
    n_chunks_ = static_cast<int>(chunk_group.size());
    n_slots_ = std::max(1, n_groups_);

    // Refuse up front, with sizes, a book that does not fit.
    const size_t need =
        n_ * (11 * sizeof(double)) + n_chunks_ * (kRecord * sizeof(double) + 2 * sizeof(int) + sizeof(int64_t));
    size_t free_bytes = 0, total_bytes = 0;
    RATEOPT_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    if (need > free_bytes)
      throw DeviceError("book of " + std::to_string(n_) + " policies needs " + bytes_text(need) +
                        " of device memory; " + bytes_text(free_bytes) + " free of " + bytes_text(total_bytes));

    auto permuted = [&](const std::vector<double>& v) {
      std::vector<double> out(n_);
      for (size_t i = 0; i < n_; ++i) out[i] = v[order_[i]];
      return out;
    };
    const std::vector<const std::vector<double>*> columns = {&pa.wtc, &pa.wc, &pa.we, &pa.wr, &pa.wv,
                                                             &pa.d0,  &pa.d1, &pa.lb, &pa.ub};
    columns_.clear();
    for (const auto* col : columns) {
      columns_.emplace_back(n_, "a policy column");
      columns_.back().upload(permuted(*col));
    }
    m_ = DeviceBuffer<double>(n_, "multipliers");
    trial_ = DeviceBuffer<double>(n_, "trial multipliers");
    m_.upload(permuted(pa.lb));
    chunk_begin_ = DeviceBuffer<int64_t>(chunk_begin.size(), "chunk offsets");
    chunk_begin_.upload(chunk_begin);
    chunk_group_ = DeviceBuffer<int>(chunk_group.size(), "chunk groups");
    chunk_group_.upload(chunk_group);
    chunk_slot_ = DeviceBuffer<int>(chunk_slot.size(), "chunk slots");
    chunk_slot_.upload(chunk_slot);
    records_ = DeviceBuffer<double>(static_cast<size_t>(n_chunks_) * kRecord, "block records");
    folded_ = DeviceBuffer<double>(static_cast<size_t>(n_slots_) * kRecord, "folded records");
    params_ = DeviceBuffer<double>(2 * static_cast<size_t>(K_), "prices");
    passes_ = 0;
  }

  void set_multipliers(const std::vector<double>& m) override {
    std::vector<double> permuted(n_);
    for (size_t i = 0; i < n_; ++i) permuted[i] = m[order_[i]];
    m_.upload(permuted);
  }
  void get_multipliers(std::vector<double>& m) override {
    std::vector<double> permuted;
    m_.download(permuted);
    m.assign(n_, 0.0);
    for (size_t i = 0; i < n_; ++i) m[order_[i]] = permuted[i];
  }
  int64_t passes() const override { return passes_; }
  void accept_trial() override { std::swap(m_, trial_); }

  void evaluate(PassSums& out) override { launch<kEvaluate>(nullptr, nullptr, 0.0, false, out); }
  void lagrangian_argmax(const std::vector<double>& omega, bool want_curvature, PassSums& out) override {
    launch<kArgmax>(&omega, nullptr, 0.0, want_curvature, out);
  }
  void newton_system(const std::vector<double>& omega, PassSums& out) override {
    launch<kNewtonSystem>(&omega, nullptr, 0.0, false, out);
  }
  void newton_trial(const std::vector<double>& omega, const std::vector<double>& z, double alpha,
                    PassSums& out) override {
    launch<kNewtonTrial>(&omega, &z, alpha, false, out);
  }

 private:
  DevicePolicies view() const {
    return DevicePolicies{columns_[0].get(), columns_[1].get(),  columns_[2].get(),  columns_[3].get(),
                          columns_[4].get(), columns_[5].get(),  columns_[6].get(),  columns_[7].get(),
                          columns_[8].get(), chunk_begin_.get(), chunk_group_.get(), demand_};
  }

  template <int MODE>
  void launch(const std::vector<double>* omega, const std::vector<double>* z, double alpha, bool want_curvature,
              PassSums& out) {
    ++passes_;
    std::vector<double> params(2 * static_cast<size_t>(K_), 0.0);
    if (omega) std::copy(omega->begin(), omega->end(), params.begin());
    if (z) std::copy(z->begin(), z->end(), params.begin() + K_);
    params_.upload(params);
    pass_kernel<MODE><<<n_chunks_, kThreads>>>(view(), m_.get(), trial_.get(), params_.get(), K_, alpha,
                                               want_curvature ? 1 : 0, records_.get());
    RATEOPT_CUDA_CHECK(cudaGetLastError());
    const int used = record_end(MODE);
    const int threads = n_slots_ * used;
    fold_kernel<<<(threads + 127) / 128, 128>>>(records_.get(), chunk_slot_.get(), n_chunks_, n_slots_, used,
                                                folded_.get());
    RATEOPT_CUDA_CHECK(cudaGetLastError());
    std::vector<double> folded;
    folded_.download(folded);
    expand(folded, used, out);
  }

  // Folded compact records → PassSums in the full basis layout, groups added in order.
  void expand(const std::vector<double>& folded, int used, PassSums& out) const {
    out.resize(K_);
    for (int slot = 0; slot < n_slots_; ++slot) {
      const double* rec = &folded[static_cast<size_t>(slot) * kRecord];
      int idx[kCompact];
      int n = b::global_count;
      for (int k = 0; k < b::global_count; ++k) idx[k] = k;
      if (n_groups_ > 0) {
        for (int k = 0; k < b::per_group; ++k) idx[n + k] = b::group_premium(slot) + k;
        n += b::per_group;
      }
      for (int a = 0; a < n; ++a) out.T[idx[a]] += rec[kTerms + a];
      if (used <= kR) continue;
      int t = kCurvature;
      for (int a = 0; a < kCompact; ++a) {
        if (a < n) out.r[idx[a]] += rec[kR + a];
        for (int c = a; c < kCompact; ++c, ++t) {
          if (a >= n || c >= n) continue;
          out.curvature[static_cast<size_t>(idx[a]) * K_ + idx[c]] += rec[t];
          if (c != a) out.curvature[static_cast<size_t>(idx[c]) * K_ + idx[a]] += rec[t];
        }
      }
      out.h_sum += rec[kH];
      out.g_dinv_g += rec[kGdg];
      out.max_projected_gradient = std::max(out.max_projected_gradient, rec[kMaxGradient]);
      out.n_free += static_cast<int64_t>(rec[kFree]);
    }
  }

  std::string name_;
  size_t n_ = 0;
  int K_ = 0, n_groups_ = 0, n_chunks_ = 0, n_slots_ = 1;
  math::DemandKind demand_ = math::DemandKind::log_linear;
  std::vector<size_t> order_;  // device position → book row
  std::vector<DeviceBuffer<double>> columns_;
  DeviceBuffer<double> m_, trial_, records_, folded_, params_;
  DeviceBuffer<int64_t> chunk_begin_;
  DeviceBuffer<int> chunk_group_, chunk_slot_;
  int64_t passes_ = 0;
};

}  // namespace

CudaDeviceProbe probe_cuda_device() {
  CudaDeviceProbe probe;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    probe.reason = std::string("no usable GPU: ") + cudaGetErrorString(err);
    return probe;
  }
  if (count == 0) {
    probe.reason = "no usable GPU: no CUDA device found";
    return probe;
  }
  cudaDeviceProp prop;
  err = cudaGetDeviceProperties(&prop, 0);
  if (err != cudaSuccess) {
    cudaGetLastError();
    probe.reason = std::string("no usable GPU: ") + cudaGetErrorString(err);
    return probe;
  }
  probe.name = prop.name;
  if (prop.major < 9) {
    probe.reason = "GPU " + probe.name + " is sm_" + std::to_string(prop.major) + std::to_string(prop.minor) +
                   "; rateopt's kernels are built for sm_90 and later";
    return probe;
  }
  // A context and a small allocation prove the device is not busy or in exclusive use elsewhere.
  void* p = nullptr;
  err = cudaMalloc(&p, 256);
  if (err != cudaSuccess) {
    cudaGetLastError();
    probe.reason = "GPU " + probe.name + " is not usable: " + cudaGetErrorString(err);
    return probe;
  }
  cudaFree(p);
  probe.usable = true;
  return probe;
}

std::unique_ptr<Backend> make_cuda_backend() { return std::make_unique<CudaBackend>(); }

}  // namespace rateopt
