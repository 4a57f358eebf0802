// The exact multiple-choice knapsack: one item per group, maximise Σ value subject to Σ weight ≤ capacity.
// Used by the cluster problem (integer termination units) and by the grid mode's one-constraint `exact`
// (real weights: the row of its constraint).
//
// Nothing in the method needs integer weights: dominance, the LP relaxation over the upper convex hulls
// and the Pareto list of (weight, value) states are exact for any weights.  Integers only bound the list
// (at most capacity + 1 states); with real weights the Lagrangian bound alone keeps it short, so the
// caller gives a limit on the states held and the solve reports when it reaches it.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace rateopt {

template <class Weight>
struct MckpItem {
  Weight weight;
  double value;
  int32_t option;  ///< the caller's index of the item in its group
};

template <class Weight>
using MckpGroups = std::vector<std::vector<MckpItem<Weight>>>;

/// Keeps a group's undominated items, ascending in weight: those with strictly more value than every
/// lighter (or equally heavy) item; ties keep the lower option.
template <class Weight>
void keep_undominated(std::vector<MckpItem<Weight>>& items);

struct MckpResult {
  enum class Status { optimal, infeasible, state_limit };
  Status status = Status::infeasible;
  std::vector<int32_t> choice;  ///< per group, the chosen item's option (optimal only)
  double value = 0;             ///< Σ value of the choice (optimal only)
  double lp_bound = 0;          ///< LP relaxation value (≥ value)
  double lambda = 0;            ///< LP multiplier of the capacity
  int64_t states_kept = 0;      ///< largest Pareto list of one stage
  int64_t states_total = 0;     ///< states held over all stages
};

/// Dominance pruning (keep_undominated on each group), the LP relaxation (greedy over the upper
/// convex hulls) for the multiplier λ and an incumbent, then a DP over groups keeping the Pareto list
/// of (weight, value) states, each pruned by the Lagrangian bound value + λ·(room left) +
/// Σ_rest max_j(v − λw).  Infeasible when even the lightest items exceed the capacity; state_limit
/// when the lists would hold more than max_states states in all.  Ties go to less weight, then the
/// earlier state (deterministic).
template <class Weight>
MckpResult solve_mckp(MckpGroups<Weight> groups, Weight capacity,
                      int64_t max_states = std::numeric_limits<int64_t>::max());

}  // namespace rateopt
