// `rateopt price`: optimise writes pricing_rule.json; the rule prices its own book back to the solve's
// multipliers, streams in chunks, and bad rules and books exit 2 naming the field or column.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"

namespace rateopt {
namespace cli_test {
namespace {

using json = nlohmann::json;

/// A 2,000-policy benchmark book solved with the benchmark constraints: the book and the output dir.
struct Solved {
  fs::path book, out;
};
Solved solve_benchmark(const fs::path& dir) {
  Solved s{generate(dir, 2000, "benchmark", 5), dir / "solve"};
  const CliRun r =
      run_rateopt(dir, optimise_args(s.book, s.out, test::concat(kBenchmarkConstraints, {"--device", "cpu"})));
  EXPECT_EQ(r.rc, 0) << describe(r);
  return s;
}

}  // namespace

TEST(CliPrice, OptimiseWritesARuleThatPricesItsBookBackToTheSolve) {
  const fs::path dir = scratch_dir();
  const Solved s = solve_benchmark(dir);
  ASSERT_TRUE(fs::exists(s.out / "pricing_rule.json"));
  const json rule = json::parse(read_text_file(s.out / "pricing_rule.json"));
  EXPECT_EQ(rule["schema_version"], 1);
  EXPECT_EQ(rule["solved_book"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(rule["constraints"].size(), 2u);
  ASSERT_TRUE(rule["solve"]["exact_dual"].get<bool>());

  const CliRun r = run_rateopt(dir, {"price", "--rule", (s.out / "pricing_rule.json").string(), "--book",
                                     s.book.string(), "--out-dir", (dir / "priced").string(), "--json"});
  ASSERT_EQ(r.rc, 0) << describe(r);
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["n_quotes"], 2000);
  EXPECT_EQ(summary["warnings"].size(), 0u) << r.out;
  EXPECT_FALSE(contains(r.err, "warning")) << describe(r);
  const Csv solved = read_csv(s.out / "policies.csv"), priced = read_csv(dir / "priced" / "priced.csv");
  ASSERT_EQ(priced.rows.size(), 2000u);
  EXPECT_EQ(priced.header, (std::vector<std::string>{"policy_id", "multiplier", "new_premium", "expected_demand",
                                                     "contribution", "rate_change_pct", "binding_bound"}));
  const int64_t ties = summary["n_ties"].get<int64_t>();
  int64_t same = 0;
  for (size_t i = 0; i < priced.rows.size(); ++i) {
    EXPECT_EQ(priced.text(i, "policy_id"), solved.text(i, "policy_id"));
    same += priced.text(i, "multiplier") == solved.text(i, "multiplier") ? 1 : 0;
    if (solved.text(i, "enbp_binding") == "1") {
      EXPECT_EQ(priced.text(i, "binding_bound"), "enbp") << i;
    }
  }
  EXPECT_GE(same, 2000 - ties);
  // the batch is the solved book: its constraints sit at their limits
  for (const json& c : summary["constraints"]) EXPECT_LE(c["relative_violation"].get<double>(), 1e-9) << c.dump();
}

TEST(CliPrice, ChunksGiveTheSameFileAndBadRowsNameTheirLine) {
  const fs::path dir = scratch_dir();
  const Solved s = solve_benchmark(dir);
  const std::string rule = (s.out / "pricing_rule.json").string();
  auto price = [&](const fs::path& book, const std::string& out, const std::vector<std::string>& extra) {
    return run_rateopt(
        dir,
        test::concat({"price", "--rule", rule, "--book", book.string(), "--out-dir", (dir / out).string()}, extra));
  };
  ASSERT_EQ(price(s.book, "whole", {}).rc, 0);
  const CliRun chunked = price(s.book, "chunked", {"--chunk-rows", "7", "--threads", "2"});
  ASSERT_EQ(chunked.rc, 0) << describe(chunked);
  EXPECT_EQ(read_text_file(dir / "chunked" / "priced.csv"), read_text_file(dir / "whole" / "priced.csv"));

  // a bad row far into the file: named by its line, and nothing written
  std::string text = read_text_file(s.book);
  size_t at = 0;
  for (int line = 1; line < 1500; ++line) at = text.find('\n', at) + 1;
  const size_t end = text.find('\n', at);
  std::vector<std::string> fields = split(text.substr(at, end - at), ',');
  const Csv header = read_csv(s.book);
  fields[header.column("p_demand")] = "1.3";
  std::string row;
  for (const std::string& f : fields) row += (row.empty() ? "" : ",") + f;
  text.replace(at, end - at, row);
  write_text_file(dir / "bad.csv", text);
  const CliRun bad = price(dir / "bad.csv", "bad", {"--chunk-rows", "100"});
  EXPECT_EQ(bad.rc, 2) << describe(bad);
  EXPECT_TRUE(contains(bad.err, "bad.csv:1500: p_demand")) << describe(bad);
  EXPECT_FALSE(fs::exists(dir / "bad" / "priced.csv"));
}

TEST(CliPrice, MissingColumnsAndBadRulesExit2NamingThem) {
  const fs::path dir = scratch_dir();
  const Solved s = solve_benchmark(dir);
  const std::string rule = (s.out / "pricing_rule.json").string();
  // the rule has an ENBP buffer: a book without enbp cannot be priced
  write_text_file(
      dir / "no_enbp.csv",
      "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag\nA,500,300,0.8,-1.5,1\n");
  CliRun r = run_rateopt(
      dir, {"price", "--rule", rule, "--book", (dir / "no_enbp.csv").string(), "--out-dir", (dir / "a").string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "column enbp is missing")) << describe(r);

  // an ENBP that caps the multiplier below min_multiplier: refused as the solve refuses such a row
  write_text_file(dir / "low_enbp.csv",
                  "policy_id,technical_price,expected_loss_cost,p_demand,elasticity,renewal_flag,enbp\n"
                  "A,500,300,0.8,-1.5,1,550\nB,500,300,0.8,-1.5,1,10\n");
  r = run_rateopt(
      dir, {"price", "--rule", rule, "--book", (dir / "low_enbp.csv").string(), "--out-dir", (dir / "e").string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "caps the multiplier below min_multiplier")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "e" / "priced.csv")) << describe(r);

  json j = json::parse(read_text_file(rule));
  j["schema_version"] = 2;
  write_text_file(dir / "v2.json", j.dump());
  r = run_rateopt(dir, {"price", "--rule", (dir / "v2.json").string(), "--book", s.book.string(), "--out-dir",
                        (dir / "b").string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "field schema_version is 2")) << describe(r);

  j = json::parse(read_text_file(rule));
  j.erase("book_constants");
  write_text_file(dir / "partial.json", j.dump());
  r = run_rateopt(dir, {"price", "--rule", (dir / "partial.json").string(), "--book", s.book.string(), "--out-dir",
                        (dir / "c").string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "field book_constants is missing")) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "c" / "priced.csv"));

  // outputs are never replaced without --force
  ASSERT_EQ(
      run_rateopt(dir, {"price", "--rule", rule, "--book", s.book.string(), "--out-dir", (dir / "d").string()}).rc, 0);
  r = run_rateopt(dir, {"price", "--rule", rule, "--book", s.book.string(), "--out-dir", (dir / "d").string()});
  EXPECT_EQ(r.rc, 2) << describe(r);
}

}  // namespace cli_test
}  // namespace rateopt
