// The exact multiple-choice knapsack (mckp.hpp), for integer and for real weights.
#include "clusters/mckp.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rateopt/errors.hpp"

namespace rateopt {

template <class Weight>
void keep_undominated(std::vector<MckpItem<Weight>>& items) {
  std::sort(items.begin(), items.end(), [](const MckpItem<Weight>& a, const MckpItem<Weight>& b) {
    return a.weight != b.weight ? a.weight < b.weight : a.value != b.value ? a.value > b.value : a.option < b.option;
  });
  size_t kept = 0;
  for (size_t k = 0; k < items.size(); ++k)
    if (kept == 0 || items[k].value > items[kept - 1].value) items[kept++] = items[k];
  items.resize(kept);
}

namespace {

template <class Weight>
struct State {
  Weight w;
  double v;
  int32_t parent;  // index in the previous stage
  int32_t option;
};

/// The LP relaxation and a greedy incumbent.
template <class Weight>
struct Relaxation {
  double lp = 0;                  ///< the LP bound
  double lambda = 0;              ///< the LP multiplier of the capacity (the slope of the split increment)
  std::vector<size_t> incumbent;  ///< per group, an index into its items
  Weight room = 0;                ///< capacity the incumbent leaves
};

/// The upper convex hull of each group, its increments taken by slope: the LP bound and λ from the
/// first increment that does not fit, and a greedy incumbent.  room: the capacity left with every
/// group at its lightest item.
template <class Weight>
Relaxation<Weight> relax(const MckpGroups<Weight>& items, Weight room) {
  struct Increment {
    double slope;
    Weight dw;
    double dv;
    size_t group;
    size_t to;  // index into items[group]
  };
  const size_t n = items.size();
  std::vector<Increment> increments;
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> hull{0};
    for (size_t k = 1; k < items[i].size(); ++k) {
      while (hull.size() >= 2) {
        const MckpItem<Weight>& a = items[i][hull[hull.size() - 2]];
        const MckpItem<Weight>& b = items[i][hull.back()];
        const MckpItem<Weight>& c = items[i][k];
        // drop b when it lies on or under the chord a–c
        if ((b.value - a.value) * static_cast<double>(c.weight - a.weight) <=
            (c.value - a.value) * static_cast<double>(b.weight - a.weight))
          hull.pop_back();
        else
          break;
      }
      hull.push_back(k);
    }
    for (size_t h = 1; h < hull.size(); ++h) {
      const MckpItem<Weight>& a = items[i][hull[h - 1]];
      const MckpItem<Weight>& b = items[i][hull[h]];
      increments.push_back({(b.value - a.value) / static_cast<double>(b.weight - a.weight), b.weight - a.weight,
                            b.value - a.value, i, hull[h]});
    }
  }
  std::stable_sort(increments.begin(), increments.end(),
                   [](const Increment& a, const Increment& b) { return a.slope > b.slope; });
  Relaxation<Weight> r;
  r.incumbent.assign(n, 0);
  r.room = room;
  std::vector<char> blocked(n, 0);
  for (size_t i = 0; i < n; ++i) r.lp += items[i][0].value;
  bool fractional = false;
  for (const Increment& inc : increments) {
    if (inc.slope <= 0) break;
    if (!fractional) {  // until the split increment the LP takes what the greedy incumbent takes
      if (inc.dw <= r.room) {
        r.lp += inc.dv;
      } else {
        r.lp += inc.slope * static_cast<double>(r.room);
        r.lambda = inc.slope;
        fractional = true;
      }
    }
    // the greedy incumbent skips what does not fit (and the rest of that group's hull)
    if (!blocked[inc.group] && inc.dw <= r.room) {
      r.incumbent[inc.group] = inc.to;
      r.room -= inc.dw;
    } else {
      blocked[inc.group] = 1;
    }
  }
  return r;
}

/// Improves the incumbent (a tighter incumbent prunes more states): moves any group to its best item
/// that fits the room left, until none improves.  Returns the incumbent's value.
template <class Weight>
double improve_incumbent(const MckpGroups<Weight>& items, Relaxation<Weight>& r) {
  for (bool improved = true; improved;) {
    improved = false;
    for (size_t i = 0; i < items.size(); ++i) {
      const MckpItem<Weight>& current = items[i][r.incumbent[i]];
      size_t best = r.incumbent[i];
      for (size_t k = 0; k < items[i].size(); ++k)
        if (items[i][k].weight - current.weight <= r.room && items[i][k].value > items[i][best].value) best = k;
      if (best != r.incumbent[i]) {
        r.room -= items[i][best].weight - current.weight;
        r.incumbent[i] = best;
        improved = true;
      }
    }
  }
  double incumbent = 0;
  for (size_t i = 0; i < items.size(); ++i) incumbent += items[i][r.incumbent[i]].value;
  return incumbent;
}

/// The DP order: groups with fewer items within the bound's reach first (most have one), so the
/// Pareto list grows only over the last, undecided groups.  Reorders items; returns, for each
/// position, the group now there.
template <class Weight>
std::vector<size_t> order_for_dp(MckpGroups<Weight>& items, double lp, double incumbent, double lambda) {
  const size_t n = items.size();
  std::vector<size_t> order(n);
  const double reach = std::max(0.0, lp - incumbent) * (1 + 1e-9) + 1e-9 * std::max(1.0, std::fabs(lp));
  std::vector<int> viable(n, 0);
  for (size_t i = 0; i < n; ++i) {
    double best = -INFINITY;
    for (const auto& it : items[i]) best = std::max(best, it.value - lambda * static_cast<double>(it.weight));
    for (const auto& it : items[i]) viable[i] += best - (it.value - lambda * static_cast<double>(it.weight)) <= reach;
  }
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return viable[a] < viable[b]; });
  MckpGroups<Weight> ordered(n);
  for (size_t k = 0; k < n; ++k) ordered[k] = std::move(items[order[k]]);
  items.swap(ordered);
  return order;
}

