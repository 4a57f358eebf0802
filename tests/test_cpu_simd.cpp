// The CPU backend's vector passes (host/optimise/backend/cpu_simd.cpp) against its scalar passes, on
// every instruction set compiled in that this machine runs (AVX-512, AVX2, SSE4, the plain C++ one):
// every field of every pass kind, both demand models, no / two / fifty fairness groups, sizes that
// leave remainders for the scalar pass.  Agreement is to 1e-12 (relative; the vector exp and log
// differ from the C library's by a few units in the last place).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "backend_test_util.hpp"
#include "optimise/backend/backend.hpp"
#include "optimise/backend/cpu_simd.hpp"

namespace rateopt {
namespace {

using backend_test::expect_same_sums;
using backend_test::grouped_policies;

// Restores the dispatch to the machine's best instruction set when a test ends, failed or not.
struct OnlyTarget {
  explicit OnlyTarget(const std::string& name) { simd::use_only_target(name); }
  ~OnlyTarget() { simd::use_only_target(""); }
};

// Every pass kind of the vector passes against the scalar passes.  The Newton passes are compared at
// random multipliers inside the box, where the gradients are of the size of their terms; at the argmax
// (a stationary point) the gradient is round-off, so the largest projected gradient is compared to the
// size of the prices there.  Everything else agrees to 1e-12 relative.
void expect_vector_matches_scalar(Backend& vector, Backend& scalar, const PolicyArrays& pa) {
  const int K = pa.basis_size();
  const size_t n = pa.size();
  vector.upload(pa);
  scalar.upload(pa);
  std::vector<double> omega(K, 0.0), z(K, 0.0);
  omega[0] = 1.0, omega[1] = -1.1, omega[2] = -1.0, omega[3] = 30.0, omega[4] = -1e-4;
  for (int g = 0; g < pa.n_groups; ++g) omega[5 + 3 * g] = (g % 2 ? 0.02 : -0.03), omega[6 + 3 * g] = 0.001 * g;
  z[0] = 1e-4, z[3] = -2e-3;
  double price_scale = 0;
  for (double w : omega) price_scale += std::fabs(w);

  std::mt19937_64 rng(n);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> m(n), mv, ms;
  for (size_t i = 0; i < n; ++i) m[i] = pa.lb[i] + u(rng) * (pa.ub[i] - pa.lb[i]);
  if (n > 2) m[1] = pa.lb[1], m[2] = pa.ub[2];  // on the bounds: held or free by the gradient's sign
  vector.set_multipliers(m);
  scalar.set_multipliers(m);
  PassSums a, b;
  vector.evaluate(a), scalar.evaluate(b);
  expect_same_sums(a, b, "evaluate");
  vector.newton_system(omega, a), scalar.newton_system(omega, b);
  expect_same_sums(a, b, "newton_system");
  vector.newton_trial(omega, z, 0.5, a), scalar.newton_trial(omega, z, 0.5, b);
  expect_same_sums(a, b, "newton_trial");
  vector.accept_trial(), scalar.accept_trial();
  vector.get_multipliers(mv), scalar.get_multipliers(ms);
  ASSERT_EQ(mv.size(), n);
  for (size_t i = 0; i < n; ++i) ASSERT_LE(backend_test::rel(mv[i], ms[i]), 1e-12) << "trial multiplier " << i;
  for (bool curvature : {false, true}) {
    vector.lagrangian_argmax(omega, curvature, a), scalar.lagrangian_argmax(omega, curvature, b);
    expect_same_sums(a, b, curvature ? "argmax with curvature" : "argmax", price_scale);
  }
  vector.accept_trial(), scalar.accept_trial();
  vector.get_multipliers(mv), scalar.get_multipliers(ms);
  for (size_t i = 0; i < n; ++i) ASSERT_LE(backend_test::rel(mv[i], ms[i]), 1e-12) << "argmax multiplier " << i;
  EXPECT_EQ(vector.passes(), scalar.passes());
}

TEST(CpuVectorPasses, EveryPassMatchesTheScalarPassesOnEveryInstructionSet) {
  const std::vector<std::string> targets = simd::runnable_targets();
  ASSERT_FALSE(targets.empty());
  for (const std::string& target : targets) {
    SCOPED_TRACE("instruction set " + target);
    OnlyTarget only(target);
    ASSERT_EQ(simd::target_name(), target);
    for (size_t n : {size_t{1}, size_t{3}, size_t{7}, size_t{17}, size_t{1000}, size_t{1003}, size_t{16387}})
      for (int groups : {0, 2, 50})
        for (bool logistic : {false, true}) {
          SCOPED_TRACE("n " + std::to_string(n) + " groups " + std::to_string(groups) + (logistic ? " logistic" : ""));
          const PolicyArrays pa = grouped_policies(n, groups, logistic);
          auto vector = make_cpu_backend(2, CpuPasses::vector);
          auto scalar = make_cpu_backend(1, CpuPasses::scalar);
          EXPECT_EQ(vector->device_name(), target + ", 2 threads");
          expect_vector_matches_scalar(*vector, *scalar, pa);
        }
  }
}

TEST(CpuVectorPasses, TheMachinesBestInstructionSetIsUsedAndNamed) {
  const std::vector<std::string> targets = simd::runnable_targets();
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(simd::target_name(), targets.front());
  EXPECT_EQ(make_cpu_backend(1)->device_name(), targets.front() + ", 1 thread");
  EXPECT_EQ(make_cpu_backend(3, CpuPasses::scalar)->device_name(), "scalar, 3 threads");
  EXPECT_THROW(simd::use_only_target("no such instruction set"), std::invalid_argument);
  EXPECT_EQ(simd::target_name(), targets.front());
}

}  // namespace
}  // namespace rateopt
