// exp, log and pow throughput of libm, Google Highway, SLEEF and xsimd on one core (AVX2), the measurement
// that chose Highway for the CPU passes (bench/results/cpu_simd_2026-11-27.md).  Not part of the build:
//   g++ -O2 -std=c++17 -march=native bench/mathlib_throughput.cpp $(pkg-config --cflags --libs libhwy sleef)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>
#include <algorithm>
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
#include <sleef.h>
#include <xsimd/xsimd.hpp>
namespace hn = hwy::HWY_NAMESPACE;
using Clock = std::chrono::steady_clock;
constexpr size_t N = 4096;
template <class F> double best_ns(F f) {
  std::vector<double> t;
  for (int r = 0; r < 200; ++r) { auto a = Clock::now(); f(); t.push_back(std::chrono::duration<double>(Clock::now() - a).count()); }
  std::sort(t.begin(), t.end()); return t[t.size()/10] * 1e9 / N;
}
int main() {
  std::vector<double> m(N), e(N), out(N);
  for (size_t i = 0; i < N; ++i) { m[i] = 0.5 + 2.5 * (i % 1000) / 1000.0; e[i] = -1.0 - 3.0 * (i % 777) / 777.0; }
  const hn::ScalableTag<double> d;
  printf("lanes %zu target %s\n", hn::Lanes(d), hwy::TargetName(HWY_TARGET));
  double t0 = best_ns([&] { for (size_t i = 0; i < N; ++i) out[i] = std::exp(e[i]); });
  double t1 = best_ns([&] { for (size_t i = 0; i < N; ++i) out[i] = std::log(m[i]); });
  double t2 = best_ns([&] { for (size_t i = 0; i < N; i += hn::Lanes(d)) hn::StoreU(hn::Exp(d, hn::LoadU(d, &e[i])), d, &out[i]); });
  double t3 = best_ns([&] { for (size_t i = 0; i < N; i += hn::Lanes(d)) hn::StoreU(hn::Log(d, hn::LoadU(d, &m[i])), d, &out[i]); });
  double t4 = best_ns([&] { for (size_t i = 0; i < N; i += 4) _mm256_storeu_pd(&out[i], Sleef_expd4_u10avx2(_mm256_loadu_pd(&e[i]))); });
  double t5 = best_ns([&] { for (size_t i = 0; i < N; i += 4) _mm256_storeu_pd(&out[i], Sleef_logd4_u10avx2(_mm256_loadu_pd(&m[i]))); });
  using B = xsimd::batch<double, xsimd::avx2>;
  double t6 = best_ns([&] { for (size_t i = 0; i < N; i += B::size) xsimd::exp(B::load_unaligned(&e[i])).store_unaligned(&out[i]); });
  double t7 = best_ns([&] { for (size_t i = 0; i < N; i += B::size) xsimd::log(B::load_unaligned(&m[i])).store_unaligned(&out[i]); });
  double t8 = best_ns([&] { for (size_t i = 0; i < N; i += 4) _mm256_storeu_pd(&out[i], Sleef_powd4_u10avx2(_mm256_loadu_pd(&m[i]), _mm256_loadu_pd(&e[i]))); });
  double t9 = best_ns([&] { for (size_t i = 0; i < N; i += B::size) xsimd::pow(B::load_unaligned(&m[i]), B::load_unaligned(&e[i])).store_unaligned(&out[i]); });
  double t10 = best_ns([&] { for (size_t i = 0; i < N; ++i) out[i] = std::pow(m[i], e[i]); });
  printf("ns/elem (4096 doubles in L1, 10th percentile of 200):\n  exp: libm %.2f  Highway %.2f  SLEEF %.2f  xsimd %.2f\n  log: libm %.2f  Highway %.2f  SLEEF %.2f  xsimd %.2f\n  pow: libm %.2f  SLEEF %.2f  xsimd %.2f\n", t0, t2, t4, t6, t1, t3, t5, t7, t10, t8, t9);
}
