// Whole solves against N, and the throughput of one pass over the book (DESIGN.md, Benchmarks).
//
//   BM_Solve/N           rateopt::optimise on a generate_book(N, 2026, BookProfile::benchmark) book with
//                        lr_max 0.68, retention_min 0.78, max_rate_change 0.25, enbp_buffer 0.01, cpu.
//                        Counters: passes, seconds_per_solve, optimality_gap, converged, policies_per_second,
//                        and solve_seconds_min / _median over the iterations (robust to preemption).
//   BM_EvaluationPass/N  one CpuBackend::evaluate pass (reads wtc wc we wr wv d0 d1 m: 8 doubles/policy).
//   BM_ArgmaxPass/N      one CpuBackend::lagrangian_argmax pass with curvature, as the dual phase runs it
//                        (reads the 8 arrays plus lb ub: 10 doubles/policy; writes the trial point: 1).
//   BM_Pass_<kind>_<path>/N  every pass kind (evaluate, argmax, newton_system, newton_trial) on the CPU
//                        backend's vector passes (the machine's instruction set, run-time dispatch) and on its
//                        scalar passes (one policy at a time, as before the vector passes), in the same run.
//                        newton_system reads the 8 arrays of evaluate plus lb ub (10 doubles); newton_trial
//                        reads those 10 and writes the trial point (11).
//   BM_MemoryCopy/N      std::memcpy of the bytes an evaluation pass reads (8 doubles/policy), split over
//                        the same number of threads as the backend: the copy-bandwidth baseline, measured
//                        in the same run.
//
// bytes_per_second of the passes counts the bytes read plus the bytes written; for the copy it counts
// the bytes copied (read), and the counter traffic_per_second counts read + write (2x) so the pass's
// traffic can be stated as a fraction of copy traffic (bench/run_cpu_bench.sh does that).
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "optimise/backend/backend.hpp"
#include "optimise/problem.hpp"
#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"
#include "rateopt/solve.hpp"

