// The pricing rule (rateopt/pricing_rule.hpp): one quote priced, log-linear and logistic demand, with and
// without an ENBP cap.  The rule comes from a solve of a 20,000-policy benchmark book under the benchmark
// constraints; the quotes cycle through that book.  Target: at most 1 µs a quote on one core.
#include <benchmark/benchmark.h>

#include <limits>

#include "rateopt/pricing_rule.hpp"
#include "rateopt/solve.hpp"

namespace {

using namespace rateopt;

struct RuleFixture {
  std::vector<Quote> quotes;
  PricingRule rule;
};

RuleFixture make_fixture(DemandModel demand, bool enbp) {
  const Book book = generate_book(20000, 31, BookProfile::benchmark);
  OptimiseOptions o = benchmark_constraint_options();
  if (!enbp) o.enbp_buffer.reset();
  o.demand_model = demand;
  o.device = Device::cpu;
  RuleFixture f{{}, PricingRule::from_solve(o, optimise(book, o))};
  f.quotes.resize(book.size());
  for (size_t i = 0; i < book.size(); ++i) f.quotes[i] = quote_from_book(book, i, -1);
  if (!enbp)
    for (Quote& q : f.quotes) q.enbp = std::numeric_limits<double>::quiet_NaN();
  return f;
}

void price_one(benchmark::State& state, DemandModel demand, bool enbp) {
  static RuleFixture fixtures[2][2] = {
      {make_fixture(DemandModel::log_linear, false), make_fixture(DemandModel::log_linear, true)},
      {make_fixture(DemandModel::logistic, false), make_fixture(DemandModel::logistic, true)}};
  const RuleFixture& f = fixtures[demand == DemandModel::logistic][enbp];
  size_t i = 0;
  for (auto _ : state) {
    const PricedQuote p = f.rule.price_one(f.quotes[i]);
    benchmark::DoNotOptimize(p);
    if (++i == f.quotes.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(price_one, log_linear, DemandModel::log_linear, false);
BENCHMARK_CAPTURE(price_one, log_linear_enbp, DemandModel::log_linear, true);
BENCHMARK_CAPTURE(price_one, logistic, DemandModel::logistic, false);
BENCHMARK_CAPTURE(price_one, logistic_enbp, DemandModel::logistic, true);

BENCHMARK_MAIN();
