// The policy-mix integer programme (`rateopt cover`, SPEC §4.1): one goal and the 30-scenario grid on
// the bundled quotes, and one goal on larger synthetic quote sets (how CBC's branch and bound scales).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "rateopt/cover.hpp"

namespace {

using rateopt::CoverGoal;

const std::vector<rateopt::LifeQuote>& bundled_quotes() {
  static const std::vector<rateopt::LifeQuote> quotes =
      rateopt::read_quotes_csv(std::string(RATEOPT_SOURCE_DIR) + "/examples/life_quotes.csv").quotes;
  return quotes;
}

// Quotes like the bundled ones: terms 10–30 years, coverage 100k–2M, about $0.35–1.10 a year per
// thousand, longer terms dearer, with noise so that no two quotes are alike.
std::vector<rateopt::LifeQuote> synthetic_quotes(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> noise(0.85, 1.15);
  const double terms[] = {10, 15, 20, 25, 30};
  const double coverages[] = {100000, 250000, 500000, 750000, 1000000, 1500000, 1750000, 2000000};
  std::vector<rateopt::LifeQuote> quotes;
  for (int k = 0; k < n; ++k) {
    rateopt::LifeQuote q;
    q.policy_id = std::to_string(k + 1);
    q.insurer = "Insurer " + std::to_string(1 + rng() % 5);
    q.term = terms[rng() % 5];
    q.coverage = coverages[rng() % 8];
    q.yearly_premium = std::round(q.coverage / 1000 * (0.3 + 0.025 * q.term) * noise(rng));
    quotes.push_back(q);
  }
  return quotes;
}

void BM_CoverOneGoalBundled(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(rateopt::solve_cover(bundled_quotes(), CoverGoal{1500000, 30, std::nullopt}));
}
BENCHMARK(BM_CoverOneGoalBundled)->Unit(benchmark::kMillisecond);

void BM_CoverGridBundled(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(rateopt::solve_cover_grid(
        bundled_quotes(), {15, 20, 23, 25, 27}, {750000, 1000000, 1250000, 1500000, 1750000, 2000000}, std::nullopt));
}
BENCHMARK(BM_CoverGridBundled)->Unit(benchmark::kMillisecond);

void BM_CoverOneGoalSynthetic(benchmark::State& state) {
  const auto quotes = synthetic_quotes(static_cast<int>(state.range(0)), 7);
  int solves = 0;
  for (auto _ : state) {
    const rateopt::CoverResult r = rateopt::solve_cover(quotes, CoverGoal{3250000, 23, std::nullopt});
    solves = r.cbc_solves;
    benchmark::DoNotOptimize(r);
  }
  state.counters["cbc_solves"] = solves;
}
BENCHMARK(BM_CoverOneGoalSynthetic)->Arg(20)->Arg(50)->Arg(100)->Arg(200)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
