// Reinsurance cession on large sample sets (issue 8: 1e7 samples × lines in seconds), CPU:
//   BM_SampleCvar/N       one exact CVaR_0.995 of N values (threshold filter + selection)
//   BM_Simulate/N         N lognormal samples for each of 5 lines through a Gaussian copula (Philox)
//   BM_Reinsure/N         one cheapest-line-first solve on 5 lines × N samples, CVaR_0.995 budget 4e6
//   BM_ReinsureFrontier/N the same with an 11-point frontier
// Counters: evaluations (risk evaluations in the solve), samples_per_second where it applies.
#include <benchmark/benchmark.h>

#include "rateopt/reinsure.hpp"

namespace {

using namespace rateopt;

// the five lines and copula of the README example
const std::vector<ReinsuranceLine>& lines() {
  static const std::vector<ReinsuranceLine> l{{"motor", 1e6, 4e10, 0.30, 0},
                                              {"property", 8e5, 3.6e11, 0.10, 0},
                                              {"liability", 5e5, 4.9e11, 0.20, 0},
                                              {"marine", 2e5, 9e10, 0.35, 0},
                                              {"cyber", 1.5e5, 1.6e11, 0.50, 0}};
  return l;
}

const std::vector<double>& correlation() {
  static const std::vector<double> c{1,   0.3, 0.2, 0.1, 0,   0.3, 1, 0.25, 0.2, 0.1, 0.2, 0.25, 1,
                                     0.1, 0.3, 0.1, 0.2, 0.1, 1,   0, 0,    0.1, 0.3, 0,   1};
  return c;
}

const LossSamples& samples_for(int64_t n) {
  static int64_t cached_n = -1;
  static LossSamples s;
  if (cached_n != n) {
    s = LossSamples();
    s = simulate_losses(lines(), correlation(), static_cast<size_t>(n), 7);
    cached_n = n;
  }
  return s;
}

void BM_SampleCvar(benchmark::State& state) {
  const std::vector<double>& x = samples_for(state.range(0)).loss[1];
  double c = 0;
  for (auto _ : state) benchmark::DoNotOptimize(c = sample_cvar(x, 0.995));
  state.counters["samples_per_second"] =
      benchmark::Counter(static_cast<double>(state.range(0)), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Simulate(benchmark::State& state) {
  for (auto _ : state) {
    LossSamples s = simulate_losses(lines(), correlation(), static_cast<size_t>(state.range(0)), 11);
    benchmark::DoNotOptimize(s.loss[0].data());
  }
  state.counters["samples_per_second"] =
      benchmark::Counter(static_cast<double>(state.range(0)) * 5, benchmark::Counter::kIsIterationInvariantRate);
}

void solve(benchmark::State& state, int frontier) {
  const LossSamples& s = samples_for(state.range(0));
  ReinsuranceOptions o;
  o.budget = 4e6;
  o.device = rateopt::Device::cpu;
  o.frontier_points = frontier;
  ReinsuranceResult r;
  for (auto _ : state) r = optimise_reinsurance(lines(), s, o);
  state.counters["evaluations"] = r.evaluations;
  state.counters["retained_cvar"] = r.retained_risk;
  state.counters["ceded_premium"] = r.total_ceded_premium;
}

void BM_Reinsure(benchmark::State& state) { solve(state, 0); }
void BM_ReinsureFrontier(benchmark::State& state) { solve(state, 11); }

}  // namespace

BENCHMARK(BM_SampleCvar)->Arg(1000000)->Arg(10000000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Simulate)->Arg(10000000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_Reinsure)->Arg(1000000)->Arg(10000000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReinsureFrontier)->Arg(10000000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_MAIN();
