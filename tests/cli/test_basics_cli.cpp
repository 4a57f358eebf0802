// `rateopt --version`, `--help` and an unknown flag, run as the built binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

// ---------------------------------------------------------------------------------------------
// --version, --help

TEST(CliBasics, VersionSaysVersionAndWhetherCudaIsCompiledIn) {
  const fs::path dir = scratch_dir();
  const CliRun r = run_rateopt(dir, {"--version"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const std::string text = r.out + r.err;
  EXPECT_TRUE(contains(text, RATEOPT_VERSION)) << describe(r);
  const std::vector<std::string> runs = test::digit_runs(text);
  EXPECT_TRUE(std::any_of(runs.begin(), runs.end(), [](const std::string& run) {
    return std::count(run.begin(), run.end(), '.') >= 2;
  })) << describe(r);  // a version number a.b.c
  EXPECT_TRUE(contains(text, "CUDA")) << describe(r);
  if (RATEOPT_HAVE_CUDA) {
    EXPECT_FALSE(contains(text, "not compiled")) << describe(r);
  } else {
    EXPECT_TRUE(contains_any(text, {"not compiled", "without CUDA", "CUDA: no", "CUDA off"})) << describe(r);
  }
}

TEST(CliBasics, OptimiseHelpListsEveryOptionFlag) {
  const fs::path dir = scratch_dir();
  const CliRun r = run_rateopt(dir, {"optimise", "--help"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "--lr-max")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--retention-min")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--book")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--out-dir")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--config")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--force")) << describe(r);
  EXPECT_TRUE(contains(r.out, "--json")) << describe(r);
  for (const std::string& key : option_keys()) EXPECT_TRUE(contains(r.out, flag_of(key))) << key;
  EXPECT_TRUE(contains(r.out, "--no-technical-floor")) << describe(r);
}

TEST(CliBasics, UnknownFlagIsExit2) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 50);
  const CliRun r = run_rateopt(dir, optimise_args(book, dir / "out", {"--lr-maxx", "0.7"}));
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "lr-maxx")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
