// The sample risk measures the reinsurance search evaluates, shared by the search itself (its path on a
// subsample, sample_cvar) and the CPU risk evaluator (risk_cpu.cpp): fixed-chunk sums (the same result on
// any thread count), exact CVaR by selecting the tail before ordering it, the population variance.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "reinsure/reinsure_risk.hpp"

namespace rateopt {
namespace sample_risk {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Fixed chunks: partial sums are added in chunk order, so results do not depend on the thread count.
constexpr size_t kChunk = size_t{1} << 16;
// Subsample size for the CVaR tail threshold.
constexpr size_t kSubsample = size_t{1} << 16;
inline int thread_count(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

inline size_t chunk_count(size_t n) { return (n + kChunk - 1) / kChunk; }

/// Σ_i term(i) over [0, n), in fixed chunks added in order.
template <class Term>
double chunked_sum(size_t n, int threads, const Term& term) {
  const size_t chunks = chunk_count(n);
  std::vector<double> partial(chunks, 0.0);
#pragma omp parallel for schedule(static) num_threads(thread_count(threads))
  for (long long c = 0; c < static_cast<long long>(chunks); ++c) {
    const size_t begin = static_cast<size_t>(c) * kChunk, end = std::min(n, begin + kChunk);
    double s = 0;
    for (size_t i = begin; i < end; ++i) s += term(i);
    partial[static_cast<size_t>(c)] = s;
  }
  double total = 0;
  for (double p : partial) total += p;
  return total;
}

/// CVaR_α of `population` values of which value(0..n−1) are given (n = population, or a subset known
/// to hold every value from VaR up), exactly (see reinsure.hpp).  The values at or above a threshold
/// taken from a fixed subsample are gathered in chunk order and the VaR is selected among them; when
/// too few pass (the subsample misjudged the tail) every value is gathered.
template <class Value>
double cvar_of(size_t n, size_t population, double alpha, int threads, const Value& value, double* var_out) {
  const size_t k = var_rank(population, alpha);
  const size_t tail = population - k + 1;  // the values from VaR up
  double threshold = -kInf;
  const size_t sub_size = std::min(kSubsample, n / 8);
  if (n >= 4096 && tail * 16 < n) {
    const size_t stride = n / sub_size;
    std::vector<double> sub(sub_size);
    for (size_t j = 0; j < sub_size; ++j) sub[j] = value(j * stride);
    // aim at about twice the tail plus a margin of several standard deviations of the count
    const double keep = std::min(1.0, (2.0 * tail + 8.0 * std::sqrt(static_cast<double>(tail)) + 256.0) / n);
    const size_t at = static_cast<size_t>((1.0 - keep) * static_cast<double>(sub_size - 1));
    std::nth_element(sub.begin(), sub.begin() + static_cast<long>(at), sub.end());
    threshold = sub[at];
  }
  const size_t chunks = chunk_count(n);
  std::vector<double> kept;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<std::vector<double>> per_chunk(chunks);
#pragma omp parallel for schedule(static) num_threads(thread_count(threads))
    for (long long c = 0; c < static_cast<long long>(chunks); ++c) {
      const size_t begin = static_cast<size_t>(c) * kChunk, end = std::min(n, begin + kChunk);
      std::vector<double>& out = per_chunk[static_cast<size_t>(c)];
      for (size_t i = begin; i < end; ++i) {
        const double v = value(i);
        if (v >= threshold) out.push_back(v);
      }
    }
    size_t total = 0;
    for (const auto& v : per_chunk) total += v.size();
    if (total < tail) {  // the subsample's threshold was too high: gather everything
      threshold = -kInf;
      continue;
    }
    kept.reserve(total);
    for (const auto& v : per_chunk) kept.insert(kept.end(), v.begin(), v.end());
    break;
  }
  const auto var_at = kept.end() - static_cast<long>(tail);
  std::nth_element(kept.begin(), var_at, kept.end());
  const double var = *var_at;
  double excess = 0;
  for (auto it = var_at + 1; it != kept.end(); ++it) excess += *it - var;
  if (var_out) *var_out = var;
  return var + excess / ((1.0 - alpha) * static_cast<double>(population));
}

/// Population variance of value(0..n−1), two passes (mean, then squared deviations).
template <class Value>
double variance_of(size_t n, int threads, const Value& value) {
  const double mean = chunked_sum(n, threads, value) / static_cast<double>(n);
  return chunked_sum(n, threads,
                     [&](size_t i) {
                       const double d = value(i) - mean;
                       return d * d;
                     }) /
         static_cast<double>(n);
}

}  // namespace sample_risk
}  // namespace rateopt
