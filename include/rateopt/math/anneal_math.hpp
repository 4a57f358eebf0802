// Simulated annealing of one QUBO replica, written once for the CPU (OpenMP over replicas) and the
// CUDA kernels (a warp per replica): the counter-based random numbers, the geometric schedule, the
// Metropolis test and the per-variable steps of the sweep with incremental local fields.  The CPU runs
// the sweep loops below; the GPU runs the same steps in the same order with one flip's neighbour
// updates (or one move's partner options) spread over a warp, so a replica's trajectory depends only
// on (QUBO, schedule, seed, replica), not on the device.
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

/// Initial bit of variable k (random, from the replica's initial-state key).
RATEOPT_HD uint8_t initial_bit(uint64_t initial_key, int32_t k) {
  return uniform(initial_key, static_cast<uint64_t>(k)) < 0.5 ? 1 : 0;
}

/// Local field h_k = linear_k + Σ_l Q_kl x_l, summed over row k in storage order.
RATEOPT_HD double initial_field(const QuboRows& q, int32_t k, const uint8_t* x, int64_t stride) {
  double h = q.linear[k];
  for (int64_t e = q.row_begin[k]; e < q.row_begin[k + 1]; ++e) h += q.weight[e] * x[q.neighbour[e] * stride];
  return h;
}

/// ΔE of flipping a variable with bit xk and local field h: (1 − 2x_k)·h_k.
RATEOPT_HD double flip_delta(uint8_t xk, double h) { return xk ? -h : h; }

/// Metropolis: accepted when ΔE ≤ 0 or u < exp(−βΔE).  u() is called only when it can matter (exp(−βΔE)
/// below 2^−53 can never beat u, so hopeless moves skip the transcendental and the random number).
template <class Uniform>
RATEOPT_HD bool metropolis_accept(double delta, double beta, const Uniform& u) {
  return delta <= 0 || (beta * delta < 36.7 && u() < exp(-beta * delta));
}

/// A neighbour's local field after variable k flipped (sign +1 when x_k became 1, −1 when it became 0;
/// w = Q_kl).  Every path updates the fields with exactly this expression.
RATEOPT_HD double field_after_flip(double h, double sign, double w) { return h + sign * w; }

/// Random initial state and its local fields.  State and fields of the replica are at x[k·stride],
/// field[k·stride].  Returns E(x) − offset.
RATEOPT_HD double init_replica(const QuboRows& q, uint64_t seed, uint64_t replica, uint8_t* x, double* field,
                               int64_t stride) {
  const uint64_t key = sweep_key(seed, replica, kInitialSweep);
  for (int32_t k = 0; k < q.n; ++k) x[k * stride] = initial_bit(key, k);
  double energy = 0;
  for (int32_t k = 0; k < q.n; ++k) {
    const double h = initial_field(q, k, x, stride);
    field[k * stride] = h;
    if (x[k * stride]) energy += 0.5 * (q.linear[k] + h);  // each pair counted from both ends
  }
  return energy;
}

