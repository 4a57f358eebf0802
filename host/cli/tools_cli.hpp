// The `reinsure` and `model-quality` subcommands (SPEC §4.2, §4.3): their arguments as main.cpp parses
// them, and one run function each (exit code as SPEC §5; errors thrown as rateopt::Error).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rateopt {

struct ReinsureArgs {
  std::string lines, samples, correlation, out_dir;
  size_t simulate = 0;  ///< 0: read --samples instead
  uint64_t seed = 42;
  std::string measure = "cvar", objective = "cost", device = "auto";
  double alpha = 0.995;
  std::optional<double> budget;
  int frontier = 0, threads = 0;
  bool as_json = false, force = false;
};
int run_reinsure(const ReinsureArgs& a);

struct ModelQualityArgs {
  std::optional<double> rho, cv, rho_f, rho_s, cv_f, cv_s, lr_target, lr_observed;
  double eta = 1.0, margin = 1.0;
  bool calibrate_eta = false, as_json = false;
};
int run_model_quality(const ModelQualityArgs& a);

}  // namespace rateopt
