// QUBO I/O, the coefficient-derived schedule, the CPU annealer and the device choice (SPEC §3).
#include "rateopt/qubo.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>

#include "clusters/anneal_backend.hpp"
#include "io/csv_reader.hpp"
#include "io/format.hpp"
#include "optimise/backend/backend.hpp"
#include "optimise/backend/device_choice.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

double qubo_energy(const Qubo& q, const std::vector<uint8_t>& x) {
  double e = q.offset;
  for (const QuboTerm& t : q.terms)
    if (x[t.i] && x[t.j]) e += t.weight;
  return e;
}

Qubo read_qubo_csv(const std::string& path) {
  CsvReader csv(path, "QUBO file", {"i", "j", "weight"});
  const size_t i_col = csv.column("i"), j_col = csv.column("j"), weight_col = csv.column("weight");
  Qubo q;
  constexpr long long kMaxIndex = kMaxQuboVariables - 1;
  while (csv.next()) {
    const auto i = static_cast<int32_t>(csv.integer(i_col, 0, kMaxIndex));
    const auto j = static_cast<int32_t>(csv.integer(j_col, 0, kMaxIndex));
    q.add(i, j, csv.number(weight_col));
    q.n = std::max(q.n, std::max(i, j) + 1);
  }
  if (csv.rows() == 0) csv.fail_at(0, "no data rows after the header");
  return q;
}

namespace {
// Terms with i ≤ j, sorted, repeated pairs added up.
std::vector<QuboTerm> merged_pairs(const Qubo& q) {
  std::vector<QuboTerm> terms = q.terms;
  for (QuboTerm& t : terms)
    if (t.i > t.j) std::swap(t.i, t.j);
  std::sort(terms.begin(), terms.end(),
            [](const QuboTerm& a, const QuboTerm& b) { return a.i != b.i ? a.i < b.i : a.j < b.j; });
  std::vector<QuboTerm> merged;
  for (const QuboTerm& t : terms) {
    if (!merged.empty() && merged.back().i == t.i && merged.back().j == t.j)
      merged.back().weight += t.weight;
    else
      merged.push_back(t);
  }
  return merged;
}
}  // namespace

std::string qubo_csv(const Qubo& q) {
  std::string out = "i,j,weight\n";
  for (const QuboTerm& t : merged_pairs(q)) {
    out += std::to_string(t.i) + "," + std::to_string(t.j) + ",";
    append_exact(out, t.weight);
    out += "\n";
  }
  return out;
}

void AnnealOptions::validate() const {
  check_option_bounds(*this);
  if (!(beta_hot >= 0) || !(beta_cold >= 0) || !std::isfinite(beta_hot) || !std::isfinite(beta_cold))
    throw InputError("option beta_hot/beta_cold must be finite and ≥ 0 (0: from the coefficients)");
  if (beta_hot > 0 && beta_cold > 0 && beta_hot > beta_cold)
    throw InputError("option beta_hot must not exceed beta_cold");
}

QuboRowStorage qubo_rows(const Qubo& q) {
  QuboRowStorage rows;
  rows.n = q.n;
  rows.linear.assign(q.n, 0.0);
  std::vector<std::vector<std::pair<int32_t, double>>> adjacency(q.n);
  for (const QuboTerm& t : merged_pairs(q)) {
    if (t.i < 0 || t.j >= q.n)
      throw InputError("QUBO term (" + std::to_string(t.i) + ", " + std::to_string(t.j) + ") is outside the " +
                       std::to_string(q.n) + " variables");
    if (t.i == t.j) {
      rows.linear[t.i] += t.weight;
    } else if (t.weight != 0) {
      adjacency[t.i].push_back({t.j, t.weight});
      adjacency[t.j].push_back({t.i, t.weight});
    }
  }
  rows.row_begin.assign(q.n + 1, 0);
  for (int32_t k = 0; k < q.n; ++k) {
    std::sort(adjacency[k].begin(), adjacency[k].end());
    rows.row_begin[k + 1] = rows.row_begin[k] + static_cast<int64_t>(adjacency[k].size());
    for (const auto& [l, w] : adjacency[k]) {
      rows.neighbour.push_back(l);
      rows.weight.push_back(w);
    }
  }
  return rows;
}

double rows_energy(const QuboRowStorage& rows, const uint8_t* x) {
  double e = 0;
  for (int32_t k = 0; k < rows.n; ++k) {
    if (!x[k]) continue;
    double pairs = 0;
    for (int64_t p = rows.row_begin[k]; p < rows.row_begin[k + 1]; ++p)
      if (rows.neighbour[p] > k && x[rows.neighbour[p]]) pairs += rows.weight[p];
    e += rows.linear[k] + pairs;
  }
  return e;
}

