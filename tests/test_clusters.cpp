// Cluster pricing (SPEC §3): the exact multiple-choice knapsack against brute force, the QUBO's
// one-hot energy identity, the annealer against the exact optimum on 100 seeded 15×9 instances (CPU;
// the Gpu/ instance runs it on a device where present), and the input rules.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "clusters/anneal_storage.hpp"
#include "clusters/clusters_internal.hpp"
#include "optimise/backend/backend.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/clusters.hpp"
#include "rateopt/errors.hpp"
#include "test_util.hpp"

using namespace rateopt;

namespace {

const std::vector<double> kNineRates{5, 7, 9, 11, 13, 15, 17, 25, 30};

// Every choice vector, in lexicographic order.
void for_each_choice(const ClusterProblem& p, const std::function<void(const std::vector<int>&)>& f) {
  std::vector<int> c(p.size(), 0);
  for (;;) {
    f(c);
    size_t i = 0;
    while (i < p.size() && ++c[i] == static_cast<int>(p.options[i].size())) c[i++] = 0;
    if (i == p.size()) return;
  }
}

struct Brute {
  bool feasible = false;
  double revenue = -INFINITY;
};
Brute brute_force(const ClusterProblem& p, double target) {
  Brute b;
  for_each_choice(p, [&](const std::vector<int>& c) {
    const ClusterAssessment a = assess_choice(p, c, target);
    if (a.valid() && a.revenue > b.revenue) b = {true, a.revenue};
  });
  return b;
}

TEST(ClusterExact, MatchesBruteForceOnSmallInstances) {
  int feasible = 0, infeasible = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const std::vector<double> rates =
        seed % 2 ? std::vector<double>{5, 9, 13, 25} : std::vector<double>{4.5, 7, 11.25, 17, 30};
    const ClusterProblem p = generate_cluster_problem(static_cast<int>(3 + seed % 4), rates, seed);
    for (double target : {4.0, 6.0, 9.0, 11.0, 14.5, 20.0}) {
      const Brute b = brute_force(p, target);
      const ExactClusterResult e = solve_clusters_exact(p, target);
      ASSERT_EQ(e.feasible, b.feasible) << "seed " << seed << " target " << target;
      if (!b.feasible) {
        ++infeasible;
        continue;
      }
      ++feasible;
      EXPECT_NEAR(e.revenue, b.revenue, 1e-9 * std::fabs(b.revenue)) << "seed " << seed << " target " << target;
      EXPECT_TRUE(assess_choice(p, e.choice, target).valid());
      EXPECT_GE(e.lp_bound, e.revenue * (1 - 1e-12));
    }
  }
  EXPECT_GT(feasible, 100);
  EXPECT_GT(infeasible, 10);
}

TEST(ClusterExact, TargetExactlyMetIsFeasible) {
  // two clusters of 100 policies; 10% and 20% average exactly 15%
  ClusterProblem p;
  p.cluster_id = {"a", "b"};
  p.policies = {100, 100};
  p.avg_claim = {100, 100};
  p.options = {{{10, 300}, {20, 400}}, {{10, 300}, {20, 400}}};
  const ExactClusterResult e = solve_clusters_exact(p, 15);
  ASSERT_TRUE(e.feasible);
  EXPECT_DOUBLE_EQ(e.termination_rate, 15.0);
  EXPECT_DOUBLE_EQ(e.revenue, 0.9 * 100 * 200 + 0.8 * 100 * 300);
}

// The flip move set anneals the raw QUBO by single bits: it runs and reports an honest assessment, but
// crossing the exact retention penalty by single flips rarely reaches the optimum (README).
TEST(ClusterAnnealFlip, ReportsItsBestStateHonestly) {
  const ClusterProblem p = generate_cluster_problem(4, {5, 9, 13}, 8);
  const ClusterQubo cq = build_cluster_qubo(p, 11);
  AnnealOptions o;
  o.device = Device::cpu;
  o.replicas = 16;
  o.sweeps = 200;
  const ClusterAnnealResult r = anneal_clusters(p, cq, 11, o, AnnealMoves::flip);
  EXPECT_EQ(r.moves, AnnealMoves::flip);
  const ClusterAssessment again = assess_choice(p, r.choice, 11);
  EXPECT_EQ(again.valid(), r.assessment.valid());
  EXPECT_LE(r.assessment.revenue,
            solve_clusters_exact(p, 11).revenue * (1 + 1e-12) + (r.assessment.valid() ? 0 : INFINITY));
  EXPECT_FALSE(enum_from_name<AnnealMoves>("swap").has_value());  // no other move set is accepted
}

