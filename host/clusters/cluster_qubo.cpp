// The cluster problem as a QUBO, and its annealing (SPEC §3).
//
// Under one-hot (Σ_j x_ij = 1) any per-cluster shift of revenue and terminations is a constant, so the
// QUBO uses v'_ij = v_ij − v_i,ref and w'_ij = w_ij − w_i,ref, ref = the cluster's option in the
// Lagrangian (LP) solution.  The one-hot identity is unchanged, but with single flips moving a cluster
// from one rate to another passes through a two-hot state whose penalty is the *step* between the
// options rather than their full size.
//
//   E = −Σ v'_ij x_ij + Σ_i A_i (Σ_j x_ij − 1)² + B (Σ w'_ij x_ij + Σ_k c_k s_k − W')² − Σ_i v_i,ref
//
// with W' = W − Σ w_i,ref and slack bits s_k of values c_k = 1, 2, 4, …, the last one trimmed so that
// they sum to exactly W − Σ_i min_j w_ij: every one-hot feasible x has slack bits with zero penalty.
// B > λ + (Lagrangian dual − Lagrangian choice's revenue) makes the one-hot ground state the optimum.
//
// The default annealer keeps replicas one-hot with the slack bits at their exact best value and moves
// by re-pricing one cluster or a pair (anneal_math.hpp): with an exact B the target is a wall that
// single-bit flips cannot cross, a pair move (one cluster up, one down) walks along it.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "clusters/anneal_backend.hpp"
#include "clusters/clusters_internal.hpp"
#include "io/format.hpp"
#include "rateopt/clusters.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

// Past this many variables the dense retention term (n²/2 pairs) is not built.
constexpr int32_t kMaxTermVariables = 4000;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// The option maximising v − λw (ties: the lighter, then the first) of every cluster.
std::vector<size_t> lagrangian_choice(const ClusterProblem& p, const TerminationUnits& u, double lambda,
                                      int64_t& total) {
  std::vector<size_t> choice(p.size());
  total = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    size_t best = 0;
    for (size_t j = 1; j < p.options[i].size(); ++j) {
      const double a = p.revenue(i, j) - lambda * static_cast<double>(u.weight[i][j]);
      const double b = p.revenue(i, best) - lambda * static_cast<double>(u.weight[i][best]);
      if (a > b || (a == b && u.weight[i][j] < u.weight[i][best])) best = j;
    }
    choice[i] = best;
    total += u.weight[i][best];
  }
  return choice;
}

}  // namespace

std::vector<int> ClusterQubo::decode(const std::vector<uint8_t>& x) const {
  const size_t n = offset.size() - 1;
  std::vector<int> choice(n, -1);
  for (size_t i = 0; i < n; ++i)
    for (int32_t k = offset[i]; k < offset[i + 1]; ++k)
      if (x[static_cast<size_t>(k)]) choice[i] = choice[i] == -1 ? k - offset[i] : -2;
  return choice;
}

std::vector<uint8_t> ClusterQubo::encode(const ClusterProblem& p, const std::vector<int>& choice) const {
  std::vector<uint8_t> x(static_cast<size_t>(qubo.n), 0);
  const TerminationUnits u = termination_units(p, target_percent);
  int64_t used = 0;
  for (size_t i = 0; i < choice.size(); ++i) {
    x[static_cast<size_t>(offset[i] + choice[i])] = 1;
    used += u.weight[i][static_cast<size_t>(choice[i])];
  }
  // the best slack: the room left exactly, or none when over the target
  int64_t slack = std::max<int64_t>(0, u.capacity - used);
  for (int32_t k = slack_bits; k-- > 0;)  // greedy from the largest bit
    if (slack_value[k] <= slack) {
      x[static_cast<size_t>(offset.back() + k)] = 1;
      slack -= slack_value[k];
    }
  if (slack != 0) throw SolverError("slack bits cannot encode the room left (choice infeasible?)");
  return x;
}

