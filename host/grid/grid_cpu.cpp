// The grid's CPU backend: OpenMP over fixed chunks of policies, partial sums added in chunk order so
// the answer does not depend on the number of threads.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "grid/grid_backend.hpp"
#include "rateopt/math/grid_math.hpp"

namespace rateopt {

namespace {

constexpr size_t kChunk = 4096;

// The rows a pass reads: the grid's own columns, or a contiguous copy of each policy's window so that
// windowed passes stream through memory as full passes do.  A column pointer is null where the grid
// holds the column once per policy.
struct PassRows {
  const uint64_t* offset = nullptr;  ///< policy i's rows [offset[i], offset[i+1])
  const double *premium = nullptr, *demand = nullptr, *loss = nullptr, *expense = nullptr;
  std::vector<const double*> extra;
  const uint32_t* shift = nullptr;  ///< the grid's row of local row r: g.offset[i] + shift[i] + r − offset[i]
};

// Per-row columns of the grid (nullptr where held per policy).
const double* row_column(const GridColumn& c) { return c.per_row && c.present() ? c.values.data() : nullptr; }

PassRows grid_pass_rows(const GridBook& g) {
  PassRows rows{g.offset.data(), g.premium.data(), g.demand.data(), row_column(g.loss_cost), row_column(g.expense), {},
                nullptr};
  for (const GridColumn& c : g.extra) rows.extra.push_back(row_column(c));
  return rows;
}

// The terms of policy i's row r of `rows` (what grid_row_terms gives for the grid's row).
void pass_row_terms(const GridBook& g, const PassRows& rows, size_t i, size_t r, double* out) {
  const math::GridCandidate c{g.weight[i],
                              rows.premium[r],
                              rows.demand[r],
                              rows.loss ? rows.loss[r] : g.loss_cost.at(i, 0),
                              rows.expense ? rows.expense[r] : g.expense.at(i, 0),
                              g.renewal[i] != 0};
  math::grid_fixed_terms(c, out);
  for (size_t k = 0; k < g.extra.size(); ++k)
    out[math::grid_term::first_extra + k] = g.weight[i] * (rows.extra[k] ? rows.extra[k][r] : g.extra[k].at(i, 0));
}

class GridCpuBackend final : public GridBackend {
 public:
  explicit GridCpuBackend(int threads) : threads_(threads > 0 ? threads : omp_get_max_threads()) {}
  std::string name() const override { return "cpu"; }
  std::string device_name() const override { return std::to_string(threads_) + " CPU threads"; }
  int terms() const override { return terms_; }
  int64_t passes() const override { return passes_; }

  void upload(const GridBook& grid) override {
    g_ = &grid;
    terms_ = math::grid_term::first_extra + static_cast<int>(grid.extra.size());
    chunks_ = (grid.policies() + kChunk - 1) / kChunk;
    partial_.assign(chunks_ * static_cast<size_t>(terms_ + 1), 0.0);
    passes_ = 0;
    set_row_window(nullptr);
  }

  GridPass argmax(const std::vector<double>& omega, std::vector<int32_t>* choice,
                  std::vector<double>* runner_up_gap) override {
    const GridBook& g = *g_;
    const PassRows& rows = windowed_ ? window_rows_ : grid_rows_;
    const size_t n = g.policies(), T = static_cast<size_t>(terms_), q = g.extra.size();
    const double* om = omega.data();
    const bool row_costs = rows.loss || rows.expense;
    if (choice) choice->resize(n);
    if (runner_up_gap) runner_up_gap->resize(n);
    const auto chunks = static_cast<int64_t>(chunks_);
    const int team = static_cast<int>(std::min<int64_t>(threads_, chunks));
#pragma omp parallel for schedule(dynamic, 1) num_threads(team) if (team > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      double* part = &partial_[static_cast<size_t>(c) * (T + 1)];
      std::fill(part, part + T + 1, 0.0);
      std::vector<double> phi(T);
      const size_t first = static_cast<size_t>(c) * kChunk, last = std::min(n, first + kChunk);
      for (size_t i = first; i < last; ++i) {
        const size_t row_begin = rows.offset[i], row_end = rows.offset[i + 1];
        if (row_begin == row_end) {  // an empty window: left out
          if (choice) (*choice)[i] = -1;
          if (runner_up_gap) (*runner_up_gap)[i] = std::numeric_limits<double>::infinity();
          continue;
        }
        GridBest best;
        const double w = g.weight[i];
        const bool renewal = g.renewal[i] != 0;
        // Costs given once per policy (the usual case) put every candidate on one line.
        math::GridPriceLine line{};
        if (!row_costs) line = math::grid_price_line(om, g.loss_cost.at(i, 0), g.expense.at(i, 0), renewal);
        for (size_t r = row_begin; r < row_end; ++r) {
          if (row_costs)
            line = math::grid_price_line(om, rows.loss ? rows.loss[r] : g.loss_cost.at(i, 0),
                                         rows.expense ? rows.expense[r] : g.expense.at(i, 0), renewal);
          double extra_price = 0;
          for (size_t k = 0; k < q; ++k)
            extra_price +=
                om[math::grid_term::first_extra + k] * (rows.extra[k] ? rows.extra[k][r] : g.extra[k].at(i, 0));
          best.offer(r, math::grid_price_on_line(line, w, rows.premium[r], rows.demand[r], extra_price));
        }
        size_t best_row = best.row;
        part[T] += best.best;
        pass_row_terms(g, rows, i, best_row, phi.data());  // from the rows just read
        if (rows.shift) best_row = g.offset[i] + rows.shift[i] + (best_row - row_begin);
        for (size_t t = 0; t < T; ++t) part[t] += phi[t];
        if (choice) (*choice)[i] = static_cast<int32_t>(best_row);
        if (runner_up_gap) (*runner_up_gap)[i] = best.best - best.second;
      }
    }
    ++passes_;
    GridPass out;
    out.sums.assign(T, 0.0);
    for (size_t c = 0; c < chunks_; ++c) {
      const double* part = &partial_[c * (T + 1)];
      for (size_t t = 0; t < T; ++t) out.sums[t] += part[t];
      out.value += part[T];
    }
    return out;
  }

