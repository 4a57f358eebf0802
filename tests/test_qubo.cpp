// The QUBO annealer (SPEC §3): ground states against brute force, the CSV round trip, the schedule
// rule, reproducibility, and the CPU/GPU conformance of the shared per-replica code (Gpu/ instance
// skips cleanly without a device).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "clusters/anneal_backend.hpp"
#include "optimise/backend/backend.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/qubo.hpp"
#include "test_util.hpp"

using namespace rateopt;

namespace {

Qubo random_qubo(int n, uint64_t seed, double density) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> w(-10, 10), coin(0, 1);
  Qubo q;
  q.n = n;
  q.offset = 3.5;
  for (int i = 0; i < n; ++i) {
    q.add(i, i, w(rng));
    for (int j = i + 1; j < n; ++j)
      if (coin(rng) < density) q.add(i, j, std::round(w(rng) * 4) / 4);
  }
  return q;
}

double brute_force_ground(const Qubo& q) {
  double best = INFINITY;
  std::vector<uint8_t> x(static_cast<size_t>(q.n));
  for (uint64_t mask = 0; mask < (uint64_t{1} << q.n); ++mask) {
    for (int k = 0; k < q.n; ++k) x[k] = (mask >> k) & 1;
    best = std::min(best, qubo_energy(q, x));
  }
  return best;
}

class Annealer : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  }
  AnnealOptions options() const {
    AnnealOptions o;
    o.device = *enum_from_name<Device>(GetParam());
    o.replicas = 64;
    o.sweeps = 500;
    return o;
  }
};

TEST_P(Annealer, FindsBruteForceGroundStatesUpTo20Variables) {
  for (int n : {1, 2, 5, 8, 12, 16, 20}) {
    for (uint64_t seed : {1u, 2u, 3u}) {
      const Qubo q = random_qubo(n, 100 * n + seed, n <= 8 ? 0.8 : 0.4);
      const double ground = brute_force_ground(q);
      const AnnealResult r = anneal_qubo(q, options());
      EXPECT_NEAR(r.best_energy, ground, 1e-9 * (1 + std::fabs(ground))) << "n " << n << " seed " << seed;
      EXPECT_NEAR(qubo_energy(q, r.best_state), r.best_energy, 1e-9 * (1 + std::fabs(ground)));
      EXPECT_EQ(r.backend_used, GetParam());
    }
  }
}

TEST_P(Annealer, SameSeedSameAnswerAndEveryReplicaEnergyIsItsState) {
  const Qubo q = random_qubo(40, 77, 0.3);
  const AnnealResult a = anneal_qubo(q, options());
  AnnealOptions o = options();
  o.threads = 1;
  const AnnealResult b = anneal_qubo(q, o);
  EXPECT_EQ(a.states, b.states);
  const size_t n = static_cast<size_t>(q.n);
  for (size_t r = 0; r < a.energies.size(); ++r) {
    const std::vector<uint8_t> x(a.states.begin() + r * n, a.states.begin() + (r + 1) * n);
    EXPECT_NEAR(a.energies[r], qubo_energy(q, x), 1e-9 * (1 + std::fabs(a.energies[r])));
  }
  o.seed = 2;
  EXPECT_NE(anneal_qubo(q, o).states, a.states);
}

// The GPU runs the same per-replica code: its states equal the CPU's bit for bit.
TEST_P(Annealer, StatesMatchTheCpuPath) {
  const Qubo q = random_qubo(30, 5, 0.5);
  AnnealOptions cpu = options();
  cpu.device = Device::cpu;
  EXPECT_EQ(anneal_qubo(q, options()).states, anneal_qubo(q, cpu).states);
}

