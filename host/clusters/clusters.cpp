// Cluster problem: reading, the generator, assessment and the exact multiple-choice knapsack (SPEC §3).
#include "rateopt/clusters.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>

#include "clusters/clusters_internal.hpp"
#include "io/csv_reader.hpp"
#include "io/format.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

double ClusterProblem::revenue(size_t i, size_t j) const {
  const ClusterOption& o = options[i][j];
  return (1.0 - o.termination_rate / 100.0) * static_cast<double>(policies[i]) * (o.premium - avg_claim[i]);
}

std::vector<double> ClusterProblem::all_rates() const {
  std::vector<double> rates;
  for (const auto& list : options)
    for (const ClusterOption& o : list) rates.push_back(o.termination_rate);
  std::sort(rates.begin(), rates.end());
  rates.erase(std::unique(rates.begin(), rates.end()), rates.end());
  return rates;
}

namespace {

// Premiums and claims per policy at most this: with ≤ 1e9 policies a cluster, every revenue and the
// QUBO's penalties stay finite.
constexpr double kMaxClusterMoney = 1e12;

// Decimals (≤ 6) that make rate·10^d a whole number, or −1.
int rate_decimals(double rate) {
  double scale = 1;
  for (int d = 0; d <= 6; ++d, scale *= 10) {
    const double scaled = rate * scale;
    if (std::fabs(scaled - std::round(scaled)) <= 1e-9 * std::max(1.0, std::fabs(scaled))) return d;
  }
  return -1;
}

}  // namespace

