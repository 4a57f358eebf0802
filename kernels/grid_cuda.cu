// CUDA backend of the price-grid mode (host/grid/grid_backend.hpp): the candidate columns resident on
// the device, one argmax kernel and one fold per pass, the per-candidate code of
// rateopt/math/grid_math.hpp that the CPU backend runs.
//
// Mapping: a group of W lanes (W = 8, 16 or 32, the smallest that holds a policy's mean candidate count)
// takes one policy; lane k reads rows first + k, first + k + W, … so a warp's loads of premium and
// demand are consecutive doubles (the rows of neighbouring policies are neighbours too), and the
// group's best, its row and the runner-up are combined by shuffles.  A thread per policy would read
// K strided rows per lane (one 8-byte word of every 32-byte sector used by a lane, and K of 11–101
// makes the lanes' trip counts differ); a warp per policy at K = 11 would leave 21 of 32 lanes idle
// and serialise one policy's dependent loads per warp step, hence the narrower groups for small K.
// Each warp takes 32 consecutive policies a round: one coalesced read of their offsets (and row
// windows, when the solve restricts passes to the rows able to win), then the groups in turn; the
// group's first lane writes the chosen candidate's fixed terms and its value to shared memory, and
// after the round lane e adds up entry e (fixed terms, constrained columns, the value) over the 32
// policies in policy order.  A block's warps are added in order into one record per 1,024-policy
// chunk and a fold kernel reduces each entry over the chunks with a fixed tree, so the sums depend
// only on the grid, never on launch timing.
//
// Compiled with --fmad=false (cmake/RateoptCuda.cmake) so that ω·φ of every candidate is the CPU's to
// the bit: the choices, ties (the earlier row) and runner-up gaps equal the CPU backend's.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cuda_util.cuh"
#include "grid/grid_backend.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/math/grid_math.hpp"

