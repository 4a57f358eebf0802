// The cluster-pricing and QUBO subcommands: validation, the solves, the outputs (choice_table.csv,
// cluster_choices.csv, result.json, optionally qubo.csv) and the one-screen summary or --json object.
#include "cli/clusters_command.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "io/csv_cursor.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "rateopt/clusters.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;

std::vector<double> parse_rate_list(const std::string& text) {
  std::vector<double> rates;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    double v = 0;
    const std::string error = parse_number(trim(item), v);
    if (!error.empty()) throw InputError("option --rates: " + quoted_text(item) + " " + error);
    rates.push_back(v);
  }
  if (rates.empty()) throw InputError("option --rates: give termination rates in percent, e.g. 5,7,9,11");
  return rates;
}

Json assessment_json(const ClusterAssessment& a) {
  Json j;
  j["revenue"] = finite_or_null(a.revenue);
  j["termination_rate"] = finite_or_null(a.termination_rate);
  j["valid"] = a.valid();
  j["one_hot"] = a.one_hot;
  j["retention_ok"] = a.retention_ok;
  return j;
}

std::string rate_column(double rate) { return "rate_" + shortest(rate); }

void make_output_dir(const std::string& out_dir) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) throw DeviceError("cannot create output directory " + out_dir + ": " + error.message());
}

}  // namespace

int run_clusters_generate(const ClustersGenerateArgs& a) {
  if (a.out_dir.empty()) throw InputError("option --out-dir is required");
  const std::vector<double> rates = parse_rate_list(a.rates);
  check_output_dir(a.out_dir, {"clusters.csv", "premiums.csv"}, a.force);
  const ClusterProblem p = generate_cluster_problem(a.clusters, rates, a.seed);
  make_output_dir(a.out_dir);
  write_file_atomically(a.out_dir + "/clusters.csv", clusters_csv(p));
  write_file_atomically(a.out_dir + "/premiums.csv", premiums_csv(p));
  std::cout << "wrote " << a.clusters << " clusters × " << rates.size() << " rates (seed " << a.seed << ") to "
            << a.out_dir << "/clusters.csv and premiums.csv\n";
  return 0;
}