ClusterQubo build_cluster_qubo(const ClusterProblem& p, double target_percent, const ClusterPenalties& penalties) {
  const TerminationUnits u = termination_units(p, target_percent);
  const size_t n = p.size();
  ClusterQubo cq;
  cq.target_percent = target_percent;
  cq.unit = u.unit;
  cq.capacity = u.capacity;
  // λ: the smallest multiplier whose Lagrangian choice meets the capacity (bisection; 0 when the
  // unconstrained best already does).
  int64_t total = 0;
  double lambda = 0;
  lagrangian_choice(p, u, 0.0, total);
  if (total > u.capacity) {
    double hi = 1;
    for (int it = 0; it < 200; ++it) {
      lagrangian_choice(p, u, hi, total);
      if (total <= u.capacity) break;
      hi *= 2;
    }
    double lo = 0;
    for (int it = 0; it < 100; ++it) {
      const double mid = 0.5 * (lo + hi);
      lagrangian_choice(p, u, mid, total);
      (total <= u.capacity ? hi : lo) = mid;
    }
    lambda = hi;
  }
  const std::vector<size_t> reference = lagrangian_choice(p, u, lambda, total);
  // The mean revenue step between adjacent options of each cluster (the one-hot margin).
  std::vector<double> revenue_step(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const size_t r = p.options[i].size();
    if (r < 2) continue;
    double dv = 0;
    for (size_t j = 1; j < r; ++j) dv += std::fabs(p.revenue(i, j) - p.revenue(i, j - 1));
    revenue_step[i] = dv / static_cast<double>(r - 1);
  }
  cq.lambda = lambda;
  // The Lagrangian dual at λ bounds the optimum from above; the Lagrangian choice is feasible.
  double dual = lambda * static_cast<double>(u.capacity), incumbent = 0;
  for (size_t i = 0; i < n; ++i) {
    dual += p.revenue(i, reference[i]) - lambda * static_cast<double>(u.weight[i][reference[i]]);
    incumbent += p.revenue(i, reference[i]);
  }
  cq.lp_gap = std::max(0.0, dual - incumbent);
  // B > λ + gap makes every one-hot state over the target by e ≥ 1 unit cost more than it can gain:
  // its revenue is at most dual + λe ≤ (optimum + gap) + λe < optimum + B·e².
  cq.retention_penalty =
      penalties.retention.value_or((lambda + cq.lp_gap) * (1 + 1e-9) + 1e-9 * std::max(1.0, std::fabs(dual)));
  if (!(cq.retention_penalty > 0) || !std::isfinite(cq.retention_penalty))
    throw InputError("option penalty_retention must be a finite number > 0");
  if (penalties.one_hot_margin && !(*penalties.one_hot_margin > 0 && std::isfinite(*penalties.one_hot_margin)))
    throw InputError("option penalty_onehot_margin must be a finite number > 0");

  // Variables and the shifted coefficients.
  cq.offset.assign(n + 1, 0);
  for (size_t i = 0; i < n; ++i) cq.offset[i + 1] = cq.offset[i] + static_cast<int32_t>(p.options[i].size());
  int64_t lightest = 0, reference_weight = 0;
  for (size_t i = 0; i < n; ++i) {
    lightest += *std::min_element(u.weight[i].begin(), u.weight[i].end());
    reference_weight += u.weight[i][reference[i]];
  }
  const int64_t slack_range = std::max<int64_t>(0, u.capacity - lightest);
  for (int64_t covered = 0; covered < slack_range;) {
    const int64_t next = std::min<int64_t>(int64_t{1} << cq.slack_bits, slack_range - covered);
    cq.slack_value.push_back(next);
    covered += next;
    ++cq.slack_bits;
  }
  Qubo& q = cq.qubo;
  q.n = cq.offset[n] + cq.slack_bits;
  const double B = cq.retention_penalty;
  const double capacity_shifted = static_cast<double>(u.capacity - reference_weight);
  // a_m: each variable's coefficient in the retention residual.
  std::vector<double> a(static_cast<size_t>(q.n), 0.0);
  cq.one_hot_penalty.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double v_ref = p.revenue(i, reference[i]);
    double top = 0;
    for (size_t j = 0; j < p.options[i].size(); ++j) top = std::max(top, p.revenue(i, j) - v_ref);
    const double margin =
        penalties.one_hot_margin.value_or(revenue_step[i] > 0 ? revenue_step[i] : std::max(1.0, std::fabs(v_ref)));
    const double A = top + margin;
    cq.one_hot_penalty[i] = A;
    q.offset += A - v_ref;
    for (size_t j = 0; j < p.options[i].size(); ++j) {
      const int32_t k = cq.offset[i] + static_cast<int32_t>(j);
      q.add(k, k, -(p.revenue(i, j) - v_ref) - A);
      for (size_t l = j + 1; l < p.options[i].size(); ++l) q.add(k, cq.offset[i] + static_cast<int32_t>(l), 2 * A);
      a[static_cast<size_t>(k)] = static_cast<double>(u.weight[i][j] - u.weight[i][reference[i]]);
    }
  }
  for (int32_t b = 0; b < cq.slack_bits; ++b)
    a[static_cast<size_t>(cq.offset[n] + b)] = static_cast<double>(cq.slack_value[b]);
  // B (Σ a_m y_m − W')² = B [Σ (a_m² − 2W' a_m) y_m + 2 Σ_{m<m'} a_m a_m' y_m y_m' + W'²]
  q.offset += B * capacity_shifted * capacity_shifted;
  cq.terms_materialised = q.n <= kMaxTermVariables;
  if (!cq.terms_materialised) q.terms.clear();  // dense: n²/2 terms; the one-hot annealer does not need them
  for (int32_t m = 0; m < q.n && cq.terms_materialised; ++m) {
    if (a[m] == 0) continue;
    q.add(m, m, B * (a[m] * a[m] - 2 * capacity_shifted * a[m]));
    for (int32_t l = m + 1; l < q.n; ++l)
      if (a[l] != 0) q.add(m, l, 2 * B * a[m] * a[l]);
  }
  std::ostringstream rule;
  rule << "objective and terminations shifted per cluster to its Lagrangian choice at lambda = " << shortest(lambda)
       << " revenue per termination unit (" << shortest(u.unit) << " policy-percent); one-hot A_i = max_j v'_ij + "
       << (penalties.one_hot_margin ? "margin " + shortest(*penalties.one_hot_margin) + " (given)"
                                    : std::string("the cluster's mean revenue step between adjacent rates"))
       << "; retention B = "
       << (penalties.retention ? shortest(B) + " (given)"
                               : "lambda + LP gap " + shortest(cq.lp_gap) +
                                     " (so no state over the target beats the "
                                     "optimum) = " +
                                     shortest(B))
       << " per unit^2; " << cq.slack_bits << " slack bits cover 0.." << slack_range << " units exactly";
  cq.rule = rule.str();
  return cq;
}

