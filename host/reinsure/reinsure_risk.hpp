// The one operation the reinsurance search repeats: the risk of base + min(marginal, retention) over S
// samples, for many trial retentions.  A CPU evaluator (threads) and, in CUDA builds, a GPU one behind
// the same small interface, so the search (host/reinsure/reinsure.cpp) is written once.
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "rateopt/reinsure.hpp"

namespace rateopt {

class RetainedRiskEvaluator {
 public:
  virtual ~RetainedRiskEvaluator() = default;
  /// The samples of every line (loss[line][sample], the lines of equal length), for the whole search: the
  /// CPU evaluator keeps a reference (the caller keeps them alive and unchanged), the GPU one copies them to
  /// the device once.
  virtual void set_lines(const std::vector<std::vector<double>>& loss) = 0;
  /// Prepares risk() for retentions d of the lines (d[marginal] unused): base[s] = Σ_{i ≠ marginal}
  /// min(X_i[s], d_i), added in line order (so both evaluators hold the same doubles), and X_marginal.
  virtual void load(const std::vector<double>& d, size_t marginal) = 0;
  /// ρ(base + min(marginal, retention)); retention = +∞ keeps the marginal line whole.  For CVaR,
  /// *var_out (when given) gets VaR_α; for the variance, NaN.
  virtual double risk(double retention, double* var_out = nullptr) = 0;
  /// A promise that later calls (until clear_restriction or load) use retentions ≥ `retention`, made
  /// right after risk(retention).  An evaluator may use it to skip samples that cannot reach the tail
  /// (the CPU one does, for CVaR); the answers do not change.
  virtual void restrict_to_retentions_from(double retention) { (void)retention; }
  virtual void clear_restriction() {}
  /// "cpu" or "cuda".
  virtual std::string backend() const = 0;
};

std::unique_ptr<RetainedRiskEvaluator> make_cpu_risk_evaluator(RiskMeasure measure, double alpha, int threads);

/// Defined in kernels/reinsure_cuda.cu, in CUDA builds only: the samples resident on the device, the tail
/// selected by a subsample's threshold (as on the CPU) and only it sorted for VaR, device reductions for
/// the excess (or the variance).  Throws DeviceError when the samples do not fit.
std::unique_ptr<RetainedRiskEvaluator> make_cuda_risk_evaluator(RiskMeasure measure, double alpha);

/// The index ⌈α·S⌉ (1-based) of VaR_α among S sorted values, clamped to [1, S]; shared by both
/// evaluators so that they pick the same order statistic.
inline size_t var_rank(size_t samples, double alpha) {
  // ⌈α·S⌉ with a relative guard, so that α·S which is an integer in exact arithmetic (0.995·1000) but
  // rounds up a little in floating point is not taken as the next rank
  const double s = static_cast<double>(samples);
  const double k = std::ceil(alpha * s - 1e-9 * (s > 1 ? s : 1.0));
  if (k < 1) return 1;
  if (k > s) return samples;
  return static_cast<size_t>(k);
}

}  // namespace rateopt
