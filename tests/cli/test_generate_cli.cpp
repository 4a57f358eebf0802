// `rateopt generate`: valid, reproducible books, --force, and option errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

// ---------------------------------------------------------------------------------------------
// generate

TEST(CliGenerate, BenchmarkAndQuickstartBooksAreValidAndReproducible) {
  const fs::path dir = scratch_dir();
  for (const std::string profile : {"benchmark", "quickstart"}) {
    SCOPED_TRACE(profile);
    const fs::path book = generate(dir, 500, profile, 11);
    const Csv csv = read_csv(book);
    ASSERT_EQ(csv.rows.size(), 500u);
    for (const char* column : {"policy_id", "technical_price", "expected_loss_cost", "p_demand", "elasticity"})
      EXPECT_NE(std::find(csv.header.begin(), csv.header.end(), column), csv.header.end()) << column;
    std::set<std::string> ids;
    for (size_t i = 0; i < csv.rows.size(); ++i) {
      ASSERT_EQ(csv.rows[i].size(), csv.header.size()) << "row " << i;
      const double tc = csv.number(i, "technical_price"), c = csv.number(i, "expected_loss_cost");
      const double x0 = csv.number(i, "p_demand"), eps = csv.number(i, "elasticity");
      EXPECT_TRUE(std::isfinite(tc) && tc > 0) << "row " << i;
      EXPECT_TRUE(std::isfinite(c) && c >= 0) << "row " << i;
      EXPECT_TRUE(x0 > 0 && x0 < 1) << "row " << i;
      EXPECT_TRUE(std::isfinite(eps)) << "row " << i;
      ids.insert(csv.text(i, "policy_id"));
    }
    EXPECT_EQ(ids.size(), 500u) << "policy ids are unique";

    // The same seed gives the same bytes; another seed another book.
    const fs::path again = dir / ("again_" + profile + ".csv");
    CliRun r = run_rateopt(
        dir, {"generate", "--policies", "500", "--seed", "11", "--profile", profile, "--out", again.string()});
    ASSERT_EQ(r.rc, 0) << describe(r);
    EXPECT_EQ(read_text_file(book), read_text_file(again));
    const fs::path other = dir / ("other_" + profile + ".csv");
    r = run_rateopt(dir,
                    {"generate", "--policies", "500", "--seed", "12", "--profile", profile, "--out", other.string()});
    ASSERT_EQ(r.rc, 0) << describe(r);
    EXPECT_NE(read_text_file(book), read_text_file(other));

    // The book it writes is one optimise accepts.
    r = run_rateopt(dir, optimise_args(book, dir / ("out_" + profile), {"--max-rate-change", "0.25"}));
    EXPECT_EQ(r.rc, 0) << describe(r);
  }
}

TEST(CliGenerate, RefusesToOverwriteWithoutForce) {
  const fs::path dir = scratch_dir();
  const fs::path book = generate(dir, 100);
  const std::string before = read_text_file(book);
  CliRun r = run_rateopt(dir, {"generate", "--policies", "30", "--out", book.string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--force")) << describe(r);
  EXPECT_EQ(read_text_file(book), before) << "the existing book must be untouched";

  r = run_rateopt(dir, {"generate", "--policies", "30", "--out", book.string(), "--force"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_EQ(read_csv(book).rows.size(), 30u);
  EXPECT_EQ(listing(dir), (std::vector<std::string>{"book_benchmark.csv", "stderr.txt", "stdout.txt"}))
      << "no temporary files left behind";
}

TEST(CliGenerate, UnknownProfileIsExit2) {
  const fs::path dir = scratch_dir();
  const fs::path out = dir / "book.csv";
  const CliRun r = run_rateopt(dir, {"generate", "--policies", "10", "--profile", "gigantic", "--out", out.string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "gigantic")) << describe(r);
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliGenerate, ZeroPoliciesIsExit2) {
  const fs::path dir = scratch_dir();
  const fs::path out = dir / "book.csv";
  const CliRun r = run_rateopt(dir, {"generate", "--policies", "0", "--out", out.string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
