// Helpers of the backend conformance tests (test_backend.cpp, test_cpu_simd.cpp): a book with fairness
// groups, and every field of every pass kind of one backend against another's.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "optimise/backend/backend.hpp"
#include "optimise/problem.hpp"
#include "rateopt/book.hpp"
#include "rateopt/solve.hpp"

namespace rateopt {
namespace backend_test {

inline double rel(double a, double b) { return std::fabs(a - b) / std::max({1e-300, std::fabs(a), std::fabs(b)}); }

// A book with groups 0..n_groups-1 assigned in turn, one group (the middle one) left empty when there
// are more than two: the prepared benchmark book with its fairness basis replaced.
inline PolicyArrays grouped_policies(size_t n, int n_groups, bool logistic) {
  const Book book = generate_book(n, 4000 + n, BookProfile::benchmark);
  OptimiseOptions o;
  o.device = Device::cpu;
  o.max_rate_change = 0.25;
  if (logistic) o.demand_model = DemandModel::logistic;
  SolveResult res;
  PolicyArrays pa = prepare_problem(book, o, res).policies;
  pa.n_groups = n_groups;
  const int empty = n_groups > 2 ? n_groups / 2 : -1;
  pa.group.assign(n, -1);
  for (size_t i = 0; i < n && n_groups > 0; ++i) {
    const int g = static_cast<int>(i % static_cast<size_t>(n_groups));
    pa.group[i] = g == empty ? (g + 1) % n_groups : g;
  }
  return pa;
}

// gradient_scale > 0: the largest projected gradient is compared to tol · gradient_scale instead of
// relatively (at a stationary point it is round-off, which two exp implementations round differently).
inline void expect_same_sums(const PassSums& a, const PassSums& b, const std::string& pass, double gradient_scale = 0) {
  SCOPED_TRACE(pass);
  constexpr double tol = 1e-12;
  ASSERT_EQ(a.T.size(), b.T.size());
  for (size_t k = 0; k < a.T.size(); ++k) EXPECT_LE(rel(a.T[k], b.T[k]), tol) << "T[" << k << "]";
  EXPECT_LE(rel(a.h_sum, b.h_sum), tol) << "h_sum";
  ASSERT_EQ(a.curvature.size(), b.curvature.size());
  // an entry that cancels to round-off is compared against the scale of its row's diagonal
  const size_t K = a.T.size();
  for (size_t r = 0; r < K; ++r)
    for (size_t c = 0; c < K; ++c) {
      const double scale = std::sqrt(std::fabs(b.curvature[r * K + r] * b.curvature[c * K + c]));
      EXPECT_LE(std::fabs(a.curvature[r * K + c] - b.curvature[r * K + c]), tol * scale + 1e-300)
          << "curvature[" << r << "][" << c << "]";
      EXPECT_LE(std::fabs(a.curvature[r * K + c] - a.curvature[c * K + r]), tol * scale + 1e-300)
          << "curvature symmetry " << r << "," << c;
    }
  // |r_k| ≤ sqrt(curvature_kk · g_dinv_g) (Cauchy–Schwarz) bounds the scale of a cancelling r_k
  for (size_t k = 0; k < a.r.size(); ++k)
    EXPECT_LE(std::fabs(a.r[k] - b.r[k]), tol * std::sqrt(std::fabs(b.curvature[k * K + k] * b.g_dinv_g)) + 1e-300)
        << "r[" << k << "]";
  EXPECT_LE(rel(a.g_dinv_g, b.g_dinv_g), tol) << "g_dinv_g";
  if (gradient_scale > 0)
    EXPECT_LE(std::fabs(a.max_projected_gradient - b.max_projected_gradient), tol * gradient_scale)
        << "max_projected_gradient";
  else
    EXPECT_LE(rel(a.max_projected_gradient, b.max_projected_gradient), tol) << "max_projected_gradient";
  EXPECT_EQ(a.n_free, b.n_free) << "n_free";
}

// Every field of every pass kind of be against ref on the same book: evaluate at lb, argmax with and
// without curvature, a Newton system and trial from the argmax point, evaluate at the trial; the
// argmax and trial multipliers must agree too.
inline void expect_every_pass_agrees(Backend& be, Backend& ref, const PolicyArrays& pa) {
  const int K = pa.basis_size();
  const int groups = pa.n_groups;
  const size_t n = pa.size();
  ref.upload(pa);
  be.upload(pa);
  std::vector<double> omega(K, 0.0), z(K, 0.0);
  omega[0] = 1.0, omega[1] = -1.1, omega[2] = -1.0, omega[3] = 30.0, omega[4] = -1e-4;
  for (int g = 0; g < groups; ++g) omega[5 + 3 * g] = (g % 2 ? 0.02 : -0.03), omega[6 + 3 * g] = 0.001 * g;
  z[0] = 1e-4, z[3] = -2e-3;
  PassSums a, b;
  std::vector<double> ma, mb;
  be.evaluate(a), ref.evaluate(b);
  expect_same_sums(a, b, "evaluate at lb");
  for (bool curvature : {false, true}) {
    be.lagrangian_argmax(omega, curvature, a), ref.lagrangian_argmax(omega, curvature, b);
    expect_same_sums(a, b, curvature ? "argmax with curvature" : "argmax");
  }
  be.accept_trial(), ref.accept_trial();
  be.get_multipliers(ma), ref.get_multipliers(mb);
  ASSERT_EQ(ma.size(), n);
  for (size_t i = 0; i < n; ++i) ASSERT_LE(rel(ma[i], mb[i]), 1e-12) << "argmax multiplier " << i;
  be.newton_system(omega, a), ref.newton_system(omega, b);
  expect_same_sums(a, b, "newton_system");
  be.newton_trial(omega, z, 0.5, a), ref.newton_trial(omega, z, 0.5, b);
  expect_same_sums(a, b, "newton_trial");
  be.accept_trial(), ref.accept_trial();
  be.get_multipliers(ma), ref.get_multipliers(mb);
  for (size_t i = 0; i < n; ++i) ASSERT_LE(rel(ma[i], mb[i]), 1e-12) << "trial multiplier " << i;
  be.evaluate(a), ref.evaluate(b);
  expect_same_sums(a, b, "evaluate at the trial");
  EXPECT_EQ(be.passes(), ref.passes());
}

}  // namespace backend_test
}  // namespace rateopt
