// The cluster problem as a price grid (SPEC §3 as §9): the exported grid's profit and volume are the
// clusters' revenue and retained policies, its floor accepts exactly the choices the cluster rule
// accepts, and `grid` (dual + rounding, exact by the knapsack, exact by CBC) reaches the cluster solver's
// optimum, its bound never below it.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <optional>

#include "grid/grid_backend.hpp"
#include "io/format.hpp"
#include "rateopt/clusters.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/math/grid_math.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

namespace term = math::grid_term;

const std::vector<double> kNineRates{5, 7, 9, 11, 13, 15, 17, 25, 30};

// The exported grid read back through the CSV reader, as `rateopt grid` reads it.
GridBook read_exported(const ClusterGrid& cg, const std::string& name) {
  const std::filesystem::path path = test::scratch_dir() / (name + ".csv");
  test::write_text_file(path, cg.csv);
  return read_grid_csv(path.string());
}

GridOptions options_for(const ClusterGrid& cg) {
  GridOptions o;
  o.sum_min = {cg.sum_min};
  o.tolerance = cg.tolerance;
  o.threads = 2;
  return o;
}

// Every choice vector of a small instance.
void for_each_choice(const ClusterProblem& p, const std::function<void(const std::vector<int>&)>& f) {
  std::vector<int> c(p.size(), 0);
  for (;;) {
    f(c);
    size_t i = 0;
    while (i < p.size() && ++c[i] == static_cast<int>(p.options[i].size())) c[i++] = 0;
    if (i == p.size()) return;
  }
}

TEST(ClusterGrid, ProfitAndVolumeOfEveryCandidateAreTheClustersRevenueAndRetainedPolicies) {
  const ClusterProblem p = generate_cluster_problem(40, kNineRates, 5);
  const ClusterGrid cg = cluster_grid(p, 11);
  const GridBook g = read_exported(cg, "grid");
  ASSERT_EQ(g.policies(), p.size());
  std::vector<double> phi(term::first_extra);
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(g.policy_id[i], p.cluster_id[i]);
    EXPECT_EQ(g.weight[i], static_cast<double>(p.policies[i]));
    ASSERT_EQ(g.rows_of(i), p.options[i].size());
    for (size_t j = 0; j < p.options[i].size(); ++j) {
      grid_row_terms(g, i, g.offset[i] + j, phi.data());
      // (1 − α)·P·(ρ − C) = w·demand·(premium − loss cost): the same products, so the same doubles
      EXPECT_EQ(phi[term::profit], p.revenue(i, j)) << i << "," << j;
      EXPECT_NEAR(phi[term::volume], static_cast<double>(p.policies[i]) * (1 - p.options[i][j].termination_rate / 100),
                  1e-9);
    }
  }
  double total = 0;
  for (int64_t n : p.policies) total += static_cast<double>(n);
  EXPECT_NEAR(cg.volume_target, 0.89 * total, 1e-6);
  EXPECT_GE(cg.volume_met, cg.volume_target - 1e-6);            // the lattice point meets the target
  EXPECT_LT(cg.volume_met - cg.volume_step, cg.volume_target);  // and is the last one that does
  EXPECT_DOUBLE_EQ(cg.volume_min, cg.volume_met - cg.volume_step / 2);
}

// The floor with the exported tolerance, as the grid checks it, accepts exactly the choices the cluster
// rule accepts: on every choice of small instances, targets on and off the lattice.
TEST(ClusterGrid, TheVolumeFloorAcceptsExactlyTheChoicesTheTargetAccepts) {
  int accepted = 0, refused = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    const std::vector<double> rates =
        seed % 2 ? std::vector<double>{5, 9, 13, 25} : std::vector<double>{4.5, 7, 11.25, 17, 30};
    const ClusterProblem p = generate_cluster_problem(static_cast<int>(3 + seed % 3), rates, seed);
    for (double target : {6.0, 9.0, 11.0, 13.0, 14.5}) {
      const ClusterGrid cg = cluster_grid(p, target);
      const GridBook g = read_exported(cg, "floor");
      for_each_choice(p, [&](const std::vector<int>& c) {
        double volume = 0;
        for (size_t i = 0; i < p.size(); ++i) volume += g.weight[i] * g.demand[g.offset[i] + static_cast<size_t>(c[i])];
        const bool grid_ok = volume >= cg.volume_min - cg.tolerance * std::fabs(cg.volume_min);
        const bool cluster_ok = assess_choice(p, c, target).retention_ok;
        EXPECT_EQ(grid_ok, cluster_ok) << "seed " << seed << " target " << target;
        (cluster_ok ? accepted : refused) += 1;
      });
    }
  }
  EXPECT_GT(accepted, 100);
  EXPECT_GT(refused, 100);
}