ClusterProblem read_cluster_problem(const std::string& clusters_path, const std::string& premiums_path) {
  ClusterProblem p;
  CsvReader c(clusters_path, "clusters file", {"cluster_id", "policies", "avg_claim"});
  const size_t c_id = c.column("cluster_id"), c_policies = c.column("policies"), c_claim = c.column("avg_claim");
  std::unordered_map<std::string, size_t> index;
  std::vector<uint64_t> line_of;
  while (c.next()) {
    const std::string id(c.text(c_id));
    if (id.empty()) c.fail("cluster_id is empty");
    const auto [it, fresh] = index.emplace(id, p.size());
    if (!fresh)
      c.fail("cluster_id " + quoted_text(id) + " repeats the one at line " + std::to_string(line_of[it->second]));
    line_of.push_back(c.line());
    p.cluster_id.push_back(id);
    p.policies.push_back(c.integer(c_policies, 1, 1'000'000'000));
    const double claim = c.number(c_claim);
    if (claim < 0) c.fail_field(c_claim, "must be ≥ 0");
    if (claim > kMaxClusterMoney) c.fail_field(c_claim, "is above 1e12, the limit that keeps the revenues finite");
    p.avg_claim.push_back(claim);
  }
  if (c.rows() == 0) c.fail_at(0, "no data rows after the header");
  p.options.resize(p.size());
  std::vector<std::map<double, uint64_t>> rate_line(p.size());
  CsvReader q(premiums_path, "premiums file", {"cluster_id", "termination_rate", "premium"});
  const size_t q_id = q.column("cluster_id"), q_rate = q.column("termination_rate"), q_premium = q.column("premium");
  while (q.next()) {
    const std::string id(q.text(q_id));
    const auto it = index.find(id);
    if (it == index.end()) q.fail("cluster_id " + quoted_text(id) + " is not in " + clusters_path);
    const double rate = q.number(q_rate);
    if (rate < 0 || rate >= 100) q.fail_field(q_rate, "must be in [0, 100) (percent)");
    if (rate_decimals(rate) < 0) q.fail_field(q_rate, "has more than 6 decimals");
    const double premium = q.number(q_premium);
    if (premium <= 0) q.fail_field(q_premium, "must be > 0");
    if (premium > kMaxClusterMoney) q.fail_field(q_premium, "is above 1e12, the limit that keeps the revenues finite");
    const auto [seen, fresh] = rate_line[it->second].emplace(rate, q.line());
    if (!fresh)
      q.fail("cluster " + quoted_text(id) + " has termination_rate " + shortest(rate) + " already at line " +
             std::to_string(seen->second));
    p.options[it->second].push_back({rate, premium});
  }
  if (q.rows() == 0) q.fail_at(0, "no data rows after the header");
  for (size_t i = 0; i < p.size(); ++i) {
    if (p.options[i].empty())
      c.fail_at(line_of[i], "cluster " + quoted_text(p.cluster_id[i]) + " has no row in " + premiums_path);
    std::sort(p.options[i].begin(), p.options[i].end(),
              [](const ClusterOption& a, const ClusterOption& b) { return a.termination_rate < b.termination_rate; });
  }
  return p;
}

ClusterProblem generate_cluster_problem(int clusters, const std::vector<double>& rates_in, uint64_t seed) {
  if (clusters < 1) throw InputError("option clusters must be ≥ 1");
  if (rates_in.empty()) throw InputError("option rates: give at least one termination rate");
  std::vector<double> rates = rates_in;
  std::sort(rates.begin(), rates.end());
  for (size_t j = 0; j < rates.size(); ++j) {
    if (!(rates[j] >= 0 && rates[j] < 100) || rate_decimals(rates[j]) < 0)
      throw InputError("option rates: " + shortest(rates[j]) + " must be in [0, 100) with at most 6 decimals");
    if (j > 0 && rates[j] == rates[j - 1]) throw InputError("option rates: " + shortest(rates[j]) + " is given twice");
  }
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * std::generate_canonical<double, 53>(rng); };
  ClusterProblem p;
  const int width = static_cast<int>(std::to_string(clusters).size());
  for (int i = 0; i < clusters; ++i) {
    std::string id = std::to_string(i + 1);
    p.cluster_id.push_back("c" + std::string(static_cast<size_t>(width) - id.size(), '0') + id);
    p.policies.push_back(static_cast<int64_t>(std::floor(uniform(10'000, 40'001))));
    const double claim = std::round(uniform(150, 500) * 100) / 100;
    p.avg_claim.push_back(claim);
    // The premium at which a share α of the cluster leaves: rising, concave in α, from about
    // 1.2–1.9× the claim (at least 300) by 150–450 more at the highest rate, capped near 1,000.
    const double low = std::max(300.0, claim * uniform(1.2, 1.9));
    const double high = std::min(1000.0, low + uniform(150, 450));
    const double span = rates.back() - rates.front();
    std::vector<ClusterOption> list;
    double previous = 0;
    for (double rate : rates) {
      const double t = span > 0 ? (rate - rates.front()) / span : 0.0;
      double premium = low + (high - low) * std::pow(t, uniform(0.45, 0.8)) * uniform(0.97, 1.03);
      premium = std::round(std::max(premium, previous + 1.0) * 100) / 100;
      list.push_back({rate, premium});
      previous = premium;
    }
    p.options.push_back(list);
  }
  return p;
}

std::string clusters_csv(const ClusterProblem& p) {
  std::string out = "cluster_id,policies,avg_claim\n";
  for (size_t i = 0; i < p.size(); ++i) {
    append_csv_text(out, p.cluster_id[i]);
    out += "," + std::to_string(p.policies[i]) + ",";
    append_exact(out, p.avg_claim[i]);
    out += "\n";
  }
  return out;
}

std::string premiums_csv(const ClusterProblem& p) {
  std::string out = "cluster_id,termination_rate,premium\n";
  for (size_t i = 0; i < p.size(); ++i)
    for (const ClusterOption& o : p.options[i]) {
      append_csv_text(out, p.cluster_id[i]);
      out += ",";
      append_exact(out, o.termination_rate);
      out += ",";
      append_exact(out, o.premium);
      out += "\n";
    }
  return out;
}

TerminationUnits termination_units(const ClusterProblem& p, double target_percent) {
  if (!(target_percent >= 0 && target_percent <= 100))
    throw InputError("option target_termination = " + shortest(target_percent) + " must be in [0, 100] (percent)");
  int decimals = 0;
  for (const auto& list : p.options)
    for (const ClusterOption& o : list) decimals = std::max(decimals, rate_decimals(o.termination_rate));
  const double scale = std::pow(10.0, decimals);
  TerminationUnits u;
  long double total_policies = 0, largest = 0;
  for (size_t i = 0; i < p.size(); ++i) total_policies += p.policies[i];
  largest = total_policies * 100.0L * scale;
  if (largest > 9.0e15L)
    throw InputError("the instance is too large for exact termination units (Σ policies × 100 × 10^" +
                     std::to_string(decimals) + " exceeds 9e15)");
  int64_t g = 0;
  u.weight.resize(p.size());
  for (size_t i = 0; i < p.size(); ++i)
    for (const ClusterOption& o : p.options[i]) {
      const int64_t w = p.policies[i] * static_cast<int64_t>(std::llround(o.termination_rate * scale));
      u.weight[i].push_back(w);
      g = std::gcd(g, w);
    }
  const long double target_scaled = static_cast<long double>(target_percent) * scale;
  const long double rounded = std::round(target_scaled);
  const long double t = std::fabs(target_scaled - rounded) <= 1e-9L * std::max(1.0L, rounded) ? rounded : target_scaled;
  int64_t capacity = static_cast<int64_t>(std::floor(t * total_policies));
  if (g > 1) {
    for (auto& list : u.weight)
      for (int64_t& w : list) w /= g;
    capacity /= g;  // floor: Σ w·g ≤ W ⇔ Σ w ≤ ⌊W/g⌋
  } else {
    g = 1;
  }
  u.capacity = capacity;
  u.unit = static_cast<double>(g) / scale;
  return u;
}

ClusterAssessment assess_choice(const ClusterProblem& p, const std::vector<int>& choice, double target_percent) {
  const TerminationUnits u = termination_units(p, target_percent);
  ClusterAssessment a;
  a.one_hot = true;
  double terminated = 0, total = 0;
  int64_t units = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    total += static_cast<double>(p.policies[i]);
    if (choice[i] < 0) {
      a.one_hot = false;
      continue;
    }
    const auto j = static_cast<size_t>(choice[i]);
    a.revenue += p.revenue(i, j);
    terminated += static_cast<double>(p.policies[i]) * p.options[i][j].termination_rate;
    units += u.weight[i][j];
  }
  a.termination_rate = terminated / total;
  a.retention_ok = a.one_hot && units <= u.capacity;
  return a;
}

