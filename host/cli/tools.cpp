// `rateopt cover`, `reinsure`, `model-quality`, `clusters` (with `clusters generate`) and `qubo`: their
// flags (run functions in host/cli/tools_cli.cpp, clusters_command.cpp and host/cover/).
#include <memory>

#include "cli/clusters_command.hpp"
#include "cli/command.hpp"
#include "cli/tools_cli.hpp"
#include "rateopt/clusters.hpp"
#include "rateopt/cover.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

// The --device text of a tool whose flags are not yet table-driven.
Device device_named(const std::string& text) {
  const std::optional<Device> d = enum_from_name<Device>(text);
  if (!d) throw InputError("option --device = \"" + text + "\" must be one of " + enum_choices<Device>());
  return *d;
}

}  // namespace

void add_cover(CLI::App& app) {
  CLI::App* cv = app.add_subcommand("cover", "cheapest mix of term-life policies for a coverage and term goal");
  auto cover = std::make_shared<CoverCommand>();
  cv->add_option("--quotes", cover->quotes_path, "quotes CSV: policy_id,insurer,term,coverage,yearly_premium")
      ->required();
  cv->add_option("--min-coverage", cover->min_coverage, "total coverage to reach, dollars");
  cv->add_option("--min-avg-term", cover->min_avg_term, "coverage-weighted average term to reach, years");
  cv->add_option("--max-policies", cover->max_policies, "at most this many policies in all");
  cv->add_option("--grid-min-avg-term", cover->grid_min_avg_term, "scenario grid: average terms, e.g. 15,20,25");
  cv->add_option("--grid-min-coverage", cover->grid_min_coverage, "scenario grid: coverages, e.g. 750000,1000000");
  cv->add_option("--out-dir", cover->out_dir, "scenario grid: directory for scenarios.csv, scenario_policies.csv");
  cv->add_flag("--force", cover->force, "replace existing outputs");
  cv->add_flag("--json", cover->as_json, "print the result as one JSON object");
  on_run(cv, [cover] { return run_cover_command(*cover); });
}

void add_reinsure(CLI::App& app) {
  CLI::App* re = app.add_subcommand("reinsure", "CVaR reinsurance cession, cheapest line first");
  auto ra = std::make_shared<ReinsureArgs>();
  re->add_option("--lines", ra->lines, "lines CSV: name,expected_loss,variance,safety_loading[,min_retention]")
      ->required();
  re->add_option("--samples", ra->samples, "loss samples CSV, one column per line name");
  re->add_option("--simulate", ra->simulate, "simulate N lognormal samples per line instead of --samples");
  re->add_option("--seed", ra->seed, "simulation seed (default 42)");
  re->add_option("--correlation", ra->correlation, "Gaussian-copula correlation CSV (line,<names…>) for --simulate");
  re->add_option("--measure", ra->measure, "risk measure {cvar|variance} (default cvar)");
  re->add_option("--objective", ra->objective,
                 "what to minimise {cost|premium}: Σ β·E[ceded] (default) or Σ (1+β)·E[ceded]");
  re->add_option("--alpha", ra->alpha, "CVaR level (default 0.995)");
  re->add_option("--budget", ra->budget, "limit on the retained risk (money for cvar, money² for variance)")
      ->required();
  re->add_option("--frontier", ra->frontier, "points of the premium–risk frontier (default 0: none)");
  re->add_option("--device", ra->device, "where risk evaluations run {auto|cpu|cuda} (default auto)");
  re->add_option("--threads", ra->threads, "CPU threads (default 0: all)");
  re->add_option("--out-dir", ra->out_dir, "output directory")->required();
  re->add_flag("--force", ra->force, "replace existing outputs");
  re->add_flag("--json", ra->as_json, "print the result as one JSON object");
  on_run(re, [ra] { return run_reinsure(*ra); });
}

void add_model_quality(CLI::App& app) {
  CLI::App* mq = app.add_subcommand("model-quality", "model-quality loss-ratio adjustment");
  auto ma = std::make_shared<ModelQualityArgs>();
  mq->add_option("--rho", ma->rho, "correlation of the pricing model with true risk, (0, 1]");
  mq->add_option("--cv", ma->cv, "coefficient of variation of claims, > 0");
  mq->add_option("--eta", ma->eta, "demand sensitivity to price error (default 1)");
  mq->add_option("--margin", ma->margin, "target margin multiple M (default 1)");
  mq->add_option("--lr-target", ma->lr_target, "target loss ratio: the margin and the ρ that reach it");
  mq->add_flag("--calibrate-eta", ma->calibrate_eta, "find η from --lr-observed (with --rho, --cv, --margin)");
  mq->add_option("--lr-observed", ma->lr_observed, "observed loss ratio for --calibrate-eta");
  mq->add_option("--rho-f", ma->rho_f, "frequency model ρ (frequency–severity product)");
  mq->add_option("--rho-s", ma->rho_s, "severity model ρ");
  mq->add_option("--cv-f", ma->cv_f, "frequency CV");
  mq->add_option("--cv-s", ma->cv_s, "severity CV");
  mq->add_flag("--json", ma->as_json, "print the result as one JSON object");
  on_run(mq, [ma] { return run_model_quality(*ma); });
}