namespace {

constexpr uint64_t kSeed = 2026;
constexpr int kEvaluateDoubles = 8;     // wtc wc we wr wv d0 d1 m
constexpr int kArgmaxReadDoubles = 10;  // + lb ub
constexpr int kArgmaxWriteDoubles = 1;  // trial point

using Clock = std::chrono::steady_clock;

/// Smallest and median of per-iteration times: the mean Google Benchmark reports is pulled up by
/// preemption when other processes share the cores; the minimum is the uncontended cost.
void time_stats(benchmark::State& state, std::vector<double> t, const char* prefix) {
  if (t.empty()) return;
  std::sort(t.begin(), t.end());
  const double median = t.size() % 2 ? t[t.size() / 2] : 0.5 * (t[t.size() / 2 - 1] + t[t.size() / 2]);
  state.counters[std::string(prefix) + "_min"] = t.front();
  state.counters[std::string(prefix) + "_median"] = median;
}

rateopt::OptimiseOptions cpu_benchmark_options() {
  rateopt::OptimiseOptions o = rateopt::benchmark_constraint_options();
  o.device = rateopt::Device::cpu;
  return o;
}

/// The most recent book generated, kept while consecutive benchmarks use the same N.  Benchmarks are
/// registered N-major, so each book is generated once per use and only one large book lives at a time.
template <class T>
struct LastOne {
  size_t n = 0;
  std::unique_ptr<T> value;
};

const rateopt::Book& solve_book(size_t n) {
  static LastOne<rateopt::Book> cache;
  if (!cache.value || cache.n != n) {
    cache.value.reset();
    cache.value = std::make_unique<rateopt::Book>(rateopt::generate_book(n, kSeed, rateopt::BookProfile::benchmark));
    cache.n = n;
  }
  return *cache.value;
}

/// Prepared problem, uploaded CPU backend and a representative price vector for one N.
struct PassFixture {
  rateopt::Problem problem;
  std::unique_ptr<rateopt::Backend> backend, scalar_backend;
  std::vector<double> omega;
};

PassFixture& pass_fixture(size_t n) {
  static LastOne<PassFixture> cache;
  if (!cache.value || cache.n != n) {
    cache.value.reset();
    auto fx = std::make_unique<PassFixture>();
    {
      const rateopt::Book book = rateopt::generate_book(n, kSeed, rateopt::BookProfile::benchmark);
      rateopt::SolveResult scratch;
      fx->problem = rateopt::prepare_problem(book, cpu_benchmark_options(), scratch);
    }  // the book is dropped here: the passes only need the prepared arrays
    fx->backend = rateopt::make_cpu_backend(0);
    fx->backend->upload(fx->problem.policies);
    fx->scalar_backend = rateopt::make_cpu_backend(0, rateopt::CpuPasses::scalar);
    fx->scalar_backend->upload(fx->problem.policies);
    // Lagrangian prices as the dual phase forms them, ω = ∇f − Σ λ_k ∇g_k, at T of the start point
    // with every multiplier 0.3 (scaled units): a price vector of the right shape and size.
    rateopt::PassSums s;
    fx->backend->evaluate(s);
    const rateopt::Vec T = Eigen::Map<const rateopt::Vec>(s.T.data(), static_cast<Eigen::Index>(s.T.size()));
    rateopt::Vec w = fx->problem.objective.gradient(T);
    for (const rateopt::ConstraintTerm& c : fx->problem.constraints) w -= 0.3 * c.gradient(T);
    fx->omega.assign(w.data(), w.data() + w.size());
    cache.value = std::move(fx);
    cache.n = n;
  }
  return *cache.value;
}

void BM_Solve(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const rateopt::Book& book = solve_book(n);
  const rateopt::OptimiseOptions options = cpu_benchmark_options();
  rateopt::SolveResult last;
  std::vector<double> seconds;
  for (auto _ : state) {
    rateopt::SolveResult r = rateopt::optimise(book, options);
    benchmark::DoNotOptimize(r.multiplier.data());
    seconds.push_back(r.seconds_total);
    last = std::move(r);
  }
  time_stats(state, seconds, "solve_seconds");
  state.counters["passes"] = static_cast<double>(last.passes);
  state.counters["outer_iterations"] = static_cast<double>(last.outer_iterations);
  state.counters["dual_iterations"] = static_cast<double>(last.dual_iterations);
  state.counters["seconds_per_solve"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["optimality_gap"] =
      last.optimality_gap ? *last.optimality_gap : std::numeric_limits<double>::quiet_NaN();
  state.counters["converged"] = last.converged ? 1.0 : 0.0;
  // where the last solve's time went (SolveResult's own split)
  state.counters["seconds_total_last"] = last.seconds_total;
  state.counters["seconds_prepare"] = last.seconds_prepare;
  state.counters["seconds_dual"] = last.seconds_dual;
  state.counters["seconds_al"] = last.seconds_al;
  state.counters["seconds_certify"] = last.seconds_certify;
  state.counters["max_relative_violation"] = [&] {
    double v = 0;
    for (const auto& c : last.constraints) v = std::max(v, c.relative_violation);
    return v;
  }();
  state.counters["policies_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * n), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(rateopt::to_string(last.status)) + ", " + last.device_name);
}

void pass_counters(benchmark::State& state, size_t n, int doubles_moved) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * doubles_moved * sizeof(double)));
  state.counters["bytes_per_pass"] = static_cast<double>(n * doubles_moved * sizeof(double));
}

void BM_EvaluationPass(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  PassFixture& fx = pass_fixture(n);
  rateopt::PassSums s;
  std::vector<double> seconds;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    fx.backend->evaluate(s);
    benchmark::DoNotOptimize(s.T.data());
    benchmark::ClobberMemory();
    seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  pass_counters(state, n, kEvaluateDoubles);
  time_stats(state, seconds, "pass_seconds");
  state.SetLabel(fx.backend->device_name());
}

void BM_ArgmaxPass(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  PassFixture& fx = pass_fixture(n);
  rateopt::PassSums s;
  std::vector<double> seconds;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    fx.backend->lagrangian_argmax(fx.omega, /*want_curvature=*/true, s);
    benchmark::DoNotOptimize(s.T.data());
    benchmark::ClobberMemory();
    seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  pass_counters(state, n, kArgmaxReadDoubles + kArgmaxWriteDoubles);
  time_stats(state, seconds, "pass_seconds");
  state.counters["n_free_fraction"] = static_cast<double>(s.n_free) / static_cast<double>(n);
  state.SetLabel(fx.backend->device_name() + ", with curvature");
}

enum class PassKind { evaluate, argmax, newton_system, newton_trial };

