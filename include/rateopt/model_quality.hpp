// The model-quality loss-ratio formulas (SPEC §4.3), shared by the optimiser's adjusted lr_max
// (SPEC §1.5) and the model-quality tool.
#pragma once

#include <cmath>

namespace rateopt {

/// LR(ρ, CV, η, M) = (1/M)·[(1 + ρ²/CV²) / (ρ²·(1 + 1/CV²))]^((2η−1)/2), and 1/M when ρ ≥ 0.999.
/// ρ: correlation of the pricing model with true risk (0,1]; CV: coefficient of variation of claims;
/// η: demand sensitivity to price error; M: target margin multiple.
inline double model_quality_loss_ratio(double rho, double cv, double eta, double margin) {
  if (rho >= 0.999) return 1.0 / margin;
  const double r2 = rho * rho, c2 = cv * cv;
  return (1.0 / margin) * std::pow((1.0 + r2 / c2) / (r2 * (1.0 + 1.0 / c2)), (2.0 * eta - 1.0) / 2.0);
}

/// Loss-ratio error E = LR(ρ, CV, η, 1) − 1.
inline double model_quality_lr_error(double rho, double cv, double eta = 1.0) {
  return model_quality_loss_ratio(rho, cv, eta, 1.0) - 1.0;
}

}  // namespace rateopt