namespace {
// The QUBO's energy at a one-hot choice with its best slack: −revenue + B·(excess over W)².
double one_hot_energy(const ClusterProblem& p, const ClusterQubo& cq, const TerminationUnits& u,
                      const std::vector<int>& choice) {
  double revenue = 0;
  int64_t used = 0;
  for (size_t i = 0; i < choice.size(); ++i) {
    revenue += p.revenue(i, static_cast<size_t>(choice[i]));
    used += u.weight[i][static_cast<size_t>(choice[i])];
  }
  const double excess = static_cast<double>(std::max<int64_t>(0, used - u.capacity));
  return -revenue + cq.retention_penalty * excess * excess;
}
}  // namespace

AnnealSchedule one_hot_schedule(const ClusterProblem& p) {
  std::vector<double> spans, steps;
  for (size_t i = 0; i < p.size(); ++i) {
    std::vector<double> v;
    for (size_t j = 0; j < p.options[i].size(); ++j) v.push_back(p.revenue(i, j));
    if (v.size() < 2) continue;
    std::sort(v.begin(), v.end());
    spans.push_back(v.back() - v.front());
    double smallest = INFINITY;
    for (size_t j = 1; j < v.size(); ++j)
      if (v[j] > v[j - 1]) smallest = std::min(smallest, v[j] - v[j - 1]);
    if (std::isfinite(smallest)) steps.push_back(smallest);
  }
  AnnealSchedule s;
  s.rule =
      "one-hot moves, geometric in beta from ln 2 / median cluster revenue span to ln 1000 / median smallest revenue "
      "step between a cluster's options";
  const double span = median(spans), step = median(steps);
  s.beta_hot = span > 0 ? std::log(2.0) / span : 1.0;
  s.beta_cold = step > 0 ? std::max(s.beta_hot, std::log(1000.0) / step) : s.beta_hot;
  return s;
}