// The GPU's warp per replica in each of its memory layouts (rows in shared memory, a dense QUBO's weights
// alone in shared memory, rows in global memory, everything in global memory: shared memory capped to
// reach the fallbacks) against the CPU on one thread, bit for bit; the CPU instance runs every core.
TEST_P(Annealer, StatesMatchTheCpuPathInEveryMemoryLayout) {
  struct Case {
    Qubo q;
    size_t shared_cap;
  };
  std::vector<Case> cases = {{random_qubo(156, 21, 1.0), 0}, {random_qubo(156, 21, 1.0), 65536},
                             {random_qubo(156, 21, 1.0), 1}, {random_qubo(90, 22, 0.2), 0},
                             {random_qubo(3, 23, 1.0), 0},   {random_qubo(300, 24, 1.0), 0}};
  for (const Case& c : cases) {
    const QuboRowStorage rows = qubo_rows(c.q);
    std::vector<uint8_t> ref, states;
    anneal_replicas_cpu(rows, 0.05, 5.0, 60, 9, 40, 1, ref);
    if (GetParam() == "cuda") {
      std::string device;
      anneal_replicas_cuda(rows, 0.05, 5.0, 60, 9, 40, states, device, c.shared_cap);
    } else {
      anneal_replicas_cpu(rows, 0.05, 5.0, 60, 9, 40, 0, states);
    }
    EXPECT_EQ(states, ref) << "n " << c.q.n << " shared memory cap " << c.shared_cap;
  }
}

INSTANTIATE_TEST_SUITE_P(Cpu, Annealer, ::testing::Values(std::string("cpu")));
INSTANTIATE_TEST_SUITE_P(Gpu, Annealer, ::testing::Values(std::string("cuda")));

TEST(Qubo, CsvRoundTripMergesPairsAndKeepsEnergies) {
  Qubo q = random_qubo(9, 3, 0.5);
  q.add(4, 2, 1.25);  // (4,2) and (2,4) are one pair
  q.offset = 0;
  const auto dir = test::scratch_dir();
  test::write_text_file(dir / "q.csv", qubo_csv(q));
  const Qubo back = read_qubo_csv((dir / "q.csv").string());
  EXPECT_EQ(back.n, q.n);
  std::mt19937_64 rng(4);
  for (int t = 0; t < 50; ++t) {
    std::vector<uint8_t> x(9);
    for (auto& b : x) b = rng() & 1;
    EXPECT_DOUBLE_EQ(qubo_energy(back, x), qubo_energy(q, x));
  }
}

TEST(Qubo, BadCsvNamesFileAndLine) {
  const auto dir = test::scratch_dir();
  const auto expect_error = [&](const std::string& text, const std::string& needle) {
    test::write_text_file(dir / "bad.csv", text);
    try {
      read_qubo_csv((dir / "bad.csv").string());
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("i,j,weight\n0,1,2\n1,x,3\n", "bad.csv:3: j = \"x\" is not a number");
  expect_error("i,j,weight\n0,1,nan\n", "bad.csv:2: weight");
  expect_error("i,j,weight\n-1,1,2\n", "bad.csv:2: i = \"-1\" must be a whole number");
  expect_error("i,j,weight\n0.5,1,2\n", "bad.csv:2: i");
  expect_error("i,j\n0,1\n", "bad.csv:1: missing required column \"weight\"");
  expect_error("i,j,weight\n0,1\n", "bad.csv:2: row has 2 fields, header has 3");
  expect_error("i,j,weight\n", "bad.csv: no data rows");
  expect_error("", "bad.csv: QUBO file is empty (no header line)");
}

TEST(Qubo, ScheduleFollowsTheStatedRule) {
  Qubo q;
  q.n = 3;
  q.add(0, 0, -2);
  q.add(0, 1, 4);
  q.add(1, 2, -0.5);
  // Δmax: x0 = 2 + 4 = 6, x1 = 4 + 0.5 = 4.5, x2 = 0.5 → median 4.5; min |coef| = 0.5
  const AnnealSchedule s = default_schedule(q);
  EXPECT_DOUBLE_EQ(s.beta_hot, std::log(2.0) / 4.5);
  EXPECT_DOUBLE_EQ(s.beta_cold, std::log(1000.0) / 0.5);
  EXPECT_NE(s.rule.find("geometric"), std::string::npos);
}

TEST(Qubo, OptionsAreValidated) {
  AnnealOptions o;
  o.replicas = 0;
  EXPECT_THROW(o.validate(), InputError);
  o = AnnealOptions();
  EXPECT_THROW(apply_options_json({bind_option(option_rows::device, o.device)}, R"({"device": "tpu"})", "test"),
               InputError);
  o = AnnealOptions();
  o.beta_hot = 5;
  o.beta_cold = 1;
  EXPECT_THROW(o.validate(), InputError);
}

}  // namespace