// ------------------------------------------------------------------------- the exact solver

namespace {

struct Item {
  int64_t w;
  double v;
  int option;
};

struct State {
  int64_t w;
  double v;
  int32_t parent;  // index in the previous stage
  int32_t option;
};

using ClusterItems = std::vector<std::vector<Item>>;

/// Each cluster's undominated items, ascending in weight: those with strictly more revenue than every
/// lighter (or equally heavy) item.
ClusterItems undominated_items(const ClusterProblem& p, const TerminationUnits& u) {
  ClusterItems items(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    std::vector<Item> all;
    for (size_t j = 0; j < p.options[i].size(); ++j)
      all.push_back({u.weight[i][j], p.revenue(i, j), static_cast<int>(j)});
    std::sort(all.begin(), all.end(), [](const Item& a, const Item& b) {
      return a.w != b.w ? a.w < b.w : a.v != b.v ? a.v > b.v : a.option < b.option;
    });
    for (const Item& it : all)
      if (items[i].empty() || it.v > items[i].back().v) items[i].push_back(it);
  }
  return items;
}

/// The LP relaxation and a greedy incumbent.
struct Relaxation {
  double lp = 0;                  ///< the LP bound
  double lambda = 0;              ///< the LP multiplier of the capacity (the slope of the split increment)
  std::vector<size_t> incumbent;  ///< per cluster, an index into its items
  int64_t room = 0;               ///< capacity the incumbent leaves
};

/// The upper convex hull of each cluster, its increments taken by slope: the LP bound and λ from the
/// first increment that does not fit, and a greedy incumbent.  room: the capacity left with every
/// cluster at its lightest item.
Relaxation relax(const ClusterItems& items, int64_t room) {
  struct Increment {
    double slope;
    int64_t dw;
    double dv;
    size_t cluster;
    size_t to;  // index into items[cluster]
  };
  const size_t n = items.size();
  std::vector<Increment> increments;
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> hull{0};
    for (size_t k = 1; k < items[i].size(); ++k) {
      while (hull.size() >= 2) {
        const Item& a = items[i][hull[hull.size() - 2]];
        const Item& b = items[i][hull.back()];
        const Item& c = items[i][k];
        // drop b when it lies on or under the chord a–c
        if ((b.v - a.v) * static_cast<double>(c.w - a.w) <= (c.v - a.v) * static_cast<double>(b.w - a.w))
          hull.pop_back();
        else
          break;
      }
      hull.push_back(k);
    }
    for (size_t h = 1; h < hull.size(); ++h) {
      const Item& a = items[i][hull[h - 1]];
      const Item& b = items[i][hull[h]];
      increments.push_back({(b.v - a.v) / static_cast<double>(b.w - a.w), b.w - a.w, b.v - a.v, i, hull[h]});
    }
  }
  std::stable_sort(increments.begin(), increments.end(),
                   [](const Increment& a, const Increment& b) { return a.slope > b.slope; });
  Relaxation r;
  r.incumbent.assign(n, 0);
  r.room = room;
  std::vector<char> blocked(n, 0);
  for (size_t i = 0; i < n; ++i) r.lp += items[i][0].v;
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
    // the greedy incumbent skips what does not fit (and the rest of that cluster's hull)
    if (!blocked[inc.cluster] && inc.dw <= r.room) {
      r.incumbent[inc.cluster] = inc.to;
      r.room -= inc.dw;
    } else {
      blocked[inc.cluster] = 1;
    }
  }
  return r;
}

