// Per-policy math: every analytic derivative against central finite differences, and the certified
// global maximiser of h on a box against a dense grid.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "rateopt/math/policy_math.hpp"

using namespace rateopt::math;

namespace {

constexpr DemandKind kModels[] = {DemandKind::log_linear, DemandKind::logistic};

struct Params {
  double d0, d1;
};

// Demand parameters from a book-like (x0, ε).
Params params(DemandKind kind, double x0, double eps) {
  Params p{x0, eps};
  if (kind == DemandKind::logistic) logistic_parameters(x0, eps, p.d0, p.d1);
  return p;
}

double rel_err(double a, double b) { return std::fabs(a - b) / std::max(1.0, std::max(std::fabs(a), std::fabs(b))); }

}  // namespace

TEST(PolicyMath, LogisticParametersReproduceDemandAndElasticityAtTechnicalPrice) {
  for (double x0 : {0.55, 0.8, 0.95})
    for (double eps : {-4.0, -1.5, -0.3}) {
      const Params p = params(DemandKind::logistic, x0, eps);
      EXPECT_NEAR(demand_value(DemandKind::logistic, p.d0, p.d1, 1.0), x0, 1e-14);
      const Demand d = demand(DemandKind::logistic, p.d0, p.d1, 1.0);
      EXPECT_NEAR(d.dx * 1.0 / d.x, eps, 1e-12);  // d ln x / d ln m at m = 1
    }
}

TEST(PolicyMath, DemandDerivativesMatchFiniteDifferences) {
  for (DemandKind kind : kModels)
    for (double x0 : {0.6, 0.9})
      for (double eps : {-3.5, -1.0, -0.4, 0.3})
        for (double m : {0.6, 1.0, 1.37, 2.5}) {
          const Params p = params(kind, x0, eps);
          const double h = 1e-5 * m;
          const Demand d = demand(kind, p.d0, p.d1, m);
          const double fd1 = (demand_value(kind, p.d0, p.d1, m + h) - demand_value(kind, p.d0, p.d1, m - h)) / (2 * h);
          const double fd2 = (demand(kind, p.d0, p.d1, m + h).dx - demand(kind, p.d0, p.d1, m - h).dx) / (2 * h);
          EXPECT_NEAR(d.x, demand_value(kind, p.d0, p.d1, m), 1e-15);
          EXPECT_LT(rel_err(d.dx, fd1), 1e-8) << "kind " << int(kind) << " eps " << eps << " m " << m;
          EXPECT_LT(rel_err(d.d2x, fd2), 1e-7) << "kind " << int(kind) << " eps " << eps << " m " << m;
        }
}

TEST(PolicyMath, SeparableDerivativesMatchFiniteDifferences) {
  const Separable cases[] = {{700, -450, 0}, {700, -450, 3.5}, {-200, 100, -8}, {0, 300, 12}};
  for (DemandKind kind : kModels)
    for (const Separable& s : cases)
      for (double m : {0.8, 1.1, 1.9}) {
        const Params p = params(kind, 0.8, -1.7);
        const double h = 1e-5 * m;
        const SeparableValue v = separable_value(demand(kind, p.d0, p.d1, m), s, m);
        const double fd1 =
            (separable_h(kind, p.d0, p.d1, s, m + h) - separable_h(kind, p.d0, p.d1, s, m - h)) / (2 * h);
        const double fd2 =
            (separable_dh(kind, p.d0, p.d1, s, m + h) - separable_dh(kind, p.d0, p.d1, s, m - h)) / (2 * h);
        EXPECT_LT(std::fabs(v.dh - fd1) / (1 + std::fabs(fd1)), 1e-7);
        EXPECT_LT(std::fabs(v.d2h - fd2) / (1 + std::fabs(fd2)), 1e-6);
      }
}

