// The price-grid mode (rateopt/grid.hpp): one argmax pass over N policies × K candidates on the CPU
// backend (the cost unit of the dual: one pass per cutting-plane iteration), and a whole solve with an
// LR cap and a retention floor.  Grids are built in memory from log-linear demand on [1, 2].
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "grid/grid_backend.hpp"
#include "rateopt/grid.hpp"

namespace {

using namespace rateopt;

GridBook make_grid(size_t n, size_t k) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  GridBook g;
  g.source = "bench";
  g.offset.reserve(n + 1);
  g.offset.push_back(0);
  g.premium.reserve(n * k);
  g.demand.reserve(n * k);
  g.loss_cost.values.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double tc = 300 + 700 * u(rng), x0 = 0.4 + 0.5 * u(rng), eps = -3.5 + 3 * u(rng);
    g.loss_cost.values[i] = tc * (0.55 + 0.2 * u(rng));
    for (size_t j = 0; j < k; ++j) {
      const double m = 1 + static_cast<double>(j) / static_cast<double>(k - 1);
      g.premium.push_back(tc * m);
      g.demand.push_back(x0 * std::pow(m, eps));
    }
    g.offset.push_back(g.premium.size());
    g.policy_id.push_back(std::to_string(i));
    g.weight.push_back(1.0);
    g.renewal.push_back(u(rng) < 0.6 ? 1 : 0);
    g.group.push_back(0);
  }
  g.group_names = {"all"};
  return g;
}

void argmax_pass(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0)), k = static_cast<size_t>(state.range(1));
  const GridBook g = make_grid(n, k);
  auto backend = make_grid_cpu_backend(0);
  backend->upload(g);
  std::vector<double> omega{1.0, 0.02, -0.3, 50.0, 0.0};
  for (auto _ : state) benchmark::DoNotOptimize(backend->argmax(omega).value);
  state.counters["candidates/s"] =
      benchmark::Counter(static_cast<double>(n * k), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes/candidate"] = static_cast<double>(g.bytes_per_candidate());
  state.SetLabel(backend->device_name());
}
BENCHMARK(argmax_pass)->Args({100000, 41})->Args({1000000, 41})->Unit(benchmark::kMillisecond)->UseRealTime();

// The same pass restricted to a window of 8 rows per policy, as the dual's later passes read.
void argmax_pass_window8(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0)), k = static_cast<size_t>(state.range(1));
  const GridBook g = make_grid(n, k);
  auto backend = make_grid_cpu_backend(0);
  backend->upload(g);
  std::vector<uint32_t> window(2 * n);
  for (size_t i = 0; i < n; ++i) {
    window[2 * i] = static_cast<uint32_t>(k / 2 - 4);
    window[2 * i + 1] = static_cast<uint32_t>(k / 2 + 4);
  }
  backend->set_row_window(&window);
  std::vector<double> omega{1.0, 0.02, -0.3, 50.0, 0.0};
  for (auto _ : state) benchmark::DoNotOptimize(backend->argmax(omega).value);
  state.counters["candidates/s"] =
      benchmark::Counter(static_cast<double>(n * 8), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(backend->device_name());
}
BENCHMARK(argmax_pass_window8)->Args({100000, 41})->Args({1000000, 41})->Unit(benchmark::kMillisecond)->UseRealTime();

void solve_lr_retention(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0)), k = static_cast<size_t>(state.range(1));
  const GridBook base = make_grid(n, k);
  GridOptions o;
  o.lr_max = 0.62;
  o.retention_min = 0.55;
  o.dual_sample = state.range(2);
  GridResult r;
  for (auto _ : state) {
    GridBook g = base;
    r = solve_grid(g, o);
  }
  state.counters["passes"] = static_cast<double>(r.passes);
  state.counters["windowed_passes"] = static_cast<double>(r.windowed_passes);
  state.counters["window_rows"] = r.window_rows;
  state.counters["dual_s"] = r.seconds_dual;
  state.counters["primal_s"] = r.seconds_primal;
  state.counters["gap"] = r.optimality_gap.value_or(NAN);
  state.SetLabel(std::string(to_string(r.status)) + ", " + r.device_name);
}
// Third argument: dual_sample (0: every pass reads every candidate).
BENCHMARK(solve_lr_retention)
    ->Args({100000, 41, 0})
    ->Args({100000, 41, 20000})
    ->Args({1000000, 41, 0})
    ->Args({1000000, 41, 20000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
