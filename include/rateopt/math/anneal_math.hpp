// Simulated annealing of one QUBO replica, written once for the CPU (OpenMP over replicas) and the
// CUDA kernel (one thread per replica): the counter-based random numbers, the geometric schedule and
// the sweep loop with incremental local fields.  Both paths call exactly this code, so a replica's
// trajectory depends only on (QUBO, schedule, seed, replica), not on the device.
#pragma once

#include <cmath>
#include <cstdint>

#include "rateopt/math/hd.hpp"

namespace rateopt {
namespace anneal {

/// splitmix64's finaliser: a bijective 64-bit mix.
RATEOPT_HD uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Key of one (seed, replica, sweep): every random number of that sweep derives from it.
RATEOPT_HD uint64_t sweep_key(uint64_t seed, uint64_t replica, uint64_t sweep) {
  return mix64(mix64(mix64(seed + 0x9E3779B97F4A7C15ull) + replica) + sweep);
}

/// Uniform in [0, 1) for variable `k` under a sweep key (53 random bits).
RATEOPT_HD double uniform(uint64_t key, uint64_t k) {
  return static_cast<double>(mix64(key + (k + 1) * 0x9E3779B97F4A7C15ull) >> 11) * 0x1.0p-53;
}

/// Sweep index used for the random initial state (no real sweep has it).
constexpr uint64_t kInitialSweep = ~0ull;

/// β of sweep s of n: geometric from beta_hot (s = 0) to beta_cold (s = n − 1).
RATEOPT_HD double beta_at(double beta_hot, double beta_cold, int64_t s, int64_t n) {
  if (n <= 1) return beta_cold;
  return beta_hot * pow(beta_cold / beta_hot, static_cast<double>(s) / static_cast<double>(n - 1));
}

/// The QUBO in symmetric compressed rows: E(x) = offset + Σ_k linear_k x_k + Σ_{k<l} Q_kl x_k x_l,
/// with Q_kl stored in row k and in row l (neighbour weight), no diagonal in the rows.
struct QuboRows {
  int32_t n = 0;
  const int64_t* row_begin = nullptr;  ///< n + 1 offsets into neighbour/weight
  const int32_t* neighbour = nullptr;
  const double* weight = nullptr;
  const double* linear = nullptr;
};

/// Random initial state and its local fields h_k = linear_k + Σ_l Q_kl x_l.  State and fields of the
/// replica are at x[k·stride], field[k·stride] (stride 1 on the CPU, the replica count on the GPU so
/// that a warp's accesses coalesce).  Returns E(x) − offset.
RATEOPT_HD double init_replica(const QuboRows& q, uint64_t seed, uint64_t replica, uint8_t* x, double* field,
                               int64_t stride) {
  const uint64_t key = sweep_key(seed, replica, kInitialSweep);
  for (int32_t k = 0; k < q.n; ++k) x[k * stride] = uniform(key, static_cast<uint64_t>(k)) < 0.5 ? 1 : 0;
  double energy = 0;
  for (int32_t k = 0; k < q.n; ++k) {
    double h = q.linear[k];
    for (int64_t e = q.row_begin[k]; e < q.row_begin[k + 1]; ++e) h += q.weight[e] * x[q.neighbour[e] * stride];
    field[k * stride] = h;
    if (x[k * stride]) energy += 0.5 * (q.linear[k] + h);  // each pair counted from both ends
  }
  return energy;
}

/// Metropolis sweeps s_begin ≤ s < s_end of n_sweeps over variables 0..n−1 in order: flipping k changes
/// the energy by ΔE = (1 − 2x_k)·h_k; accepted when ΔE ≤ 0 or u < exp(−β_s ΔE), u from (seed, replica,
/// s, k).  An accepted flip updates the neighbours' fields.  Returns the energy change.
RATEOPT_HD double anneal_sweeps(const QuboRows& q, double beta_hot, double beta_cold, int64_t s_begin, int64_t s_end,
                                int64_t n_sweeps, uint64_t seed, uint64_t replica, uint8_t* x, double* field,
                                int64_t stride) {
  double change = 0;
  for (int64_t s = s_begin; s < s_end; ++s) {
    const double beta = beta_at(beta_hot, beta_cold, s, n_sweeps);
    const uint64_t key = sweep_key(seed, replica, static_cast<uint64_t>(s));
    for (int32_t k = 0; k < q.n; ++k) {
      const uint8_t xk = x[k * stride];
      const double delta = xk ? -field[k * stride] : field[k * stride];
      // exp(−βΔE) below 2^−53 can never beat u: skip the transcendental for hopeless moves
      const bool accept =
          delta <= 0 || (beta * delta < 36.7 && uniform(key, static_cast<uint64_t>(k)) < exp(-beta * delta));
      if (!accept) continue;
      x[k * stride] = xk ^ 1;
      change += delta;
      const double sign = xk ? -1.0 : 1.0;
      for (int64_t e = q.row_begin[k]; e < q.row_begin[k + 1]; ++e)
        field[q.neighbour[e] * stride] += sign * q.weight[e];
    }
  }
  return change;
}

/// The cluster QUBO annealed in its one-hot subspace (see rateopt/clusters.hpp): a replica's state is
/// one option per cluster plus the slack bits, which a move always resets to the exact encoding of the
/// room left (none when over the target).  Its energy is then the QUBO's energy at that state,
///   E = −Σ_i v_i,c_i + B·max(0, Σ_i w_i,c_i − W)²  (+ the QUBO's constant),
/// and a move re-prices one cluster: ΔE from the running sums, O(1).
struct ClusterMoves {
  int32_t n_clusters = 0;
  const int32_t* option_begin = nullptr;  ///< n_clusters + 1 offsets into revenue/weight
  const double* revenue = nullptr;        ///< v_ij
  const double* weight = nullptr;         ///< w_ij in termination units (whole numbers)
  double capacity = 0;                    ///< W
  double penalty = 0;                     ///< B
};

RATEOPT_HD double cluster_excess_penalty(const ClusterMoves& m, double used) {
  const double excess = fmax(used - m.capacity, 0.0);  // branch-free: the option loop below is hot
  return m.penalty * excess * excess;
}

/// Random initial option per cluster; returns Σ w and Σ v in used/value.  choice[i·stride].
RATEOPT_HD void init_cluster_replica(const ClusterMoves& m, uint64_t seed, uint64_t replica, int32_t* choice,
                                     int64_t stride, double& used, double& value) {
  const uint64_t key = sweep_key(seed, replica, kInitialSweep);
  used = value = 0;
  for (int32_t i = 0; i < m.n_clusters; ++i) {
    const int32_t r = m.option_begin[i + 1] - m.option_begin[i];
    int32_t c = static_cast<int32_t>(uniform(key, static_cast<uint64_t>(i)) * r);
    if (c >= r) c = r - 1;
    choice[i * stride] = c;
    used += m.weight[m.option_begin[i] + c];
    value += m.revenue[m.option_begin[i] + c];
  }
}

/// Metropolis sweeps over the clusters in order.  Cluster i proposes another of its options uniformly
/// together with the best response of a partner l (uniform among the other clusters): l's option that
/// minimises the energy given i's move, its current one included (so a lone move of i is among the
/// proposals).  One cluster raising its rate while another lowers it walks along the retention wall
/// that lone moves cannot cross.  Accepted with probability min(1, exp(−β ΔE)); random numbers
/// (s, 8i + 2) pick i's option, (s, 8i + 3) the partner, (s, 8i + 4) decides.  The lowest energy seen
/// and its choices are kept in best_energy / best_choice.
RATEOPT_HD void anneal_cluster_sweeps(const ClusterMoves& m, double beta_hot, double beta_cold, int64_t s_begin,
                                      int64_t s_end, int64_t n_sweeps, uint64_t seed, uint64_t replica, int32_t* choice,
                                      int32_t* best_choice, int64_t stride, double& used, double& value,
                                      double& best_energy) {
  double energy = -value + cluster_excess_penalty(m, used);
  const auto remember = [&] {
    if (energy < best_energy) {
      best_energy = energy;
      for (int32_t i = 0; i < m.n_clusters; ++i) best_choice[i * stride] = choice[i * stride];
    }
  };
  remember();
  const auto other_option = [](double u, int32_t r, int32_t c) {
    int32_t k = static_cast<int32_t>(u * (r - 1));
    if (k >= r - 1) k = r - 2;
    return k >= c ? k + 1 : k;
  };
  for (int64_t s = s_begin; s < s_end; ++s) {
    const double beta = beta_at(beta_hot, beta_cold, s, n_sweeps);
    const uint64_t key = sweep_key(seed, replica, static_cast<uint64_t>(s));
    for (int32_t i = 0; i < m.n_clusters; ++i) {
      const int32_t begin = m.option_begin[i], r = m.option_begin[i + 1] - begin;
      if (r < 2) continue;
      const uint64_t base = 8 * static_cast<uint64_t>(i);
      const int32_t c = choice[i * stride];
      const int32_t k = other_option(uniform(key, base + 2), r, c);
      double new_used = used - m.weight[begin + c] + m.weight[begin + k];
      double new_value = value - m.revenue[begin + c] + m.revenue[begin + k];
      int32_t l = -1, best = 0;
      if (m.n_clusters > 1) {
        l = static_cast<int32_t>(uniform(key, base + 3) * (m.n_clusters - 1));
        if (l >= m.n_clusters - 1) l = m.n_clusters - 2;
        if (l >= i) ++l;
        const int32_t lb = m.option_begin[l], lr = m.option_begin[l + 1] - lb, lc = choice[l * stride];
        new_used -= m.weight[lb + lc];
        new_value -= m.revenue[lb + lc];
        double best_e = INFINITY;
        for (int32_t q = 0; q < lr; ++q) {  // written for conditional moves, not branches
          const double e = -(new_value + m.revenue[lb + q]) + cluster_excess_penalty(m, new_used + m.weight[lb + q]);
          const bool better = e < best_e;
          best_e = better ? e : best_e;
          best = better ? q : best;
        }
        new_used += m.weight[lb + best];
        new_value += m.revenue[lb + best];
      }
      const double new_energy = -new_value + cluster_excess_penalty(m, new_used);
      const double delta = new_energy - energy;
      if (delta <= 0 || (beta * delta < 36.7 && uniform(key, base + 4) < exp(-beta * delta))) {
        choice[i * stride] = k;
        if (l >= 0) choice[l * stride] = best;
        used = new_used;
        value = new_value;
        energy = new_energy;
        if (delta < 0) remember();
      }
    }
  }
}

}  // namespace anneal
}  // namespace rateopt
