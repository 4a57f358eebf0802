// GPU benchmarks (built only with CUDA; every benchmark reports an error and stops on a machine
// without a usable GPU).  Times come from CUDA events around each pass, so they include the kernel,
// the ordered fold and the copy of the small sums vector back to the host.
//
//   BM_CudaEvaluatePass/N  one evaluate pass: reads wtc wc we wr wv d0 d1 m (8 doubles/policy)
//   BM_CudaArgmaxPass/N    one lagrangian_argmax pass with curvature: reads 10 doubles, writes 1
//   BM_DeviceCopy/N        cudaMemcpy device-to-device of the evaluate pass's bytes, in the same run:
//                          the bandwidth baseline (traffic = read + write)
//   BM_CudaSolve/N         rateopt::optimise with device cuda on the peer's benchmark constraint set
//
// Counters: bytes_per_pass, traffic_GBps (read + write per second), fraction_of_copy (pass traffic
// over copy traffic at the same N, from the copy measured first in this process), passes.
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "optimise/backend/backend.hpp"
#include "optimise/problem.hpp"
#include "rateopt/book.hpp"
#include "rateopt/solve.hpp"

namespace {

using namespace rateopt;

std::map<int64_t, double> copy_traffic_gbps;  // N → device copy traffic measured in this run

bool gpu_or_skip(benchmark::State& state) {
  static const CudaDeviceProbe probe = probe_cuda_device();
  if (!probe.usable) state.SkipWithError(probe.reason.c_str());
  return probe.usable;
}

struct Prepared {
  Book book;
  Problem problem;
  std::unique_ptr<Backend> backend;
};

std::unique_ptr<Prepared> prepare(int64_t n) {
  auto p = std::make_unique<Prepared>();
  p->book = generate_book(static_cast<size_t>(n), 2026, BookProfile::benchmark);
  SolveResult res;
  p->problem = prepare_problem(p->book, benchmark_constraint_options(), res);
  p->backend = make_cuda_backend();
  p->backend->upload(p->problem.policies);
  return p;
}

/// Runs f once per benchmark iteration between two CUDA events, reports each iteration's device
/// time to Google Benchmark and returns the mean seconds per iteration.
template <class F>
double event_timed_loop(benchmark::State& state, F f) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  double total_ms = 0;
  for (auto _ : state) {
    cudaEventRecord(start);
    f();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    total_ms += ms;
    state.SetIterationTime(ms / 1e3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return total_ms / 1e3 / static_cast<double>(state.iterations());
}

template <class Pass>
void time_pass(benchmark::State& state, double bytes_per_policy, Pass pass) {
  if (!gpu_or_skip(state)) return;
  const int64_t n = state.range(0);
  auto p = prepare(n);
  PassSums sums;
  pass(*p, sums);  // warm-up
  const double seconds = event_timed_loop(state, [&] { pass(*p, sums); });
  const double bytes = bytes_per_policy * static_cast<double>(n);
  state.counters["bytes_per_pass"] = bytes;
  state.counters["traffic_GBps"] = bytes / seconds / 1e9;
  state.counters["policies_per_second"] = static_cast<double>(n) / seconds;
  const auto copy = copy_traffic_gbps.find(n);
  if (copy != copy_traffic_gbps.end()) state.counters["fraction_of_copy"] = bytes / seconds / 1e9 / copy->second;
}

void BM_DeviceCopy(benchmark::State& state) {
  if (!gpu_or_skip(state)) return;
  const int64_t n = state.range(0);
  const size_t bytes = static_cast<size_t>(n) * 8 * sizeof(double);
  void *src = nullptr, *dst = nullptr;
  if (cudaMalloc(&src, bytes) != cudaSuccess || cudaMalloc(&dst, bytes) != cudaSuccess) {
    state.SkipWithError("device allocation failed");
    return;
  }
  const double seconds = event_timed_loop(state, [&] { cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice); });
  cudaFree(src);
  cudaFree(dst);
  const double traffic = 2.0 * static_cast<double>(bytes);  // read + write
  copy_traffic_gbps[n] = traffic / seconds / 1e9;
  state.counters["traffic_GBps"] = copy_traffic_gbps[n];
}

void BM_CudaEvaluatePass(benchmark::State& state) {
  time_pass(state, 8 * sizeof(double), [](Prepared& p, PassSums& s) { p.backend->evaluate(s); });
}

void BM_CudaArgmaxPass(benchmark::State& state) {
  std::vector<double> omega;
  time_pass(state, 11 * sizeof(double), [&](Prepared& p, PassSums& s) {
    if (omega.empty()) {
      omega.assign(p.problem.K, 0.0);
      omega[0] = 1.0, omega[1] = -1.1, omega[2] = -1.0, omega[3] = 30.0;
    }
    p.backend->lagrangian_argmax(omega, true, s);
  });
}

void BM_CudaSolve(benchmark::State& state) {
  if (!gpu_or_skip(state)) return;
  const Book book = generate_book(static_cast<size_t>(state.range(0)), 2026, BookProfile::benchmark);
  OptimiseOptions o = benchmark_constraint_options();
  o.device = rateopt::Device::cuda;
  SolveResult r;
  for (auto _ : state) r = optimise(book, o);
  state.counters["passes"] = static_cast<double>(r.passes);
  state.counters["solver_seconds"] = r.seconds_total;
  state.counters["converged"] = r.converged ? 1 : 0;
  state.counters["optimality_gap"] = r.optimality_gap.value_or(-1.0);
}

}  // namespace

BENCHMARK(BM_DeviceCopy)
    ->RangeMultiplier(10)
    ->Range(10'000, 100'000'000)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CudaEvaluatePass)
    ->RangeMultiplier(10)
    ->Range(10'000, 100'000'000)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CudaArgmaxPass)
    ->RangeMultiplier(10)
    ->Range(10'000, 100'000'000)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CudaSolve)->RangeMultiplier(10)->Range(10'000, 10'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);

BENCHMARK_MAIN();