/// Improves the incumbent (a tighter incumbent prunes more states): moves any cluster to its best item
/// that fits the room left, until none improves.  Returns the incumbent's revenue.
double improve_incumbent(const ClusterItems& items, Relaxation& r) {
  for (bool improved = true; improved;) {
    improved = false;
    for (size_t i = 0; i < items.size(); ++i) {
      const Item& current = items[i][r.incumbent[i]];
      size_t best = r.incumbent[i];
      for (size_t k = 0; k < items[i].size(); ++k)
        if (items[i][k].w - current.w <= r.room && items[i][k].v > items[i][best].v) best = k;
      if (best != r.incumbent[i]) {
        r.room -= items[i][best].w - current.w;
        r.incumbent[i] = best;
        improved = true;
      }
    }
  }
  double incumbent = 0;
  for (size_t i = 0; i < items.size(); ++i) incumbent += items[i][r.incumbent[i]].v;
  return incumbent;
}

/// The DP order: clusters with fewer items within the bound's reach first (most have one), so the
/// Pareto list grows only over the last, undecided clusters.  Reorders items; returns, for each
/// position, the cluster now there.
std::vector<size_t> order_for_dp(ClusterItems& items, double lp, double incumbent, double lambda) {
  const size_t n = items.size();
  std::vector<size_t> order(n);
  const double reach = std::max(0.0, lp - incumbent) * (1 + 1e-9) + 1e-9 * std::max(1.0, std::fabs(lp));
  std::vector<int> viable(n, 0);
  for (size_t i = 0; i < n; ++i) {
    double best = -INFINITY;
    for (const Item& it : items[i]) best = std::max(best, it.v - lambda * static_cast<double>(it.w));
    for (const Item& it : items[i]) viable[i] += best - (it.v - lambda * static_cast<double>(it.w)) <= reach;
  }
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return viable[a] < viable[b]; });
  ClusterItems ordered(n);
  for (size_t k = 0; k < n; ++k) ordered[k] = std::move(items[order[k]]);
  items.swap(ordered);
  return order;
}

