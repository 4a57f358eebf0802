// `rateopt reinsure` and `rateopt model-quality` (SPEC §4.2, §4.3): option checks, inputs, the run,
// the files and the one-screen summary (or --json).
#include "cli/tools_cli.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "io/files.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/model_quality.hpp"
#include "rateopt/reinsure.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError("option " + message);
}

}  // namespace

int run_reinsure(const ReinsureArgs& a) {
  ReinsuranceOptions o;
  require(a.measure == "cvar" || a.measure == "variance", "--measure = \"" + a.measure + "\" must be cvar or variance");
  o.measure = a.measure == "cvar" ? RiskMeasure::cvar : RiskMeasure::variance;
  require(a.objective == "cost" || a.objective == "premium",
          "--objective = \"" + a.objective + "\" must be cost or premium");
  o.objective = a.objective == "cost" ? CessionObjective::cost : CessionObjective::premium;
  o.alpha = a.alpha;
  require(a.budget.has_value(), "--budget is required");
  o.budget = *a.budget;
  o.frontier_points = a.frontier;
  const std::optional<Device> device = enum_from_name<Device>(a.device);
  require(device.has_value(), "device = \"" + a.device + "\" must be one of " + enum_choices<Device>());
  o.device = *device;
  o.threads = a.threads;
  o.validate();
  require(a.samples.empty() != (a.simulate == 0), "give exactly one of --samples FILE and --simulate N");
  require(a.correlation.empty() || a.simulate > 0, "--correlation applies to --simulate only");
  check_output_dir(a.out_dir, reinsurance_output_names(a.frontier > 0), a.force);

  const std::vector<ReinsuranceLine> lines = read_reinsurance_lines(a.lines);
  std::vector<std::pair<std::string, std::string>> inputs{{"lines", a.lines}};
  LossSamples samples;
  std::string source;
  if (!a.samples.empty()) {
    samples = read_loss_samples(a.samples, lines);
    inputs.emplace_back("samples", a.samples);
    source = "file " + a.samples;
  } else {
    std::vector<double> correlation;
    if (!a.correlation.empty()) {
      correlation = read_correlation_csv(a.correlation, lines);
      inputs.emplace_back("correlation", a.correlation);
    }
    samples = simulate_losses(lines, correlation, a.simulate, a.seed, a.threads);
    source = "simulated: " + std::to_string(a.simulate) + " lognormal samples per line, seed " +
             std::to_string(a.seed) +
             (a.correlation.empty() ? ", independent lines" : ", Gaussian copula " + a.correlation);
  }
  ReinsuranceResult r = optimise_reinsurance(lines, samples, o);
  r.sample_source = source;
  r.input_files = inputs;
  write_reinsurance_outputs(a.out_dir, r, a.force);
  if (a.as_json) {
    std::cout << reinsurance_json(r) << "\n";
    return 0;
  }
  const bool cvar = o.measure == RiskMeasure::cvar;
  char measure[64];
  snprintf(measure, sizeof measure, cvar ? "CVaR at %g" : "variance", o.alpha);
  std::printf("Reinsurance cession, %s, budget %.6g, %zu samples (%s), %d evaluations, %.3f s (%s)\n", measure,
              o.budget, r.samples, source.c_str(), r.evaluations, r.seconds, r.backend_used.c_str());
  std::printf("%s\n", r.message.c_str());
  std::printf("%-16s %5s %8s %6s %14s %14s %14s %14s %9s\n", "line", "order", "loading", "ceded", "retention",
              "E[loss]", "E[ceded]", "premium", "rate");
  for (const LineCession& c : r.lines)
    std::printf("%-16s %5d %8.4f %6s %14s %14.6g %14.6g %14.6g %8.3f%%\n", c.name.c_str(), c.order, c.safety_loading,
                c.ceded ? "yes" : "no", c.retention ? std::to_string(*c.retention).c_str() : "none", c.expected_loss,
                c.expected_ceded_loss, c.ceded_premium, 100.0 * c.cession_rate);
  std::printf(
      "total ceded premium %.6g (cost over expected recoveries %.6g); retained %s %.6g; unceded %.6g; least "
      "reachable %.6g\n",
      r.total_ceded_premium, r.total_cession_cost, cvar ? "CVaR" : "variance", r.retained_risk, r.unceded_risk,
      r.least_reachable_risk);
  std::cout << "wrote " << a.out_dir << "/reinsurance_lines.csv"
            << (a.frontier > 0 ? ", reinsurance_frontier.csv, reinsurance_frontier.svg" : "") << " and result.json\n";
  return 0;
}