TEST(ClusterQubo, LargeInstancesSkipTheDenseTermsButStillAnneal) {
  const ClusterProblem p = generate_cluster_problem(500, {5, 7, 9, 11, 13, 15, 17, 25, 30}, 3);
  const ClusterQubo cq = build_cluster_qubo(p, 11);
  EXPECT_FALSE(cq.terms_materialised);
  AnnealOptions o;
  o.device = Device::cpu;
  o.replicas = 4;
  o.sweeps = 50;
  const ClusterAnnealResult r = anneal_clusters(p, cq, 11, o);
  EXPECT_TRUE(r.assessment.valid());
  EXPECT_LE(r.assessment.revenue, solve_clusters_exact(p, 11).revenue * (1 + 1e-12));
  EXPECT_THROW(anneal_clusters(p, cq, 11, o, AnnealMoves::flip), InputError);
}

TEST(ClusterExact, ThousandClustersIsConsistent) {
  const ClusterProblem p = generate_cluster_problem(1000, kNineRates, 2026);
  const ExactClusterResult e = solve_clusters_exact(p, 11);
  ASSERT_TRUE(e.feasible);
  const ClusterAssessment a = assess_choice(p, e.choice, 11);
  EXPECT_TRUE(a.valid());
  EXPECT_LE(a.termination_rate, 11 + 1e-12);
  EXPECT_GE(e.lp_bound, e.revenue);
  // the LP bound is within one cluster's worth of revenue of the optimum
  EXPECT_LT(e.lp_bound - e.revenue, 1e-3 * e.revenue);
}

TEST(ClusterQubo, EnergyOfEveryOneHotFeasibleChoiceIsMinusRevenue) {
  for (uint64_t seed : {3u, 4u, 5u}) {
    const ClusterProblem p = generate_cluster_problem(4, {5, 9, 13, 25}, seed);
    for (double target : {8.0, 11.0, 16.0}) {
      const ClusterQubo cq = build_cluster_qubo(p, target);
      int checked = 0;
      const TerminationUnits u = termination_units(p, target);
      for_each_choice(p, [&](const std::vector<int>& c) {
        const ClusterAssessment a = assess_choice(p, c, target);
        if (!a.valid()) {  // over the target: the best slack is none, the energy −revenue + B·excess²
          int64_t used = 0;
          for (size_t i = 0; i < c.size(); ++i) used += u.weight[i][static_cast<size_t>(c[i])];
          const double excess = static_cast<double>(used - u.capacity);
          EXPECT_NEAR(qubo_energy(cq.qubo, cq.encode(p, c)), -a.revenue + cq.retention_penalty * excess * excess,
                      1e-9 * (std::fabs(a.revenue) + std::fabs(cq.qubo.offset)));
          return;
        }
        ++checked;
        const std::vector<uint8_t> x = cq.encode(p, c);
        EXPECT_EQ(cq.decode(x), c);
        const double e = qubo_energy(cq.qubo, x);
        EXPECT_NEAR(e, -a.revenue, 1e-9 * (std::fabs(a.revenue) + std::fabs(cq.qubo.offset)));
      });
      EXPECT_GT(checked, 0) << "seed " << seed << " target " << target;
    }
  }
}

// Breaking one-hot or the target costs energy: any x that is not one-hot feasible, with the best
// slack, lies above the optimum's energy on small instances (brute force over all 2^n states).
TEST(ClusterQubo, GroundStateOfSmallInstancesIsTheExactOptimum) {
  for (uint64_t seed : {11u, 12u, 13u, 14u}) {
    ClusterProblem p = generate_cluster_problem(3, {5, 11, 25}, seed);
    for (auto& P : p.policies) P = 20 + P % 17;  // few policies: few slack bits
    const double target = 12;
    const ClusterQubo cq = build_cluster_qubo(p, target);
    ASSERT_LE(cq.qubo.n, 22);
    double best = INFINITY;
    std::vector<uint8_t> x(static_cast<size_t>(cq.qubo.n)), arg;
    for (uint64_t mask = 0; mask < (uint64_t{1} << cq.qubo.n); ++mask) {
      for (int k = 0; k < cq.qubo.n; ++k) x[k] = (mask >> k) & 1;
      const double e = qubo_energy(cq.qubo, x);
      if (e < best) best = e, arg = x;
    }
    const ExactClusterResult exact = solve_clusters_exact(p, target);
    const ClusterAssessment a = assess_choice(p, cq.decode(arg), target);
    EXPECT_TRUE(a.valid()) << "seed " << seed;
    EXPECT_NEAR(a.revenue, exact.revenue, 1e-9 * exact.revenue) << "seed " << seed;
    EXPECT_NEAR(best, -exact.revenue, 1e-9 * (exact.revenue + std::fabs(cq.qubo.offset)));
  }
}

