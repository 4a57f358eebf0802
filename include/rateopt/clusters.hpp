// Cluster pricing: choose one premium level per customer cluster to maximise expected
// revenue under an overall termination-rate target.  Solved two ways: a QUBO annealed by many
// replicas (rateopt/qubo.hpp), and exactly as a multiple-choice knapsack.
//
// Cluster i has P_i policies and average claim C_i; option j of cluster i has a termination rate α_ij
// (percent) and premium ρ_ij.  Choosing it retains P_i·(1 − α_ij/100) policies and earns revenue
//   v_ij = (1 − α_ij/100)·P_i·(ρ_ij − C_i).
// The target α_t (percent) requires Σ_i P_i·(1 − α_i/100) ≥ (1 − α_t/100)·Σ_i P_i, i.e. the
// terminations Σ_i P_i·α_i ≤ α_t·Σ_i P_i (in policy-percent).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/qubo.hpp"

namespace rateopt {

struct ClusterOption {
  double termination_rate = 0;  ///< percent, in [0, 100)
  double premium = 0;
};

struct ClusterProblem {
  std::vector<std::string> cluster_id;
  std::vector<int64_t> policies;  ///< P_i ≥ 1
  std::vector<double> avg_claim;  ///< C_i ≥ 0
  /// Options of each cluster sorted by termination rate (rates distinct within a cluster).
  std::vector<std::vector<ClusterOption>> options;
  size_t size() const { return cluster_id.size(); }
  /// Revenue v_ij of option j of cluster i.
  double revenue(size_t i, size_t j) const;
  /// All distinct termination rates, ascending (the choice table's columns).
  std::vector<double> all_rates() const;
};

/// clusters.csv `cluster_id,policies,avg_claim` and premiums.csv `cluster_id,termination_rate,premium`.
/// Rules (InputError file:line: column: rule): unique cluster ids, policies a whole number ≥ 1,
/// avg_claim ≥ 0, termination_rate in [0, 100) with at most 6 decimals, premium > 0, every premium's
/// cluster known, no rate repeated within a cluster, every cluster with at least one premium.
ClusterProblem read_cluster_problem(const std::string& clusters_csv, const std::string& premiums_csv);

/// A random instance: policies 10,000–40,000, average claims 150–500, premiums increasing with the
/// termination rate over roughly 300–1,000 (the rate at which that share of the cluster would leave).
ClusterProblem generate_cluster_problem(int clusters, const std::vector<double>& rates, uint64_t seed);
std::string clusters_csv(const ClusterProblem& p);
std::string premiums_csv(const ClusterProblem& p);

/// A choice: choice[i] = option index of cluster i, or −1 for none (a decoded QUBO state may have none
/// or several; several is recorded as −2).
struct ClusterAssessment {
  double revenue = 0;           ///< Σ v over clusters with exactly one option
  double termination_rate = 0;  ///< percent: Σ P_i α_i / Σ P_i over the same clusters
  bool one_hot = false;         ///< every cluster exactly one option
  bool retention_ok = false;    ///< termination ≤ target (to 1e-12 relative)
  bool valid() const { return one_hot && retention_ok; }
};
ClusterAssessment assess_choice(const ClusterProblem& p, const std::vector<int>& choice, double target_percent);

/// Exact multiple-choice knapsack.  feasible = false when even the lowest rates miss the target.
struct ExactClusterResult {
  bool feasible = false;
  std::vector<int> choice;
  double revenue = 0;
  double termination_rate = 0;  ///< percent
  double lp_bound = 0;          ///< LP relaxation value (≥ revenue)
  int64_t states_kept = 0;      ///< largest Pareto state list in the DP (after pruning)
  double seconds = 0;
};
/// Dominance pruning within each cluster, the LP relaxation (greedy over the upper convex hulls) for
/// the multiplier λ and an incumbent, then a DP over clusters keeping the Pareto list of (terminations,
/// revenue) states, each pruned by the Lagrangian bound revenue + λ·(room left) + Σ_rest max_j(v − λw).
/// Ties go to fewer terminations, then the earlier state (deterministic).
ExactClusterResult solve_clusters_exact(const ClusterProblem& p, double target_percent);

/// Penalty weights of the cluster QUBO; unset ones follow the automatic rule (see ClusterQubo::rule).
struct ClusterPenalties {
  std::optional<double> one_hot_margin;  ///< A_i = max_j v'_ij + margin (default: the cluster's mean step)
  std::optional<double> retention;       ///< B per (termination unit)²
};

/// The QUBO of the cluster problem.  Variables: x_ij (cluster-major, offset[i] + j), then slack bits.
/// Exact one-hot identity: for every one-hot feasible x there are slack bits with E = −revenue(x).
struct ClusterQubo {
  Qubo qubo;  ///< its terms are built only up to 4,000 variables (terms_materialised)
  bool terms_materialised = true;
  std::vector<int32_t> offset;  ///< first variable of each cluster; offset[N] = first slack bit
  int32_t slack_bits = 0;
  std::vector<int64_t> slack_value;  ///< value of each slack bit, in termination units
  double unit = 0;                   ///< policy-percent per termination unit (gcd of the weights / 10^decimals)
  int64_t capacity = 0;              ///< W in termination units, before the per-cluster shifts
  double target_percent = 0;
  std::vector<double> one_hot_penalty;  ///< A_i
  double retention_penalty = 0;         ///< B
  double lambda = 0;                    ///< LP multiplier (revenue per termination unit) used by the rule
  double lp_gap = 0;                    ///< Lagrangian dual minus the Lagrangian choice's revenue
  std::string rule;                     ///< the penalty rule in words, with the numbers
  /// Decode a state: choice[i] as in assess_choice.
  std::vector<int> decode(const std::vector<uint8_t>& x) const;
  /// The state of a one-hot choice with its best slack bits: the room left (zero penalty) when the
  /// choice meets the target, none when it does not.
  std::vector<uint8_t> encode(const ClusterProblem& p, const std::vector<int>& choice) const;
};
ClusterQubo build_cluster_qubo(const ClusterProblem& p, double target_percent, const ClusterPenalties& penalties = {});

/// How the cluster annealer moves.  onehot: replicas stay one-hot; a move re-prices one cluster and
/// resets the slack bits to the exact encoding of the room left, so every state's energy is the QUBO's
/// energy −revenue + B·max(0, excess)² (anneal_math.hpp).  flip: plain single-bit flips on the QUBO
/// (anneal_qubo), where the one-hot and slack penalties must be crossed by single flips.
enum class AnnealMoves { onehot, flip };
template <>
struct EnumNames<AnnealMoves> {
  static constexpr std::array<const char*, 2> names{"onehot", "flip"};
};

/// Anneal the cluster QUBO and pick, among the replicas' final states, the valid choice with the
/// highest revenue (ties: lower replica); when none is valid, the lowest-energy replica's choice.
struct ClusterAnnealResult {
  AnnealMoves moves = AnnealMoves::onehot;
  std::vector<int> choice;
  ClusterAssessment assessment;
  int valid_replicas = 0;
  AnnealResult anneal;
};
ClusterAnnealResult anneal_clusters(const ClusterProblem& p, const ClusterQubo& cq, double target_percent,
                                    const AnnealOptions& options, AnnealMoves moves = AnnealMoves::onehot);
/// The schedule of the one-hot moves: β from ln 2 / median over clusters of the revenue span to
/// ln 1000 / median over clusters of the smallest revenue step between two of its options.
AnnealSchedule one_hot_schedule(const ClusterProblem& p);

/// When `rateopt clusters` runs the exact solver: auto up to 2,000 clusters.
enum class ExactSolve { automatic, on, off };
template <>
struct EnumNames<ExactSolve> {
  static constexpr std::array<const char*, 3> names{"auto", "on", "off"};
};

/// What `rateopt clusters` solves with.  The annealing defaults (64 replicas × 500 sweeps) reach the
/// exact optimum on 15×9 instances on the CPU (tests/test_clusters.cpp).
struct ClustersOptions {
  std::optional<double> target_termination;  ///< percent, required
  AnnealOptions anneal{64, 500};             ///< 64 replicas × 500 sweeps, seed 1, device auto
  AnnealMoves moves = AnnealMoves::onehot;
  ExactSolve exact = ExactSolve::automatic;
  ClusterPenalties penalties;  ///< unset: the automatic rule
  void validate() const;       ///< the table's bounds and the schedule's rule; InputError naming the option
};
template <class F>
void visit_options(ClustersOptions& o, F&& f) {
  f(required({"target_termination", "overall termination-rate target, percent", in_range(0, 100)}),
    o.target_termination);
  visit_options(o.anneal, f);
  f(OptionRow{"moves", "annealer moves: onehot re-prices a cluster, flip flips single bits of the QUBO"}, o.moves);
  f(OptionRow{"exact", "run the exact solver (auto: up to 2,000 clusters)"}, o.exact);
  f(OptionRow{"penalty_onehot_margin", "one-hot penalty A_i = max_j v'_ij + this margin", above(0),
              "the cluster's mean revenue step"},
    o.penalties.one_hot_margin);
  f(OptionRow{"penalty_retention", "retention penalty B per (termination unit)^2", above(0),
              "from the LP multiplier and gap"},
    o.penalties.retention);
}

/// Both solvers on one problem: the annealer's choice, the exact optimum (as options.exact asks) and
/// the relative gap (exact − SA)/|exact| when both answers are valid.
struct ClusterPricing {
  ClusterAnnealResult sa;
  std::optional<ExactClusterResult> exact;
  std::optional<double> gap;
};
ClusterPricing price_clusters(const ClusterProblem& p, const ClusterQubo& cq, const ClustersOptions& options);

/// What `rateopt clusters generate` writes: a random instance (generate_cluster_problem).
struct ClustersGenerateOptions {
  std::optional<int64_t> clusters;  ///< required
  std::vector<double> rates{5, 7, 9, 11, 13, 15, 17, 25, 30};
  uint64_t seed = 1;
};
template <class F>
void visit_options(ClustersGenerateOptions& o, F&& f) {
  f(required({"clusters", "number of clusters", in_range(1, std::numeric_limits<int>::max())}), o.clusters);
  f(OptionRow{"rates", "termination rates in percent", in_range(0, 100, false, true)}, o.rates);
  f(OptionRow{"seed", "random seed"}, o.seed);
}

/// The cluster problem as a price grid (rateopt/grid.hpp): each cluster a policy of weight P_i, one
/// candidate per option with premium ρ_ij, demand 1 − α_ij/100 and expected_loss_cost C_i.  The grid's
/// profit w·demand·(premium − loss cost) is then the revenue (1 − α_ij/100)·P_i·(ρ_ij − C_i) and its
/// volume Σ w·demand the policies retained, so the retention target is a floor on volume.
struct ClusterGrid {
  std::string csv;           ///< policy_id,step,premium,demand,expected_loss_cost,weight
  double volume_target = 0;  ///< (1 − α_t/100)·Σ P_i, the target as written
  double volume_met = 0;     ///< the least volume a choice meeting the target retains (the lattice point)
  double volume_step = 0;    ///< retained policies between two neighbouring choices' volumes at most
  double volume_min = 0;     ///< the limit exported: volume_met − volume_step/2
  double tolerance = 0;      ///< the grid tolerance exported: below half a step relative to the limit
  std::string sum_min;       ///< "volume=<volume_min>"
  std::string config_json;   ///< {"sum_min": [sum_min], "tolerance": tolerance}: `rateopt grid --config`
};
/// The choices meeting the target are those with Σ P_i·α_ij ≤ α_t·Σ P_i in exact termination units
/// (clusters_internal.hpp); their volumes lie on a lattice, so the floor goes halfway between the last
/// lattice point meeting the target and the first missing it, with a tolerance below that half step:
/// the grid then accepts exactly the choices the cluster solver accepts, rounding notwithstanding.
/// InputError when the steps are too fine for double precision against the volume.
ClusterGrid cluster_grid(const ClusterProblem& p, double target_percent);

/// What `rateopt clusters export-grid` needs besides the instance.
struct ClustersExportGridOptions {
  std::optional<double> target_termination;  ///< percent, required
};
template <class F>
void visit_options(ClustersExportGridOptions& o, F&& f) {
  f(required({"target_termination", "overall termination-rate target, percent", in_range(0, 100)}),
    o.target_termination);
}

}  // namespace rateopt
