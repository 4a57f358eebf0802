// Backend conformance: the same test bodies on every backend.  The CPU instance runs everywhere; the
// CUDA instance (suite prefix Gpu/, ctest label gpu) skips cleanly where no GPU is usable.
//
// Each pass is checked against sums recomputed here from the multipliers the backend reports, and
// (on a GPU) against the CPU backend; whole solves must match the CPU answer to 1e-9 relative in
// profit and every constraint.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backend_test_util.hpp"
#include "optimise/backend/backend.hpp"
#include "optimise/backend/device_choice.hpp"
#include "optimise/problem.hpp"
#include "rateopt/book.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/solve.hpp"
#include "test_util.hpp"

using namespace rateopt;
using namespace rateopt::backend_test;

namespace {

std::unique_ptr<Backend> make_backend(const std::string& name) {
  if (name == "cpu") return make_cpu_backend(0);
#if RATEOPT_HAVE_CUDA
  if (probe_cuda_device().usable) return make_cuda_backend();
#endif
  return nullptr;
}

// T recomputed directly from the book's columns (log-linear or logistic), independent of the
// backend and of policy_passes.hpp.
std::vector<double> direct_sums(const Problem& P, const std::vector<double>& m) {
  const PolicyArrays& pa = P.policies;
  std::vector<double> T(pa.basis_size(), 0.0);
  for (size_t i = 0; i < pa.size(); ++i) {
    const double x = pa.demand == math::DemandKind::log_linear ? pa.d0[i] * std::pow(m[i], pa.d1[i])
                                                               : 1.0 / (1.0 + std::exp(pa.d0[i] + pa.d1[i] * m[i]));
    T[0] += pa.wtc[i] * m[i] * x;
    T[1] += pa.wc[i] * x;
    T[2] += pa.we[i] * x;
    T[3] += pa.wr[i] * x;
    T[4] += pa.wv[i] * x;
    if (pa.n_groups > 0) {
      const int g = pa.group[i];
      T[5 + 3 * g] += pa.wtc[i] * m[i];
      T[6 + 3 * g] += pa.wtc[i] * m[i] * x;
      T[7 + 3 * g] += pa.wc[i] * x;
    }
  }
  return T;
}

struct Case {
  size_t n;
  bool groups;
  bool logistic;
};

class BackendConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
    backend_ = make_backend(GetParam());
    ASSERT_NE(backend_, nullptr);
  }

  Problem prepare(const Case& c, Book& book, OptimiseOptions& o, SolveResult& res) {
    book = generate_book(c.n, 1000 + c.n, BookProfile::benchmark);
    o.device = Device::cpu;
    o.max_rate_change = 0.25;
    o.enbp_buffer = 0.01;
    if (c.groups) o.fairness_max = 2.0;
    if (c.logistic) o.demand_model = DemandModel::logistic;
    return prepare_problem(book, o, res);
  }

  std::unique_ptr<Backend> backend_;
};

}  // namespace

TEST_P(BackendConformance, EveryPassMatchesSumsRecomputedFromTheMultipliers) {
  for (const Case& c : {Case{1, false, false}, Case{7, true, false}, Case{1000, true, true}, Case{100000, false, false},
                        Case{100000, true, true}}) {
    SCOPED_TRACE("n " + std::to_string(c.n) + (c.groups ? " groups" : "") + (c.logistic ? " logistic" : ""));
    Book book;
    OptimiseOptions o;
    SolveResult res;
    const Problem P = prepare(c, book, o, res);
    auto be = make_backend(GetParam());
    be->upload(P.policies);
    const int K = P.K;
    std::mt19937_64 rng(c.n);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<double> m(c.n);
    for (size_t i = 0; i < c.n; ++i) m[i] = P.policies.lb[i] + u(rng) * (P.policies.ub[i] - P.policies.lb[i]);
    be->set_multipliers(m);
    std::vector<double> back;
    be->get_multipliers(back);
    ASSERT_EQ(back, m);  // the backend keeps the book's order whatever its layout

    PassSums s;
    be->evaluate(s);
    const std::vector<double> T = direct_sums(P, m);
    for (int k = 0; k < K; ++k) EXPECT_LT(rel(s.T[k], T[k]), 1e-12) << "evaluate T[" << k << "]";

    // prices of a profit Lagrangian with multipliers on retention and group premiums
    std::vector<double> omega(K, 0.0);
    omega[0] = 1.0;
    omega[1] = -1.1;
    omega[2] = -1.0;
    omega[3] = 30.0;
    for (int g = 0; g < P.policies.n_groups; ++g) omega[5 + 3 * g] = (g % 2 ? 0.02 : -0.03);
    be->lagrangian_argmax(omega, true, s);
    be->accept_trial();
    be->get_multipliers(back);
    const std::vector<double> Ta = direct_sums(P, back);
    for (int k = 0; k < K; ++k) EXPECT_LT(rel(s.T[k], Ta[k]), 1e-12) << "argmax T[" << k << "]";
    double h = 0;
    for (int k = 0; k < K; ++k) h += omega[k] * Ta[k];
    EXPECT_LT(rel(s.h_sum, h), 1e-10);
    for (size_t i = 0; i < c.n; ++i) {
      ASSERT_GE(back[i], P.policies.lb[i]);
      ASSERT_LE(back[i], P.policies.ub[i]);
    }

    // A Newton system and trial from the argmax point: the trial must stay in the box and T must
    // match the trial multipliers.
    be->newton_system(omega, s);
    for (int a = 0; a < K; ++a)
      for (int c2 = 0; c2 < K; ++c2)
        EXPECT_NEAR(s.curvature[a * K + c2], s.curvature[c2 * K + a],
                    1e-9 * std::fabs(s.curvature[a * K + a]) + 1e-300);
    std::vector<double> z(K, 0.0);
    z[0] = 1e-4;
    be->newton_trial(omega, z, 0.5, s);
    be->accept_trial();
    be->get_multipliers(back);
    const std::vector<double> Tt = direct_sums(P, back);
    for (int k = 0; k < K; ++k) EXPECT_LT(rel(s.T[k], Tt[k]), 1e-12) << "trial T[" << k << "]";
  }
}