class ClusterAnneal : public ::testing::TestWithParam<std::string> {};

// With the default replicas and sweeps the annealer's best valid replica is the exact optimum on at
// least 99 of 100 seeded 15×9 instances.
TEST_P(ClusterAnneal, ReachesTheExactOptimumOn99Of100Instances) {
  if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  AnnealOptions o = ClustersOptions().anneal;
  o.device = *enum_from_name<Device>(GetParam());
  int reached = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    const ClusterProblem p = generate_cluster_problem(15, kNineRates, seed);
    const ExactClusterResult exact = solve_clusters_exact(p, 11);
    ASSERT_TRUE(exact.feasible);
    const ClusterQubo cq = build_cluster_qubo(p, 11);
    o.seed = seed;
    const ClusterAnnealResult sa = anneal_clusters(p, cq, 11, o);
    const bool hit = sa.assessment.valid() && sa.assessment.revenue >= exact.revenue * (1 - 1e-12);
    if (!hit)
      std::printf("instance %d: SA %s revenue %.2f, exact %.2f (gap %.3g%%), %d valid replicas\n", int(seed),
                  sa.assessment.valid() ? "valid" : "invalid", sa.assessment.revenue, exact.revenue,
                  100 * (exact.revenue - sa.assessment.revenue) / exact.revenue, sa.valid_replicas);
    EXPECT_LE(sa.assessment.revenue, exact.revenue * (1 + 1e-12));  // never above the optimum
    reached += hit;
  }
  EXPECT_GE(reached, 99);
}

// The device runs the same per-replica code: its choices and energies equal the CPU's.
TEST_P(ClusterAnneal, ChoicesMatchTheCpuPath) {
  if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  const ClusterProblem p = generate_cluster_problem(40, kNineRates, 77);
  const ClusterQubo cq = build_cluster_qubo(p, 11);
  AnnealOptions o = ClustersOptions().anneal;
  o.device = *enum_from_name<Device>(GetParam());
  o.replicas = 200;
  AnnealOptions cpu = o;
  cpu.device = Device::cpu;
  cpu.threads = 1;
  const ClusterAnnealResult a = anneal_clusters(p, cq, 11, o), b = anneal_clusters(p, cq, 11, cpu);
  EXPECT_EQ(a.anneal.backend_used, GetParam());
  EXPECT_EQ(a.anneal.states, b.anneal.states);
  EXPECT_EQ(a.anneal.energies, b.anneal.energies);
  EXPECT_EQ(a.choice, b.choice);
}

// The cluster moves with the moves and choices in shared memory and with everything in global memory
// (shared memory capped), against the CPU on one thread, bit for bit (the CPU instance: every core).
TEST_P(ClusterAnneal, ChoicesMatchTheCpuPathInEveryMemoryLayout) {
  if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  ClusterMoveStorage m;  // 40 clusters of nine options, ties between clusters
  m.option_begin.push_back(0);
  for (size_t i = 0; i < 40; ++i) {
    for (size_t j = 0; j < kNineRates.size(); ++j) {
      m.revenue.push_back(1000.0 * (1 + 0.05 * static_cast<double>(j)) * (1 + 0.01 * static_cast<double>(i % 7)));
      m.weight.push_back(static_cast<double>(3 + 2 * j + i % 5));
    }
    m.option_begin.push_back(static_cast<int32_t>(m.revenue.size()));
  }
  m.capacity = 250;
  m.penalty = 40;
  std::vector<int32_t> ref;
  anneal_clusters_cpu(m, 1e-3, 1.0, 80, 5, 70, 1, ref);
  for (size_t cap : {size_t{0}, size_t{1}}) {
    std::vector<int32_t> choices;
    if (GetParam() == "cuda") {
      std::string device;
      anneal_clusters_cuda(m, 1e-3, 1.0, 80, 5, 70, choices, device, cap);
    } else {
      anneal_clusters_cpu(m, 1e-3, 1.0, 80, 5, 70, 0, choices);
    }
    EXPECT_EQ(choices, ref) << "shared memory cap " << cap;
  }
}

