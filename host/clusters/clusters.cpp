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
#include "clusters/mckp.hpp"
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

ExactClusterResult solve_clusters_exact(const ClusterProblem& p, double target_percent) {
  const auto start = std::chrono::steady_clock::now();
  const TerminationUnits u = termination_units(p, target_percent);
  MckpGroups<int64_t> groups(p.size());
  for (size_t i = 0; i < p.size(); ++i)
    for (size_t j = 0; j < p.options[i].size(); ++j)
      groups[i].push_back({u.weight[i][j], p.revenue(i, j), static_cast<int32_t>(j)});
  const MckpResult knapsack = solve_mckp(std::move(groups), u.capacity);
  ExactClusterResult res;
  res.feasible = knapsack.status == MckpResult::Status::optimal;  // no state limit: integer weights bound it
  if (res.feasible) {
    res.choice.assign(knapsack.choice.begin(), knapsack.choice.end());
    res.lp_bound = knapsack.lp_bound;
    res.states_kept = knapsack.states_kept;
    const ClusterAssessment a = assess_choice(p, res.choice, target_percent);
    res.revenue = a.revenue;
    res.termination_rate = a.termination_rate;
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace rateopt
