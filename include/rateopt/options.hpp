// Options of a portfolio solve (SPEC §1.2–1.8), with in-class defaults.
//
// One table (visit_options) feeds the JSON config reader, the CLI flags, --help, validation messages
// and the audit echo: adding an option means adding one line there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rateopt {

struct Book;

struct OptimiseOptions {
  // --- model (SPEC §1.2, §1.3)
  std::string demand_model = "log_linear";  ///< log_linear | logistic
  std::string objective = "profit";         ///< profit | loss_ratio

  // --- per-policy bounds (SPEC §1.4), applied in this order
  double min_multiplier = 0.5;
  double max_multiplier = 3.0;
  bool technical_floor = true;
  std::optional<double> max_rate_change;  ///< δ: m within prior·[1−δ, 1+δ]
  std::optional<double> enbp_buffer;      ///< ENBP cap enbp/tc·(1−buffer) on renewals (0 when unset)

  // --- portfolio constraints (SPEC §1.5), all optional
  std::optional<double> lr_max;
  std::optional<double> lr_min;
  std::optional<double> gwp_min;
  std::optional<double> gwp_max;
  std::optional<double> retention_min;
  bool stochastic_lr = false;
  double stochastic_alpha = 0.90;
  bool model_quality_adjusted_lr = false;
  std::optional<double> model_rho;
  std::optional<double> model_cv_lambda;
  std::optional<double> fairness_max;
  std::string fairness_metric = "premium_disparity";  ///< premium_disparity | loss_ratio_disparity

  // --- solver (SPEC §1.6, §1.8)
  std::string device = "auto";  ///< auto | cpu | cuda
  int n_restarts = 0;           ///< extra solves from random starts (non-concave demand)
  uint64_t seed = 42;
  double tolerance = 1e-9;  ///< relative tolerance of every constraint at the answer
  int max_outer_iterations = 40;
  int max_passes = 2000;             ///< hard cap on passes over the book
  std::optional<double> time_limit;  ///< seconds
  int threads = 0;                   ///< CPU threads; 0 = all cores

  /// Throw InputError naming the option and the broken rule (e.g. "lr_min 0.7 must be < lr_max 0.6").
  void validate() const;
};

/// The peer's benchmark constraint set, used throughout the benchmarks and tests: lr_max 0.68,
/// retention_min 0.78, max_rate_change 0.25, enbp_buffer 0.01, everything else at its default.
inline OptimiseOptions benchmark_constraint_options() {
  OptimiseOptions o;
  o.lr_max = 0.68;
  o.retention_min = 0.78;
  o.max_rate_change = 0.25;
  o.enbp_buffer = 0.01;
  return o;
}

/// How an option is typed in the table.
enum class OptionKind { real, optional_real, boolean, integer, unsigned_integer, text };

/// One row of the option table.
struct OptionInfo {
  const char* key;  ///< JSON key; the CLI flag is --key with '-' for '_'
  OptionKind kind;
  const char* help;     ///< one line, units and default
  const char* choices;  ///< "a|b|c" for text options, "" otherwise
};