// Every field of every pass kind against the CPU backend on one thread (the Cpu instance compares
// every core with one thread, which also checks the fixed reduction order), over chunk-edge sizes,
// no / two / fifty groups (one empty), both demand models.  The argmax and trial multipliers must
// agree too.
TEST_P(BackendConformance, EveryFieldOfEveryPassMatchesTheCpuBackend) {
  for (size_t n : {size_t{1}, size_t{7}, size_t{2047}, size_t{2048}, size_t{2049}, size_t{100000}})
    for (int groups : {0, 2, 50})
      for (bool logistic : {false, true}) {
        SCOPED_TRACE("n " + std::to_string(n) + " groups " + std::to_string(groups) + (logistic ? " logistic" : ""));
        const PolicyArrays pa = grouped_policies(n, groups, logistic);
        // the GPU against the scalar CPU passes (its exp and log round as the C library's nearly
        // always); the CPU on every core against itself on one thread
        auto ref = make_cpu_backend(1, GetParam() == "cuda" ? CpuPasses::scalar : CpuPasses::vector);
        auto be = make_backend(GetParam());
        expect_every_pass_agrees(*be, *ref, pa);
      }
}

// An empty book (an MPI rank's empty shard): every pass returns zero sums of the basis size, and
// nothing is launched (a grid of 0 blocks is an invalid launch on the GPU).
TEST_P(BackendConformance, AnEmptyBookGivesZeroSums) {
  for (int groups : {0, 2}) {
    PolicyArrays pa = grouped_policies(1, groups, false);
    for (auto* col : {&pa.wtc, &pa.wc, &pa.we, &pa.wr, &pa.wv, &pa.d0, &pa.d1, &pa.lb, &pa.ub}) col->clear();
    pa.group.clear();
    const int K = pa.basis_size();
    auto be = make_backend(GetParam());
    be->upload(pa);
    std::vector<double> omega(K, 1.0), m;
    PassSums s;
    const auto expect_zero = [&](const char* pass) {
      SCOPED_TRACE(pass);
      EXPECT_EQ(s.T, std::vector<double>(K, 0.0));
      EXPECT_EQ(s.curvature, std::vector<double>(static_cast<size_t>(K) * K, 0.0));
      EXPECT_EQ(s.r, std::vector<double>(K, 0.0));
      EXPECT_EQ(s.h_sum, 0.0);
      EXPECT_EQ(s.g_dinv_g, 0.0);
      EXPECT_EQ(s.n_free, 0);
    };
    be->evaluate(s);
    expect_zero("evaluate");
    be->lagrangian_argmax(omega, true, s);
    expect_zero("argmax");
    be->accept_trial();
    be->newton_system(omega, s);
    expect_zero("newton_system");
    be->newton_trial(omega, omega, 0.5, s);
    expect_zero("newton_trial");
    be->get_multipliers(m);
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(be->passes(), 4);
  }
}