// A target met exactly by one choice (two clusters of 100 at 10% and 20%: 15%): that choice stays feasible.
TEST(ClusterGrid, ATargetMetExactlyStaysFeasibleInTheGrid) {
  ClusterProblem p;
  p.cluster_id = {"a", "b"};
  p.policies = {100, 100};
  p.avg_claim = {100, 100};
  p.options = {{{10, 300}, {20, 400}}, {{10, 300}, {20, 400}}};
  const ClusterGrid cg = cluster_grid(p, 15);
  GridBook g = read_exported(cg, "grid");
  GridOptions o = options_for(cg);
  o.exact = true;
  const GridResult r = solve_grid(g, o);
  ASSERT_EQ(r.status, SolveStatus::converged) << r.message;
  EXPECT_DOUBLE_EQ(r.expected_profit, solve_clusters_exact(p, 15).revenue);
  EXPECT_DOUBLE_EQ(r.expected_volume, 170);
}

struct Case {
  int clusters;
  uint64_t seed;
  double target;
  bool every_path;  ///< dual and CBC too (the knapsack always)
};

// The grid's paths against the cluster solver: the same optimum to 1e-9 relative, bounds above it.  Rates
// with decimals on even seeds; dual and CBC (seconds each past a few hundred clusters) on the smaller ones.
TEST(ClusterGrid, GridReachesTheClusterSolversOptimumWithItsBoundAbove) {
  std::vector<Case> cases;
  for (int clusters : {8, 40})
    for (uint64_t seed : {1u, 2u, 3u})
      for (double target : {4.0, 6.0, 9.0, 11.0, 14.0, 40.0}) cases.push_back({clusters, seed, target, true});
  for (uint64_t seed : {1u, 2u, 3u})
    for (double target : {9.0, 11.0, 40.0}) cases.push_back({300, seed, target, seed == 1 && target == 11.0});
  cases.push_back({2000, 4, 11.0, false});
  int binding = 0, slack = 0, infeasible = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.clusters) + " clusters, seed " + std::to_string(c.seed) + ", target " +
                 shortest(c.target));
    const ClusterProblem p = generate_cluster_problem(
        c.clusters, c.seed % 2 ? kNineRates : std::vector<double>{4.5, 7, 11.25, 17, 30}, c.seed);
    const ExactClusterResult e = solve_clusters_exact(p, c.target);
    const ClusterGrid cg = cluster_grid(p, c.target);
    const GridBook g = read_exported(cg, "grid");
    std::vector<std::optional<GridExactMethod>> paths{GridExactMethod::knapsack};
    if (c.every_path) paths.insert(paths.end(), {std::nullopt, GridExactMethod::cbc});
    for (const std::optional<GridExactMethod> method : paths) {
      GridBook solved = g;
      GridOptions o = options_for(cg);
      o.exact = method.has_value();
      o.exact_method = method.value_or(GridExactMethod::automatic);
      const GridResult r = solve_grid(solved, o);
      SCOPED_TRACE(std::string(method ? to_string(*method) : "dual") + ": " + r.message);
      if (!e.feasible) {
        EXPECT_EQ(r.status, SolveStatus::infeasible);
        continue;
      }
      ASSERT_EQ(r.status, SolveStatus::converged);
      if (method) {
        EXPECT_EQ(r.exact_method, to_string(*method));
      }
      EXPECT_NEAR(r.expected_profit, e.revenue, 1e-9 * std::fabs(e.revenue));
      ASSERT_TRUE(r.lp_value && r.dual_bound);
      const double tol = 1e-12 * std::fabs(e.revenue);
      EXPECT_GE(*r.lp_value, e.revenue - tol);
      EXPECT_GE(*r.dual_bound, e.revenue - tol);
      // the grid's floor sits half a lattice step below the clusters' integer capacity: a relaxation no tighter
      EXPECT_GE(*r.lp_value, e.lp_bound - tol);
      // the grid's answer meets the cluster rule itself
      std::vector<int> choice(p.size());
      for (size_t i = 0; i < p.size(); ++i) choice[i] = r.choice[i] - static_cast<int>(solved.offset[i]);
      EXPECT_TRUE(assess_choice(p, choice, c.target).valid());
    }
    if (!e.feasible) {
      ++infeasible;
      continue;
    }
    // binding: the best choice without the target terminates more than it allows
    std::vector<int> unconstrained(p.size());
    for (size_t i = 0; i < p.size(); ++i)
      for (size_t j = 1; j < p.options[i].size(); ++j)
        if (p.revenue(i, j) > p.revenue(i, static_cast<size_t>(unconstrained[i])))
          unconstrained[i] = static_cast<int>(j);
    (assess_choice(p, unconstrained, c.target).retention_ok ? slack : binding) += 1;
  }
  EXPECT_GT(binding, 25);
  EXPECT_GE(slack, 9);  // target 40%: above every rate
  EXPECT_GT(infeasible, 3);
}

}  // namespace
}  // namespace rateopt