/// One pass of a kind on the vector or the scalar passes, from the argmax point of the fixture's
/// prices (the Newton passes' usual starting point), timed per pass.
void BM_Pass(benchmark::State& state, PassKind kind, bool vector) {
  const size_t n = static_cast<size_t>(state.range(0));
  PassFixture& fx = pass_fixture(n);
  rateopt::Backend& be = vector ? *fx.backend : *fx.scalar_backend;
  rateopt::PassSums s;
  be.lagrangian_argmax(fx.omega, false, s);
  be.accept_trial();
  const std::vector<double> z(fx.omega.size(), 0.0);
  std::vector<double> seconds;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    switch (kind) {
      case PassKind::evaluate:
        be.evaluate(s);
        break;
      case PassKind::argmax:
        be.lagrangian_argmax(fx.omega, true, s);
        break;
      case PassKind::newton_system:
        be.newton_system(fx.omega, s);
        break;
      case PassKind::newton_trial:
        be.newton_trial(fx.omega, z, 0.5, s);
        break;
    }
    benchmark::DoNotOptimize(s.T.data());
    benchmark::ClobberMemory();
    seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  const int doubles = kind == PassKind::evaluate        ? kEvaluateDoubles
                      : kind == PassKind::newton_system ? kArgmaxReadDoubles
                                                        : kArgmaxReadDoubles + kArgmaxWriteDoubles;
  pass_counters(state, n, doubles);
  time_stats(state, seconds, "pass_seconds");
  state.SetLabel(be.device_name());
}

void BM_MemoryCopy(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const size_t bytes = n * kEvaluateDoubles * sizeof(double);
  const int threads = omp_get_max_threads();
  std::vector<char> src(bytes), dst(bytes);
  // touch both buffers (first-touch by the copying threads) so no page faults are timed
#pragma omp parallel num_threads(threads)
  {
    const size_t t = static_cast<size_t>(omp_get_thread_num());
    const size_t begin = bytes * t / threads, end = bytes * (t + 1) / threads;
    std::memset(src.data() + begin, 1, end - begin);
    std::memset(dst.data() + begin, 0, end - begin);
  }
  std::vector<double> seconds;
  for (auto _ : state) {
    const auto t0 = Clock::now();
#pragma omp parallel num_threads(threads)
    {
      const size_t t = static_cast<size_t>(omp_get_thread_num());
      const size_t begin = bytes * t / threads, end = bytes * (t + 1) / threads;
      std::memcpy(dst.data() + begin, src.data() + begin, end - begin);
    }
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
    seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  time_stats(state, seconds, "pass_seconds");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["traffic_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * bytes * 2), benchmark::Counter::kIsRate);
  state.counters["bytes_per_pass"] = static_cast<double>(bytes);
  state.SetLabel(std::to_string(threads) + " threads");
}

void register_benchmarks() {
  // Solves: iterations fixed so the whole program stays within a few minutes.
  const std::pair<int64_t, int64_t> solves[] = {{1000, 50}, {10000, 20}, {100000, 5}, {1000000, 3}};
  for (const auto& [n, iters] : solves) {
    benchmark::RegisterBenchmark("BM_Solve", BM_Solve)
        ->Arg(n)
        ->Iterations(iters)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  // Passes, N-major so each prepared book is built once: evaluation, argmax, copy baseline.
  for (int64_t n = 1000; n <= 10000000; n *= 10) {
    benchmark::RegisterBenchmark("BM_EvaluationPass", BM_EvaluationPass)
        ->Arg(n)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime()
        ->MinTime(0.3);
    benchmark::RegisterBenchmark("BM_ArgmaxPass", BM_ArgmaxPass)
        ->Arg(n)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime()
        ->MinTime(0.3);
    const std::pair<const char*, PassKind> kinds[] = {{"evaluate", PassKind::evaluate},
                                                      {"argmax", PassKind::argmax},
                                                      {"newton_system", PassKind::newton_system},
                                                      {"newton_trial", PassKind::newton_trial}};
    for (const auto& [kind_name, kind] : kinds)
      for (bool vector : {true, false})
        benchmark::RegisterBenchmark((std::string("BM_Pass_") + kind_name + (vector ? "_vector" : "_scalar")).c_str(),
                                     BM_Pass, kind, vector)
            ->Arg(n)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime()
            ->MinTime(0.3);
    benchmark::RegisterBenchmark("BM_MemoryCopy", BM_MemoryCopy)
        ->Arg(n)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime()
        ->MinTime(0.3);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("book", "generate_book(N, seed 2026, BookProfile::benchmark)");
  benchmark::AddCustomContext("options",
                              "lr_max 0.68, retention_min 0.78, max_rate_change 0.25, "
                              "enbp_buffer 0.01, device cpu");
  benchmark::AddCustomContext("omp_max_threads", std::to_string(omp_get_max_threads()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