INSTANTIATE_TEST_SUITE_P(Cpu, ClusterAnneal, ::testing::Values(std::string("cpu")));
INSTANTIATE_TEST_SUITE_P(Gpu, ClusterAnneal, ::testing::Values(std::string("cuda")));

TEST(ClusterInput, RulesNameFileAndLine) {
  const auto dir = test::scratch_dir();
  const std::string good_clusters = "cluster_id,policies,avg_claim\na,100,200\nb,50,150\n";
  const std::string good_premiums = "cluster_id,termination_rate,premium\na,5,300\na,10,350\nb,5,250\n";
  const auto expect_error = [&](const std::string& clusters, const std::string& premiums, const std::string& needle) {
    test::write_text_file(dir / "c.csv", clusters);
    test::write_text_file(dir / "p.csv", premiums);
    try {
      read_cluster_problem((dir / "c.csv").string(), (dir / "p.csv").string());
      ADD_FAILURE() << "accepted; wanted " << needle;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("cluster_id,policies,avg_claim\na,100,200\na,5,1\n", good_premiums, "c.csv:3: cluster_id \"a\" repeats");
  expect_error("cluster_id,policies,avg_claim\na,10.5,200\n", good_premiums,
               "c.csv:2: policies = \"10.5\" must be a whole");
  expect_error("cluster_id,policies,avg_claim\na,0,200\n", good_premiums, "c.csv:2: policies");
  expect_error("cluster_id,policies,avg_claim\na,10,-1\n", good_premiums, "c.csv:2: avg_claim = \"-1\" must be ≥ 0");
  expect_error("cluster_id,policies\na,10\n", good_premiums, "c.csv:1: missing required column \"avg_claim\"");
  expect_error(good_clusters, "cluster_id,termination_rate,premium\na,5,300\nz,5,1\n",
               "p.csv:3: cluster_id \"z\" is not in");
  expect_error(good_clusters, "cluster_id,termination_rate,premium\na,100,300\n",
               "p.csv:2: termination_rate = \"100\"");
  expect_error(good_clusters, "cluster_id,termination_rate,premium\na,5,0\n", "p.csv:2: premium = \"0\" must be > 0");
  expect_error(good_clusters, "cluster_id,termination_rate,premium\na,5,300\nb,5,1\na,5,2\n",
               "p.csv:4: cluster \"a\" has termination_rate 5 already at line 2");
  expect_error(good_clusters, "cluster_id,termination_rate,premium\na,5,abc\n",
               "p.csv:2: premium = \"abc\" is not a number");
  expect_error(good_clusters, "cluster_id,termination_rate,premium\na,5,300\n", "c.csv:3: cluster \"b\" has no row");
  test::write_text_file(dir / "c.csv", good_clusters);
  test::write_text_file(dir / "p.csv", good_premiums);
  const ClusterProblem p = read_cluster_problem((dir / "c.csv").string(), (dir / "p.csv").string());
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.options[0].size(), 2u);
  EXPECT_DOUBLE_EQ(p.revenue(0, 1), 0.9 * 100 * 150);
}

TEST(ClusterGenerate, RoundTripsThroughCsvAndFollowsTheRanges) {
  const ClusterProblem p = generate_cluster_problem(30, kNineRates, 9);
  const auto dir = test::scratch_dir();
  test::write_text_file(dir / "c.csv", clusters_csv(p));
  test::write_text_file(dir / "p.csv", premiums_csv(p));
  const ClusterProblem back = read_cluster_problem((dir / "c.csv").string(), (dir / "p.csv").string());
  ASSERT_EQ(back.size(), p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(back.policies[i], p.policies[i]);
    EXPECT_GE(p.policies[i], 10000);
    EXPECT_LE(p.policies[i], 40000);
    EXPECT_GE(p.avg_claim[i], 150);
    EXPECT_LE(p.avg_claim[i], 500);
    ASSERT_EQ(back.options[i].size(), kNineRates.size());
    for (size_t j = 0; j < kNineRates.size(); ++j) {
      EXPECT_EQ(back.options[i][j].premium, p.options[i][j].premium);
      EXPECT_GE(p.options[i][j].premium, 250);
      EXPECT_LE(p.options[i][j].premium, 1100);
      if (j > 0) {
        EXPECT_GT(p.options[i][j].premium, p.options[i][j - 1].premium);
      }
    }
  }
}

}  // namespace
