// Model-quality loss-ratio adjustment (SPEC §4.3): the formula against hand-computed values, its fixed
// points, the frequency–severity product, the η calibration round trip (Brent against the closed form),
// and the CLI.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.hpp"
#include "rateopt/model_quality.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

namespace fs = std::filesystem;

TEST(ModelQuality, PerfectModelGivesOneOverM) {
  for (double margin : {1.0, 1.25, 2.0}) {
    EXPECT_DOUBLE_EQ(model_quality_loss_ratio(1.0, 0.7, 1.0, margin), 1.0 / margin);
    EXPECT_DOUBLE_EQ(model_quality_loss_ratio(0.999, 3.0, 2.5, margin), 1.0 / margin);
    // the formula itself also gives 1/M at ρ = 1: the threshold only guards round-off near it
    const double r2 = 1.0, c2 = 0.49;
    EXPECT_DOUBLE_EQ((1.0 / margin) * std::pow((1 + r2 / c2) / (r2 * (1 + 1 / c2)), 0.5), 1.0 / margin);
  }
  EXPECT_DOUBLE_EQ(model_quality_lr_error(1.0, 0.7), 0.0);
}

TEST(ModelQuality, MatchesHandComputedValues) {
  // ρ = 0.8, CV = 1.5, η = 1, M = 1.25: ratio (1 + 0.64/2.25) / (0.64·(1 + 1/2.25)) = 1.284444…/0.924444… ,
  // to the power 1/2, divided by 1.25
  const double ratio = (1 + 0.64 / 2.25) / (0.64 * (1 + 1 / 2.25));
  EXPECT_NEAR(model_quality_loss_ratio(0.8, 1.5, 1.0, 1.25), std::sqrt(ratio) / 1.25, 1e-15);
  EXPECT_NEAR(std::sqrt(ratio), 1.1787379, 1e-7);
  // η = 1/2: the exponent is 0, no adjustment
  EXPECT_DOUBLE_EQ(model_quality_loss_ratio(0.6, 0.9, 0.5, 1.1), 1 / 1.1);
  // E = LR(ρ, CV, η, 1) − 1, rising as ρ falls (η > 1/2)
  EXPECT_NEAR(model_quality_lr_error(0.8, 1.5, 1.0), std::sqrt(ratio) - 1, 1e-15);
  EXPECT_GT(model_quality_lr_error(0.6, 1.5, 1.0), model_quality_lr_error(0.8, 1.5, 1.0));
}

TEST(ModelQuality, FrequencySeverityFactorsMultiply) {
  const double f = model_quality_loss_ratio(0.7, 1.2, 1.3, 1.0), s = model_quality_loss_ratio(0.85, 0.6, 1.3, 1.0);
  EXPECT_NEAR(model_quality_loss_ratio_freq_sev(0.7, 1.2, 0.85, 0.6, 1.3, 1.2), f * s / 1.2, 1e-15);
  // a perfect severity model leaves the frequency model's single LR; both perfect give 1/M
  EXPECT_DOUBLE_EQ(model_quality_loss_ratio_freq_sev(0.7, 1.2, 1.0, 0.6, 1.3, 1.2),
                   model_quality_loss_ratio(0.7, 1.2, 1.3, 1.2));
  EXPECT_DOUBLE_EQ(model_quality_loss_ratio_freq_sev(1.0, 1.2, 1.0, 0.6, 1.3, 1.2), 1 / 1.2);
}

TEST(ModelQuality, CalibrationRoundTripsEta) {
  for (double rho : {0.5, 0.75, 0.95})
    for (double cv : {0.3, 1.0, 2.5})
      for (double eta : {-1.0, 0.3, 1.0, 2.7}) {
        const double margin = 1.15;
        const double lr = model_quality_loss_ratio(rho, cv, eta, margin);
        const auto found = calibrate_model_quality_eta(rho, cv, margin, lr);
        ASSERT_TRUE(found.has_value()) << rho << " " << cv << " " << eta;
        EXPECT_NEAR(*found, eta, 1e-6);
        // the closed form η = 1/2 + ln(LR·M)/ln(B)
        const double b = (1 + rho * rho / (cv * cv)) / (rho * rho * (1 + 1 / (cv * cv)));
        EXPECT_NEAR(*found, 0.5 + std::log(lr * margin) / std::log(b), 1e-9);
      }
  EXPECT_FALSE(calibrate_model_quality_eta(1.0, 1.0, 1.0, 0.9).has_value());  // LR = 1/M for every η
}

