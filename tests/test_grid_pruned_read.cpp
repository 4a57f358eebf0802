// read_and_solve_grid: the grid read keeping per policy only the candidates able to win near the
// multipliers, against the whole grid read and solved.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "grid/grid_problem.hpp"
#include "grid_test_data.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/math/grid_math.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

namespace fs = std::filesystem;
namespace term = math::grid_term;

struct Whole {
  GridBook grid;
  GridResult result;
};
Whole whole_solve(const fs::path& path, const GridOptions& options) {
  Whole w;
  w.grid = read_grid_csv(path.string(), grid_constraint_columns(options));
  GridOptions full = options;
  full.dual_sample = 0;
  w.result = solve_grid(w.grid, full);
  return w;
}

// The pruned solve's choice, as rows of the whole grid (matched by step), meets every limit of the whole
// grid's problem and stays under the whole grid's bound; the bound is the whole grid's.
void expect_same_problem_solved(const Whole& whole, const GridBook& pruned_grid, const GridResult& pruned,
                                const GridOptions& options) {
  ASSERT_EQ(whole.result.status, SolveStatus::converged) << whole.result.message;
  ASSERT_EQ(pruned.status, SolveStatus::converged) << pruned.message;
  const GridBook& g = whole.grid;
  ASSERT_EQ(pruned_grid.policies(), g.policies());
  EXPECT_EQ(pruned.n_candidates, whole.result.n_candidates);
  EXPECT_EQ(pruned.candidates_removed, whole.result.candidates_removed);
  EXPECT_EQ(pruned.n_bound_conflicts, whole.result.n_bound_conflicts);
  EXPECT_LT(pruned_grid.candidates(), g.candidates());
  std::vector<int32_t> rows(g.policies());
  for (size_t i = 0; i < g.policies(); ++i) {
    ASSERT_EQ(pruned_grid.policy_id[i], g.policy_id[i]);
    EXPECT_EQ(pruned_grid.capped_rows_of(i), g.rows_of(i));
    EXPECT_EQ(pruned_grid.first_line[i], g.first_line[i]);
    const int32_t step = pruned_grid.step_of(i, static_cast<size_t>(pruned.choice[i]));
    rows[i] = -1;
    for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r)
      if (g.step_of(i, r) == step) rows[i] = static_cast<int32_t>(r);
    ASSERT_GE(rows[i], 0) << "policy " << i << " step " << step;
  }
  GridResult scratch;
  GridBook capped = g;
  const GridProblem problem = prepare_grid_problem(capped, options, scratch);
  const std::vector<double> S = grid_choice_sums(g, problem.terms, rows);
  for (const GridRow& row : problem.rows) EXPECT_TRUE(row.holds(S, options.tolerance)) << row.name;
  EXPECT_NEAR(S[term::profit], pruned.expected_profit, 1e-9 * std::fabs(pruned.expected_profit));
  EXPECT_LE(S[term::profit], *whole.result.dual_bound * (1 + 1e-11));
  EXPECT_NEAR(*pruned.lp_value, *whole.result.lp_value, 1e-9 * std::fabs(*whole.result.lp_value));
  EXPECT_LE(*pruned.optimality_gap, 2 * *whole.result.optimality_gap + 1e-6)
      << "whole grid's gap " << *whole.result.optimality_gap << " pruned " << pruned_grid.candidates() << " of "
      << g.candidates();
  // policies.csv counts the candidates the caps kept, as the whole read does
  EXPECT_EQ(grid_policy_columns(pruned_grid, pruned).candidates, grid_policy_columns(g, whole.result).candidates);
}