/// Calls f(info, field) for every option, in table order.  field is a reference to the member of the
/// matching type (double&, std::optional<double>&, bool&, int&, uint64_t&, std::string&).
template <class F>
void visit_options(OptimiseOptions& o, F&& f) {
  f(OptionInfo{"demand_model", OptionKind::text, "demand model (default log_linear)", "log_linear|logistic"},
    o.demand_model);
  f(OptionInfo{"objective", OptionKind::text, "maximise profit or minimise the loss ratio (default profit)",
               "profit|loss_ratio"},
    o.objective);
  f(OptionInfo{"min_multiplier", OptionKind::real, "lowest multiplier m = price/tc (default 0.5)", ""},
    o.min_multiplier);
  f(OptionInfo{"max_multiplier", OptionKind::real, "highest multiplier (default 3.0)", ""}, o.max_multiplier);
  f(OptionInfo{"technical_floor", OptionKind::boolean, "never price below the technical price (default true)", ""},
    o.technical_floor);
  f(OptionInfo{"max_rate_change", OptionKind::optional_real,
               "largest relative change from the prior multiplier, e.g. 0.25 (default none)", ""},
    o.max_rate_change);
  f(OptionInfo{"enbp_buffer", OptionKind::optional_real,
               "renewal price at most enbp·(1−buffer); setting it requires enbp on every renewal (default 0)", ""},
    o.enbp_buffer);
  f(OptionInfo{"lr_max", OptionKind::optional_real, "loss ratio C/G at most this (default none)", ""}, o.lr_max);
  f(OptionInfo{"lr_min", OptionKind::optional_real, "loss ratio at least this (default none)", ""}, o.lr_min);
  f(OptionInfo{"gwp_min", OptionKind::optional_real, "expected GWP at least this, money (default none)", ""},
    o.gwp_min);
  f(OptionInfo{"gwp_max", OptionKind::optional_real, "expected GWP at most this, money (default none)", ""}, o.gwp_max);
  f(OptionInfo{"retention_min", OptionKind::optional_real,
               "renewal volume retention at least this, in (0,1) (default none)", ""},
    o.retention_min);
  f(OptionInfo{"stochastic_lr", OptionKind::boolean,
               "test LR + z·σ ≤ lr_max instead of LR ≤ lr_max; needs claims_variance (default false)", ""},
    o.stochastic_lr);
  f(OptionInfo{"stochastic_alpha", OptionKind::real, "confidence α of the stochastic LR test (default 0.90)", ""},
    o.stochastic_alpha);
  f(OptionInfo{"model_quality_adjusted_lr", OptionKind::boolean,
               "relax lr_max by the model-quality loss-ratio error (default false)", ""},
    o.model_quality_adjusted_lr);
  f(OptionInfo{"model_rho", OptionKind::optional_real, "model correlation ρ in (0,1] for the adjustment", ""},
    o.model_rho);
  f(OptionInfo{"model_cv_lambda", OptionKind::optional_real,
               "claims CV for the adjustment (default max(std(c)/mean(c), 0.1))", ""},
    o.model_cv_lambda);
  f(OptionInfo{"fairness_max", OptionKind::optional_real, "largest disparity ratio between groups, ≥ 1", ""},
    o.fairness_max);
  f(OptionInfo{"fairness_metric", OptionKind::text, "disparity measure (default premium_disparity)",
               "premium_disparity|loss_ratio_disparity"},
    o.fairness_metric);
  f(OptionInfo{"device", OptionKind::text, "backend (default auto: GPU when usable, else CPU)", "auto|cpu|cuda"},
    o.device);
  f(OptionInfo{"n_restarts", OptionKind::integer, "extra solves from random starts (default 0)", ""}, o.n_restarts);
  f(OptionInfo{"seed", OptionKind::unsigned_integer, "seed of the restarts (default 42)", ""}, o.seed);
  f(OptionInfo{"tolerance", OptionKind::real, "relative constraint tolerance at the answer (default 1e-9)", ""},
    o.tolerance);
  f(OptionInfo{"max_outer_iterations", OptionKind::integer,
               "augmented-Lagrangian outer iterations at most (default 40)", ""},
    o.max_outer_iterations);
  f(OptionInfo{"max_passes", OptionKind::integer, "passes over the book at most (default 2000)", ""}, o.max_passes);
  f(OptionInfo{"time_limit", OptionKind::optional_real, "seconds before stopping with time_limit (default none)", ""},
    o.time_limit);
  f(OptionInfo{"threads", OptionKind::integer, "CPU threads, 0 = all cores (default 0)", ""}, o.threads);
}

/// Read options from a JSON config object (keys as in the table; unknown keys are errors naming file
/// and key).  Values already in `o` are the starting point.
void apply_options_json(OptimiseOptions& o, const std::string& json_text, const std::string& source);

/// The effective configuration, every option with its value (null for unset optionals), as JSON text.
std::string options_to_json(const OptimiseOptions& o);

}  // namespace rateopt