/// Metropolis sweeps s_begin ≤ s < s_end of n_sweeps over variables 0..n−1 in order: flipping k changes
/// the energy by ΔE = flip_delta; accepted by metropolis_accept with u from (seed, replica, s, k).  An
/// accepted flip updates the neighbours' fields.  Returns the energy change.  (The GPU runs the same
/// steps with the neighbour updates of one flip spread over a warp's lanes: kernels/anneal_cuda.cu.)
RATEOPT_HD double anneal_sweeps(const QuboRows& q, double beta_hot, double beta_cold, int64_t s_begin, int64_t s_end,
                                int64_t n_sweeps, uint64_t seed, uint64_t replica, uint8_t* x, double* field,
                                int64_t stride) {
  double change = 0;
  for (int64_t s = s_begin; s < s_end; ++s) {
    const double beta = beta_at(beta_hot, beta_cold, s, n_sweeps);
    const uint64_t key = sweep_key(seed, replica, static_cast<uint64_t>(s));
    for (int32_t k = 0; k < q.n; ++k) {
      const uint8_t xk = x[k * stride];
      const double delta = flip_delta(xk, field[k * stride]);
      if (!metropolis_accept(delta, beta, [&] { return uniform(key, static_cast<uint64_t>(k)); })) continue;
      x[k * stride] = xk ^ 1;
      change += delta;
      const double sign = xk ? -1.0 : 1.0;
      for (int64_t e = q.row_begin[k]; e < q.row_begin[k + 1]; ++e) {
        double& h = field[q.neighbour[e] * stride];
        h = field_after_flip(h, sign, q.weight[e]);
      }
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

/// A cluster's option other than c, from u uniform over the r − 1 others.
RATEOPT_HD int32_t other_option(double u, int32_t r, int32_t c) {
  int32_t k = static_cast<int32_t>(u * (r - 1));
  if (k >= r - 1) k = r - 2;
  return k >= c ? k + 1 : k;
}

/// A move of cluster i to option k together with partner l (−1 when there is only one cluster), before
/// l's best response is chosen: used/value hold the sums with i at k and l's current option removed.
struct ClusterProposal {
  int32_t k = 0, l = -1, partner_begin = 0, partner_options = 0;
  double used = 0, value = 0;
};

/// Cluster i's proposal (i has begin = option_begin[i] and r ≥ 2 options): random numbers (s, 8i + 2)
/// pick i's option and (s, 8i + 3) the partner.
RATEOPT_HD ClusterProposal propose_cluster_move(const ClusterMoves& m, uint64_t key, int32_t i, int32_t begin,
                                                int32_t r, const int32_t* choice, int64_t stride, double used,
                                                double value) {
  const uint64_t base = 8 * static_cast<uint64_t>(i);
  const int32_t c = choice[i * stride];
  ClusterProposal p;
  p.k = other_option(uniform(key, base + 2), r, c);
  p.used = used - m.weight[begin + c] + m.weight[begin + p.k];
  p.value = value - m.revenue[begin + c] + m.revenue[begin + p.k];
  if (m.n_clusters > 1) {
    int32_t l = static_cast<int32_t>(uniform(key, base + 3) * (m.n_clusters - 1));
    if (l >= m.n_clusters - 1) l = m.n_clusters - 2;
    if (l >= i) ++l;
    p.l = l;
    p.partner_begin = m.option_begin[l];
    p.partner_options = m.option_begin[l + 1] - p.partner_begin;
    const int32_t lc = choice[l * stride];
    p.used -= m.weight[p.partner_begin + lc];
    p.value -= m.revenue[p.partner_begin + lc];
  }
  return p;
}

/// The partner's options q = first, first + step, … : the lowest energy of the move with l at q, the
/// earliest q on a tie (best_e starts at +∞, best at 0).  The CPU scans every option (first 0, step 1);
/// a GPU warp gives lane j the options j, j + 32, … and keeps the least (energy, option) pair of its
/// lanes, which is the same option.
RATEOPT_HD void scan_partner_options(const ClusterMoves& m, const ClusterProposal& p, int32_t first, int32_t step,
                                     double& best_e, int32_t& best) {
  for (int32_t q = first; q < p.partner_options; q += step) {  // written for conditional moves, not branches
    const int32_t o = p.partner_begin + q;
    const double e = -(p.value + m.revenue[o]) + cluster_excess_penalty(m, p.used + m.weight[o]);
    const bool better = e < best_e;
    best_e = better ? e : best_e;
    best = better ? q : best;
  }
}

/// The proposal with the partner at option `best`: its sums and energy.
RATEOPT_HD double complete_cluster_move(const ClusterMoves& m, ClusterProposal& p, int32_t best) {
  if (p.l >= 0) {
    p.used += m.weight[p.partner_begin + best];
    p.value += m.revenue[p.partner_begin + best];
  }
  return -p.value + cluster_excess_penalty(m, p.used);
}

/// Metropolis sweeps over the clusters in order.  Cluster i proposes another of its options uniformly
/// together with the best response of a partner l (uniform among the other clusters): l's option that
/// minimises the energy given i's move, its current one included (so a lone move of i is among the
/// proposals).  One cluster raising its rate while another lowers it walks along the retention wall
/// that lone moves cannot cross.  Accepted with probability min(1, exp(−β ΔE)); random numbers
/// (s, 8i + 2) pick i's option, (s, 8i + 3) the partner, (s, 8i + 4) decides.  The lowest energy seen
/// and its choices are kept in best_energy / best_choice.  (The GPU runs the same steps with the
/// partner's options spread over a warp's lanes: kernels/anneal_cuda.cu.)
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
  for (int64_t s = s_begin; s < s_end; ++s) {
    const double beta = beta_at(beta_hot, beta_cold, s, n_sweeps);
    const uint64_t key = sweep_key(seed, replica, static_cast<uint64_t>(s));
    for (int32_t i = 0; i < m.n_clusters; ++i) {
      const int32_t begin = m.option_begin[i], r = m.option_begin[i + 1] - begin;
      if (r < 2) continue;
      ClusterProposal p = propose_cluster_move(m, key, i, begin, r, choice, stride, used, value);
      double best_e = INFINITY;
      int32_t best = 0;
      scan_partner_options(m, p, 0, 1, best_e, best);
      const double new_energy = complete_cluster_move(m, p, best);
      const double delta = new_energy - energy;
      if (metropolis_accept(delta, beta, [&] { return uniform(key, 8 * static_cast<uint64_t>(i) + 4); })) {
        choice[i * stride] = p.k;
        if (p.l >= 0) choice[p.l * stride] = best;
        used = p.used;
        value = p.value;
        energy = new_energy;
        if (delta < 0) remember();
      }
    }
  }
}

}  // namespace anneal
}  // namespace rateopt