// The same solve on this backend and on the CPU backend: equal answers, and equal to the CPU's
// with any thread count.
TEST_P(BackendConformance, WholeSolvesMatchTheCpuAnswer) {
  struct Solve {
    const char* name;
    size_t n;
    void (*set)(OptimiseOptions&);
  };
  const Solve solves[] = {
      {"bounds only", 1, [](OptimiseOptions&) {}},
      {"benchmark", 20000, [](OptimiseOptions& o) { o.lr_max = 0.68, o.retention_min = 0.78; }},
      {"lr_max binding", 20000, [](OptimiseOptions& o) { o.lr_max = 0.625; }},
      {"gwp and lr_min", 5000, [](OptimiseOptions& o) { o.lr_min = 0.64, o.gwp_max = 3.0e6; }},
      {"premium fairness", 20000, [](OptimiseOptions& o) { o.fairness_max = 1.18, o.retention_min = 0.7; }},
      {"stochastic lr", 20000, [](OptimiseOptions& o) { o.lr_max = 0.70, o.stochastic_lr = true; }},
      {"logistic", 20000, [](OptimiseOptions& o) { o.demand_model = DemandModel::logistic, o.retention_min = 0.78; }},
      {"gwp_min", 20000, [](OptimiseOptions& o) { o.gwp_min = 9.0e6; }},
      {"loss-ratio fairness", 20000,
       [](OptimiseOptions& o) { o.fairness_max = 1.02, o.fairness_metric = FairnessMetric::loss_ratio_disparity; }},
      {"model quality", 20000,
       [](OptimiseOptions& o) { o.lr_max = 0.575, o.model_quality_adjusted_lr = true, o.model_rho = 0.7; }},
      {"benchmark 1e6", 1000000, [](OptimiseOptions& o) { o.lr_max = 0.68, o.retention_min = 0.78; }},
  };
  for (const Solve& sv : solves) {
    SCOPED_TRACE(sv.name);
    // the CPU instance compares the CPU with itself: the large book adds nothing there
    if (sv.n > 100000 && GetParam() == "cpu") continue;
    const Book book = generate_book(sv.n, 77, BookProfile::benchmark);
    OptimiseOptions o;
    o.max_rate_change = 0.25;
    o.enbp_buffer = 0.01;
    sv.set(o);
    o.device = Device::cpu;
    const SolveResult ref = optimise(book, o);
    o.device = *enum_from_name<Device>(GetParam());
    const SolveResult r = optimise(book, o);
    EXPECT_EQ(r.backend_used, GetParam());
    EXPECT_EQ(ref.status, SolveStatus::converged) << ref.message;
    EXPECT_EQ(r.status, ref.status) << r.message;
    EXPECT_LT(rel(r.expected_profit, ref.expected_profit), 1e-9);
    ASSERT_EQ(r.constraints.size(), ref.constraints.size());
    for (size_t k = 0; k < r.constraints.size(); ++k) {
      EXPECT_LT(rel(r.constraints[k].value, ref.constraints[k].value), 1e-9) << to_string(r.constraints[k].kind);
      EXPECT_LE(r.constraints[k].relative_violation, 1e-9) << to_string(r.constraints[k].kind);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cpu, BackendConformance, ::testing::Values(std::string("cpu")));
INSTANTIATE_TEST_SUITE_P(Gpu, BackendConformance, ::testing::Values(std::string("cuda")));

// The one --device rule that optimise, the annealers and reinsure (whose device load now runs inside
// it) share: cpu never touches the device; auto falls back with a reason when no GPU is usable or the
// device work throws DeviceError; cuda refuses instead.
TEST(DeviceChoice, AutoFallsBackWhereCudaRefuses) {
  bool ran = false;
  std::string reason;
  EXPECT_FALSE(run_on_chosen_device(
      Device::cpu, [&] { ran = true; }, reason));
  EXPECT_FALSE(ran);
  EXPECT_EQ(reason, "");
  const auto failing_load = [&] {
    ran = true;
    throw DeviceError("samples need 9.00 GiB of device memory");
  };
  EXPECT_FALSE(run_on_chosen_device(Device::automatic, failing_load, reason));
  EXPECT_NE(reason.find("; using the CPU"), std::string::npos) << reason;
  if (test::gpu_missing_reason().empty()) {
    EXPECT_TRUE(ran);  // the device was tried, failed, and the CPU was chosen
    EXPECT_EQ(reason, "samples need 9.00 GiB of device memory; using the CPU");
    EXPECT_THROW(run_on_chosen_device(Device::cuda, failing_load, reason), DeviceError);
  } else {
    EXPECT_FALSE(ran);
    if (RATEOPT_HAVE_CUDA) {
      EXPECT_THROW(run_on_chosen_device(Device::cuda, failing_load, reason), DeviceError);
    } else {
      EXPECT_THROW(run_on_chosen_device(Device::cuda, failing_load, reason), InputError);
    }
  }
}
