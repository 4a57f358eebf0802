// `rateopt clusters`: one premium level per customer cluster, by QUBO annealing and the exact solver;
// `rateopt clusters generate`: a random instance to try it on; `rateopt clusters export-grid`: the
// instance as a price grid for `rateopt grid`.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cli/option_flags.hpp"
#include "clusters/cluster_pricing.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "rateopt/clusters.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

struct ClustersCommand {
  ClusterInputFiles files;
  bool write_qubo = false;
  OutputFlags out;
  std::unique_ptr<OptionFlags> flags;
};

struct ClustersGenerateCommand {
  OutputFlags out;
  std::unique_ptr<OptionFlags> flags;
};

struct ClustersExportGridCommand {
  ClusterInputFiles files;
  OutputFlags out;
  std::unique_ptr<OptionFlags> flags;
};

// The annealer's and the exact solver's option of every cluster, for instances small enough to read.
void print_choices(const ClusterProblem& p, const ClusterPricing& r) {
  std::printf("%-14s %10s %10s %10s %10s %10s\n", "cluster", "policies", "SA rate%", "SA prem", "exact rate%",
              "exact prem");
  for (size_t i = 0; i < p.size(); ++i) {
    const auto opt = [&](int c, bool rate) {
      return c < 0 ? std::string("-") : shortest(rate ? p.options[i][c].termination_rate : p.options[i][c].premium);
    };
    const int sa = r.sa.choice[i];
    const int e = r.exact && r.exact->feasible ? r.exact->choice[i] : -1;
    std::printf("%-14s %10lld %10s %10s %10s %10s\n", p.cluster_id[i].c_str(), static_cast<long long>(p.policies[i]),
                opt(sa, true).c_str(), opt(sa, false).c_str(), opt(e, true).c_str(), opt(e, false).c_str());
  }
}

void print_report(const ClustersCommand& c, const ClusterProblem& p, const ClusterQubo& cq, const ClustersOptions& o,
                  const ClusterPricing& r) {
  const double target = *o.target_termination;
  const AnnealResult& anneal = r.sa.anneal;
  std::printf("Cluster pricing: %zu clusters, %zu rates, target termination %g%%\n", p.size(), p.all_rates().size(),
              target);
  std::printf("QUBO: %d variables (%d choices + %d slack bits), offset %.6g\n", cq.qubo.n, cq.offset.back(),
              cq.slack_bits, cq.qubo.offset);
  std::printf("penalties: %s\n", cq.rule.c_str());
  std::printf("schedule: %s: beta %.6g -> %.6g over %lld sweeps, %d replicas, seed %llu\n",
              anneal.schedule.rule.c_str(), anneal.schedule.beta_hot, anneal.schedule.beta_cold,
              static_cast<long long>(o.anneal.sweeps), o.anneal.replicas,
              static_cast<unsigned long long>(o.anneal.seed));
  if (!anneal.fallback_reason.empty()) std::printf("device: %s\n", anneal.fallback_reason.c_str());
  if (p.size() <= 60) print_choices(p, r);
  const ClusterAssessment& sa = r.sa.assessment;
  std::printf(
      "SA (%s, %s): revenue %.2f, termination %.4f%%, one-hot %s, retention %s; %d of %d replicas valid; %.3f s\n",
      anneal.backend_used.c_str(), anneal.device_name.c_str(), sa.revenue, sa.termination_rate,
      sa.one_hot ? "yes" : "NO", sa.retention_ok ? "met" : "MISSED", r.sa.valid_replicas, o.anneal.replicas,
      anneal.seconds);
  if (r.exact && r.exact->feasible)
    std::printf("exact: revenue %.2f, termination %.4f%% (LP bound %.2f, %.3f s); gap %s\n", r.exact->revenue,
                r.exact->termination_rate, r.exact->lp_bound, r.exact->seconds,
                r.gap ? (shortest(*r.gap * 100) + "%").c_str() : "n/a (SA answer not valid)");
  else if (r.exact)
    std::printf("exact: infeasible — even the lowest rates terminate more than %g%%\n", target);
  std::cout << "wrote " << c.out.dir << "/choice_table.csv, cluster_choices.csv" << (c.write_qubo ? ", qubo.csv" : "")
            << " and result.json\n";
}

