// The price-grid pricing rule: priced on its own solved grid it gives back the solve's choice for every
// policy it claims to (the others counted as result.json counts them), its choice is the brute-force
// argmax within the caps, a batch priced in chunks equals one priced at once, and the `grid` → `price`
// round trip through the program, with its bad input exiting 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "cli/cli_common.hpp"
#include "grid_test_data.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/grid_rule.hpp"

namespace rateopt {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using test::random_grid_csv;

fs::path write_grid(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path path = dir / name;
  test::write_text_file(path, text);
  return path;
}

constexpr size_t kOptionSets = 4;

// Caps, and constraints a little tighter than the answer under the caps alone (so that they bind).
GridOptions binding_options(size_t set, const std::string& path) {
  GridOptions caps;
  if (set == 1) caps.max_rate_change = 0.2;
  if (set == 2) caps.enbp_buffer = 0.05;
  if (set == 3) caps.max_rate_change = 0.25;
  GridBook g = read_grid_csv(path, {"score"});
  const GridResult free = solve_grid(g, caps);
  double score = 0;
  for (size_t i = 0; i < g.policies(); ++i)
    score += g.weight[i] * g.extra[0].at(i, static_cast<size_t>(free.choice[i]));
  GridOptions o = caps;
  const double lr = free.expected_loss_ratio;
  if (set == 0) o.lr_max = lr - 0.01;
  if (set == 1) {
    o.lr_max = lr - 0.005;
    o.retention_min = free.expected_retention + 0.01;
  }
  if (set == 2) {
    o.sum_min = {"score=" + std::to_string(score * 1.01)};
    o.gwp_min = 1;
  }
  if (set == 3) {
    o.ratio_max = {"claims/gwp=" + std::to_string(lr - 0.005)};
    o.sum_max = {"volume=" + std::to_string(free.expected_volume * 0.99)};
  }
  return o;
}

// ω·φ of a row from the formulas (not the library's code).
double lagrangian_value(const std::vector<double>& omega, const GridBook& g, size_t i, size_t r) {
  const double w = g.weight[i], p = g.premium[r], x = g.demand[r], c = g.loss_cost.at(i, r), e = g.expense.at(i, r);
  double v = omega[0] * w * (p - c - e) * x + omega[1] * w * p * x + omega[2] * w * c * x +
             omega[3] * (g.renewal[i] ? w * x : 0.0) + omega[4] * w * x;
  for (size_t q = 0; q < g.extra.size(); ++q) v += omega[5 + q] * w * g.extra[q].at(i, r);
  return v;
}

}  // namespace

TEST(GridRule, PricesItsSolvedGridAsTheSolveChoseExceptWhereItSaysNot) {
  const fs::path dir = test::scratch_dir();
  int binding_seen = 0, solved_grids = 0, split_seen = 0;
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    for (size_t s = 0; s < kOptionSets; ++s) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", option set " + std::to_string(s));
      const fs::path path = write_grid(dir, "grid.csv", random_grid_csv(seed, 300, 9));
      const GridOptions o = binding_options(s, path.string());
      GridBook solved = read_grid_csv(path.string(), grid_constraint_columns(o));
      const GridResult res = solve_grid(solved, o);
      if (res.status == SolveStatus::infeasible) continue;  // a tightened limit out of reach: another grid's turn
      ASSERT_EQ(res.status, SolveStatus::converged) << res.message;
      ++solved_grids;
      split_seen += res.n_split;
      const GridPricingRule rule =
          GridPricingRule::parse(GridPricingRule::from_solve(solved, o, res).to_json(), "rule.json");
      for (double lambda : res.multipliers) binding_seen += lambda > 0;

      const GridBook raw = read_grid_csv(path.string(), rule.constrained_columns());
      GridReproduction seen;
      for (size_t i = 0; i < raw.policies(); ++i) {
        const GridPricedPolicy p = rule.price_policy(raw, i);
        ASSERT_FALSE(p.caps_failed);
        ASSERT_EQ(p.candidates, static_cast<int64_t>(solved.rows_of(i)));  // the solve's caps kept the same rows
        // the brute-force argmax over the candidates within the caps
        const double base = raw.premium[raw.baseline_row(i)];
        double best = -INFINITY;
        for (size_t r = raw.offset[i]; r < raw.offset[i + 1]; ++r) {
          const double prem = raw.premium[r];
          const bool rate_ok = !o.max_rate_change ||
                               (prem >= base * (1 - *o.max_rate_change) && prem <= base * (1 + *o.max_rate_change));
          const bool enbp_ok = !raw.renewal[i] || prem <= raw.enbp[i] * (1 - o.enbp_buffer.value_or(0));
          if (rate_ok && enbp_ok) best = std::max(best, lagrangian_value(rule.term_prices(), raw, i, r));
        }
        if (!p.bound_conflict) {  // (a conflict keeps the highest candidate under the ENBP alone)
          EXPECT_NEAR(lagrangian_value(rule.term_prices(), raw, i, p.row), best, 1e-9 * std::fabs(best)) << i;
        }
        const bool same = raw.step_of(i, p.row) == solved.step_of(i, static_cast<size_t>(res.choice[i]));
        if (res.split[i])
          ++seen.split;
        else if (p.tie)
          ++seen.ties;
        else if (!same)
          ++seen.rechosen;
      }
      EXPECT_EQ(seen.split, res.n_split);
      EXPECT_EQ(seen.split, rule.reproduction().split);
      EXPECT_EQ(seen.ties, rule.reproduction().ties);
      EXPECT_EQ(seen.rechosen, rule.reproduction().rechosen);
      EXPECT_LE(seen.rechosen, res.repair_policies);  // only the integer repair moves a policy off the rule
    }
  }
  EXPECT_GE(solved_grids, 15);
  EXPECT_GE(binding_seen, 15);  // the constraints bind: the rule's prices are not profit alone
  EXPECT_GT(split_seen, 0);     // and the relaxation split some policies the rule then does not claim
}

