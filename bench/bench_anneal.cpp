// Simulated annealing of the 15×9 cluster QUBO (generator seed 1, target 11%): replicas × sweeps
// wall time, CPU and CUDA.  The CUDA benchmarks report an error and stop where no GPU is usable; their
// time includes the upload of the QUBO and the download of every replica's state (the whole call).
//
//   BM_AnnealCpu/replicas/sweeps         single-flip annealer (rateopt qubo), every core
//   BM_AnnealCuda/replicas/sweeps        the same on the GPU
//   BM_ClusterAnnealCpu/replicas/sweeps  one-hot moves (rateopt clusters' default), every core
//   BM_ClusterAnnealCuda/replicas/sweeps the same on the GPU (target: 1,000 × 1,000 under 50 ms)
//   BM_ExactClusters/N             the exact multiple-choice knapsack, N clusters × 9 rates
//
// Counter spin_flips_per_s: replicas × sweeps × variables per second (proposals, not acceptances).
#include <benchmark/benchmark.h>

#include <string>

#include "clusters/anneal_backend.hpp"
#include "optimise/backend/backend.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/clusters.hpp"

namespace {

using namespace rateopt;

const std::vector<double> kRates{5, 7, 9, 11, 13, 15, 17, 25, 30};

struct Prepared {
  QuboRowStorage rows;
  AnnealSchedule schedule;
  ClusterProblem problem;
  ClusterQubo cq;
};

const Prepared& cluster_qubo_15x9() {
  static const Prepared p = [] {
    const ClusterProblem problem = generate_cluster_problem(15, kRates, 1);
    const ClusterQubo cq = build_cluster_qubo(problem, 11);
    return Prepared{qubo_rows(cq.qubo), default_schedule(cq.qubo), problem, cq};
  }();
  return p;
}

/// anneal_clusters with the given device, replicas = range(0), sweeps = range(1).
void cluster_anneal(benchmark::State& state, const char* device) {
  const Prepared& p = cluster_qubo_15x9();
  AnnealOptions o;
  o.device = *enum_from_name<Device>(device);
  o.replicas = static_cast<int>(state.range(0));
  o.sweeps = state.range(1);
  if (std::string(device) == "cuda") {
#if RATEOPT_HAVE_CUDA
    static const CudaDeviceProbe probe = probe_cuda_device();
    if (!probe.usable) {
      state.SkipWithError(probe.reason.c_str());
      return;
    }
    anneal_clusters(p.problem, p.cq, 11, o);  // warm-up: context and module load
#else
    state.SkipWithError("built without CUDA");
    return;
#endif
  }
  double seconds = 0;
  for (auto _ : state) {
    const ClusterAnnealResult r = anneal_clusters(p.problem, p.cq, 11, o);
    seconds += r.anneal.seconds;
    state.SetIterationTime(r.anneal.seconds);
    state.SetLabel(r.anneal.device_name);
  }
  state.counters["cluster_moves_per_s"] =
      benchmark::Counter(static_cast<double>(state.range(0)) * static_cast<double>(state.range(1)) * p.problem.size(),
                         benchmark::Counter::kIsIterationInvariantRate);
}
void BM_ClusterAnnealCpu(benchmark::State& state) { cluster_anneal(state, "cpu"); }
void BM_ClusterAnnealCuda(benchmark::State& state) { cluster_anneal(state, "cuda"); }
BENCHMARK(BM_ClusterAnnealCpu)->Args({1000, 1000})->Args({64, 500})->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_ClusterAnnealCuda)
    ->Args({1000, 1000})
    ->Args({10000, 1000})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

void set_counters(benchmark::State& state, const Prepared& p) {
  state.counters["spin_flips_per_s"] =
      benchmark::Counter(static_cast<double>(state.range(0)) * static_cast<double>(state.range(1)) * p.rows.n,
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["variables"] = p.rows.n;
}

void BM_AnnealCpu(benchmark::State& state) {
  const Prepared& p = cluster_qubo_15x9();
  std::vector<uint8_t> states;
  for (auto _ : state)
    anneal_replicas_cpu(p.rows, p.schedule.beta_hot, p.schedule.beta_cold, state.range(1), 1,
                        static_cast<int>(state.range(0)), 0, states);
  set_counters(state, p);
}
BENCHMARK(BM_AnnealCpu)->Args({1000, 1000})->Args({256, 1000})->Unit(benchmark::kMillisecond)->UseRealTime();

#if RATEOPT_HAVE_CUDA
void BM_AnnealCuda(benchmark::State& state) {
  static const CudaDeviceProbe probe = probe_cuda_device();
  if (!probe.usable) {
    state.SkipWithError(probe.reason.c_str());
    return;
  }
  const Prepared& p = cluster_qubo_15x9();
  std::vector<uint8_t> states;
  std::string name;
  anneal_replicas_cuda(p.rows, p.schedule.beta_hot, p.schedule.beta_cold, 10, 1, 32, states, name);  // warm-up
  for (auto _ : state)
    anneal_replicas_cuda(p.rows, p.schedule.beta_hot, p.schedule.beta_cold, state.range(1), 1,
                         static_cast<int>(state.range(0)), states, name);
  set_counters(state, p);
  state.SetLabel(name);
}
BENCHMARK(BM_AnnealCuda)->Args({1000, 1000})->Args({10000, 1000})->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

void BM_ExactClusters(benchmark::State& state) {
  const ClusterProblem problem = generate_cluster_problem(static_cast<int>(state.range(0)), kRates, 2026);
  for (auto _ : state) benchmark::DoNotOptimize(solve_clusters_exact(problem, 11).revenue);
}
BENCHMARK(BM_ExactClusters)->Arg(15)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
