// Efficient frontier against one solve (issue 4's target: a 15-point retention frontier on a
// 1e5-policy book costs at most 3× one solve).  Both on the same book, in the same run:
//   BM_OneSolve/N        rateopt::optimise with the benchmark constraint set (retention_min 0.78)
//   BM_Frontier15/N      efficient_frontier over retention_min 0.70 … 0.80, 15 points, same options
// Counters: passes (whole solve or whole frontier) and, for the frontier, passes_per_point.
#include <benchmark/benchmark.h>

#include "rateopt/book.hpp"
#include "rateopt/solve.hpp"
#include "rateopt/sweep.hpp"

namespace {

using namespace rateopt;

const Book& book_for(int64_t n) {
  static int64_t cached_n = -1;
  static Book book;
  if (cached_n != n) {
    book = generate_book(static_cast<size_t>(n), 2026, BookProfile::benchmark);
    cached_n = n;
  }
  return book;
}

OptimiseOptions options() {
  OptimiseOptions o = benchmark_constraint_options();
  o.device = rateopt::Device::cpu;
  return o;
}

void BM_OneSolve(benchmark::State& state) {
  const Book& book = book_for(state.range(0));
  SolveResult r;
  for (auto _ : state) r = optimise(book, options());
  state.counters["passes"] = static_cast<double>(r.passes);
  state.counters["converged"] = r.converged ? 1 : 0;
}

void BM_Frontier15(benchmark::State& state) {
  const Book& book = book_for(state.range(0));
  FrontierResult f;
  for (auto _ : state)
    f = efficient_frontier(book, options(), FrontierOptions{SweptConstraint::retention_min, 0.70, 0.80, 15});
  int converged = 0;
  for (const FrontierPoint& p : f.points) converged += p.summary.converged;
  state.counters["passes"] = static_cast<double>(f.passes);
  state.counters["passes_per_point"] = static_cast<double>(f.passes) / 15.0;
  state.counters["converged_points"] = converged;
}

}  // namespace

BENCHMARK(BM_OneSolve)->Arg(100000)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Frontier15)->Arg(100000)->Unit(benchmark::kMillisecond)->MinTime(1.0);

BENCHMARK_MAIN();