int run_clusters_command(const ClustersArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  if (a.clusters.empty() || a.premiums.empty() || a.out_dir.empty() || std::isnan(a.target_termination))
    throw InputError("options --clusters, --premiums, --target-termination and --out-dir are required");
  if (!(a.target_termination >= 0 && a.target_termination <= 100))
    throw InputError("option --target-termination = " + shortest(a.target_termination) +
                     " must be in [0, 100] (percent)");
  if (a.exact != "auto" && a.exact != "on" && a.exact != "off")
    throw InputError("option --exact = \"" + a.exact + "\" must be one of auto, on, off");
  a.anneal.validate();
  if (a.moves != "onehot" && a.moves != "flip")
    throw InputError("option --moves = \"" + a.moves + "\" must be onehot or flip");
  std::vector<std::string> outputs{"choice_table.csv", "cluster_choices.csv", "result.json"};
  if (a.write_qubo) outputs.push_back("qubo.csv");
  check_output_dir(a.out_dir, outputs, a.force);
  const ClusterProblem p = read_cluster_problem(a.clusters, a.premiums);
  const double target = a.target_termination;
  ClusterPenalties penalties;
  penalties.one_hot_margin = a.penalty_onehot_margin;
  penalties.retention = a.penalty_retention;
  const ClusterQubo cq = build_cluster_qubo(p, target, penalties);
  if (a.write_qubo && !cq.terms_materialised)
    throw InputError("option --write-qubo: the QUBO has " + std::to_string(cq.qubo.n) +
                     " variables; its dense terms are not built past 4,000");
  const ClusterAnnealResult sa = anneal_clusters(p, cq, target, a.anneal, a.moves);
  std::optional<ExactClusterResult> exact;
  if (a.exact == "on" || (a.exact == "auto" && p.size() <= 2'000)) exact = solve_clusters_exact(p, target);
  std::optional<double> gap;
  if (exact && exact->feasible && sa.assessment.valid())
    gap = (exact->revenue - sa.assessment.revenue) / std::max(1e-300, std::fabs(exact->revenue));

  // choice_table.csv: clusters × rates, 1 for the annealer's choice, empty where a cluster lacks the rate
  const std::vector<double> rates = p.all_rates();
  std::string table = "cluster_id";
  for (double r : rates) table += "," + rate_column(r);
  table += "\n";
  std::string choices =
      "cluster_id,policies,avg_claim,sa_termination_rate,sa_premium,sa_revenue,exact_termination_rate,exact_premium,"
      "exact_revenue\n";
  const auto append_choice = [&](std::string& out, size_t i, int c) {
    if (c < 0) {
      out += ",,,";
      return;
    }
    const ClusterOption& o = p.options[i][static_cast<size_t>(c)];
    out += ",";
    append_exact(out, o.termination_rate);
    out += ",";
    append_exact(out, o.premium);
    out += ",";
    append_exact(out, p.revenue(i, static_cast<size_t>(c)));
  };
  for (size_t i = 0; i < p.size(); ++i) {
    append_csv_text(table, p.cluster_id[i]);
    size_t j = 0;
    for (double r : rates) {
      table += ",";
      while (j < p.options[i].size() && p.options[i][j].termination_rate < r) ++j;
      if (j < p.options[i].size() && p.options[i][j].termination_rate == r)
        table += sa.choice[i] == static_cast<int>(j) ? "1" : "0";
    }
    table += "\n";
    append_csv_text(choices, p.cluster_id[i]);
    choices += "," + std::to_string(p.policies[i]) + ",";
    append_exact(choices, p.avg_claim[i]);
    append_choice(choices, i, sa.choice[i]);
    append_choice(choices, i, exact && exact->feasible ? exact->choice[i] : -1);
    choices += "\n";
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Json j;
  j["command"] = "clusters";
  Json prob;
  prob["clusters_file"] = a.clusters;
  prob["premiums_file"] = a.premiums;
  prob["clusters"] = p.size();
  prob["rates"] = rates;
  prob["target_termination"] = target;
  j["problem"] = prob;
  Json qj;
  qj["variables"] = cq.qubo.n;
  qj["choice_variables"] = cq.offset.back();
  qj["slack_bits"] = cq.slack_bits;
  qj["termination_unit_policy_percent"] = cq.unit;
  qj["one_hot_penalty_min"] = *std::min_element(cq.one_hot_penalty.begin(), cq.one_hot_penalty.end());
  qj["one_hot_penalty_max"] = *std::max_element(cq.one_hot_penalty.begin(), cq.one_hot_penalty.end());
  qj["retention_penalty"] = cq.retention_penalty;
  qj["lambda"] = cq.lambda;
  qj["offset"] = cq.qubo.offset;
  qj["penalty_rule"] = cq.rule;
  j["qubo"] = qj;
  Json sj = assessment_json(sa.assessment);
  sj["moves"] = sa.moves;
  sj["valid_replicas"] = sa.valid_replicas;
  sj["best_energy"] = sa.anneal.best_energy;
  sj["replicas"] = a.anneal.replicas;
  sj["sweeps"] = a.anneal.sweeps;
  sj["seed"] = a.anneal.seed;
  sj["beta_hot"] = sa.anneal.schedule.beta_hot;
  sj["beta_cold"] = sa.anneal.schedule.beta_cold;
  sj["schedule_rule"] = sa.anneal.schedule.rule;
  sj["backend_requested"] = to_string(a.anneal.device);
  sj["backend_used"] = sa.anneal.backend_used;
  sj["device_name"] = sa.anneal.device_name;
  sj["fallback_reason"] = text_or_null(sa.anneal.fallback_reason);
  sj["seconds"] = sa.anneal.seconds;
  sj["choice"] = sa.choice;
  j["sa"] = sj;
  if (exact) {
    Json ej;
    ej["feasible"] = exact->feasible;
    ej["revenue"] = exact->feasible ? finite_or_null(exact->revenue) : Json(nullptr);
    ej["termination_rate"] = exact->feasible ? finite_or_null(exact->termination_rate) : Json(nullptr);
    ej["lp_bound"] = exact->feasible ? finite_or_null(exact->lp_bound) : Json(nullptr);
    ej["states_kept"] = exact->states_kept;
    ej["seconds"] = exact->seconds;
    ej["choice"] = exact->choice;
    j["exact"] = ej;
  } else {
    j["exact"] = nullptr;
  }
  j["gap"] = gap ? finite_or_null(*gap) : Json(nullptr);
  j["seconds"] = seconds;
  j["version"] = version_string();
  j["git_revision"] = git_revision();
  j["timestamp"] = utc_timestamp_now();

  make_output_dir(a.out_dir);
  write_file_atomically(a.out_dir + "/choice_table.csv", table);
  write_file_atomically(a.out_dir + "/cluster_choices.csv", choices);
  write_file_atomically(a.out_dir + "/result.json", j.dump(2) + "\n");
  if (a.write_qubo) write_file_atomically(a.out_dir + "/qubo.csv", qubo_csv(cq.qubo));

  if (a.as_json) {
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("Cluster pricing: %zu clusters, %zu rates, target termination %g%%\n", p.size(), rates.size(), target);
  std::printf("QUBO: %d variables (%d choices + %d slack bits), offset %.6g\n", cq.qubo.n, cq.offset.back(),
              cq.slack_bits, cq.qubo.offset);
  std::printf("penalties: %s\n", cq.rule.c_str());
  std::printf("schedule: %s: beta %.6g -> %.6g over %lld sweeps, %d replicas, seed %llu\n",
              sa.anneal.schedule.rule.c_str(), sa.anneal.schedule.beta_hot, sa.anneal.schedule.beta_cold,
              static_cast<long long>(a.anneal.sweeps), a.anneal.replicas,
              static_cast<unsigned long long>(a.anneal.seed));
  if (!sa.anneal.fallback_reason.empty()) std::printf("device: %s\n", sa.anneal.fallback_reason.c_str());
  if (p.size() <= 60) {
    std::printf("%-14s %10s %10s %10s %10s %10s\n", "cluster", "policies", "SA rate%", "SA prem", "exact rate%",
                "exact prem");
    for (size_t i = 0; i < p.size(); ++i) {
      const auto opt = [&](int c, bool rate) {
        return c < 0 ? std::string("-") : shortest(rate ? p.options[i][c].termination_rate : p.options[i][c].premium);
      };
      const int e = exact && exact->feasible ? exact->choice[i] : -1;
      std::printf("%-14s %10lld %10s %10s %10s %10s\n", p.cluster_id[i].c_str(), static_cast<long long>(p.policies[i]),
                  opt(sa.choice[i], true).c_str(), opt(sa.choice[i], false).c_str(), opt(e, true).c_str(),
                  opt(e, false).c_str());
    }
  }
  std::printf(
      "SA (%s, %s): revenue %.2f, termination %.4f%%, one-hot %s, retention %s; %d of %d replicas valid; %.3f s\n",
      sa.anneal.backend_used.c_str(), sa.anneal.device_name.c_str(), sa.assessment.revenue,
      sa.assessment.termination_rate, sa.assessment.one_hot ? "yes" : "NO",
      sa.assessment.retention_ok ? "met" : "MISSED", sa.valid_replicas, a.anneal.replicas, sa.anneal.seconds);
  if (exact && exact->feasible)
    std::printf("exact: revenue %.2f, termination %.4f%% (LP bound %.2f, %.3f s); gap %s\n", exact->revenue,
                exact->termination_rate, exact->lp_bound, exact->seconds,
                gap ? (shortest(*gap * 100) + "%").c_str() : "n/a (SA answer not valid)");
  else if (exact)
    std::printf("exact: infeasible — even the lowest rates terminate more than %g%%\n", target);
  std::cout << "wrote " << a.out_dir << "/choice_table.csv, cluster_choices.csv" << (a.write_qubo ? ", qubo.csv" : "")
            << " and result.json\n";
  return 0;
}

int run_qubo_command(const QuboArgs& a) {
  a.anneal.validate();
  const Qubo q = read_qubo_csv(a.qubo);
  const AnnealResult r = anneal_qubo(q, a.anneal);
  std::string state;
  for (uint8_t b : r.best_state) state += b ? '1' : '0';
  if (a.as_json) {
    Json j;
    j["variables"] = q.n;
    j["terms"] = q.terms.size();
    j["best_energy"] = r.best_energy;
    j["best_state"] = state;
    j["best_replica"] = r.best_replica;
    j["replicas"] = a.anneal.replicas;
    j["sweeps"] = a.anneal.sweeps;
    j["seed"] = a.anneal.seed;
    j["beta_hot"] = r.schedule.beta_hot;
    j["beta_cold"] = r.schedule.beta_cold;
    j["schedule_rule"] = r.schedule.rule;
    j["backend_used"] = r.backend_used;
    j["device_name"] = r.device_name;
    j["fallback_reason"] = text_or_null(r.fallback_reason);
    j["seconds"] = r.seconds;
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("QUBO %s: %d variables, %zu terms\n", a.qubo.c_str(), q.n, q.terms.size());
  std::printf("schedule: %s: beta %.6g -> %.6g over %lld sweeps, %d replicas, seed %llu\n", r.schedule.rule.c_str(),
              r.schedule.beta_hot, r.schedule.beta_cold, static_cast<long long>(a.anneal.sweeps), a.anneal.replicas,
              static_cast<unsigned long long>(a.anneal.seed));
  if (!r.fallback_reason.empty()) std::printf("device: %s\n", r.fallback_reason.c_str());
  std::printf("best energy %.17g (replica %d) on %s (%s), %.3f s\n", r.best_energy, r.best_replica,
              r.backend_used.c_str(), r.device_name.c_str(), r.seconds);
  std::printf("best state %s\n", state.c_str());
  return 0;
}

}  // namespace rateopt