TEST(GridRule, ABatchPricedInChunksEqualsThePricingAtOnce) {
  const fs::path dir = test::scratch_dir();
  const fs::path grid = write_grid(dir, "grid.csv", random_grid_csv(11, 400, 7));
  const GridOptions o = binding_options(0, grid.string());
  GridBook solved = read_grid_csv(grid.string(), grid_constraint_columns(o));
  const GridResult res = solve_grid(solved, o);
  ASSERT_EQ(res.status, SolveStatus::converged) << res.message;
  const GridPricingRule rule = GridPricingRule::from_solve(solved, o, res);
  const fs::path batch = write_grid(dir, "batch.csv", random_grid_csv(12, 500, 11, 1.15));
  std::string at_once;
  PriceOptions whole;
  whole.chunk_rows = 1000000;
  const GridBatchReport all = price_grid_file(
      rule, batch.string(), [&](std::string_view t) { at_once += t; }, whole);
  EXPECT_EQ(all.n_policies, 500);
  // the costlier batch breaks the LR limit the rule was solved for, and says so
  ASSERT_EQ(all.constraints.size(), 1u);
  EXPECT_TRUE(all.constraints[0].broken);
  EXPECT_GT(all.constraints[0].value, *o.lr_max);
  for (int64_t chunk : {1, 7, 64}) {
    std::string chunked;
    PriceOptions options;
    options.chunk_rows = chunk;
    const GridBatchReport part = price_grid_file(
        rule, batch.string(), [&](std::string_view t) { chunked += t; }, options);
    EXPECT_EQ(chunked, at_once) << chunk;
    EXPECT_EQ(part.profit, all.profit);
    EXPECT_EQ(part.n_candidates_kept, all.n_candidates_kept);
    EXPECT_EQ(grid_batch_report_json(rule, part), grid_batch_report_json(rule, all));
  }
}

