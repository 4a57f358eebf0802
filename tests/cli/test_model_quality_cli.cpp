// `rateopt model-quality` --config: options from a JSON file, flags beside it winning, unknown keys
// refused.  (The formulas and the command's reports are tested in tests/test_model_quality.cpp.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "rateopt/model_quality.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using nlohmann::json;

TEST(CliModelQuality, ConfigSetsOptionsFlagsOverrideAndUnknownKeysFail) {
  const fs::path dir = scratch_dir();
  write_text_file(dir / "config.json", R"({"rho": 0.8, "cv": 1.5, "margin": 1.25, "lr_target": 0.9})");
  const std::vector<std::string> base = {"model-quality", "--json", "--config", (dir / "config.json").string()};
  const CliRun from_file = run_rateopt(dir, base);
  ASSERT_EQ(from_file.rc, 0) << describe(from_file);
  json j = json::parse(from_file.out);
  EXPECT_EQ(j["margin"], 1.25);
  EXPECT_DOUBLE_EQ(j["loss_ratio"].get<double>(), model_quality_loss_ratio(0.8, 1.5, 1.0, 1.25));
  EXPECT_EQ(j["lr_target"]["target"], 0.9);
  const CliRun flag_wins = run_rateopt(dir, test::concat(base, {"--margin", "1", "--eta", "0.5"}));
  ASSERT_EQ(flag_wins.rc, 0) << describe(flag_wins);
  j = json::parse(flag_wins.out);
  EXPECT_EQ(j["margin"], 1.0);
  EXPECT_EQ(j["rho"], 0.8);  // the file's, where no flag is given
  EXPECT_DOUBLE_EQ(j["loss_ratio"].get<double>(), model_quality_loss_ratio(0.8, 1.5, 0.5, 1.0));

  write_text_file(dir / "bad.json", R"({"rho": 0.8, "cv": 1.5, "marginn": 1.25})");
  const CliRun bad = run_rateopt(dir, {"model-quality", "--config", (dir / "bad.json").string()});
  EXPECT_EQ(bad.rc, 2) << describe(bad);
  EXPECT_TRUE(contains(bad.err, "unknown key \"marginn\"")) << describe(bad);
  EXPECT_TRUE(bad.out.empty()) << describe(bad);
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
