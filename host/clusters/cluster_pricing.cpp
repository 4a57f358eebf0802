// `rateopt clusters` as a library call: its options, both solvers on one problem, and the outputs.
#include "clusters/cluster_pricing.hpp"

#include <algorithm>
#include <cmath>

#include "io/format.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;

// The exact solver's default reach: a DP over clusters stays well under a second here.
constexpr size_t kExactAutoClusters = 2'000;

std::string rate_column(double rate) { return "rate_" + shortest(rate); }

Json assessment_json(const ClusterAssessment& a) {
  Json j;
  j["revenue"] = finite_or_null(a.revenue);
  j["termination_rate"] = finite_or_null(a.termination_rate);
  j["valid"] = a.valid();
  j["one_hot"] = a.one_hot;
  j["retention_ok"] = a.retention_ok;
  return j;
}

Json problem_json(const ClusterInputFiles& files, const ClusterProblem& p, const ClustersOptions& o) {
  Json j;
  j["clusters_file"] = files.clusters;
  j["premiums_file"] = files.premiums;
  j["clusters"] = p.size();
  j["rates"] = p.all_rates();
  j["target_termination"] = *o.target_termination;
  return j;
}

Json qubo_json(const ClusterQubo& cq) {
  Json j;
  j["variables"] = cq.qubo.n;
  j["choice_variables"] = cq.offset.back();
  j["slack_bits"] = cq.slack_bits;
  j["termination_unit_policy_percent"] = cq.unit;
  j["one_hot_penalty_min"] = *std::min_element(cq.one_hot_penalty.begin(), cq.one_hot_penalty.end());
  j["one_hot_penalty_max"] = *std::max_element(cq.one_hot_penalty.begin(), cq.one_hot_penalty.end());
  j["retention_penalty"] = cq.retention_penalty;
  j["lambda"] = cq.lambda;
  j["offset"] = cq.qubo.offset;
  j["penalty_rule"] = cq.rule;
  return j;
}

Json anneal_json(const ClusterAnnealResult& sa, const AnnealOptions& o) {
  Json j = assessment_json(sa.assessment);
  j["moves"] = to_string(sa.moves);
  j["valid_replicas"] = sa.valid_replicas;
  j["best_energy"] = sa.anneal.best_energy;
  j["replicas"] = o.replicas;
  j["sweeps"] = o.sweeps;
  j["seed"] = o.seed;
  j["beta_hot"] = sa.anneal.schedule.beta_hot;
  j["beta_cold"] = sa.anneal.schedule.beta_cold;
  j["schedule_rule"] = sa.anneal.schedule.rule;
  j["backend_requested"] = to_string(o.device);
  j["backend_used"] = sa.anneal.backend_used;
  j["device_name"] = sa.anneal.device_name;
  j["fallback_reason"] = text_or_null(sa.anneal.fallback_reason);
  j["seconds"] = sa.anneal.seconds;
  j["choice"] = sa.choice;
  return j;
}

Json exact_json(const std::optional<ExactClusterResult>& exact) {
  if (!exact) return nullptr;
  Json j;
  j["feasible"] = exact->feasible;
  j["revenue"] = exact->feasible ? finite_or_null(exact->revenue) : Json(nullptr);
  j["termination_rate"] = exact->feasible ? finite_or_null(exact->termination_rate) : Json(nullptr);
  j["lp_bound"] = exact->feasible ? finite_or_null(exact->lp_bound) : Json(nullptr);
  j["states_kept"] = exact->states_kept;
  j["seconds"] = exact->seconds;
  j["choice"] = exact->choice;
  return j;
}

// ",rate,premium,revenue" of option c of cluster i, or three empty fields when there is none (c < 0).
void append_choice(std::string& out, const ClusterProblem& p, size_t i, int c) {
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
}

}  // namespace

void ClustersOptions::validate() const {
  check_option_bounds(*this);
  anneal.validate();
}

ClusterPricing price_clusters(const ClusterProblem& p, const ClusterQubo& cq, const ClustersOptions& options) {
  options.validate();
  const double target = *options.target_termination;
  ClusterPricing r;
  r.sa = anneal_clusters(p, cq, target, options.anneal, options.moves);
  if (options.exact == ExactSolve::on || (options.exact == ExactSolve::automatic && p.size() <= kExactAutoClusters))
    r.exact = solve_clusters_exact(p, target);
  if (r.exact && r.exact->feasible && r.sa.assessment.valid())
    r.gap = (r.exact->revenue - r.sa.assessment.revenue) / std::max(1e-300, std::fabs(r.exact->revenue));
  return r;
}

std::string choice_table_csv(const ClusterProblem& p, const std::vector<int>& choice) {
  const std::vector<double> rates = p.all_rates();
  std::string table = "cluster_id";
  for (double r : rates) table += "," + rate_column(r);
  table += "\n";
  for (size_t i = 0; i < p.size(); ++i) {
    append_csv_text(table, p.cluster_id[i]);
    size_t j = 0;
    for (double r : rates) {
      table += ",";
      while (j < p.options[i].size() && p.options[i][j].termination_rate < r) ++j;
      if (j < p.options[i].size() && p.options[i][j].termination_rate == r)
        table += choice[i] == static_cast<int>(j) ? "1" : "0";
    }
    table += "\n";
  }
  return table;
}

std::string cluster_choices_csv(const ClusterProblem& p, const ClusterPricing& r) {
  std::string choices =
      "cluster_id,policies,avg_claim,sa_termination_rate,sa_premium,sa_revenue,exact_termination_rate,exact_premium,"
      "exact_revenue\n";
  for (size_t i = 0; i < p.size(); ++i) {
    append_csv_text(choices, p.cluster_id[i]);
    choices += "," + std::to_string(p.policies[i]) + ",";
    append_exact(choices, p.avg_claim[i]);
    append_choice(choices, p, i, r.sa.choice[i]);
    append_choice(choices, p, i, r.exact && r.exact->feasible ? r.exact->choice[i] : -1);
    choices += "\n";
  }
  return choices;
}

Json clusters_result_json(const ClusterInputFiles& files, const ClusterProblem& p, const ClusterQubo& cq,
                          const ClustersOptions& options, const ClusterPricing& r, double seconds) {
  Json j;
  j["command"] = "clusters";
  j["problem"] = problem_json(files, p, options);
  j["qubo"] = qubo_json(cq);
  j["sa"] = anneal_json(r.sa, options.anneal);
  j["exact"] = exact_json(r.exact);
  j["gap"] = r.gap ? finite_or_null(*r.gap) : Json(nullptr);
  j["seconds"] = seconds;
  j["version"] = version_string();
  j["git_revision"] = git_revision();
  j["timestamp"] = utc_timestamp_now();
  return j;
}

}  // namespace rateopt