TEST(PolicyMath, BasisDerivativesMatchFiniteDifferences) {
  const PolicyCoefficients pc{2 * 650.0, 2 * 420.0, 2 * 35.0, 2.0, 2 * 9e5};
  for (DemandKind kind : kModels)
    for (double m : {0.9, 1.2}) {
      const Params p = params(kind, 0.75, -2.2);
      const double h = 1e-6 * m;
      double jg[5], j3[3], tp[5], tp3[3], tm[5], tm3[3];
      basis_derivatives(pc, demand(kind, p.d0, p.d1, m), m, jg, j3);
      basis_terms(pc, demand_value(kind, p.d0, p.d1, m + h), m + h, tp, tp3);
      basis_terms(pc, demand_value(kind, p.d0, p.d1, m - h), m - h, tm, tm3);
      for (int k = 0; k < 5; ++k) EXPECT_LT(rel_err(jg[k], (tp[k] - tm[k]) / (2 * h)), 1e-7) << k;
      for (int k = 0; k < 3; ++k) EXPECT_LT(rel_err(j3[k], (tp3[k] - tm3[k]) / (2 * h)), 1e-7) << k;
    }
}

TEST(PolicyMath, PricesMapToSeparableCoefficients) {
  // h(m) = ω·φ(m) must equal x(Am+B)+Dm for any prices, with and without a group.
  const PolicyCoefficients pc{650.0, 420.0, 35.0, 1.0, 9e5};
  const double omega[] = {0.7, -1.3, -0.9, 2.1, -1e-6, 0.05, 0.3, -0.2, 0.11, -0.4, 0.6};
  const Params p = params(DemandKind::log_linear, 0.8, -1.9);
  for (int group : {-1, 0, 1}) {
    const double m = 1.23;
    const double x = demand_value(DemandKind::log_linear, p.d0, p.d1, m);
    double tg[5], t3[3];
    basis_terms(pc, x, m, tg, t3);
    double direct = 0;
    for (int k = 0; k < 5; ++k) direct += omega[k] * tg[k];
    if (group >= 0)
      for (int k = 0; k < 3; ++k) direct += omega[basis::group_premium(group) + k] * t3[k];
    const Separable s = separable_from_prices(pc, omega, group);
    EXPECT_NEAR(separable_h(DemandKind::log_linear, p.d0, p.d1, s, m), direct, 1e-9 * std::fabs(direct));
  }
}

// The certified maximiser must never lose to a dense grid, across random coefficients that include
// non-concave shapes, several stationary points (D ≠ 0) and maxima on either bound.
TEST(PolicyMath, SeparableArgmaxBeatsDenseGrid) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  int interior = 0;
  for (DemandKind kind : kModels)
    for (int trial = 0; trial < 3000; ++trial) {
      const double x0 = 0.5 + 0.45 * u(rng);
      const double eps = -4.0 + 4.5 * u(rng);  // includes −1 < ε < 0 and ε > 0
      const Params p = params(kind, x0, eps);
      Separable s;
      s.A = (u(rng) < 0.85 ? 1.0 : -1.0) * 1000 * u(rng);
      s.B = -1500 * u(rng) + 300 * u(rng);
      s.D = u(rng) < 0.3 ? 0.0 : (u(rng) - 0.5) * 600;
      const double lb = 0.5 + u(rng), ub = lb + 2.0 * u(rng);
      const double m = separable_argmax(kind, p.d0, p.d1, s, lb, ub);
      ASSERT_GE(m, lb);
      ASSERT_LE(m, ub);
      const double hm = separable_h(kind, p.d0, p.d1, s, m);
      double best = -1e300;
      const int grid = 4000;
      for (int k = 0; k <= grid; ++k)
        best = std::max(best, separable_h(kind, p.d0, p.d1, s, lb + (ub - lb) * k / grid));
      ASSERT_GE(hm, best - 1e-12 * (1 + std::fabs(best)))
          << "kind " << int(kind) << " x0 " << x0 << " eps " << eps << " A " << s.A << " B " << s.B << " D " << s.D
          << " box [" << lb << "," << ub << "] m " << m;
      if (m > lb && m < ub) {
        ++interior;
        EXPECT_LT(std::fabs(separable_dh(kind, p.d0, p.d1, s, m)),
                  1e-8 * (std::fabs(s.A) + std::fabs(s.B) + std::fabs(s.D)));
      }
    }
  EXPECT_GT(interior, 1000);  // the test exercised interior maxima, not only bounds
}
