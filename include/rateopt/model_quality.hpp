// The model-quality loss-ratio formulas (SPEC §4.3), shared by the optimiser's adjusted lr_max
// (SPEC §1.5) and the model-quality tool.
#pragma once

#include <cmath>
#include <optional>

#include "rateopt/math/root_find.hpp"
#include "rateopt/option_table.hpp"

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

/// The loss-ratio factor of a pure premium priced as frequency × severity, each from its own model
/// (ρ_f, CV_f) and (ρ_s, CV_s): LR_fs = (1/M)·F(ρ_f, CV_f, η)·F(ρ_s, CV_s, η) with F(ρ, CV, η) =
/// LR(ρ, CV, η, 1) = 1 + E.  Why a product: §4.3's factor is the loss-ratio inflation caused by pricing
/// with an imperfect model, and it acts on the price multiplicatively (LR = F/M).  The pure premium is
/// frequency × severity, so a frequency-model error and an independent severity-model error multiply the
/// price; the inflation of each component passes through to the product, and the factors multiply
/// (1 + E_fs = (1 + E_f)(1 + E_s)).  The rule keeps §4.3's fixed points: both models perfect (ρ ≥ 0.999)
/// gives 1/M, and one perfect model gives the other's single-model LR.
inline double model_quality_loss_ratio_freq_sev(double rho_f, double cv_f, double rho_s, double cv_s, double eta,
                                                double margin) {
  return model_quality_loss_ratio(rho_f, cv_f, eta, 1.0) * model_quality_loss_ratio(rho_s, cv_s, eta, 1.0) / margin;
}

/// η such that LR(ρ, CV, η, M) = lr_observed, by Brent's method on [eta_lo, eta_hi] to 1e-12; nullopt
/// when no η in the bracket gives it (in particular ρ ≥ 0.999, where LR = 1/M for every η).  LR is
/// exp-linear in η, so the closed form η = 1/2 + ln(lr·M)/ln(B), B the bracketed ratio of §4.3, checks it.
inline std::optional<double> calibrate_model_quality_eta(double rho, double cv, double margin, double lr_observed,
                                                         double eta_lo = -20.0, double eta_hi = 20.0) {
  if (rho >= 0.999 || !(lr_observed > 0)) return std::nullopt;
  const auto f = [&](double eta) { return std::log(model_quality_loss_ratio(rho, cv, eta, margin) / lr_observed); };
  const auto root = brent_root(f, eta_lo, eta_hi, 1e-13);
  if (!root) return std::nullopt;
  return root->root;
}

/// The correlation ρ at which LR(ρ, CV, η, M) = lr_target, by Brent's method on (0, 0.999); nullopt when
/// the target is not reached on that range (e.g. below 1/M, which needs a perfect model).
inline std::optional<double> model_quality_rho_for_target(double cv, double eta, double margin, double lr_target) {
  if (!(lr_target > 0)) return std::nullopt;
  const auto f = [&](double rho) { return std::log(model_quality_loss_ratio(rho, cv, eta, margin) / lr_target); };
  const auto root = brent_root(f, 1e-6, 0.999 - 1e-12, 1e-13);
  if (!root) return std::nullopt;
  return root->root;
}

/// What `rateopt model-quality` computes: the loss ratio of one model (rho, cv) with its improvement
/// table and, given lr_target, the margin and ρ that reach it; η calibrated from an observed loss ratio
/// (calibrate_eta); or the frequency–severity product (rho_f, cv_f, rho_s, cv_s).
struct ModelQualityOptions {
  std::optional<double> rho, cv;  ///< the model's correlation with true risk, the claims' CV
  double eta = 1.0;               ///< demand sensitivity to price error
  double margin = 1.0;            ///< target margin multiple M
  std::optional<double> lr_target;
  bool calibrate_eta = false;
  std::optional<double> lr_observed;               ///< for calibrate_eta
  std::optional<double> rho_f, rho_s, cv_f, cv_s;  ///< the frequency and severity models
  bool frequency_severity() const { return rho_f || rho_s || cv_f || cv_s; }
  /// The table's bounds, then what the chosen computation needs (InputError naming the option).
  void validate() const;
};
template <class F>
void visit_options(ModelQualityOptions& o, F&& f) {
  const Bounds rho = in_range(0, 1, true, false), cv = above(0);
  f(OptionRow{"rho", "correlation of the pricing model with true risk", rho}, o.rho);
  f(OptionRow{"cv", "coefficient of variation of claims", cv}, o.cv);
  f(OptionRow{"eta", "demand sensitivity to price error"}, o.eta);
  f(OptionRow{"margin", "target margin multiple M", above(0)}, o.margin);
  f(OptionRow{"lr_target", "target loss ratio: the margin and the ρ that reach it", above(0)}, o.lr_target);
  f(OptionRow{"calibrate_eta", "find η from --lr-observed (with --rho, --cv, --margin)"}, o.calibrate_eta);
  f(OptionRow{"lr_observed", "observed loss ratio for --calibrate-eta", above(0)}, o.lr_observed);
  f(OptionRow{"rho_f", "frequency model ρ (frequency–severity product)", rho}, o.rho_f);
  f(OptionRow{"rho_s", "severity model ρ", rho}, o.rho_s);
  f(OptionRow{"cv_f", "frequency CV", cv}, o.cv_f);
  f(OptionRow{"cv_s", "severity CV", cv}, o.cv_s);
}

}  // namespace rateopt
