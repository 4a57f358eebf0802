// Caps below the floor and constraints a book cannot carry (issue 14): an ENBP (or rate-change) cap
// below a policy's floor wins, is counted and reported on stderr, and the status never says every
// bound holds; a cap below min_multiplier is a book error; retention_min on a book without renewals
// is a warning on stderr and in result.json, and sweeping it is refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using nlohmann::json;

const std::string kConflictWarning =
    "warning: 1 policies had lower bound above upper bound; the upper (ENBP) bound won";

/// Three policies; the third a renewal whose ENBP caps its multiplier at enbp / 100.
fs::path book_with_renewal(const fs::path& dir, const std::string& enbp, const std::string& prior = "1") {
  const fs::path book = dir / ("book_" + enbp + "_" + prior + ".csv");
  write_text_file(
      book,
      "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp,prior_multiplier\n"
      "A,100,55,0.5,-1.5,0,,1\n"
      "B,120,70,0.4,-2,0,,1\n"
      "C,100,50,0.5,-1.5,1," +
          enbp + "," + prior + "\n");
  return book;
}

TEST(CliCaps, AnEnbpCapBelowTheFloorWinsIsReportedAndNotCalledEveryBoundHolding) {
  const fs::path dir = scratch_dir();
  const fs::path book = book_with_renewal(dir, "80");  // cap 0.8, technical floor 1, box [0.5, 3]
  const CliRun r = run_rateopt(dir, optimise_args(book, dir / "out", {"--device", "cpu", "--json"}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, kConflictWarning)) << describe(r);
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["n_bound_conflicts"], 1);
  const std::string message = summary["message"].get<std::string>();
  EXPECT_FALSE(contains(message, "every bound")) << message;
  EXPECT_TRUE(contains(message, "1 policy is priced at a cap below its floor")) << message;
  const Csv policies = read_csv(dir / "out" / "policies.csv");
  ASSERT_EQ(policies.rows.size(), 3u);
  EXPECT_NEAR(policies.number(2, "multiplier"), 0.8, 1e-12);
  EXPECT_LE(policies.number(2, "expected_demand"), 1.0);

  // a frontier over the same book says so too, on stderr and in its result.json
  const CliRun f =
      run_rateopt(dir, {"frontier", "--book", book.string(), "--sweep", "gwp_min", "--from", "1", "--to", "2",
                        "--points", "2", "--device", "cpu", "--out-dir", (dir / "frontier").string()});
  ASSERT_EQ(f.rc, 0) << describe(f);
  EXPECT_TRUE(contains(f.err, kConflictWarning)) << describe(f);
  const json result = json::parse(read_text_file(dir / "frontier" / "result.json"));
  EXPECT_EQ(result["warnings"], json::array({kConflictWarning.substr(9)}));
  for (const json& point : result["points"]) EXPECT_FALSE(contains(point["message"].get<std::string>(), "every bound"));
}

// A cap below min_multiplier would price the policy where its demand model is not trusted (this
// book gave demand 9.08 and a retention of 487.7%): the row is refused, naming it and the rule.
TEST(CliCaps, ACapBelowMinMultiplierIsABookErrorNamingTheRow) {
  const fs::path dir = scratch_dir();
  const CliRun enbp = run_rateopt(dir, optimise_args(book_with_renewal(dir, "10"), dir / "a", {"--device", "cpu"}));
  EXPECT_EQ(enbp.rc, 2) << describe(enbp);
  EXPECT_TRUE(contains(enbp.err, ".csv:4: enbp = 10 caps the multiplier at 0.1, below min_multiplier = 0.5"))
      << describe(enbp);
  EXPECT_FALSE(fs::exists(dir / "a"));

  const CliRun rate = run_rateopt(dir, optimise_args(book_with_renewal(dir, "200", "0.25"), dir / "b",
                                                     {"--device", "cpu", "--max-rate-change", "0.2"}));
  EXPECT_EQ(rate.rc, 2) << describe(rate);
  EXPECT_TRUE(contains(rate.err,
                       ".csv:4: prior_multiplier = 0.25 with max_rate_change = 0.2 caps the multiplier at "
                       "0.3, below min_multiplier = 0.5"))
      << describe(rate);
  EXPECT_FALSE(fs::exists(dir / "b"));

  // lowering min_multiplier below the cap is the way to price it there
  const CliRun lowered = run_rateopt(
      dir, optimise_args(book_with_renewal(dir, "10"), dir / "c", {"--device", "cpu", "--min-multiplier", "0.05"}));
  EXPECT_EQ(lowered.rc, 0) << describe(lowered);
}

TEST(CliRetention, RetentionMinOnABookWithoutRenewalsIsAWarningAndSweepingItIsRefused) {
  const fs::path dir = scratch_dir();
  const fs::path book = dir / "new_business.csv";
  write_text_file(book, "technical_price,expected_loss_cost,p_demand,elasticity\n100,50,0.5,-1.5\n200,120,0.4,-2\n");
  const std::string warning = "retention_min ignored: the book has no renewals";

  const CliRun r = run_rateopt(dir, optimise_args(book, dir / "out", {"--device", "cpu", "--retention-min", "0.9"}));
  ASSERT_EQ(r.rc, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "warning: " + warning)) << describe(r);
  const json result = json::parse(read_text_file(dir / "out" / "result.json"));
  EXPECT_EQ(result["warnings"], json::array({warning}));

  const CliRun f = run_rateopt(
      dir, {"frontier", "--book", book.string(), "--sweep", "lr_max", "--from", "0.5", "--to", "0.6", "--points", "2",
            "--retention-min", "0.9", "--device", "cpu", "--out-dir", (dir / "f").string()});
  ASSERT_EQ(f.rc, 0) << describe(f);
  EXPECT_TRUE(contains(f.err, "warning: " + warning)) << describe(f);
  EXPECT_EQ(json::parse(read_text_file(dir / "f" / "result.json"))["warnings"], json::array({warning}));

  const CliRun swept =
      run_rateopt(dir, {"frontier", "--book", book.string(), "--sweep", "retention_min", "--from", "0.8", "--to", "0.9",
                        "--points", "2", "--device", "cpu", "--out-dir", (dir / "g").string()});
  EXPECT_EQ(swept.rc, 2) << describe(swept);
  EXPECT_TRUE(contains(swept.err, "new_business.csv: sweep retention_min: the book has no renewals"))
      << describe(swept);
  EXPECT_FALSE(fs::exists(dir / "g"));
}

}  // namespace
}  // namespace cli_test
}  // namespace rateopt