namespace rateopt {
namespace {

namespace term = math::grid_term;
using cuda_util::block_tree_sum;
using cuda_util::bytes_text;
using cuda_util::DeviceBuffer;
using cuda_util::PinnedBuffer;

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int64_t kChunk = 1024;  // policies a block: 977 blocks at N = 1e6, a record each
constexpr int kFoldThreads = 256;
constexpr int kLaneEntries = 2;  // record entries a lane adds up
constexpr int kMaxEntries = 32 * kLaneEntries;
constexpr int kMaxTerms = kMaxEntries - 1;  // the last entry is Σ max ω·φ
constexpr int kMaxExtra = kMaxTerms - term::first_extra;
constexpr int kStage = term::first_extra + 1;  // a staged policy: its fixed terms and its best value

__device__ int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/// A column held per row or per policy; absent (null) reads as 0, as GridColumn::at.
struct ColumnView {
  const double* values;
  int per_row;
  __device__ double at(int64_t policy, int64_t row) const {
    return values ? __ldg(values + (per_row ? row : policy)) : 0.0;
  }
};

struct DeviceGrid {
  const uint64_t* offset;  // n + 1
  const double *premium, *demand, *weight;
  const uint8_t* renewal;
  ColumnView loss_cost, expense;
  const ColumnView* extra;  // n_extra
  int n_extra;
  int64_t n;
};

/// The candidate of row r of policy i, as the CPU backend builds it.
__device__ math::GridCandidate candidate_at(const DeviceGrid& g, int64_t i, int64_t r) {
  return {__ldg(g.weight + i),  __ldg(g.premium + r), __ldg(g.demand + r),
          g.loss_cost.at(i, r), g.expense.at(i, r),   __ldg(g.renewal + i) != 0};
}

/// Entry e of the fixed terms, picked with compile-time indices (a run-time index would put out in
/// local memory).
__device__ double fixed_term(const double* out, int e) {
  double v = 0.0;
#pragma unroll
  for (int t = 0; t < term::first_extra; ++t)
    if (t == e) v = out[t];
  return v;
}

/// (best, row, second) of a row set merged with another's over disjoint rows: the larger best, the
/// earlier row on a tie, and the runner-up the larger of the winner's second and the loser's best.
__device__ void merge_best(double& best, int64_t& row, double& second, double o_best, int64_t o_row, double o_second) {
  if (o_best > best || (o_best == best && o_row < row)) {
    second = fmax(o_second, best);
    best = o_best;
    row = o_row;
  } else {
    second = fmax(second, o_best);
  }
}

/// Writes the block's record: its warps' entries added in warp order.
__device__ void write_block_record(const double (&warp_records)[kWarps][kMaxEntries], int entries, double* records) {
  __syncthreads();
  for (int e = threadIdx.x; e < entries; e += kThreads) {
    double s = warp_records[0][e];
    for (int w = 1; w < kWarps; ++w) s += warp_records[w][e];
    records[static_cast<int64_t>(blockIdx.x) * entries + e] = s;
  }
}

/// Per policy, the candidate maximising ω·φ (ties: the earlier row); per block, the entries (term sums
/// at the chosen rows, then Σ max) over its chunk.  choice and gap are written when non-null.
template <int W>
__global__ void __launch_bounds__(kThreads)
    grid_argmax_kernel(DeviceGrid g, const double* __restrict__ omega_in, int terms, const uint2* __restrict__ window,
                       int32_t* __restrict__ choice, double* __restrict__ gap, double* __restrict__ records) {
  static_assert(W == 8 || W == 16 || W == 32, "a policy's lanes are a power of two within a warp");
  constexpr int kGroups = 32 / W;  // policies a warp takes at once
  __shared__ double omega[kMaxTerms];
  __shared__ ColumnView extra[kMaxExtra];
  __shared__ double stage[kWarps][32][kStage];
  __shared__ int64_t stage_row[kWarps][32];
  __shared__ double warp_records[kWarps][kMaxEntries];
  for (int t = threadIdx.x; t < terms; t += kThreads) omega[t] = omega_in[t];
  for (int q = threadIdx.x; q < g.n_extra; q += kThreads) extra[q] = g.extra[q];
  __syncthreads();
  const int64_t begin = blockIdx.x * kChunk, end = min64(g.n, begin + kChunk);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int k = lane % W, group = lane / W;
  double acc[kLaneEntries] = {};
  // warp-uniform trip counts: every lane reaches every shuffle and __syncwarp
  for (int64_t base = begin + warp * 32; base < end; base += kThreads) {
    // lane j reads policy base + j's rows (its window when passes are windowed), coalesced
    int64_t my_first = 0, my_last = 0;
    if (base + lane < end) {
      const int64_t j = base + lane;
      my_first = static_cast<int64_t>(g.offset[j]);
      if (window) {
        const uint2 w = window[j];
        my_last = my_first + w.y;
        my_first += w.x;
      } else {
        my_last = static_cast<int64_t>(g.offset[j + 1]);
      }
    }
    for (int step = 0; step < 32 / kGroups; ++step) {
      const int slot = step * kGroups + group;
      const int64_t i = base + slot;
      const int64_t first = __shfl_sync(0xffffffffu, my_first, slot), last = __shfl_sync(0xffffffffu, my_last, slot);
      double best = -INFINITY, second = -INFINITY;
      int64_t row = INT64_MAX;  // no row yet: loses every tie
      if (i < end && first < last) {
        const double w = __ldg(g.weight + i);
        const bool renewal = __ldg(g.renewal + i) != 0;
        const bool row_costs = g.loss_cost.per_row || g.expense.per_row;
        // costs held per policy (the usual case) put every candidate on one line, as on the CPU
        math::GridPriceLine line{};
        if (!row_costs) line = math::grid_price_line(omega, g.loss_cost.at(i, 0), g.expense.at(i, 0), renewal);
        for (int64_t r = first + k; r < last; r += W) {
          if (row_costs) line = math::grid_price_line(omega, g.loss_cost.at(i, r), g.expense.at(i, r), renewal);
          double extra_price = 0.0;  // Σ_q ω_q·col_q in column order, as the CPU adds it
          for (int q = 0; q < g.n_extra; ++q) extra_price += omega[term::first_extra + q] * extra[q].at(i, r);
          const double v = math::grid_price_on_line(line, w, __ldg(g.premium + r), __ldg(g.demand + r), extra_price);
          if (v > best) {
            second = best;
            best = v;
            row = r;
          } else if (v > second) {
            second = v;
          }
        }
      }
#pragma unroll
      for (int width = W / 2; width > 0; width /= 2) {
        const double o_best = __shfl_xor_sync(0xffffffffu, best, width, W);
        const int64_t o_row = __shfl_xor_sync(0xffffffffu, row, width, W);
        const double o_second = __shfl_xor_sync(0xffffffffu, second, width, W);
        merge_best(best, row, second, o_best, o_row, o_second);
      }
      if (k == 0) {
        double* staged = stage[warp][slot];
        if (i < end && first < last) {
          math::grid_fixed_terms(candidate_at(g, i, row), staged);
          staged[term::first_extra] = best;
          stage_row[warp][slot] = row;
          if (choice) choice[i] = static_cast<int32_t>(row);
          if (gap) gap[i] = best - second;
        } else {  // past the chunk's end, or an empty window: left out of the sums
          for (int t = 0; t < kStage; ++t) staged[t] = 0.0;
          stage_row[warp][slot] = -1;
          if (i < end && choice) choice[i] = -1;
          if (i < end && gap) gap[i] = INFINITY;
        }
      }
    }
    __syncwarp();
#pragma unroll
    for (int m = 0; m < kLaneEntries; ++m) {
      const int e = lane + 32 * m;
      if (e > terms) continue;
      for (int q = 0; q < 32; ++q) {
        const int64_t row = stage_row[warp][q];
        if (e < term::first_extra)
          acc[m] += stage[warp][q][e];
        else if (e == terms)
          acc[m] += stage[warp][q][term::first_extra];
        else if (row >= 0)
          acc[m] += __ldg(g.weight + base + q) * extra[e - term::first_extra].at(base + q, row);
      }
    }
    __syncwarp();
  }
#pragma unroll
  for (int m = 0; m < kLaneEntries; ++m)
    if (lane + 32 * m <= terms) warp_records[warp][lane + 32 * m] = acc[m];
  write_block_record(warp_records, terms + 1, records);
}

/// Per term, Σ_i max_j |φ_t(i, j)| over the block's chunk (entry `terms` stays 0): a warp a policy,
/// lane e scanning the rows for term e.  Once a solve, so simplicity over speed.
__global__ void __launch_bounds__(kThreads)
    grid_magnitudes_kernel(DeviceGrid g, int terms, double* __restrict__ records) {
  __shared__ double warp_records[kWarps][kMaxEntries];
  const int64_t begin = blockIdx.x * kChunk, end = min64(g.n, begin + kChunk);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  double acc[kLaneEntries] = {};
  for (int64_t i = begin + warp; i < end; i += kWarps) {
    const int64_t first = static_cast<int64_t>(g.offset[i]), last = static_cast<int64_t>(g.offset[i + 1]);
#pragma unroll
    for (int m = 0; m < kLaneEntries; ++m) {
      const int e = lane + 32 * m;
      if (e >= terms) continue;
      double most = 0.0;
      for (int64_t r = first; r < last; ++r) {
        double phi;
        if (e < term::first_extra) {
          double fixed[term::first_extra];
          math::grid_fixed_terms(candidate_at(g, i, r), fixed);
          phi = fixed_term(fixed, e);
        } else {
          phi = __ldg(g.weight + i) * g.extra[e - term::first_extra].at(i, r);
        }
        most = fmax(most, fabs(phi));
      }
      acc[m] += most;
    }
  }
#pragma unroll
  for (int m = 0; m < kLaneEntries; ++m)
    if (lane + 32 * m <= terms) warp_records[warp][lane + 32 * m] = lane + 32 * m < terms ? acc[m] : 0.0;
  write_block_record(warp_records, terms + 1, records);
}

/// One block per entry: the chunks' records strided over the threads, then a fixed tree.
__global__ void __launch_bounds__(kFoldThreads)
    grid_fold_kernel(const double* __restrict__ records, int chunks, int entries, double* __restrict__ folded) {
  __shared__ double part[kFoldThreads];
  const int e = blockIdx.x;
  double s = 0.0;
  for (int c = threadIdx.x; c < chunks; c += kFoldThreads) s += records[static_cast<int64_t>(c) * entries + e];
  s = block_tree_sum<kFoldThreads>(s, part);
  if (threadIdx.x == 0) folded[e] = s;
}

class GridCudaBackend final : public GridBackend {
 public:
  explicit GridCudaBackend(int lanes_per_policy) : lanes_asked_(lanes_per_policy) {
    if (lanes_per_policy != 0 && lanes_per_policy != 8 && lanes_per_policy != 16 && lanes_per_policy != 32)
      throw DeviceError("lanes per policy must be 0 (chosen from the grid), 8, 16 or 32");
    cudaDeviceProp prop;
    RATEOPT_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    name_ = prop.name;
  }
  std::string name() const override { return "cuda"; }
  std::string device_name() const override { return name_; }
  int terms() const override { return terms_; }
  int64_t passes() const override { return passes_; }