AnnealSchedule default_schedule(const Qubo& q) {
  const QuboRowStorage rows = qubo_rows(q);
  std::vector<double> largest;
  double smallest = std::numeric_limits<double>::infinity();
  for (int32_t k = 0; k < rows.n; ++k) {
    double total = std::fabs(rows.linear[k]);
    if (rows.linear[k] != 0) smallest = std::min(smallest, std::fabs(rows.linear[k]));
    for (int64_t p = rows.row_begin[k]; p < rows.row_begin[k + 1]; ++p) {
      total += std::fabs(rows.weight[p]);
      smallest = std::min(smallest, std::fabs(rows.weight[p]));
    }
    if (total > 0) largest.push_back(total);
  }
  AnnealSchedule s;
  s.rule =
      "geometric in beta from beta_hot = ln 2 / median_k(|Q_kk| + sum_l |Q_kl|) to beta_cold = ln 1000 / "
      "min nonzero |Q_kl|";
  if (largest.empty()) {  // all-zero QUBO: any schedule will do
    s.beta_hot = s.beta_cold = 1;
    return s;
  }
  std::nth_element(largest.begin(), largest.begin() + largest.size() / 2, largest.end());
  s.beta_hot = std::log(2.0) / largest[largest.size() / 2];
  s.beta_cold = std::max(s.beta_hot, std::log(1000.0) / smallest);
  return s;
}

void choose_anneal_device(const AnnealOptions& o, AnnealResult& res,
                          const std::function<void(std::string& device_name)>& run_cuda,
                          const std::function<void()>& run_cpu) {
  if (run_on_chosen_device(
          o.device, [&] { run_cuda(res.device_name); }, res.fallback_reason)) {
    res.backend_used = "cuda";
    return;
  }
  run_cpu();
  res.backend_used = "cpu";
  const int n_threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  res.device_name = std::to_string(n_threads) + " CPU thread" + (n_threads == 1 ? "" : "s");
}

AnnealResult anneal_qubo(const Qubo& q, const AnnealOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  o.validate();
  if (q.n < 1) throw InputError("QUBO has no variables");
  if (q.n > kMaxQuboVariables)
    throw InputError("QUBO has " + std::to_string(q.n) + " variables; at most " + std::to_string(kMaxQuboVariables) +
                     " are annealed");
  if (static_cast<double>(o.replicas) * q.n > kMaxAnnealStateBytes)
    throw InputError("option replicas = " + std::to_string(o.replicas) + " × " + std::to_string(q.n) +
                     " variables is more than 1e9 bytes of annealing state; use fewer replicas");
  AnnealResult res;
  res.schedule = default_schedule(q);
  if (o.beta_hot > 0) res.schedule.beta_hot = o.beta_hot;
  if (o.beta_cold > 0) res.schedule.beta_cold = o.beta_cold;
  if (o.beta_hot > 0 || o.beta_cold > 0) res.schedule.rule += " (overridden by the options given)";
  if (res.schedule.beta_hot > res.schedule.beta_cold) throw InputError("option beta_hot must not exceed beta_cold");
  const QuboRowStorage rows = qubo_rows(q);
  choose_anneal_device(
      o, res,
      [&](std::string& device_name) {
        anneal_replicas_cuda(rows, res.schedule.beta_hot, res.schedule.beta_cold, o.sweeps, o.seed, o.replicas,
                             res.states, device_name);
      },
      [&] {
        anneal_replicas_cpu(rows, res.schedule.beta_hot, res.schedule.beta_cold, o.sweeps, o.seed, o.replicas,
                            o.threads, res.states);
      });
  const size_t n = static_cast<size_t>(q.n);
  res.energies.resize(o.replicas);
  for (int r = 0; r < o.replicas; ++r) {
    res.energies[r] = q.offset + rows_energy(rows, res.states.data() + static_cast<size_t>(r) * n);
    if (r == 0 || res.energies[r] < res.best_energy) {
      res.best_energy = res.energies[r];
      res.best_replica = r;
    }
  }
  res.best_state.assign(res.states.begin() + static_cast<ptrdiff_t>(res.best_replica * n),
                        res.states.begin() + static_cast<ptrdiff_t>((res.best_replica + 1) * n));
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace rateopt
