// QUBOs and their simulated annealing: E(x) = offset + Σ_{i≤j} Q_ij x_i x_j over x ∈ {0,1}^n
// (x_i² = x_i, so Q_ii is the linear term), annealed by many independent replicas on the CPU or a
// CUDA device with the same per-replica code (rateopt/math/anneal_math.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rateopt/option_table.hpp"

namespace rateopt {

/// One QUBO term: weight · x_i · x_j (i = j: a linear term).
struct QuboTerm {
  int32_t i = 0, j = 0;
  double weight = 0;
};

/// A QUBO as a list of terms; repeated (i, j) pairs add up, (i, j) and (j, i) are the same pair.
struct Qubo {
  int32_t n = 0;  ///< number of variables
  std::vector<QuboTerm> terms;
  double offset = 0;  ///< constant added to every energy (not written to the i,j,weight CSV)
  void add(int32_t i, int32_t j, double w) { terms.push_back({i < j ? i : j, i < j ? j : i, w}); }
};

/// E(x) including the offset.  x has n entries of 0 or 1.
double qubo_energy(const Qubo& q, const std::vector<uint8_t>& x);

/// The most variables a QUBO may have, and the most bytes of annealing state (replicas × variables):
/// past them a run is refused (InputError) rather than left to run out of memory.
inline constexpr int32_t kMaxQuboVariables = 1'000'000;
inline constexpr double kMaxAnnealStateBytes = 1e9;

/// Read a CSV with header `i,j,weight` (0-based variable indices below kMaxQuboVariables, finite
/// weights).  n = 1 + the largest index.  Errors name file:line: column: rule (InputError, exit 2).
Qubo read_qubo_csv(const std::string& path);
/// The CSV text of `i,j,weight` rows, one per merged pair (i ≤ j), weights printed exactly.
std::string qubo_csv(const Qubo& q);

/// How to anneal.  The defaults are `rateopt qubo`'s (`rateopt clusters` has its own, ClustersOptions).
struct AnnealOptions {
  int replicas = 256;                 ///< independent replicas (each its own random start and stream)
  int64_t sweeps = 1000;              ///< Metropolis sweeps per replica (each visits every variable once)
  uint64_t seed = 1;                  ///< with (replica, sweep, variable) keys every random number
  Device device = Device::automatic;  ///< auto: CUDA when usable, else the CPU
  int threads = 0;                    ///< CPU threads; 0 = every core
  double beta_hot = 0;                ///< 0: from the coefficients (see AnnealSchedule)
  double beta_cold = 0;               ///< 0: from the coefficients
  void validate() const;              ///< the table's bounds and the schedule's rule; InputError naming the option
};

/// The table of the annealing options (rateopt/option_table.hpp): `rateopt qubo`'s, and part of
/// `rateopt clusters`'.  The schedule (beta_hot, beta_cold) is set in code only.
template <class F>
void visit_options(AnnealOptions& o, F&& f) {
  f(OptionRow{"replicas", "independent annealing replicas", in_range(1, 1'000'000)}, o.replicas);
  f(OptionRow{"sweeps", "sweeps per replica", in_range(1, 100'000'000)}, o.sweeps);
  f(OptionRow{"seed", "random seed"}, o.seed);
  f(option_rows::device, o.device);
  f(option_rows::threads(), o.threads);
}

/// The geometric schedule β_s = β_hot·(β_cold/β_hot)^(s/(S−1)), set from the coefficients: with
/// Δmax_k = |linear_k| + Σ_l |Q_kl| (the largest |ΔE| flipping k can cause) and Δmin_k the smallest
/// nonzero |coefficient| touching k, β_hot = ln 2 / median_k Δmax_k (a typical worst flip is accepted
/// half the time) and β_cold = ln 1000 / min_k Δmin_k (the smallest uphill step accepted once in 1000).
struct AnnealSchedule {
  double beta_hot = 0, beta_cold = 0;
  std::string rule;  ///< the rule in words, for the output
};
AnnealSchedule default_schedule(const Qubo& q);

struct AnnealResult {
  double best_energy = 0;           ///< lowest final energy over replicas (offset included)
  int best_replica = 0;             ///< lowest index among the replicas that reached it
  std::vector<uint8_t> best_state;  ///< its state
  std::vector<double> energies;     ///< final energy of every replica (recomputed exactly)
  std::vector<uint8_t> states;      ///< replicas × n, replica-major
  AnnealSchedule schedule;          ///< the schedule used
  std::string backend_used;         ///< "cpu" or "cuda"
  std::string device_name;          ///< e.g. "2 CPU threads"
  std::string fallback_reason;      ///< why auto did not use CUDA (empty when it did or was not asked)
  double seconds = 0;               ///< anneal wall time (schedule, upload and download included)
};

/// Anneal q with o.replicas independent replicas.  device cuda without a usable GPU: DeviceError.
AnnealResult anneal_qubo(const Qubo& q, const AnnealOptions& o);

}  // namespace rateopt
