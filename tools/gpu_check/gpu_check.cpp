// The one-shot device check (kernels/README.md): built from the repository's own backend, kernel and
// per-policy sources with nvcc, g++ and OpenMP alone, so that it runs on a lent GPU machine that has
// none of the project's other libraries.
//
//   gpu_check self [--quick]  CPU on one thread against CPU on every core (no GPU; a ctest test)
//   gpu_check gpu             CPU against GPU, field by field (passes, annealers, reinsurance risk), then
//                             pass, annealer and reinsurance timings
//   gpu_check grid            the price grid's argmax: CPU against GPU field by field (every lane
//                             grouping), then pass timings at 1e6 × 41 and 1e7 × 11
//   gpu_check small           a small case of every pass, annealer and grid shape (for compute-sanitizer)
//   gpu_check pass N          evaluate, argmax and newton_system at N policies after a warm-up (for Nsight Compute)
//
// Exit status 0 when every comparison passed, 1 when one failed, 2 for bad arguments, 4 when the
// device could not be used.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "clusters/anneal_storage.hpp"
#include "grid/grid_backend.hpp"
#include "grid_cases.hpp"
#include "optimise/backend/backend.hpp"
#include "rateopt/errors.hpp"
#include "reinsure/reinsure_risk.hpp"

#ifdef GPU_CHECK_CUDA
#include "device_timing.hpp"
#endif

using namespace rateopt;