TEST(ModelQuality, RhoForATargetRoundTrips) {
  const double lr = model_quality_loss_ratio(0.72, 1.1, 1.0, 1.3);
  const auto rho = model_quality_rho_for_target(1.1, 1.0, 1.3, lr);
  ASSERT_TRUE(rho.has_value());
  EXPECT_NEAR(*rho, 0.72, 1e-9);
  EXPECT_FALSE(model_quality_rho_for_target(1.1, 1.0, 1.3, 0.5).has_value());  // below 1/M
}

/// `rateopt model-quality options…` (a literal option list); its exit code, its stdout and stderr in out and err.
int run(const fs::path& dir, const std::string& options, std::string* out = nullptr, std::string* err = nullptr) {
  const test::CliRun r = test::run_rateopt(dir, test::concat({"model-quality"}, test::words(options)));
  if (out) *out = r.out;
  if (err) *err = r.err;
  return r.rc;
}

TEST(ModelQualityCli, ReportsTheTableTargetAndCalibration) {
  const fs::path dir = test::scratch_dir();
  std::string out, err;
  ASSERT_EQ(run(dir, "--rho 1 --cv 2 --eta 1 --margin 1.25 --json", &out, &err), 0) << err;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(out)["loss_ratio"].get<double>(), 0.8);

  ASSERT_EQ(run(dir, "--rho 0.8 --cv 1.5 --eta 1 --margin 1.25 --lr-target 0.9 --json", &out, &err), 0) << err;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["improvement"].size(), 11u);
  EXPECT_DOUBLE_EQ(j["improvement"][10]["loss_ratio"].get<double>(), 0.8);  // ρ = 1
  EXPECT_NEAR(j["lr_target"]["margin_needed_at_rho"].get<double>(), model_quality_loss_ratio(0.8, 1.5, 1.0, 1.0) / 0.9,
              1e-12);
  const double rho_needed = j["lr_target"]["rho_needed_at_margin"].get<double>();
  EXPECT_NEAR(model_quality_loss_ratio(rho_needed, 1.5, 1.0, 1.25), 0.9, 1e-9);

  ASSERT_EQ(run(dir, "--calibrate-eta --rho 0.7 --cv 1.2 --margin 1.1 --lr-observed 0.97 --json", &out, &err), 0)
      << err;
  const double eta = nlohmann::json::parse(out)["eta"].get<double>();
  EXPECT_NEAR(model_quality_loss_ratio(0.7, 1.2, eta, 1.1), 0.97, 1e-9);

  ASSERT_EQ(run(dir, "--rho-f 0.7 --cv-f 1.2 --rho-s 0.9 --cv-s 0.8 --eta 1.2 --json", &out, &err), 0) << err;
  EXPECT_NEAR(nlohmann::json::parse(out)["loss_ratio"].get<double>(),
              model_quality_loss_ratio_freq_sev(0.7, 1.2, 0.9, 0.8, 1.2, 1.0), 1e-15);
}

TEST(ModelQualityCli, BadOptionsExitTwo) {
  const fs::path dir = test::scratch_dir();
  for (const std::string& bad :
       {std::string("--rho 1.5 --cv 1"), std::string("--rho 0.8 --cv 0"), std::string("--rho 0.8"),
        std::string("--rho 0.8 --cv 1 --margin -1"), std::string("--calibrate-eta --rho 0.8 --cv 1"),
        std::string("--calibrate-eta --rho 1 --cv 1 --lr-observed 0.9"), std::string("--rho-f 0.8 --cv-f 1"),
        std::string("--rho abc --cv 1")}) {
    std::string err;
    EXPECT_EQ(run(dir, bad, nullptr, &err), 2) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

}  // namespace
}  // namespace rateopt