namespace cli_test {

TEST(CliGridRule, GridWritesARuleThatPriceAppliesToTheGridAndANewBatch) {
  const fs::path dir = scratch_dir();
  const fs::path grid = write_grid(dir, "grid.csv", random_grid_csv(21, 600, 9));
  const CliRun g = run_rateopt(dir, {"grid", "--grid", grid.string(), "--out-dir", (dir / "solve").string(), "--lr-max",
                                     "0.6", "--sum-min", "score=106%"});
  ASSERT_EQ(g.rc, 0) << describe(g);
  const json result = json::parse(read_text_file(dir / "solve" / "result.json"));
  const json rule = json::parse(read_text_file(dir / "solve" / "pricing_rule.json"));
  EXPECT_EQ(rule["kind"], "grid");
  EXPECT_EQ(rule["solved_grid"]["sha256"], result["audit"]["inputs"]["grid_sha256"]);
  EXPECT_EQ(rule["columns"]["constrained"], json::array({"score"}));
  EXPECT_TRUE(rule["caps"]["max_rate_change"].is_null());
  EXPECT_GT(result["multipliers"]["lr_max"].get<double>(), 0);  // both constraints bind
  EXPECT_GT(result["multipliers"]["sum_min[score]"].get<double>(), 0);
  ASSERT_EQ(rule["constraints"].size(), 2u);
  EXPECT_EQ(rule["constraints"][0]["shadow_price"], result["shadow_prices"]["lr_max"]);
  EXPECT_EQ(rule["constraints"][0]["multiplier"], result["multipliers"]["lr_max"]);
  EXPECT_EQ(rule["reproduction"]["not_reproduced"]["split"], result["n_split"]);

  const CliRun p = run_rateopt(dir, {"price", "--rule", (dir / "solve" / "pricing_rule.json").string(), "--grid",
                                     grid.string(), "--out-dir", (dir / "priced").string(), "--chunk-rows", "50"});
  ASSERT_EQ(p.rc, 0) << describe(p);
  const Csv solved = read_csv(dir / "solve" / "policies.csv"), priced = read_csv(dir / "priced" / "priced.csv");
  ASSERT_EQ(priced.rows.size(), 600u);
  int64_t differ = 0;
  for (size_t i = 0; i < priced.rows.size(); ++i) {
    ASSERT_EQ(priced.text(i, "policy_id"), solved.text(i, "policy_id"));
    EXPECT_EQ(priced.text(i, "candidates"), solved.text(i, "candidates"));
    differ += priced.text(i, "step") != solved.text(i, "step");
  }
  EXPECT_LE(differ, rule["reproduction"]["not_reproduced"]["total"].get<int64_t>());
  const json summary = json::parse(read_text_file(dir / "priced" / "price_summary.json"));
  EXPECT_EQ(summary["n_policies"], 600);
  EXPECT_EQ(summary["constraints"][0]["name"], "lr_max");
  EXPECT_EQ(summary["constraints"][0]["limit"], 0.6);

  // A costlier batch: priced without a re-solve, the LR limit broken and warned of.
  const fs::path batch = write_grid(dir, "batch.csv", random_grid_csv(22, 300, 9, 1.2));
  const CliRun b = run_rateopt(dir, {"price", "--rule", (dir / "solve" / "pricing_rule.json").string(), "--grid",
                                     batch.string(), "--out-dir", (dir / "batch").string(), "--json"});
  ASSERT_EQ(b.rc, 0) << describe(b);
  EXPECT_TRUE(json::parse(b.out)["constraints"][0]["broken"].get<bool>()) << b.out;
  EXPECT_TRUE(contains(b.err, "warning: lr_max is")) << describe(b);
}

TEST(CliGridRule, BadInputExitsTwoNamingTheOptionOrTheLine) {
  const fs::path dir = scratch_dir();
  const fs::path grid = write_grid(dir, "grid.csv", random_grid_csv(31, 40, 5));
  ASSERT_EQ(
      run_rateopt(dir, {"grid", "--grid", grid.string(), "--out-dir", (dir / "g").string(), "--sum-min", "score=101%"})
          .rc,
      0);
  const fs::path book = generate(dir, 50, "benchmark", 3);
  ASSERT_EQ(run_rateopt(dir, optimise_args(book, dir / "o", {"--device", "cpu"})).rc, 0);
  const std::string grid_rule = (dir / "g" / "pricing_rule.json").string(),
                    book_rule = (dir / "o" / "pricing_rule.json").string();
  const auto price = [&](const std::vector<std::string>& args) {
    return run_rateopt(dir, test::concat({"price", "--out-dir", (dir / "p").string()}, args));
  };
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  // quotes without the constrained column, and a row with a demand above 1
  std::string no_score = "policy_id,step,premium,demand\nA,0,100,0.5\nA,1,110,0.4\n";
  const fs::path bad_row =
      write_grid(dir, "bad.csv", "policy_id,step,premium,demand,score\nA,0,100,0.5,1\nA,1,110,1.5,1\n");
  const std::vector<Case> cases = {
      {{"--rule", grid_rule, "--book", book.string()}, "option --book"},
      {{"--rule", book_rule, "--grid", grid.string()}, "option --grid"},
      {{"--rule", grid_rule}, "--book and --grid"},
      {{"--rule", grid_rule, "--grid", write_grid(dir, "noscore.csv", no_score).string()},
       "noscore.csv: column score is missing"},
      {{"--rule", grid_rule, "--grid", bad_row.string()}, "bad.csv:3"},
  };
  for (const Case& c : cases) {
    const CliRun r = price(c.args);
    EXPECT_EQ(r.rc, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, c.says)) << c.says << "\n" << describe(r);
    EXPECT_FALSE(fs::exists(dir / "p" / "priced.csv")) << c.says;
  }
}

}  // namespace cli_test
}  // namespace rateopt