  bool set_row_window(const std::vector<uint32_t>* window) override {
    const GridBook& g = *g_;
    grid_rows_ = grid_pass_rows(g);
    windowed_ = window != nullptr;
    window_store_.clear();
    window_offset_.clear();
    window_shift_.clear();
    if (!windowed_) return true;
    // Copy each per-row column's window rows into one contiguous store.
    const size_t n = g.policies();
    window_offset_.assign(n + 1, 0);
    window_shift_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      window_shift_[i] = (*window)[2 * i];
      window_offset_[i + 1] = window_offset_[i] + ((*window)[2 * i + 1] - (*window)[2 * i]);
    }
    std::vector<const double*> sources{grid_rows_.premium, grid_rows_.demand, grid_rows_.loss, grid_rows_.expense};
    sources.insert(sources.end(), grid_rows_.extra.begin(), grid_rows_.extra.end());
    std::vector<size_t> at(sources.size(), SIZE_MAX);
    size_t columns = 0;
    for (size_t s = 0; s < sources.size(); ++s)
      if (sources[s]) at[s] = columns++;
    const size_t rows = window_offset_[n];
    window_store_.resize(columns * rows);
    for (size_t s = 0; s < sources.size(); ++s) {
      if (!sources[s]) continue;
      double* out = &window_store_[at[s] * rows];
      for (size_t i = 0; i < n; ++i)
        std::copy_n(sources[s] + g.offset[i] + window_shift_[i], window_offset_[i + 1] - window_offset_[i],
                    out + window_offset_[i]);
    }
    auto column = [&](size_t s) { return sources[s] ? &window_store_[at[s] * rows] : nullptr; };
    window_rows_ =
        PassRows{window_offset_.data(), column(0), column(1), column(2), column(3), {}, window_shift_.data()};
    for (size_t k = 0; k < g.extra.size(); ++k) window_rows_.extra.push_back(column(4 + k));
    return true;
  }

  std::vector<double> term_magnitudes() override {
    const GridBook& g = *g_;
    const size_t T = static_cast<size_t>(terms_);
    std::vector<double> total(T, 0.0), phi(T), most(T);
    for (size_t i = 0; i < g.policies(); ++i) {
      std::fill(most.begin(), most.end(), 0.0);
      for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r) {
        pass_row_terms(g, grid_rows_, i, r, phi.data());
        for (size_t t = 0; t < T; ++t) most[t] = std::max(most[t], std::fabs(phi[t]));
      }
      for (size_t t = 0; t < T; ++t) total[t] += most[t];
    }
    return total;
  }

 private:
  int threads_;
  const GridBook* g_ = nullptr;
  int terms_ = math::grid_term::first_extra;
  size_t chunks_ = 0;
  std::vector<double> partial_;
  PassRows grid_rows_, window_rows_;
  bool windowed_ = false;
  std::vector<double> window_store_;  ///< the window rows of each per-row column, column after column
  std::vector<uint64_t> window_offset_;
  std::vector<uint32_t> window_shift_;
  int64_t passes_ = 0;
};

}  // namespace

void grid_row_terms(const GridBook& g, size_t i, size_t r, double* out) {
  math::grid_fixed_terms(grid_candidate(g, i, r), out);
  for (size_t k = 0; k < g.extra.size(); ++k) out[math::grid_term::first_extra + k] = g.weight[i] * g.extra[k].at(i, r);
}

std::unique_ptr<GridBackend> make_grid_cpu_backend(int threads) { return std::make_unique<GridCpuBackend>(threads); }

}  // namespace rateopt