/// The DP over groups in order: stage k + 1 is the Pareto list of (weight, value) states after k + 1
/// groups, each state pruned by the Lagrangian bound.  Counts the largest list and the total into
/// res; returns no stages when the total (or one stage's candidates) would pass max_states.
template <class Weight>
std::vector<std::vector<State<Weight>>> pareto_stages(const MckpGroups<Weight>& items, Weight capacity, double lambda,
                                                      double incumbent, int64_t max_states, MckpResult& res) {
  const size_t n = items.size();
  // Suffix data for the bound: Σ_{i≥k} max_j (v − λw) and Σ_{i≥k} min w.
  std::vector<double> reduced_suffix(n + 1, 0.0);
  std::vector<Weight> light_suffix(n + 1, 0);
  for (size_t i = n; i-- > 0;) {
    double best = -INFINITY;
    for (const auto& it : items[i]) best = std::max(best, it.value - lambda * static_cast<double>(it.weight));
    reduced_suffix[i] = reduced_suffix[i + 1] + best;
    light_suffix[i] = light_suffix[i + 1] + items[i].front().weight;
  }
  const double tolerance = 1e-9 * std::max(1.0, std::fabs(incumbent));
  std::vector<std::vector<State<Weight>>> stages(n + 1);
  stages[0].push_back({0, 0.0, -1, -1});
  std::vector<State<Weight>> candidates;
  for (size_t i = 0; i < n; ++i) {
    candidates.clear();
    for (size_t s = 0; s < stages[i].size(); ++s) {
      const State<Weight>& st = stages[i][s];
      for (const auto& it : items[i]) {
        const Weight w = st.w + it.weight;
        if (w + light_suffix[i + 1] > capacity) break;  // items ascend in weight
        const double v = st.v + it.value;
        const double bound = v + reduced_suffix[i + 1] + lambda * static_cast<double>(capacity - w);
        if (bound < incumbent - tolerance) continue;
        candidates.push_back({w, v, static_cast<int32_t>(s), it.option});
      }
      if (res.states_total + static_cast<int64_t>(candidates.size()) > max_states) return {};  // before the sort
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const State<Weight>& a, const State<Weight>& b) { return a.w != b.w ? a.w < b.w : a.v > b.v; });
    std::vector<State<Weight>>& next = stages[i + 1];
    for (const State<Weight>& c : candidates)
      if (next.empty() || c.v > next.back().v) next.push_back(c);
    res.states_kept = std::max<int64_t>(res.states_kept, static_cast<int64_t>(next.size()));
    res.states_total += static_cast<int64_t>(next.size());
    if (res.states_total > max_states) return {};
    if (next.empty()) throw SolverError("exact knapsack solver pruned every state (bound below the incumbent)");
  }
  return stages;
}

}  // namespace

template <class Weight>
MckpResult solve_mckp(MckpGroups<Weight> items, Weight capacity, int64_t max_states) {
  const size_t n = items.size();
  MckpResult res;
  Weight lightest_total = 0;
  for (auto& group : items) {
    if (group.empty()) throw SolverError("exact knapsack solver: a group without items");
    keep_undominated(group);
    lightest_total += group.front().weight;
  }
  if (lightest_total > capacity) return res;  // infeasible: even the lightest items exceed the capacity
  Relaxation<Weight> relaxation = relax(items, capacity - lightest_total);
  const double incumbent = improve_incumbent(items, relaxation);
  res.lp_bound = relaxation.lp;
  res.lambda = relaxation.lambda;
  const std::vector<size_t> order = order_for_dp(items, relaxation.lp, incumbent, relaxation.lambda);
  const auto stages = pareto_stages(items, capacity, relaxation.lambda, incumbent, max_states, res);
  if (stages.empty()) {
    res.status = MckpResult::Status::state_limit;
    return res;
  }
  // The Pareto list ascends in value: the last state is the optimum (least weight among ties).
  int32_t s = static_cast<int32_t>(stages[n].size()) - 1;
  res.status = MckpResult::Status::optimal;
  res.value = stages[n][static_cast<size_t>(s)].v;
  res.choice.assign(n, -1);
  for (size_t i = n; i-- > 0;) {
    const State<Weight>& st = stages[i + 1][static_cast<size_t>(s)];
    res.choice[order[i]] = st.option;
    s = st.parent;
  }
  return res;
}

template void keep_undominated(std::vector<MckpItem<int64_t>>&);
template void keep_undominated(std::vector<MckpItem<double>>&);
template MckpResult solve_mckp(MckpGroups<int64_t>, int64_t, int64_t);
template MckpResult solve_mckp(MckpGroups<double>, double, int64_t);

}  // namespace rateopt