void add_clusters(CLI::App& app) {
  CLI::App* cl = app.add_subcommand("clusters", "choose one premium level per cluster: QUBO annealing + exact solver");
  struct State {
    ClustersArgs args;
    std::string device = "auto";
    double onehot_margin = 0, retention_penalty = 0;
    CLI::Option *onehot_flag = nullptr, *retention_flag = nullptr;
  };
  auto st = std::make_shared<State>();
  ClustersArgs& ca = st->args;
  ca.anneal = default_cluster_anneal_options();
  cl->add_option("--clusters", ca.clusters, "clusters CSV: cluster_id,policies,avg_claim");
  cl->add_option("--premiums", ca.premiums, "premiums CSV: cluster_id,termination_rate,premium (rates in percent)");
  cl->add_option("--target-termination", ca.target_termination, "overall termination-rate target, percent");
  cl->add_option("--replicas", ca.anneal.replicas, "independent annealing replicas (default 64)");
  cl->add_option("--sweeps", ca.anneal.sweeps, "sweeps per replica (default 500)");
  cl->add_option("--seed", ca.anneal.seed, "random seed (default 1)");
  cl->add_option("--device", st->device, "auto | cpu | cuda (default auto)");
  cl->add_option("--threads", ca.anneal.threads, "CPU threads (default 0: every core)");
  cl->add_option("--moves", ca.moves,
                 "onehot (re-price a cluster and a partner) | flip (single bits) (default onehot)");
  cl->add_option("--exact", ca.exact, "run the exact solver: auto (up to 2,000 clusters) | on | off (default auto)");
  st->onehot_flag =
      cl->add_option("--penalty-onehot-margin", st->onehot_margin, "one-hot penalty A_i = max_j v'_ij + this margin");
  st->retention_flag =
      cl->add_option("--penalty-retention", st->retention_penalty, "retention penalty B per (termination unit)^2");
  cl->add_flag("--write-qubo", ca.write_qubo, "also write DIR/qubo.csv (i,j,weight)");
  cl->add_option("--out-dir", ca.out_dir, "output directory");
  cl->add_flag("--force", ca.force, "replace existing outputs");
  cl->add_flag("--json", ca.as_json, "print the summary as one JSON object");
  on_run(cl, [st] {
    ClustersArgs a = st->args;
    a.anneal.device = device_named(st->device);
    if (st->onehot_flag->count()) a.penalty_onehot_margin = st->onehot_margin;
    if (st->retention_flag->count()) a.penalty_retention = st->retention_penalty;
    return run_clusters_command(a);
  });

  CLI::App* cg = cl->add_subcommand("generate", "write a random clusters.csv and premiums.csv");
  auto cga = std::make_shared<ClustersGenerateArgs>();
  cg->add_option("--clusters", cga->clusters, "number of clusters")->required();
  cg->add_option("--rates", cga->rates, "termination rates in percent (default 5,7,9,11,13,15,17,25,30)");
  cg->add_option("--seed", cga->seed, "random seed (default 1)");
  cg->add_option("--out-dir", cga->out_dir, "output directory")->required();
  cg->add_flag("--force", cga->force, "replace existing files");
  on_run(cg, [cga] { return run_clusters_generate(*cga); });
}

void add_qubo(CLI::App& app) {
  CLI::App* qa = app.add_subcommand("qubo", "anneal any QUBO given as i,j,weight CSV");
  struct State {
    QuboArgs args;
    std::string device = "auto";
  };
  auto st = std::make_shared<State>();
  QuboArgs& qua = st->args;
  qa->add_option("--qubo", qua.qubo, "QUBO CSV: i,j,weight (0-based; i = j is a linear term)")->required();
  qa->add_option("--replicas", qua.anneal.replicas, "independent annealing replicas (default 256)");
  qa->add_option("--sweeps", qua.anneal.sweeps, "sweeps per replica (default 1000)");
  qa->add_option("--seed", qua.anneal.seed, "random seed (default 1)");
  qa->add_option("--device", st->device, "auto | cpu | cuda (default auto)");
  qa->add_option("--threads", qua.anneal.threads, "CPU threads (default 0: every core)");
  qa->add_flag("--json", qua.as_json, "print the result as one JSON object");
  on_run(qa, [st] {
    QuboArgs a = st->args;
    a.anneal.device = device_named(st->device);
    return run_qubo_command(a);
  });
}

}  // namespace rateopt