// read_and_solve_grid fails with read_grid_csv's message, which holds `says`.
void expect_the_whole_reads_error(const fs::path& path, const GridOptions& options, const std::string& says) {
  std::string expected;
  try {
    read_grid_csv(path.string(), grid_constraint_columns(options));
  } catch (const InputError& e) {
    expected = e.what();
  }
  ASSERT_NE(expected.find(says), std::string::npos) << expected;
  GridBook grid;
  try {
    read_and_solve_grid(path.string(), options, grid);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

// Limits a little tighter than the unconstrained answer, so that they bind.
std::vector<GridOptions> option_sets(const fs::path& path) {
  GridOptions free_options;
  free_options.dual_sample = 0;
  GridBook g = read_grid_csv(path.string());
  const GridResult free_answer = solve_grid(g, free_options);
  GridOptions capped_options = free_options;
  capped_options.max_rate_change = 0.25;
  capped_options.enbp_buffer = 0.02;
  GridBook capped = read_grid_csv(path.string());
  const GridResult capped_answer = solve_grid(capped, capped_options);
  std::vector<GridOptions> sets(5);
  sets[1].lr_max = 0.995 * free_answer.expected_loss_ratio;
  sets[2].lr_max = 0.997 * free_answer.expected_loss_ratio;
  sets[2].retention_min = free_answer.expected_retention + 0.002;
  sets[3] = capped_options;
  sets[3].lr_max = 1.01 * capped_answer.expected_loss_ratio;
  sets[3].sum_min.push_back("score=100%");
  sets[4].retention_min = free_answer.expected_retention + 0.01;
  sets[4].ratio_max.push_back("claims/gwp=" + std::to_string(free_answer.expected_loss_ratio));
  for (GridOptions& o : sets) {
    o.dual_sample = 300;
    o.threads = 2;
  }
  return sets;
}

TEST(GridPrunedRead, SolvesTheWholeGridsProblemHoldingFewerCandidates) {
  const fs::path dir = test::scratch_dir();
  const fs::path path = dir / "grid.csv";
  test::write_text_file(path, test::random_grid_csv(41, 2000, 12));
  const std::vector<GridOptions> sets = option_sets(path);
  for (size_t s = 0; s < sets.size(); ++s) {
    SCOPED_TRACE("option set " + std::to_string(s));
    const Whole whole = whole_solve(path, sets[s]);
    GridBook grid;
    const GridResult pruned = read_and_solve_grid(path.string(), sets[s], grid);
    EXPECT_GE(pruned.pruned_reads, 1);
    expect_same_problem_solved(whole, grid, pruned, sets[s]);
    EXPECT_EQ(grid.sha256, whole.grid.sha256);
  }
}

// Policies of up to 150 candidates (more bytes than the sample's first 4 KiB block around an offset, so the
// block often ends inside a row or its id): the sample widens its block and the read is still pruned.
TEST(GridPrunedRead, PoliciesLongerThanTheSampleBlockAreStillSampled) {
  const fs::path dir = test::scratch_dir();
  const fs::path path = dir / "grid.csv";
  test::write_text_file(path, test::random_grid_csv(45, 2000, 150));
  const GridOptions options = option_sets(path)[1];
  const Whole whole = whole_solve(path, options);
  GridBook grid;
  const GridResult pruned = read_and_solve_grid(path.string(), options, grid);
  EXPECT_GE(pruned.pruned_reads, 1);
  expect_same_problem_solved(whole, grid, pruned, options);
}

// A box far from the answer, below it or above it, or at λ = 0: the solve finds its side holding the answer back and
// the file is read again with a wider box, until the answer is the whole grid's.
TEST(GridPrunedRead, ABoxAwayFromTheAnswerIsWidenedUntilItHoldsIt) {
  const fs::path dir = test::scratch_dir();
  const fs::path path = dir / "grid.csv";
  test::write_text_file(path, test::random_grid_csv(42, 2000, 10));
  const GridOptions options = option_sets(path)[2];
  const Whole whole = whole_solve(path, options);
  ASSERT_EQ(whole.result.multipliers.size(), 2u);
  ASSERT_GT(whole.result.multipliers[0], 0);
  // 0: a sample that found the limits slack, while the whole grid's multipliers are not 0
  for (double factor : {0.0, 0.05, 3.0}) {
    SCOPED_TRACE("start at " + std::to_string(factor) + " × the multipliers");
    GridMultipliers start{whole.result.multipliers, whole.result.multiplier_units};
    for (double& l : start.lambda) l *= factor;
    GridBook grid;
    const GridResult pruned = read_and_solve_grid_from(path.string(), options, start, grid);
    EXPECT_GE(pruned.pruned_reads, 2);
    expect_same_problem_solved(whole, grid, pruned, options);
  }
}

// What the sample cannot decide goes to the whole read: limits nothing meets are proven infeasible over
// every candidate, and a bad value is reported at its line, as read_grid_csv reports it.
TEST(GridPrunedRead, InfeasibleLimitsAndBadInputGoToTheWholeRead) {
  const fs::path dir = test::scratch_dir();
  const fs::path path = dir / "grid.csv";
  std::string text = test::random_grid_csv(43, 2000, 8);
  test::write_text_file(path, text);
  const GridOptions options = option_sets(path)[1];
  GridOptions unreachable = options;
  unreachable.lr_max = 0.05;
  GridBook grid;
  const GridResult infeasible = read_and_solve_grid(path.string(), unreachable, grid);
  EXPECT_EQ(infeasible.status, SolveStatus::infeasible);
  EXPECT_EQ(infeasible.pruned_reads, 0);
  EXPECT_TRUE(infeasible.infeasibility.has_value());

  // demand 1.5 on a row in the middle of the file
  size_t at = text.size() / 2;
  at = text.find('\n', at) + 1;
  const size_t line = static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) + 1;
  const size_t demand_start = text.find(',', text.find(',', text.find(',', at) + 1) + 1) + 1;
  text.replace(demand_start, text.find(',', demand_start) - demand_start, "1.5");
  test::write_text_file(path, text);
  expect_the_whole_reads_error(path, options, ":" + std::to_string(line) + ":");
}

// Readers in parallel each see a range of the file: a policy whose rows are split between two ranges is
// still an error at the later row, as the whole read reports it; a file with quotes (which may hold line
// ends) is read by one reader and solves as the whole grid.
TEST(GridPrunedRead, RangesReadInParallelReportAPolicySplitAcrossThemAndQuotesReadWhole) {
  const fs::path dir = test::scratch_dir();
  const fs::path path = dir / "grid.csv";
  const std::string text = test::random_grid_csv(44, 2000, 8);
  test::write_text_file(path, text);
  const GridOptions options = option_sets(path)[1];
  // Policy P3's rows after its first moved to the end of the file.
  const size_t p3 = text.find("\nP3,1,") + 1, p3_end = text.find("\nP4,") + 1;
  std::string split = text.substr(0, p3) + text.substr(p3_end) + text.substr(p3, p3_end - p3);
  test::write_text_file(path, split);
  expect_the_whole_reads_error(path, options, "P3");
  GridBook grid;

  std::string quoted = text;
  const size_t p7 = quoted.find("\nP7,") + 1;
  quoted.replace(p7, 2, "\"P7\"");
  for (size_t at = quoted.find("\nP7,"); at != std::string::npos; at = quoted.find("\nP7,", at))
    quoted.replace(at + 1, 2, "\"P7\"");
  test::write_text_file(path, quoted);
  const Whole whole = whole_solve(path, options);
  const GridResult pruned = read_and_solve_grid(path.string(), options, grid);
  EXPECT_GE(pruned.pruned_reads, 1);
  expect_same_problem_solved(whole, grid, pruned, options);
}

}  // namespace
}  // namespace rateopt