  void upload(const GridBook& grid) override {
    release();  // a re-upload does not count the previous grid against free memory
    const size_t n = grid.policies(), rows = grid.candidates(), q = grid.extra.size();
    if (static_cast<int>(q) > kMaxExtra)
      throw DeviceError("the grid constrains " + std::to_string(q) + " columns; the GPU backend takes at most " +
                        std::to_string(kMaxExtra));
    if (rows > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      throw DeviceError("the grid has " + std::to_string(rows) + " candidates; the GPU backend takes at most 2^31 - 1");
    n_ = static_cast<int64_t>(n);
    terms_ = term::first_extra + static_cast<int>(q);
    chunks_ = static_cast<int>((n + kChunk - 1) / kChunk);
    lanes_ = lanes_asked_ != 0 ? lanes_asked_ : lanes_for(n, rows);
    const auto column_size = [&](const GridColumn& c) { return c.present() ? (c.per_row ? rows : n) : size_t{0}; };
    size_t doubles = 2 * rows + n /*weight*/ + column_size(grid.loss_cost) + column_size(grid.expense) + n /*gap*/ +
                     static_cast<size_t>(chunks_) * (terms_ + 1);
    for (const GridColumn& c : grid.extra) doubles += column_size(c);
    const size_t need =
        doubles * sizeof(double) + (n + 1) * sizeof(uint64_t) + n * (sizeof(uint8_t) + sizeof(int32_t) + sizeof(uint2));
    size_t free_bytes = 0, total_bytes = 0;
    RATEOPT_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    if (need > free_bytes)
      throw DeviceError("grid of " + std::to_string(n) + " policies and " + std::to_string(rows) +
                        " candidates needs " + bytes_text(need) + " of device memory; " + bytes_text(free_bytes) +
                        " free of " + bytes_text(total_bytes));

    offset_ = DeviceBuffer<uint64_t>(n + 1, "candidate offsets");
    offset_.upload(grid.offset.data(), n + 1);
    premium_ = copied(grid.premium.data(), rows, "premiums");
    demand_ = copied(grid.demand.data(), rows, "demands");
    weight_ = copied(grid.weight.data(), n, "weights");
    renewal_ = DeviceBuffer<uint8_t>(n, "renewal flags");
    renewal_.upload(grid.renewal.data(), n);
    loss_cost_ = copied(grid.loss_cost.values.data(), column_size(grid.loss_cost), "loss costs");
    expense_ = copied(grid.expense.values.data(), column_size(grid.expense), "expenses");
    std::vector<ColumnView> views;
    for (const GridColumn& c : grid.extra) {
      extra_.push_back(copied(c.values.data(), column_size(c), "a constrained column"));
      views.push_back({extra_.back().get(), per_row(c)});
    }
    extra_views_ = DeviceBuffer<ColumnView>(views.size(), "column views");
    extra_views_.upload(views.data(), views.size());
    device_grid_ = DeviceGrid{offset_.get(),
                              premium_.get(),
                              demand_.get(),
                              weight_.get(),
                              renewal_.get(),
                              {loss_cost_.get(), per_row(grid.loss_cost)},
                              {expense_.get(), per_row(grid.expense)},
                              extra_views_.get(),
                              static_cast<int>(q),
                              n_};
    window_ = DeviceBuffer<uint2>(n, "row windows");
    windowed_ = false;
    choice_ = DeviceBuffer<int32_t>(n, "choices");
    gap_ = DeviceBuffer<double>(n, "runner-up gaps");
    records_ = DeviceBuffer<double>(static_cast<size_t>(chunks_) * (terms_ + 1), "block records");
    folded_ = DeviceBuffer<double>(static_cast<size_t>(terms_) + 1, "folded sums");
    omega_ = DeviceBuffer<double>(static_cast<size_t>(terms_), "term prices");
    omega_host_ = PinnedBuffer<double>(static_cast<size_t>(terms_), "term prices");
    folded_host_ = PinnedBuffer<double>(static_cast<size_t>(terms_) + 1, "folded sums");
    passes_ = 0;
  }

  GridPass argmax(const std::vector<double>& omega, std::vector<int32_t>* choice,
                  std::vector<double>* runner_up_gap) override {
    if (static_cast<int>(omega.size()) != terms_)
      throw DeviceError("argmax: " + std::to_string(omega.size()) + " term prices for " + std::to_string(terms_) +
                        " terms");
    ++passes_;
    // prices in, two launches, sums out, queued on the default stream; one synchronisation
    std::copy(omega.begin(), omega.end(), omega_host_.get());
    RATEOPT_CUDA_CHECK(
        cudaMemcpyAsync(omega_.get(), omega_host_.get(), omega.size() * sizeof(double), cudaMemcpyHostToDevice));
    int32_t* choice_out = choice ? choice_.get() : nullptr;
    double* gap_out = runner_up_gap ? gap_.get() : nullptr;
    if (chunks_ > 0) {  // an empty grid launches nothing (a grid of 0 blocks is an invalid launch)
      if (lanes_ == 8) launch_argmax<8>(choice_out, gap_out);
      if (lanes_ == 16) launch_argmax<16>(choice_out, gap_out);
      if (lanes_ == 32) launch_argmax<32>(choice_out, gap_out);
    }
    const std::vector<double> folded = fold();
    GridPass out;
    out.sums.assign(folded.begin(), folded.begin() + terms_);
    out.value = folded[static_cast<size_t>(terms_)];
    if (choice) n_ > 0 ? choice_.download(*choice) : choice->clear();
    if (runner_up_gap) n_ > 0 ? gap_.download(*runner_up_gap) : runner_up_gap->clear();
    return out;
  }

  // Windows are read in place (each policy's window is a contiguous run of its rows): 8 bytes a policy
  // copied here, none of the candidate columns.
  bool set_row_window(const std::vector<uint32_t>* window) override {
    windowed_ = window != nullptr;
    if (windowed_) {
      if (window->size() != 2 * static_cast<size_t>(n_))
        throw DeviceError("set_row_window: " + std::to_string(window->size()) + " bounds for " + std::to_string(n_) +
                          " policies");
      static_assert(sizeof(uint2) == 2 * sizeof(uint32_t), "a window is two row counts");
      window_.upload(reinterpret_cast<const uint2*>(window->data()), static_cast<size_t>(n_));
    }
    return true;
  }

  std::vector<double> term_magnitudes() override {
    if (chunks_ > 0) {
      grid_magnitudes_kernel<<<chunks_, kThreads>>>(device_grid_, terms_, records_.get());
      RATEOPT_CUDA_CHECK(cudaGetLastError());
    }
    std::vector<double> folded = fold();
    folded.resize(static_cast<size_t>(terms_));
    return folded;
  }

 private:
  // The smallest group of lanes that holds the mean candidate count, so a warp's row reads span
  // several policies when K is small.
  static int lanes_for(size_t policies, size_t rows) {
    const double mean = policies > 0 ? static_cast<double>(rows) / static_cast<double>(policies) : 0.0;
    return mean <= 8 ? 8 : mean <= 16 ? 16 : 32;
  }

  static int per_row(const GridColumn& c) { return c.per_row && c.present() ? 1 : 0; }

  static DeviceBuffer<double> copied(const double* host, size_t count, const char* what) {
    DeviceBuffer<double> d(count, what);
    d.upload(host, count);
    return d;
  }

  template <int W>
  void launch_argmax(int32_t* choice, double* gap) {
    grid_argmax_kernel<W><<<chunks_, kThreads>>>(device_grid_, omega_.get(), terms_,
                                                 windowed_ ? window_.get() : nullptr, choice, gap, records_.get());
    RATEOPT_CUDA_CHECK(cudaGetLastError());
  }

  // The block records folded per entry and copied back (zeros for an empty grid).
  std::vector<double> fold() {
    const int entries = terms_ + 1;
    if (chunks_ > 0) {
      grid_fold_kernel<<<entries, kFoldThreads>>>(records_.get(), chunks_, entries, folded_.get());
      RATEOPT_CUDA_CHECK(cudaGetLastError());
      RATEOPT_CUDA_CHECK(
          cudaMemcpyAsync(folded_host_.get(), folded_.get(), entries * sizeof(double), cudaMemcpyDeviceToHost));
      RATEOPT_CUDA_CHECK(cudaStreamSynchronize(0));
      return std::vector<double>(folded_host_.get(), folded_host_.get() + entries);
    }
    RATEOPT_CUDA_CHECK(cudaStreamSynchronize(0));
    return std::vector<double>(static_cast<size_t>(entries), 0.0);
  }

  void release() {
    for (DeviceBuffer<double>* b :
         {&premium_, &demand_, &weight_, &loss_cost_, &expense_, &gap_, &records_, &folded_, &omega_})
      *b = DeviceBuffer<double>();
    extra_.clear();
    extra_views_ = DeviceBuffer<ColumnView>();
    offset_ = DeviceBuffer<uint64_t>();
    renewal_ = DeviceBuffer<uint8_t>();
    choice_ = DeviceBuffer<int32_t>();
    window_ = DeviceBuffer<uint2>();
    windowed_ = false;
  }

  int lanes_asked_, lanes_ = 32;
  std::string name_;
  int64_t n_ = 0;
  int terms_ = term::first_extra, chunks_ = 0;
  DeviceGrid device_grid_{};
  DeviceBuffer<uint64_t> offset_;
  DeviceBuffer<double> premium_, demand_, weight_, loss_cost_, expense_, gap_, records_, folded_, omega_;
  std::vector<DeviceBuffer<double>> extra_;
  DeviceBuffer<ColumnView> extra_views_;
  DeviceBuffer<uint8_t> renewal_;
  DeviceBuffer<int32_t> choice_;
  DeviceBuffer<uint2> window_;
  bool windowed_ = false;
  PinnedBuffer<double> omega_host_, folded_host_;
  int64_t passes_ = 0;
};

}  // namespace

std::unique_ptr<GridBackend> make_grid_cuda_backend(int lanes_per_policy) {
  return std::make_unique<GridCudaBackend>(lanes_per_policy);
}

}  // namespace rateopt