ClusterAnnealResult anneal_clusters(const ClusterProblem& p, const ClusterQubo& cq, double target_percent,
                                    const AnnealOptions& options, AnnealMoves moves) {
  ClusterAnnealResult res;
  res.moves = moves;
  const size_t n = static_cast<size_t>(cq.qubo.n);
  const size_t n_clusters = p.size();
  std::vector<std::vector<int>> replica_choice(static_cast<size_t>(options.replicas));
  if (moves == AnnealMoves::flip) {
    if (!cq.terms_materialised)
      throw InputError("moves flip needs the QUBO's terms, not built past " + std::to_string(kMaxTermVariables) +
                       " variables (this one has " + std::to_string(cq.qubo.n) + ")");
    res.anneal = anneal_qubo(cq.qubo, options);
    for (int r = 0; r < options.replicas; ++r) {
      const std::vector<uint8_t> x(res.anneal.states.begin() + static_cast<ptrdiff_t>(r * n),
                                   res.anneal.states.begin() + static_cast<ptrdiff_t>((r + 1) * n));
      replica_choice[r] = cq.decode(x);
    }
  } else {
    const auto start = std::chrono::steady_clock::now();
    options.validate();
    AnnealResult& ar = res.anneal;
    ar.schedule = one_hot_schedule(p);
    if (options.beta_hot > 0) ar.schedule.beta_hot = options.beta_hot;
    if (options.beta_cold > 0) ar.schedule.beta_cold = options.beta_cold;
    if (options.beta_hot > 0 || options.beta_cold > 0) ar.schedule.rule += " (overridden by the options given)";
    const TerminationUnits u = termination_units(p, target_percent);
    ClusterMoveStorage m;
    m.option_begin.push_back(0);
    for (size_t i = 0; i < n_clusters; ++i) {
      for (size_t j = 0; j < p.options[i].size(); ++j) {
        m.revenue.push_back(p.revenue(i, j));
        m.weight.push_back(static_cast<double>(u.weight[i][j]));
      }
      m.option_begin.push_back(static_cast<int32_t>(m.revenue.size()));
    }
    m.capacity = static_cast<double>(u.capacity);
    m.penalty = cq.retention_penalty;
    std::vector<int32_t> choices;
    choose_anneal_device(
        options, ar,
        [&](std::string& device_name) {
          anneal_clusters_cuda(m, ar.schedule.beta_hot, ar.schedule.beta_cold, options.sweeps, options.seed,
                               options.replicas, choices, device_name);
        },
        [&] {
          anneal_clusters_cpu(m, ar.schedule.beta_hot, ar.schedule.beta_cold, options.sweeps, options.seed,
                              options.replicas, options.threads, choices);
        });
    ar.states.assign(static_cast<size_t>(options.replicas) * n, 0);
    ar.energies.resize(static_cast<size_t>(options.replicas));
    for (int r = 0; r < options.replicas; ++r) {
      std::vector<int>& c = replica_choice[r];
      c.assign(choices.begin() + static_cast<ptrdiff_t>(r * n_clusters),
               choices.begin() + static_cast<ptrdiff_t>((r + 1) * n_clusters));
      const std::vector<uint8_t> x = cq.encode(p, c);
      std::copy(x.begin(), x.end(), ar.states.begin() + static_cast<ptrdiff_t>(r * n));
      ar.energies[r] = one_hot_energy(p, cq, u, c);
      if (r == 0 || ar.energies[r] < ar.best_energy) {
        ar.best_energy = ar.energies[r];
        ar.best_replica = r;
      }
    }
    ar.best_state.assign(ar.states.begin() + static_cast<ptrdiff_t>(ar.best_replica * n),
                         ar.states.begin() + static_cast<ptrdiff_t>((ar.best_replica + 1) * n));
    ar.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  bool have_valid = false;
  for (int r = 0; r < options.replicas; ++r) {
    const ClusterAssessment a = assess_choice(p, replica_choice[r], target_percent);
    if (!a.valid()) continue;
    ++res.valid_replicas;
    if (!have_valid || a.revenue > res.assessment.revenue) {
      res.choice = replica_choice[r];
      res.assessment = a;
      have_valid = true;
    }
  }
  if (!have_valid) {
    res.choice = replica_choice[res.anneal.best_replica];
    res.assessment = assess_choice(p, res.choice, target_percent);
  }
  return res;
}

}  // namespace rateopt
