// `rateopt model-quality`: the loss ratio a pricing model of a given quality earns, what a better model
// is worth, the margin or ρ that reach a target, η calibrated from an observed loss ratio, and the
// frequency–severity product.
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.hpp"
#include "cli/option_flags.hpp"
#include "io/format.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/model_quality.hpp"

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;

struct ModelQualityCommand {
  bool as_json = false;
  std::unique_ptr<OptionFlags> flags;
};

/// One computation's answer: the --json object and the printed report.
struct Answer {
  Json json;
  std::string report;
};

__attribute__((format(printf, 2, 3))) void appendf(std::string& out, const char* format, ...) {
  char line[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  out += line;
}

Answer calibrate(const ModelQualityOptions& o) {
  const double rho = *o.rho, cv = *o.cv, observed = *o.lr_observed;
  const auto eta = calibrate_model_quality_eta(rho, cv, o.margin, observed);
  if (!eta) {
    std::string message = "option ";
    appendf(message, "--lr-observed %.6g: no η in [-20, 20] gives it (LR is %.6g at η = -20, %.6g at 20)", observed,
            model_quality_loss_ratio(rho, cv, -20, o.margin), model_quality_loss_ratio(rho, cv, 20, o.margin));
    throw InputError(message);
  }
  const double check = model_quality_loss_ratio(rho, cv, *eta, o.margin);
  Answer a;
  a.json = Json{{"mode", "calibrate_eta"},
                {"rho", rho},
                {"cv", cv},
                {"margin", o.margin},
                {"lr_observed", observed},
                {"eta", *eta},
                {"loss_ratio_at_eta", check}};
  appendf(a.report, "calibrated η = %.9f: LR(ρ %.4g, CV %.4g, η, M %.4g) = %.9f (observed %.9f)\n", *eta, rho, cv,
          o.margin, check, observed);
  return a;
}

Answer frequency_severity(const ModelQualityOptions& o) {
  const double rho_f = *o.rho_f, cv_f = *o.cv_f, rho_s = *o.rho_s, cv_s = *o.cv_s;
  const double lr_f = model_quality_loss_ratio(rho_f, cv_f, o.eta, 1.0);
  const double lr_s = model_quality_loss_ratio(rho_s, cv_s, o.eta, 1.0);
  const double lr = model_quality_loss_ratio_freq_sev(rho_f, cv_f, rho_s, cv_s, o.eta, o.margin);
  Answer a;
  a.json = Json{{"mode", "frequency_severity"},
                {"rule", "LR = F(rho_f, cv_f, eta) * F(rho_s, cv_s, eta) / M, F = LR(rho, cv, eta, 1)"},
                {"eta", o.eta},
                {"margin", o.margin},
                {"frequency", Json{{"rho", rho_f}, {"cv", cv_f}, {"factor", lr_f}, {"lr_error", lr_f - 1}}},
                {"severity", Json{{"rho", rho_s}, {"cv", cv_s}, {"factor", lr_s}, {"lr_error", lr_s - 1}}},
                {"loss_ratio", lr},
                {"lr_error", lr_f * lr_s - 1}};
  appendf(a.report, "frequency factor %.6f (ρ %.4g, CV %.4g), severity factor %.6f (ρ %.4g, CV %.4g), η %.4g\n", lr_f,
          rho_f, cv_f, lr_s, rho_s, cv_s, o.eta);
  appendf(a.report, "loss ratio (1/M)·F_f·F_s = %.6f with M %.4g; loss-ratio error %.4f%%\n", lr, o.margin,
          100 * (lr_f * lr_s - 1));
  return a;
}

// What a better model is worth: ρ from 0.50 to 1.00 against the loss ratio lr of the current one.
void add_improvement_table(const ModelQualityOptions& o, double lr, Answer& a) {
  Json table = Json::array();
  a.report += "     rho   loss_ratio   lr_error%   change_vs_current_pp\n";
  for (int k = 0; k <= 10; ++k) {
    const double rho = 0.5 + 0.05 * k;
    const double lr_k = model_quality_loss_ratio(rho, *o.cv, o.eta, o.margin);
    const double e_k = model_quality_lr_error(rho, *o.cv, o.eta);
    table.push_back(
        Json{{"rho", rho}, {"loss_ratio", lr_k}, {"lr_error", e_k}, {"change_vs_current_pp", 100 * (lr_k - lr)}});
    appendf(a.report, "%8.2f %12.6f %11.4f %22.4f\n", rho, lr_k, 100 * e_k, 100 * (lr_k - lr));
  }
  a.json["improvement"] = table;
}

// The margin multiple that reaches lr_target at the model's ρ, and the ρ that reaches it at the margin.
void add_target(const ModelQualityOptions& o, Answer& a) {
  const double target = *o.lr_target;
  const double margin_needed = model_quality_loss_ratio(*o.rho, *o.cv, o.eta, 1.0) / target;
  const auto rho_needed = model_quality_rho_for_target(*o.cv, o.eta, o.margin, target);
  a.json["lr_target"] = Json{{"target", target},
                             {"margin_needed_at_rho", margin_needed},
                             {"rho_needed_at_margin", rho_needed ? Json(*rho_needed) : Json(nullptr)}};
  appendf(a.report, "LR target %.6g: margin multiple M = %.6f at ρ %.4g; ", target, margin_needed, *o.rho);
  if (rho_needed)
    appendf(a.report, "at M %.4g it needs ρ = %.6f\n", o.margin, *rho_needed);
  else
    appendf(a.report, "at M %.4g no ρ in (0, 0.999) reaches it (a perfect model gives %.6g)\n", o.margin, 1 / o.margin);
}

Answer single_model(const ModelQualityOptions& o) {
  const double rho = *o.rho, cv = *o.cv;
  const double lr = model_quality_loss_ratio(rho, cv, o.eta, o.margin);
  const double error = model_quality_lr_error(rho, cv, o.eta);
  Answer a;
  a.json = Json{{"mode", "loss_ratio"}, {"rho", rho},       {"cv", cv},         {"eta", o.eta},
                {"margin", o.margin},   {"loss_ratio", lr}, {"lr_error", error}};
  appendf(a.report, "LR(ρ %.4g, CV %.4g, η %.4g, M %.4g) = %.6f; loss-ratio error E = %.4f%%\n", rho, cv, o.eta,
          o.margin, lr, 100 * error);
  add_improvement_table(o, lr, a);
  if (o.lr_target) add_target(o, a);
  return a;
}

// Every figure of an answer is a finite number: inputs whose loss ratio leaves the range of a double
// (ρ near 0, a huge |η|, ...) are refused, naming the figure, rather than printed as inf or null.
void require_finite(const Json& j, const std::string& where) {
  if (j.is_number_float() && !std::isfinite(j.get<double>()))
    throw InputError("option values give " + where + " = " + shortest(j.get<double>()) +
                     ": outside the range of a double; no finite answer for these inputs");
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it) require_finite(it.value(), it.key());
  if (j.is_array())
    for (const Json& item : j) require_finite(item, where);
}

int run_model_quality(const ModelQualityCommand& c) {
  ModelQualityOptions o;
  c.flags->fill(o);
  o.validate();
  const Answer a = o.calibrate_eta ? calibrate(o) : o.frequency_severity() ? frequency_severity(o) : single_model(o);
  require_finite(a.json, "the answer");
  if (c.as_json)
    std::cout << a.json.dump(2) << "\n";
  else
    std::cout << a.report;
  return 0;
}

}  // namespace

void add_model_quality(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("model-quality", "model-quality loss-ratio adjustment");
  auto c = std::make_shared<ModelQualityCommand>();
  cmd->add_flag("--json", c->as_json, "print the result as one JSON object");
  c->flags = add_option_flags<ModelQualityOptions>(*cmd);
  on_run(cmd, [c] { return run_model_quality(*c); });
}

}  // namespace rateopt