int run_clusters(const ClustersCommand& c) {
  const auto start = std::chrono::steady_clock::now();
  if (c.files.clusters.empty() || c.files.premiums.empty() || c.out.dir.empty())
    throw InputError("options --clusters, --premiums and --out-dir are required");
  ClustersOptions o;
  c.flags->fill(o);
  o.validate();
  std::vector<std::string> outputs{"choice_table.csv", "cluster_choices.csv", "result.json"};
  if (c.write_qubo) outputs.push_back("qubo.csv");
  check_output_dir(c.out.dir, outputs, c.out.force);
  const ClusterProblem p = read_cluster_problem(c.files.clusters, c.files.premiums);
  const ClusterQubo cq = build_cluster_qubo(p, *o.target_termination, o.penalties);
  if (c.write_qubo && !cq.terms_materialised)
    throw InputError("option --write-qubo: the QUBO has " + std::to_string(cq.qubo.n) +
                     " variables; its dense terms are not built past 4,000");
  const ClusterPricing r = price_clusters(p, cq, o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const nlohmann::ordered_json result = clusters_result_json(c.files, p, cq, o, r, seconds);

  OutputSet writer(c.out.dir, outputs, c.out.force);
  writer.write("choice_table.csv", choice_table_csv(p, r.sa.choice));
  writer.write("cluster_choices.csv", cluster_choices_csv(p, r));
  if (c.write_qubo) writer.write("qubo.csv", qubo_csv(cq.qubo));
  writer.write("result.json", result.dump(2) + "\n");
  writer.commit();
  if (c.out.as_json)
    std::cout << result.dump() << "\n";
  else
    print_report(c, p, cq, o, r);
  return 0;
}

int run_clusters_generate(const ClustersGenerateCommand& c) {
  ClustersGenerateOptions o;
  c.flags->fill(o);
  check_option_bounds(o);
  OutputSet writer(c.out.dir, {"clusters.csv", "premiums.csv"}, c.out.force);
  const ClusterProblem p = generate_cluster_problem(static_cast<int>(*o.clusters), o.rates, o.seed);
  writer.write("clusters.csv", clusters_csv(p));
  writer.write("premiums.csv", premiums_csv(p));
  writer.commit();
  std::cout << "wrote " << *o.clusters << " clusters × " << o.rates.size() << " rates (seed " << o.seed << ") to "
            << c.out.dir << "/clusters.csv and premiums.csv\n";
  return 0;
}

int run_clusters_export_grid(const ClustersExportGridCommand& c) {
  ClustersExportGridOptions o;
  c.flags->fill(o);
  check_option_bounds(o);
  const std::vector<std::string> outputs{"grid.csv", "grid_config.json"};
  check_output_dir(c.out.dir, outputs, c.out.force);
  const ClusterProblem p = read_cluster_problem(c.files.clusters, c.files.premiums);
  const ClusterGrid g = cluster_grid(p, *o.target_termination);
  OutputSet writer(c.out.dir, outputs, c.out.force);
  writer.write("grid.csv", g.csv);
  writer.write("grid_config.json", g.config_json);
  writer.commit();
  size_t candidates = 0;
  for (const auto& list : p.options) candidates += list.size();
  const std::string grid = c.out.dir + "/grid.csv";
  std::cout << "wrote " << grid << " (" << p.size() << " clusters as policies, " << candidates << " candidates) and "
            << c.out.dir << "/grid_config.json\n"
            << "retention target: volume (policies retained) >= " << shortest(g.volume_target)
            << "; choices meeting it retain at least " << shortest(g.volume_met) << " (volumes step by "
            << shortest(g.volume_step) << "), so the floor sits half a step below\n"
            << "solve: rateopt grid --grid " << grid << " --sum-min " << g.sum_min << " --tolerance "
            << shortest(g.tolerance) << " --out-dir DIR\n"
            << "   or: rateopt grid --grid " << grid << " --config " << c.out.dir
            << "/grid_config.json --out-dir DIR\n";
  return 0;
}

void add_clusters_export_grid(CLI::App& clusters) {
  CLI::App* cmd = clusters.add_subcommand(
      "export-grid", "write the instance as a price grid (clusters as policies) and the retention floor for `grid`");
  auto c = std::make_shared<ClustersExportGridCommand>();
  cmd->add_option("--clusters", c->files.clusters, "clusters CSV: cluster_id,policies,avg_claim")->required();
  cmd->add_option("--premiums", c->files.premiums, "premiums CSV: cluster_id,termination_rate,premium")->required();
  add_output_flags(*cmd, c->out, "output directory for grid.csv and grid_config.json", nullptr);
  c->flags = add_option_flags<ClustersExportGridOptions>(*cmd);
  on_run(cmd, [c] { return run_clusters_export_grid(*c); });
}

void add_clusters_generate(CLI::App& clusters) {
  CLI::App* cmd = clusters.add_subcommand("generate", "write a random clusters.csv and premiums.csv");
  auto c = std::make_shared<ClustersGenerateCommand>();
  add_output_flags(*cmd, c->out, "output directory", nullptr);
  c->flags = add_option_flags<ClustersGenerateOptions>(*cmd);
  on_run(cmd, [c] { return run_clusters_generate(*c); });
}

}  // namespace

void add_clusters(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("clusters", "choose one premium level per cluster: QUBO annealing + exact solver");
  auto c = std::make_shared<ClustersCommand>();
  cmd->add_option("--clusters", c->files.clusters, "clusters CSV: cluster_id,policies,avg_claim");
  cmd->add_option("--premiums", c->files.premiums,
                  "premiums CSV: cluster_id,termination_rate,premium (rates in percent)");
  cmd->add_flag("--write-qubo", c->write_qubo, "also write DIR/qubo.csv (i,j,weight)");
  add_output_flags(*cmd, c->out, "output directory", "print the summary as one JSON object");
  cmd->get_option("--out-dir")->required(false);  // checked when run: `clusters generate` must parse without it
  c->flags = add_option_flags<ClustersOptions>(*cmd);
  on_run(cmd, [c] { return run_clusters(*c); });
  add_clusters_generate(*cmd);
  add_clusters_export_grid(*cmd);
}

}  // namespace rateopt