namespace {

int g_failures = 0;

double rel(double a, double b) { return std::fabs(a - b) / std::max({1e-300, std::fabs(a), std::fabs(b)}); }

void check(bool ok, const std::string& what) {
  if (ok) return;
  ++g_failures;
  if (g_failures <= 40) std::printf("  MISMATCH %s\n", what.c_str());
}

std::vector<std::unique_ptr<GridBackend>> one_backend(std::unique_ptr<GridBackend> b) {
  std::vector<std::unique_ptr<GridBackend>> out;
  out.push_back(std::move(b));
  return out;
}

#ifdef GPU_CHECK_CUDA
std::vector<std::unique_ptr<GridBackend>> grid_cuda_backends(const std::vector<int>& lanes) {
  std::vector<std::unique_ptr<GridBackend>> out;
  for (int l : lanes) out.push_back(make_grid_cuda_backend(l));
  return out;
}
#endif

/// Synthetic policies of the shape the solver prepares: coefficients in money, demand that falls with
/// the multiplier, boxes around 1; groups assigned in turn with the middle one left empty (n_groups > 2).
PolicyArrays make_policies(size_t n, int n_groups, bool logistic, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  PolicyArrays pa;
  pa.demand = logistic ? math::DemandKind::logistic : math::DemandKind::log_linear;
  pa.n_groups = n_groups;
  const int empty = n_groups > 2 ? n_groups / 2 : -1;
  for (size_t i = 0; i < n; ++i) {
    const double w = 0.5 + u(rng), tc = 200 + 1800 * u(rng);
    pa.wtc.push_back(w * tc);
    pa.wc.push_back(w * tc * (0.5 + 0.3 * u(rng)));
    pa.we.push_back(w * tc * 0.1);
    pa.wr.push_back(u(rng) < 0.6 ? w : 0.0);
    pa.wv.push_back(w * tc * tc * (0.5 + u(rng)));
    if (logistic) {
      const double beta = 1.0 + 4.0 * u(rng);
      pa.d0.push_back(-beta - 1.0 + 1.5 * u(rng));  // demand about 0.5–0.9 at m = 1
      pa.d1.push_back(beta);
    } else {
      pa.d0.push_back(0.2 + 0.7 * u(rng));
      pa.d1.push_back(-0.5 - 3.5 * u(rng));
    }
    pa.lb.push_back(0.75 + 0.2 * u(rng));
    pa.ub.push_back(1.0 + 0.3 * u(rng));
    int g = n_groups > 0 ? static_cast<int>(i % static_cast<size_t>(n_groups)) : -1;
    if (empty >= 0 && g == empty) g = (g + 1) % n_groups;
    pa.group.push_back(g);
  }
  return pa;
}

void compare_sums(const PassSums& a, const PassSums& b, const std::string& where) {
  constexpr double tol = 1e-12;
  const size_t K = b.T.size();
  check(a.T.size() == K && a.curvature.size() == K * K && a.r.size() == K, where + ": sizes");
  if (g_failures > 0 && a.T.size() != K) return;
  for (size_t k = 0; k < K; ++k) check(rel(a.T[k], b.T[k]) <= tol, where + ": T[" + std::to_string(k) + "]");
  check(rel(a.h_sum, b.h_sum) <= tol, where + ": h_sum");
  for (size_t r = 0; r < K; ++r)
    for (size_t c = 0; c < K; ++c) {
      const double scale = std::sqrt(std::fabs(b.curvature[r * K + r] * b.curvature[c * K + c]));
      check(std::fabs(a.curvature[r * K + c] - b.curvature[r * K + c]) <= tol * scale,
            where + ": curvature[" + std::to_string(r) + "][" + std::to_string(c) + "]");
    }
  for (size_t k = 0; k < K; ++k)
    check(std::fabs(a.r[k] - b.r[k]) <= tol * std::sqrt(std::fabs(b.curvature[k * K + k] * b.g_dinv_g)),
          where + ": r[" + std::to_string(k) + "]");
  check(rel(a.g_dinv_g, b.g_dinv_g) <= tol, where + ": g_dinv_g");
  check(rel(a.max_projected_gradient, b.max_projected_gradient) <= tol, where + ": max_projected_gradient");
  check(a.n_free == b.n_free, where + ": n_free " + std::to_string(a.n_free) + " vs " + std::to_string(b.n_free));
}

void compare_multipliers(Backend& a, Backend& b, const std::string& where) {
  std::vector<double> ma, mb;
  a.get_multipliers(ma);
  b.get_multipliers(mb);
  check(ma.size() == mb.size(), where + ": multiplier count");
  size_t bad = 0;
  for (size_t i = 0; i < std::min(ma.size(), mb.size()); ++i) bad += !(rel(ma[i], mb[i]) <= 1e-12);
  check(bad == 0, where + ": " + std::to_string(bad) + " multipliers differ");
}

/// Every pass kind on `test` against `ref` from the same upload, every field compared.
void compare_backends(Backend& test, Backend& ref, const PolicyArrays& pa, const std::string& label) {
  test.upload(pa);
  ref.upload(pa);
  const int K = pa.basis_size();
  std::vector<double> omega(K, 0.0), z(K, 0.0);
  omega[0] = 1.0, omega[1] = -1.1, omega[2] = -1.0, omega[3] = 30.0, omega[4] = -1e-4;
  for (int g = 0; g < pa.n_groups; ++g) omega[5 + 3 * g] = (g % 2 ? 0.02 : -0.03), omega[6 + 3 * g] = 0.001 * g;
  z[0] = 1e-4, z[3] = -2e-3;
  PassSums a, b;
  test.evaluate(a), ref.evaluate(b);
  compare_sums(a, b, label + " evaluate");
  for (bool curvature : {false, true}) {
    test.lagrangian_argmax(omega, curvature, a), ref.lagrangian_argmax(omega, curvature, b);
    compare_sums(a, b, label + (curvature ? " argmax+curvature" : " argmax"));
  }
  test.accept_trial(), ref.accept_trial();
  compare_multipliers(test, ref, label + " argmax");
  test.newton_system(omega, a), ref.newton_system(omega, b);
  compare_sums(a, b, label + " newton_system");
  test.newton_trial(omega, z, 0.5, a), ref.newton_trial(omega, z, 0.5, b);
  compare_sums(a, b, label + " newton_trial");
  test.accept_trial(), ref.accept_trial();
  compare_multipliers(test, ref, label + " newton_trial");
  test.evaluate(a), ref.evaluate(b);
  compare_sums(a, b, label + " evaluate at trial");
}

void check_passes(const std::function<std::unique_ptr<Backend>()>& make_test, bool quick, bool small) {
  std::vector<size_t> sizes = {0, 1, 7, 2047, 2048, 2049, 100000};
  if (quick) sizes = {0, 1, 7, 2047, 2049};
  if (small) sizes = {0, 7, 5000};
  const int before = g_failures;
  int cases = 0;
  for (size_t n : sizes)
    for (int groups : {0, 2, 50})
      for (bool logistic : {false, true}) {
        const PolicyArrays pa = make_policies(n, groups, logistic, 1000 + n + groups);
        auto test = make_test();
        auto ref = make_cpu_backend(1);
        compare_backends(
            *test, *ref, pa,
            "n=" + std::to_string(n) + " groups=" + std::to_string(groups) + (logistic ? " logistic" : " log-linear"));
        ++cases;
      }
  std::printf("passes: %d cases (sizes × groups {0,2,50} × both demand models), %s\n", cases,
              g_failures == before ? "every field equal" : "MISMATCHES");
}

/// A random QUBO of n variables in the solver's row storage: dense (n − 1 neighbours a row) or each pair
/// coupled with probability `density`.
QuboRowStorage random_qubo(int32_t n, uint64_t seed, double density = 1.0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> q(static_cast<size_t>(n) * n);
  for (int32_t k = 0; k < n; ++k)
    for (int32_t l = k + 1; l < n; ++l)
      if (0.5 * (u(rng) + 1.0) < density) q[k * n + l] = q[l * n + k] = u(rng);
  QuboRowStorage s;
  s.n = n;
  s.row_begin.push_back(0);
  for (int32_t k = 0; k < n; ++k) {
    for (int32_t l = 0; l < n; ++l)
      if (l != k && (density >= 1.0 || q[k * n + l] != 0)) s.neighbour.push_back(l), s.weight.push_back(q[k * n + l]);
    s.row_begin.push_back(static_cast<int64_t>(s.neighbour.size()));
    s.linear.push_back(2.0 * u(rng));
  }
  return s;
}

ClusterMoveStorage random_clusters(int clusters, int options, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  ClusterMoveStorage m;
  double total = 0;
  m.option_begin.push_back(0);
  for (int i = 0; i < clusters; ++i) {
    for (int j = 0; j < options; ++j) {
      m.revenue.push_back(1000 * (1 + 0.1 * j) * (0.5 + u(rng)));
      m.weight.push_back(std::floor(5 + 3 * j + 10 * u(rng)));
      total += m.weight.back() / options;
    }
    m.option_begin.push_back(static_cast<int32_t>(m.revenue.size()));
  }
  m.capacity = std::floor(0.8 * total);
  m.penalty = 50.0;
  return m;
}

// shared_cap: the shared memory a GPU block may use (0: the device's), to reach the global-memory fallbacks
using QuboRun =
    std::function<void(const QuboRowStorage&, int64_t sweeps, int replicas, size_t shared_cap, std::vector<uint8_t>&)>;
using ClusterRun = std::function<void(const ClusterMoveStorage&, int64_t sweeps, int replicas, size_t shared_cap,
                                      std::vector<int32_t>&)>;

double seconds_of(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The annealers on `test` against the CPU on one thread: the first `compared` replicas bit for bit, timed.
/// With every_layout, also a sparse QUBO (rows in shared memory), the dense one with the rows in global
/// memory (cap 64 KiB) and with everything in global memory (cap 1 byte), and odd shapes.
void check_annealers(const QuboRun& qubo_test, const ClusterRun& cluster_test, int64_t sweeps, int replicas,
                     int compared, bool every_layout) {
  struct QuboCase {
    std::string label;
    QuboRowStorage q;
    size_t cap;
  };
  std::vector<QuboCase> qubos = {{"QUBO n=156 dense", random_qubo(156, 11), 0}};
  if (every_layout) {
    qubos.push_back({"QUBO n=156 density 0.3", random_qubo(156, 12, 0.3), 0});
    qubos.push_back({"QUBO n=156 dense, rows in global memory", random_qubo(156, 11), 65536});
    qubos.push_back({"QUBO n=156 dense, all in global memory", random_qubo(156, 11), 1});
    qubos.push_back({"QUBO n=1", random_qubo(1, 13), 0});
    qubos.push_back({"QUBO n=33 density 0.5", random_qubo(33, 14, 0.5), 0});
    qubos.push_back({"QUBO n=400 dense", random_qubo(400, 15), 0});
  }
  for (const QuboCase& c : qubos) {
    std::vector<uint8_t> states, ref;
    const double t = seconds_of([&] { qubo_test(c.q, sweeps, replicas, c.cap, states); });
    anneal_replicas_cpu(c.q, 0.05, 5.0, sweeps, 7, compared, 1, ref);
    const bool same = states.size() >= ref.size() && std::equal(ref.begin(), ref.end(), states.begin());
    check(same, c.label + ": annealer states differ from the CPU's");
    std::printf("anneal: %s, %d replicas x %lld sweeps: %.2f ms (first %d replicas %s)\n", c.label.c_str(), replicas,
                static_cast<long long>(sweeps), 1e3 * t, compared, same ? "equal to the CPU's" : "DIFFER");
  }
  for (size_t cap : every_layout ? std::vector<size_t>{0, 1} : std::vector<size_t>{0}) {
    const ClusterMoveStorage m = random_clusters(40, 9, 13);
    std::vector<int32_t> choices, ref_choices;
    const double tc = seconds_of([&] { cluster_test(m, sweeps, replicas, cap, choices); });
    anneal_clusters_cpu(m, 1e-3, 1.0, sweeps, 7, compared, 1, ref_choices);
    const bool same =
        choices.size() >= ref_choices.size() && std::equal(ref_choices.begin(), ref_choices.end(), choices.begin());
    check(same, "cluster annealer choices differ from the CPU's");
    std::printf("anneal: clusters 40x9%s, %d replicas x %lld sweeps: %.2f ms (first %d replicas %s)\n",
                cap == 1 ? " (all in global memory)" : "", replicas, static_cast<long long>(sweeps), 1e3 * tc, compared,
                same ? "equal to the CPU's" : "DIFFER");
  }
}

using RiskRun = std::function<std::unique_ptr<RetainedRiskEvaluator>(RiskMeasure, double alpha)>;

/// Loss samples of `lines` lines: lognormal-like, heavier tails for later lines, a few exact ties.
std::vector<std::vector<double>> random_losses(int lines, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<std::vector<double>> loss(static_cast<size_t>(lines), std::vector<double>(n));
  for (int j = 0; j < lines; ++j)
    for (size_t s = 0; s < n; ++s)
      loss[j][s] = s % 97 == 0 ? 100.0 : std::floor(100.0 * std::exp(0.5 + 0.3 * j * z(rng))) / 4.0;
  return loss;
}

/// The reinsurance risk evaluator from `make_test` against the CPU one on one thread, both measures, every
/// marginal line, retentions from 0 to ∞: VaR to the bit (an order statistic of the same doubles), the
/// risk to count·2^−52 relative (the same non-negative terms summed in another order: the worst-case bound).
void check_reinsurance(const RiskRun& make_test, bool small) {
  const int before = g_failures;
  int cases = 0;
  const std::vector<size_t> sizes = small ? std::vector<size_t>{1, 5000} : std::vector<size_t>{1, 7, 4095, 4096, 70001};
  for (size_t n : sizes) {
    const auto loss = random_losses(3, n, 40 + n);
    for (RiskMeasure measure : {RiskMeasure::cvar, RiskMeasure::variance})
      for (double alpha : {0.5, 0.99, 0.9999}) {
        if (measure == RiskMeasure::variance && alpha != 0.5) continue;
        auto test = make_test(measure, alpha), ref = make_cpu_risk_evaluator(measure, alpha, 1);
        test->set_lines(loss);
        ref->set_lines(loss);
        for (size_t marginal = 0; marginal < loss.size(); ++marginal) {
          const std::vector<double> d = {30.0, 1e300, 55.5};
          test->load(d, marginal);
          ref->load(d, marginal);
          for (double retention : {0.0, 20.0, 75.0, std::numeric_limits<double>::infinity()}) {
            double var_t = 0, var_r = 0;
            const double rt = test->risk(retention, &var_t), rr = ref->risk(retention, &var_r);
            const std::string label =
                "reinsurance n=" + std::to_string(n) +
                (measure == RiskMeasure::cvar ? " cvar alpha=" + std::to_string(alpha) : std::string(" variance")) +
                " marginal " + std::to_string(marginal) + " d=" + std::to_string(retention);
            if (measure == RiskMeasure::cvar) check(var_t == var_r, label + ": VaR differs");
            check(rel(rt, rr) <= 2.3e-16 * static_cast<double>(n) + 1e-15, label + ": risk differs");
            ++cases;
          }
        }
      }
  }
  std::printf("reinsurance: %d cases (n up to %zu, cvar at 0.5/0.99/0.9999 and variance, every marginal line), %s\n",
              cases, sizes.back(), g_failures == before ? "VaR equal, risks within the summation bound" : "MISMATCHES");
}

#ifdef GPU_CHECK_CUDA
/// Median time of `reps` runs of f, in seconds.
double median_seconds(int reps, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) t.push_back(seconds_of(f));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Bytes a pass must move: nine policy columns read, plus the multipliers read and/or the trial written.
void time_passes(size_t n) {
  const PolicyArrays pa = make_policies(n, 2, false, 99);
  auto be = make_cuda_backend();
  be->upload(pa);
  const int K = pa.basis_size();
  std::vector<double> omega(K, 0.0), z(K, 0.0);
  omega[0] = 1.0, omega[1] = -1.1, omega[2] = -1.0, omega[3] = 30.0;
  PassSums s;
  const double copy_s = device_copy_seconds(10 * n * sizeof(double), 20);
  const double copy_bw = 2.0 * 10 * n * sizeof(double) / copy_s;  // read + write
  struct Kind {
    const char* name;
    double bytes_per_policy;
    std::function<void()> run;
  } kinds[] = {
      {"evaluate", 80, [&] { be->evaluate(s); }},
      {"argmax", 80, [&] { be->lagrangian_argmax(omega, false, s); }},
      {"argmax+curvature", 80, [&] { be->lagrangian_argmax(omega, true, s); }},
      {"newton_system", 80, [&] { be->newton_system(omega, s); }},
      {"newton_trial", 88, [&] { be->newton_trial(omega, z, 0.5, s); }},
  };
  std::printf("timing at n=%zu: device copy %.1f GB/s\n", n, copy_bw / 1e9);
  for (const Kind& k : kinds) {
    k.run();  // warm-up
    const double t = median_seconds(20, k.run);
    const double bw = k.bytes_per_policy * static_cast<double>(n) / t;
    std::printf("  %-18s %9.1f us  %7.1f GB/s  %5.1f%% of copy\n", k.name, 1e6 * t, bw / 1e9, 100 * bw / copy_bw);
  }
}

// A reinsurance risk evaluation at n samples of 5 lines: upload once, a load (base on the device), then
// CVaR at α = 0.99 (tail selected, then sorted) and the variance, median of 20; the CPU on every core for scale.
void time_reinsurance(size_t n) {
  const auto loss = random_losses(5, n, 3);
  const std::vector<double> d = {60.0, 80.0, 1e300, 40.0, 90.0};
  std::printf("reinsurance timing at %zu samples x 5 lines:\n", n);
  for (RiskMeasure measure : {RiskMeasure::cvar, RiskMeasure::variance}) {
    auto gpu = make_cuda_risk_evaluator(measure, 0.99);
    const double up = seconds_of([&] { gpu->set_lines(loss); });
    const double load = seconds_of([&] { gpu->load(d, 2); });
    gpu->risk(50.0);  // warm-up
    double r = 30.0;
    const double t = median_seconds(20, [&] { gpu->risk(r += 1.0); });
    auto cpu = make_cpu_risk_evaluator(measure, 0.99, 0);
    cpu->set_lines(loss);
    cpu->load(d, 2);
    const double tc = median_seconds(3, [&] { cpu->risk(r += 1.0); });
    std::printf("  %-8s GPU: upload %8.1f ms once, load %7.1f us, risk %8.1f us;  CPU %d threads: risk %9.1f us\n",
                measure == RiskMeasure::cvar ? "cvar" : "variance", 1e3 * up, 1e6 * load, 1e6 * t,
                omp_get_max_threads(), 1e6 * tc);
  }
}
#endif

/// The grid backends `make_test` gives against the CPU on one thread, on every shape of grid_cases.
void check_grid(const std::function<std::vector<std::unique_ptr<GridBackend>>()>& make_tests, bool small) {
  const int before = g_failures;
  int cases = 0;
  grid_cases::for_each_shape(small, [&](const std::string& label, const grid_cases::GridShape& shape) {
    const GridBook g = grid_cases::make_grid(shape, 17 + static_cast<uint64_t>(cases));
    for (auto& test : make_tests()) {
      auto ref = make_grid_cpu_backend(1);
      for (const std::string& bad : grid_cases::compare_grid_backends(*test, *ref, g)) check(false, label + ": " + bad);
      ++cases;
    }
  });
  std::printf("grid: %d cases (K 1..101, cost columns absent/per policy/per row, 0-3 extras, ties), %s\n", cases,
              g_failures == before ? "every field equal" : "MISMATCHES");
}

#ifdef GPU_CHECK_CUDA
// One argmax reads premium and demand per candidate and offset, weight, renewal flag, loss cost and
// expense per policy (the timed grid keeps its costs per policy); choices and gaps add 12 bytes a policy.
void time_grid(size_t n, int K) {
  grid_cases::GridShape shape;
  shape.policies = n;
  shape.k_min = shape.k_max = K;
  shape.loss_cost = shape.expense = grid_cases::GridShape::Column::per_policy;
  const GridBook g = grid_cases::make_grid(shape, 7);
  const double bytes = 16.0 * static_cast<double>(g.candidates()) + 33.0 * static_cast<double>(n);
  const double copy_s = device_copy_seconds(static_cast<size_t>(bytes), 20);
  const double copy_bw = 2.0 * bytes / copy_s;  // read + write
  std::printf("grid timing at %zu policies x %d candidates (%.0f MB a pass): device copy %.1f GB/s\n", n, K,
              bytes / 1e6, copy_bw / 1e9);
  std::vector<int32_t> choice;
  std::vector<double> gap;
  for (int lanes : {0, 8, 16, 32}) {
    auto be = make_grid_cuda_backend(lanes);
    be->upload(g);
    const std::vector<double> omega = grid_cases::term_prices(be->terms(), 1)[1];
    be->argmax(omega);  // warm-up
    const double t = median_seconds(20, [&] { be->argmax(omega); });
    const double tc = median_seconds(10, [&] { be->argmax(omega, &choice, &gap); });
    const double bw = bytes / t;
    std::printf(
        "  lanes %-4s argmax %9.1f us  %7.1f GB/s  %5.1f%% of copy;  with choices and gaps copied back %9.1f us\n",
        lanes == 0 ? "auto" : std::to_string(lanes).c_str(), 1e6 * t, bw / 1e9, 100 * bw / copy_bw, 1e6 * tc);
  }
  auto cpu = make_grid_cpu_backend(0);
  cpu->upload(g);
  const std::vector<double> omega = grid_cases::term_prices(cpu->terms(), 1)[1];
  std::printf("  CPU, %d threads: argmax %9.1f us\n", omp_get_max_threads(),
              1e6 * median_seconds(3, [&] { cpu->argmax(omega); }));
}
#endif

int usage() {
  std::fprintf(stderr, "usage: gpu_check self [--quick] | gpu | grid | small | pass N\n");
  return 2;
}

int run(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  const auto cpu_all = [] { return make_cpu_backend(0); };
  const QuboRun qubo_cpu = [](const QuboRowStorage& q, int64_t sweeps, int replicas, size_t,
                              std::vector<uint8_t>& out) {
    anneal_replicas_cpu(q, 0.05, 5.0, sweeps, 7, replicas, 0, out);
  };
  const ClusterRun cluster_cpu = [](const ClusterMoveStorage& m, int64_t sweeps, int replicas, size_t,
                                    std::vector<int32_t>& out) {
    anneal_clusters_cpu(m, 1e-3, 1.0, sweeps, 7, replicas, 0, out);
  };
  if (mode == "self") {
    const bool quick = argc > 2 && std::string(argv[2]) == "--quick";
    std::printf("self check: CPU on %d threads against CPU on one\n", omp_get_max_threads());
    check_passes(cpu_all, quick, false);
    check_annealers(qubo_cpu, cluster_cpu, 50, 32, 32, true);
    check_reinsurance([](RiskMeasure m, double alpha) { return make_cpu_risk_evaluator(m, alpha, 0); }, quick);
    check_grid([] { return one_backend(make_grid_cpu_backend(0)); }, quick);
  } else {
#ifdef GPU_CHECK_CUDA
    const CudaDeviceProbe probe = probe_cuda_device();
    if (!probe.usable) {
      std::printf("%s\n", probe.reason.c_str());
      return 4;
    }
    std::printf("device: %s\n", probe.name.c_str());
    std::string device_name;
    const QuboRun qubo_gpu = [&](const QuboRowStorage& q, int64_t sweeps, int replicas, size_t cap,
                                 std::vector<uint8_t>& out) {
      anneal_replicas_cuda(q, 0.05, 5.0, sweeps, 7, replicas, out, device_name, cap);
    };
    const ClusterRun cluster_gpu = [&](const ClusterMoveStorage& m, int64_t sweeps, int replicas, size_t cap,
                                       std::vector<int32_t>& out) {
      anneal_clusters_cuda(m, 1e-3, 1.0, sweeps, 7, replicas, out, device_name, cap);
    };
    if (mode == "gpu") {
      check_passes(make_cuda_backend, false, false);
      check_annealers(qubo_gpu, cluster_gpu, 100, 256, 256, true);  // warm-up and a full comparison
      std::printf("target: QUBO n=156 dense, 1000 replicas x 1000 sweeps under 50 ms\n");
      check_annealers(qubo_gpu, cluster_gpu, 1000, 1000, 64, false);
      check_reinsurance(make_cuda_risk_evaluator, false);
      for (size_t n : {size_t{1000000}, size_t{10000000}}) time_reinsurance(n);
      for (size_t n : {size_t{1000000}, size_t{10000000}}) time_passes(n);
    } else if (mode == "grid") {
      check_grid([] { return grid_cuda_backends({0, 8, 16, 32}); }, false);
      time_grid(1000000, 41);
      time_grid(10000000, 11);
    } else if (mode == "small") {
      check_passes(make_cuda_backend, false, true);
      check_annealers(qubo_gpu, cluster_gpu, 20, 64, 64, true);
      check_reinsurance(make_cuda_risk_evaluator, true);
      check_grid([] { return grid_cuda_backends({8, 32}); }, true);  // the narrowest and widest groups
    } else if (mode == "pass" && argc > 2) {
      const size_t n = std::strtoull(argv[2], nullptr, 10);
      const PolicyArrays pa = make_policies(n, 2, false, 5);
      auto be = make_cuda_backend();
      be->upload(pa);
      std::vector<double> omega(pa.basis_size(), 0.0);
      omega[0] = 1.0, omega[1] = -1.1, omega[2] = -1.0, omega[3] = 30.0;
      PassSums s;
      be->evaluate(s);  // warm-up (Nsight Compute skips it)
      be->evaluate(s);
      be->lagrangian_argmax(omega, true, s);
      be->newton_system(omega, s);
      std::printf("passes at n=%zu ran\n", n);
    } else {
      return usage();
    }
#else
    std::printf("mode %s needs a build with CUDA (scripts/gpu_check.sh)\n", mode.c_str());
    return 2;
#endif
  }
  std::printf("%s: %d mismatches\n", g_failures == 0 ? "PASS" : "FAIL", g_failures);
  return g_failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::printf("error: %s\n", e.what());
    return e.exit_code();
  }
}