int run_model_quality(const ModelQualityArgs& a) {
  const auto check_rho = [](const std::optional<double>& v, const char* flag) {
    require(v.has_value(), std::string(flag) + " is required");
    require(std::isfinite(*v) && *v > 0 && *v <= 1, std::string(flag) + " must be in (0, 1]");
  };
  const auto check_cv = [](const std::optional<double>& v, const char* flag) {
    require(v.has_value(), std::string(flag) + " is required");
    require(std::isfinite(*v) && *v > 0, std::string(flag) + " must be a finite number > 0");
  };
  require(std::isfinite(a.eta), "--eta must be finite");
  require(std::isfinite(a.margin) && a.margin > 0, "--margin must be a finite number > 0");
  if (a.lr_target) require(std::isfinite(*a.lr_target) && *a.lr_target > 0, "--lr-target must be > 0");
  const bool freq_sev = a.rho_f || a.rho_s || a.cv_f || a.cv_s;
  Json j;
  char line[256];
  std::string report;

  if (a.calibrate_eta) {
    require(!freq_sev, "--calibrate-eta takes --rho and --cv, not the frequency–severity pair");
    check_rho(a.rho, "--rho");
    check_cv(a.cv, "--cv");
    require(a.lr_observed.has_value(), "--calibrate-eta needs --lr-observed");
    require(std::isfinite(*a.lr_observed) && *a.lr_observed > 0, "--lr-observed must be > 0");
    require(*a.rho < 0.999, "--calibrate-eta needs --rho < 0.999 (at ρ ≥ 0.999 the loss ratio is 1/M for every η)");
    const auto eta = calibrate_model_quality_eta(*a.rho, *a.cv, a.margin, *a.lr_observed);
    if (!eta) {
      snprintf(line, sizeof line, "--lr-observed %.6g: no η in [-20, 20] gives it (LR is %.6g at η = -20, %.6g at 20)",
               *a.lr_observed, model_quality_loss_ratio(*a.rho, *a.cv, -20, a.margin),
               model_quality_loss_ratio(*a.rho, *a.cv, 20, a.margin));
      throw InputError(std::string("option ") + line);
    }
    const double check = model_quality_loss_ratio(*a.rho, *a.cv, *eta, a.margin);
    j = Json{{"mode", "calibrate_eta"},
             {"rho", *a.rho},
             {"cv", *a.cv},
             {"margin", a.margin},
             {"lr_observed", *a.lr_observed},
             {"eta", *eta},
             {"loss_ratio_at_eta", check}};
    snprintf(line, sizeof line, "calibrated η = %.9f: LR(ρ %.4g, CV %.4g, η, M %.4g) = %.9f (observed %.9f)\n", *eta,
             *a.rho, *a.cv, a.margin, check, *a.lr_observed);
    report += line;
  } else if (freq_sev) {
    check_rho(a.rho_f, "--rho-f");
    check_rho(a.rho_s, "--rho-s");
    check_cv(a.cv_f, "--cv-f");
    check_cv(a.cv_s, "--cv-s");
    const double lr_f = model_quality_loss_ratio(*a.rho_f, *a.cv_f, a.eta, 1.0);
    const double lr_s = model_quality_loss_ratio(*a.rho_s, *a.cv_s, a.eta, 1.0);
    const double lr = model_quality_loss_ratio_freq_sev(*a.rho_f, *a.cv_f, *a.rho_s, *a.cv_s, a.eta, a.margin);
    j = Json{{"mode", "frequency_severity"},
             {"rule", "LR = F(rho_f, cv_f, eta) * F(rho_s, cv_s, eta) / M, F = LR(rho, cv, eta, 1)"},
             {"eta", a.eta},
             {"margin", a.margin},
             {"frequency", Json{{"rho", *a.rho_f}, {"cv", *a.cv_f}, {"factor", lr_f}, {"lr_error", lr_f - 1}}},
             {"severity", Json{{"rho", *a.rho_s}, {"cv", *a.cv_s}, {"factor", lr_s}, {"lr_error", lr_s - 1}}},
             {"loss_ratio", lr},
             {"lr_error", lr_f * lr_s - 1}};
    snprintf(line, sizeof line,
             "frequency factor %.6f (ρ %.4g, CV %.4g), severity factor %.6f (ρ %.4g, CV %.4g), η %.4g\n", lr_f,
             *a.rho_f, *a.cv_f, lr_s, *a.rho_s, *a.cv_s, a.eta);
    report += line;
    snprintf(line, sizeof line, "loss ratio (1/M)·F_f·F_s = %.6f with M %.4g; loss-ratio error %.4f%%\n", lr, a.margin,
             100 * (lr_f * lr_s - 1));
    report += line;
  } else {
    check_rho(a.rho, "--rho");
    check_cv(a.cv, "--cv");
    const double lr = model_quality_loss_ratio(*a.rho, *a.cv, a.eta, a.margin);
    const double error = model_quality_lr_error(*a.rho, *a.cv, a.eta);
    j = Json{{"mode", "loss_ratio"}, {"rho", *a.rho},    {"cv", *a.cv},      {"eta", a.eta},
             {"margin", a.margin},   {"loss_ratio", lr}, {"lr_error", error}};
    snprintf(line, sizeof line, "LR(ρ %.4g, CV %.4g, η %.4g, M %.4g) = %.6f; loss-ratio error E = %.4f%%\n", *a.rho,
             *a.cv, a.eta, a.margin, lr, 100 * error);
    report += line;
    // the improvement table: what a better model is worth, ρ from 0.50 to 1.00
    Json table = Json::array();
    report += "     rho   loss_ratio   lr_error%   change_vs_current_pp\n";
    for (int k = 0; k <= 10; ++k) {
      const double rho = 0.5 + 0.05 * k;
      const double lr_k = model_quality_loss_ratio(rho, *a.cv, a.eta, a.margin);
      const double e_k = model_quality_lr_error(rho, *a.cv, a.eta);
      table.push_back(
          Json{{"rho", rho}, {"loss_ratio", lr_k}, {"lr_error", e_k}, {"change_vs_current_pp", 100 * (lr_k - lr)}});
      snprintf(line, sizeof line, "%8.2f %12.6f %11.4f %22.4f\n", rho, lr_k, 100 * e_k, 100 * (lr_k - lr));
      report += line;
    }
    j["improvement"] = table;
    if (a.lr_target) {
      const double margin_needed = model_quality_loss_ratio(*a.rho, *a.cv, a.eta, 1.0) / *a.lr_target;
      const auto rho_needed = model_quality_rho_for_target(*a.cv, a.eta, a.margin, *a.lr_target);
      j["lr_target"] = Json{{"target", *a.lr_target},
                            {"margin_needed_at_rho", margin_needed},
                            {"rho_needed_at_margin", rho_needed ? Json(*rho_needed) : Json(nullptr)}};
      snprintf(line, sizeof line, "LR target %.6g: margin multiple M = %.6f at ρ %.4g; ", *a.lr_target, margin_needed,
               *a.rho);
      report += line;
      if (rho_needed) {
        snprintf(line, sizeof line, "at M %.4g it needs ρ = %.6f\n", a.margin, *rho_needed);
      } else {
        snprintf(line, sizeof line, "at M %.4g no ρ in (0, 0.999) reaches it (a perfect model gives %.6g)\n", a.margin,
                 1 / a.margin);
      }
      report += line;
    }
  }
  if (a.as_json) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << report;
  }
  return 0;
}

}  // namespace rateopt