/// The DP over clusters in order: stage k + 1 is the Pareto list of (terminations, revenue) states
/// after k + 1 clusters, each state pruned by the Lagrangian bound.  Counts the largest list into
/// states_kept.
std::vector<std::vector<State>> pareto_stages(const ClusterItems& items, int64_t capacity, double lambda,
                                              double incumbent, int64_t& states_kept) {
  const size_t n = items.size();
  // Suffix data for the bound: Σ_{i≥k} max_j (v − λw) and Σ_{i≥k} min w.
  std::vector<double> reduced_suffix(n + 1, 0.0);
  std::vector<int64_t> light_suffix(n + 1, 0);
  for (size_t i = n; i-- > 0;) {
    double best = -INFINITY;
    for (const Item& it : items[i]) best = std::max(best, it.v - lambda * static_cast<double>(it.w));
    reduced_suffix[i] = reduced_suffix[i + 1] + best;
    light_suffix[i] = light_suffix[i + 1] + items[i].front().w;
  }
  const double tolerance = 1e-9 * std::max(1.0, std::fabs(incumbent));
  std::vector<std::vector<State>> stages(n + 1);
  stages[0].push_back({0, 0.0, -1, -1});
  std::vector<State> candidates;
  for (size_t i = 0; i < n; ++i) {
    candidates.clear();
    for (size_t s = 0; s < stages[i].size(); ++s) {
      const State& st = stages[i][s];
      for (const Item& it : items[i]) {
        const int64_t w = st.w + it.w;
        if (w + light_suffix[i + 1] > capacity) break;  // items ascend in w
        const double v = st.v + it.v;
        const double bound = v + reduced_suffix[i + 1] + lambda * static_cast<double>(capacity - w);
        if (bound < incumbent - tolerance) continue;
        candidates.push_back({w, v, static_cast<int32_t>(s), it.option});
      }
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const State& a, const State& b) { return a.w != b.w ? a.w < b.w : a.v > b.v; });
    std::vector<State>& next = stages[i + 1];
    for (const State& c : candidates)
      if (next.empty() || c.v > next.back().v) next.push_back(c);
    states_kept = std::max<int64_t>(states_kept, static_cast<int64_t>(next.size()));
    if (next.empty()) throw SolverError("exact cluster solver pruned every state (bound below the incumbent)");
  }
  return stages;
}

}  // namespace

ExactClusterResult solve_clusters_exact(const ClusterProblem& p, double target_percent) {
  const auto start = std::chrono::steady_clock::now();
  const TerminationUnits u = termination_units(p, target_percent);
  const size_t n = p.size();
  ExactClusterResult res;
  ClusterItems items = undominated_items(p, u);
  int64_t lightest_total = 0;
  for (const std::vector<Item>& cluster : items) lightest_total += cluster.front().w;
  if (lightest_total > u.capacity) {
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return res;  // infeasible: even the lowest rates terminate too many
  }
  res.feasible = true;
  Relaxation relaxation = relax(items, u.capacity - lightest_total);
  const double incumbent = improve_incumbent(items, relaxation);
  res.lp_bound = relaxation.lp;
  const std::vector<size_t> order = order_for_dp(items, relaxation.lp, incumbent, relaxation.lambda);
  const std::vector<std::vector<State>> stages =
      pareto_stages(items, u.capacity, relaxation.lambda, incumbent, res.states_kept);
  // The Pareto list ascends in revenue: the last state is the optimum (fewest terminations among ties).
  int32_t s = static_cast<int32_t>(stages[n].size()) - 1;
  res.choice.assign(n, -1);
  for (size_t i = n; i-- > 0;) {
    const State& st = stages[i + 1][static_cast<size_t>(s)];
    res.choice[order[i]] = st.option;
    s = st.parent;
  }
  const ClusterAssessment a = assess_choice(p, res.choice, target_percent);
  res.revenue = a.revenue;
  res.termination_rate = a.termination_rate;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace rateopt
