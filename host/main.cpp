// rateopt: the command-line program (SPEC §5).  Exit codes: 0 success (a proven-infeasible problem
// included), 2 bad input or options, 3 solver failure, 4 device or resource failure.
#include <sys/stat.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/files.hpp"
#include "parallel/batch.hpp"
#include "cli/clusters_command.hpp"
#include "rateopt/book.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/cover.hpp"
#include "rateopt/clusters.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/options.hpp"
#include "rateopt/pareto.hpp"
#include "rateopt/report.hpp"
#include "rateopt/scenarios.hpp"
#include "rateopt/solve.hpp"
#include "rateopt/sweep.hpp"
#include "parallel/sharded.hpp"
#include "cli/tools_cli.hpp"

namespace {

using namespace rateopt;
using json = nlohmann::json;

std::string flag_name(const char* key) {
  std::string s = std::string("--") + key;
  for (char& c : s)
    if (c == '_') c = '-';
  return s;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Registers one flag per option of the table; after parsing, options_from() applies defaults, then
/// the config file, then the flags given (so a flag overrides the file).
class OptionFlags {
 public:
  explicit OptionFlags(CLI::App& app) {
    OptimiseOptions defaults;
    visit_options(defaults, [&](const OptionInfo& info, auto& field) {
      using T = std::decay_t<decltype(field)>;
      const std::string flag = flag_name(info.key);
      std::string help = info.help;
      if (info.choices[0]) help += std::string(" {") + info.choices + "}";
      if constexpr (std::is_same_v<T, bool>) {
        const std::string no = "--no-" + flag.substr(2);
        flags_[info.key] = app.add_flag(flag + ",!" + no, bools_[info.key], help);
      } else {
        const bool whole = info.kind == OptionKind::integer || info.kind == OptionKind::unsigned_integer;
        flags_[info.key] = app.add_option(flag, text_[info.key], help)
                               ->type_name(info.kind == OptionKind::text ? "TEXT"
                                           : whole                       ? "INT"
                                                                         : "NUMBER");
      }
      kinds_[info.key] = info.kind;
    });
    app.add_option("--config", config_, "JSON file of options (keys as the flags, with _ for -)")
        ->check(CLI::ExistingFile);
  }

  OptimiseOptions options_from() const {
    OptimiseOptions o;
    if (!config_.empty()) apply_options_json(o, read_text_file(config_), config_);
    json given = json::object();
    for (const auto& [key, opt] : flags_) {
      if (opt->count() == 0) continue;
      const OptionKind kind = kinds_.at(key);
      if (kind == OptionKind::boolean) {
        given[key] = bools_.at(key);
      } else if (kind == OptionKind::text) {
        given[key] = text_.at(key);
      } else {
        const std::string& s = text_.at(key);
        json v;
        try {
          v = json::parse(s);
        } catch (const json::parse_error&) {
          v = nullptr;
        }
        if (!v.is_number()) throw InputError("option " + flag_name(key.c_str()) + " = \"" + s + "\" is not a number");
        given[key] = v;
      }
    }
    apply_options_json(o, given.dump(), "command line");
    return o;
  }

 private:
  std::map<std::string, CLI::Option*> flags_;
  std::map<std::string, std::string> text_;
  std::map<std::string, bool> bools_;
  std::map<std::string, OptionKind> kinds_;
  std::string config_;
};

int run_optimise(const std::string& book_path, const std::string& out_dir, bool force, bool as_json,
                 const OptionFlags& flags) {
  if (world().size() > 1)
    return run_optimise_sharded(
        book_path, out_dir, force, as_json, [&] { return flags.options_from(); }, world());
  const OptimiseOptions options = flags.options_from();
  options.validate();
  check_output_dir(out_dir, {"result.json", "policies.csv"}, force);
  const Book book = read_book_csv(book_path);
  for (const auto& w : book.warnings) std::cerr << "warning: " << w << "\n";
  const SolveResult result = optimise(book, options);
  write_solve_outputs(out_dir, book, options, result, force);
  if (as_json) {
    std::cout << summary_json(book, options, result) << "\n";
  } else {
    std::cout << result.full_report() << "\n";
    std::cout << "wrote " << out_dir << "/result.json and " << out_dir << "/policies.csv\n";
  }
  const bool ok = result.status == SolveStatus::converged || result.status == SolveStatus::infeasible;
  return ok ? 0 : 3;
}

// Progress on stderr when it is a terminal: points done, elapsed, estimate of the rest.
SweepProgress terminal_progress(const char* what) {
  if (!isatty(STDERR_FILENO)) return {};
  const auto start = std::chrono::steady_clock::now();
  return [what, start](int done, int total) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double left = done > 0 ? elapsed / done * (total - done) : 0.0;
    std::fprintf(stderr, "\r%s: %d/%d points, %.1f s elapsed, about %.1f s left   ", what, done, total, elapsed, left);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

struct FrontierArgs {
  std::string book, out_dir, sweep;
  double from = 0, to = 0;
  int points = 15;
  bool force = false, as_json = false;
};

int run_frontier(const FrontierArgs& a, const OptionFlags& flags) {
  const OptimiseOptions options = flags.options_from();
  options.validate();
  check_output_dir(a.out_dir, {"frontier.csv", "frontier.svg", "result.json"}, a.force);
  const Book book = read_book_csv(a.book);
  if (world().rank() == 0)
    for (const auto& w : book.warnings) std::cerr << "warning: " << w << "\n";
  const FrontierResult f =
      efficient_frontier_across(world(), book, options, a.sweep, a.from, a.to, a.points, terminal_progress("frontier"));
  if (world().rank() != 0) return 0;  // under mpirun rank 0 writes
  // the limit the options already carry for the swept constraint is the "chosen" point of the chart
  const std::optional<double> chosen = a.sweep == "retention_min" ? options.retention_min
                                       : a.sweep == "gwp_min"     ? options.gwp_min
                                                                  : options.lr_max;
  write_frontier_outputs(a.out_dir, f, chosen, a.force);
  if (a.as_json) {
    std::cout << frontier_json(f) << "\n";
  } else {
    std::printf("Efficient frontier over %s, %d points, %lld passes, %.3f s (%s)\n", a.sweep.c_str(), a.points,
                static_cast<long long>(f.passes), f.seconds, f.backend_used.c_str());
    std::printf("%14s %-10s %18s %10s %10s %16s\n", "epsilon", "status", "profit", "LR", "retention", "shadow price");
    for (const FrontierPoint& p : f.points)
      std::printf("%14.6g %-10s %18.2f %10.6f %10.6f %16.2f\n", p.epsilon,
                  p.converged ? "converged" : to_string(p.status), p.profit, p.loss_ratio, p.retention, p.shadow_price);
    std::cout << "wrote " << a.out_dir << "/frontier.csv, frontier.svg and result.json\n";
  }
  return 0;
}

// "A:B" → (A, B), as the range flags are written.
std::pair<double, double> parse_range(const std::string& flag, const std::string& text) {
  const size_t colon = text.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    size_t used_a = 0, used_b = 0;
    const double a = std::stod(text.substr(0, colon), &used_a);
    const double b = std::stod(text.substr(colon + 1), &used_b);
    if (used_a != colon || used_b != text.size() - colon - 1) throw std::invalid_argument("trailing text");
    return {a, b};
  } catch (const std::exception&) {
    throw InputError("option " + flag + " = \"" + text + "\" must be FROM:TO, e.g. 0.70:0.85");
  }
}

struct ParetoArgs {
  std::string book, out_dir, sweep_x, x_range, fairness_range, metric = "premium_disparity";
  std::string weights = "0.5,0.3,0.2";
  int points_x = 5, points_y = 5;
  bool force = false, as_json = false;
};

int run_pareto(const ParetoArgs& a, const OptionFlags& flags) {
  const OptimiseOptions options = flags.options_from();
  const auto [x_from, x_to] = parse_range("--x-range", a.x_range);
  const auto [f_from, f_to] = parse_range("--fairness-range", a.fairness_range);
  std::array<double, 3> weights{};
  {
    std::stringstream in(a.weights);
    std::string item;
    int k = 0;
    while (std::getline(in, item, ',')) {
      size_t used = 0;
      double w = 0;
      try {
        w = std::stod(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (k >= 3 || used != item.size()) k = 4;
      if (k < 3) weights[k] = w;
      ++k;
    }
    if (k != 3)
      throw InputError("option --topsis-weights = \"" + a.weights +
                       "\" must be three numbers: profit,retention,disparity");
  }
  check_output_dir(a.out_dir, {"pareto_surface.csv", "pareto_front.csv", "pareto.svg", "result.json"}, a.force);
  const Book book = read_book_csv(a.book);
  if (world().rank() == 0)
    for (const auto& w : book.warnings) std::cerr << "warning: " << w << "\n";
  const ParetoResult r = pareto_surface_across(world(), book, options, a.sweep_x, x_from, x_to, a.points_x, f_from,
                                               f_to, a.points_y, a.metric, weights, terminal_progress("pareto"));
  if (world().rank() != 0) return 0;  // under mpirun rank 0 writes
  write_pareto_outputs(a.out_dir, r, a.force);
  if (a.as_json) {
    std::cout << pareto_json(r) << "\n";
  } else {
    std::printf("Pareto surface %s × fairness_max (%s): %zu points, %zu non-dominated, %lld passes, %.3f s\n",
                a.sweep_x.c_str(), a.metric.c_str(), r.surface.size(), r.front.size(), static_cast<long long>(r.passes),
                r.seconds);
    if (r.choice) {
      const ParetoPoint& p = r.surface[*r.choice];
      std::printf(
          "TOPSIS choice (weights %g,%g,%g): %s %.6g, fairness_max %.6g → profit %.2f, retention %.6f, "
          "disparity %.6f\n",
          weights[0], weights[1], weights[2], a.sweep_x.c_str(), p.x_limit, p.fairness_limit, p.profit, p.retention,
          p.disparity);
    } else {
      std::printf("no grid point converged: nothing to choose\n");
    }
    std::cout << "wrote " << a.out_dir << "/pareto_surface.csv, pareto_front.csv, pareto.svg and result.json\n";
  }
  return 0;
}

struct ScenarioArgs {
  std::string book, out_dir, scales, files;
  bool force = false, as_json = false;
};

int run_scenarios_command(const ScenarioArgs& a, const OptionFlags& flags) {
  if (a.scales.empty() && a.files.empty())
    throw InputError("option: give --elasticity-scale and/or --elasticity-files");
  const OptimiseOptions options = flags.options_from();
  options.validate();
  check_output_dir(a.out_dir, scenario_output_names(), a.force);
  const Book book = read_book_csv(a.book);
  if (world().rank() == 0)
    for (const auto& w : book.warnings) std::cerr << "warning: " << w << "\n";
  std::vector<ElasticityScenario> scenarios;
  if (!a.scales.empty()) scenarios = scale_scenarios(book, parse_scale_list(a.scales));
  std::stringstream files(a.files);
  for (std::string path; std::getline(files, path, ',');)
    if (!path.empty()) scenarios.push_back(read_elasticity_file(book, path));
  const ScenarioResult r = run_scenarios_across(world(), book, options, scenarios, terminal_progress("scenarios"));
  if (world().rank() != 0) return 0;  // under mpirun rank 0 writes
  for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
  write_scenario_outputs(a.out_dir, book, r, a.force);
  bool ok = true;
  if (a.as_json) {
    std::cout << scenarios_json(r) << "\n";
  } else {
    std::printf("%-24s %-12s %18s %10s %10s %8s\n", "scenario", "status", "profit", "LR", "retention", "passes");
  }
  for (const ScenarioSummary& s : r.scenarios) {
    ok &= s.status == SolveStatus::converged || s.status == SolveStatus::infeasible;
    if (!a.as_json)
      std::printf("%-24s %-12s %18.2f %10.6f %10.6f %8lld\n", s.name.c_str(), to_string(s.status), s.profit,
                  s.loss_ratio, s.retention, static_cast<long long>(s.passes));
  }
  if (!a.as_json) {
    std::printf("profit p10 %.2f, mean %.2f, p90 %.2f over %d converged scenarios\n", r.profit_p10, r.profit_mean,
                r.profit_p90, r.n_converged);
    std::cout << "wrote " << a.out_dir << "/scenario_policies.csv, scenarios.csv and result.json\n";
  }
  return ok ? 0 : 3;
}

int run_generate(size_t policies, uint64_t seed, const std::string& profile, const std::string& out, bool force) {
  struct stat st;
  if (!force && stat(out.c_str(), &st) == 0) throw InputError(out + " exists; use --force to replace it");
  const Book book = generate_book(policies, seed, profile);
  write_book_csv(book, out);
  std::cout << "wrote " << policies << " policies (" << profile << " profile, seed " << seed << ") to " << out << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const rateopt::ParallelSession mpi(argc, argv);  // MPI only when launched by mpirun or srun
  // Idle OpenMP threads sleep rather than spin: on a shared machine spinning threads steal the cores
  // the next pass needs (measured: a 1e6 solve 1.24 s → 0.73 s under load).  A user's setting wins.
  setenv("OMP_WAIT_POLICY", "passive", 0);
  CLI::App app{"rateopt: portfolio price optimisation for insurance books, solved policy by policy"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", std::string("rateopt ") + RATEOPT_VERSION + " (git " + git_revision() + "), CUDA " +
                                        (RATEOPT_HAVE_CUDA ? "compiled in" : "not compiled in"));

  CLI::App* opt = app.add_subcommand("optimise", "optimise one price multiplier per policy (SPEC §1)");
  opt->alias("optimize");
  std::string book_path, out_dir;
  bool force = false, as_json = false;
  opt->add_option("--book", book_path, "book CSV")->required();
  opt->add_option("--out-dir", out_dir, "output directory for result.json and policies.csv")->required();
  opt->add_flag("--force", force, "replace existing outputs");
  opt->add_flag("--json", as_json, "print the summary as one JSON object instead of the report");
  OptionFlags flags(*opt);

  CLI::App* gen = app.add_subcommand("generate", "write a synthetic book with the peer's distributions");
  size_t policies = 0;
  uint64_t seed = 42;
  std::string profile = "benchmark", out;
  bool gen_force = false;
  gen->add_option("--policies", policies, "number of policies")->required();
  gen->add_option("--seed", seed, "random seed (default 42)");
  gen->add_option("--profile", profile, "benchmark | quickstart (default benchmark)");
  gen->add_option("--out", out, "output CSV")->required();
  gen->add_flag("--force", gen_force, "replace an existing file");

  CLI::App* fr = app.add_subcommand("frontier", "efficient frontier: re-solve along a constraint (SPEC §2)");
  FrontierArgs fa;
  fr->add_option("--book", fa.book, "book CSV")->required();
  fr->add_option("--sweep", fa.sweep, "constraint to sweep {retention_min|gwp_min|lr_max}")->required();
  fr->add_option("--from", fa.from, "first limit")->required();
  fr->add_option("--to", fa.to, "last limit")->required();
  fr->add_option("--points", fa.points, "number of points (default 15)");
  fr->add_option("--out-dir", fa.out_dir, "output directory for frontier.csv, frontier.svg, result.json")->required();
  fr->add_flag("--force", fa.force, "replace existing outputs");
  fr->add_flag("--json", fa.as_json, "print the frontier as one JSON object");
  OptionFlags frontier_flags(*fr);

  CLI::App* pa = app.add_subcommand("pareto", "profit–retention–fairness Pareto surface with a TOPSIS choice");
  ParetoArgs pr;
  pa->add_option("--book", pr.book, "book CSV")->required();
  pa->add_option("--sweep-x", pr.sweep_x, "constraint on the x axis {retention_min|lr_max|gwp_min}")->required();
  pa->add_option("--x-range", pr.x_range, "FROM:TO of the x constraint, e.g. 0.70:0.85")->required();
  pa->add_option("--fairness-range", pr.fairness_range, "FROM:TO of fairness_max, e.g. 1.05:1.30")->required();
  pa->add_option("--points-x", pr.points_x, "grid points along x (default 5)");
  pa->add_option("--points-y", pr.points_y, "grid points along fairness_max (default 5)");
  pa->add_option("--topsis-weights", pr.weights, "weights of profit,retention,disparity (default 0.5,0.3,0.2)");
  pa->add_option("--out-dir", pr.out_dir, "output directory")->required();
  pa->add_flag("--force", pr.force, "replace existing outputs");
  pa->add_flag("--json", pr.as_json, "print the surface as one JSON object");
  OptionFlags pareto_flags(*pa);  // --fairness-metric comes from the option table

  CLI::App* sc = app.add_subcommand("scenarios", "re-solve under elasticity scenarios (SPEC §2)");
  ScenarioArgs sa;
  sc->add_option("--book", sa.book, "book CSV")->required();
  sc->add_option("--elasticity-scale", sa.scales,
                 "scale every elasticity by each factor (finite, ≥ 0), one solve per factor, e.g. 0.75,1,1.25");
  sc->add_option("--elasticity-files", sa.files,
                 "CSV files with policy_id,elasticity covering every policy once; scenario named after the file");
  sc->add_option("--out-dir", sa.out_dir, "output directory")->required();
  sc->add_flag("--force", sa.force, "replace existing outputs");
  sc->add_flag("--json", sa.as_json, "print the result as one JSON object");
  OptionFlags scenario_flags(*sc);

  CLI::App* ba = app.add_subcommand("batch", "run a manifest's jobs back to back, or spread over MPI ranks");
  std::string manifest, batch_summary = "batch_summary.csv";
  bool batch_force = false;
  ba->add_option("--manifest", manifest, "JSON manifest: {\"jobs\": [{name, command, book, out_dir, options, args}]}")
      ->required();
  ba->add_option("--summary", batch_summary, "summary CSV (default batch_summary.csv)");
  ba->add_flag("--force", batch_force, "replace an existing summary");

  CLI::App* cv =
      app.add_subcommand("cover", "cheapest mix of term-life policies for a coverage and term goal (SPEC §4.1)");
  CoverCommand cover;
  cv->add_option("--quotes", cover.quotes_path, "quotes CSV: policy_id,insurer,term,coverage,yearly_premium")
      ->required();
  cv->add_option("--min-coverage", cover.min_coverage, "total coverage to reach, dollars");
  cv->add_option("--min-avg-term", cover.min_avg_term, "coverage-weighted average term to reach, years");
  cv->add_option("--max-policies", cover.max_policies, "at most this many policies in all");
  cv->add_option("--grid-min-avg-term", cover.grid_min_avg_term, "scenario grid: average terms, e.g. 15,20,25");
  cv->add_option("--grid-min-coverage", cover.grid_min_coverage, "scenario grid: coverages, e.g. 750000,1000000");
  cv->add_option("--out-dir", cover.out_dir, "scenario grid: directory for scenarios.csv, scenario_policies.csv");
  cv->add_flag("--force", cover.force, "replace existing outputs");
  cv->add_flag("--json", cover.as_json, "print the result as one JSON object");

  CLI::App* re = app.add_subcommand("reinsure", "CVaR reinsurance cession, cheapest line first (SPEC §4.2)");
  ReinsureArgs ra;
  re->add_option("--lines", ra.lines, "lines CSV: name,expected_loss,variance,safety_loading[,min_retention]")
      ->required();
  re->add_option("--samples", ra.samples, "loss samples CSV, one column per line name");
  re->add_option("--simulate", ra.simulate, "simulate N lognormal samples per line instead of --samples");
  re->add_option("--seed", ra.seed, "simulation seed (default 42)");
  re->add_option("--correlation", ra.correlation, "Gaussian-copula correlation CSV (line,<names…>) for --simulate");
  re->add_option("--measure", ra.measure, "risk measure {cvar|variance} (default cvar)");
  re->add_option("--objective", ra.objective,
                 "what to minimise {cost|premium}: Σ β·E[ceded] (default) or Σ (1+β)·E[ceded]");
  re->add_option("--alpha", ra.alpha, "CVaR level (default 0.995)");
  re->add_option("--budget", ra.budget, "limit on the retained risk (money for cvar, money² for variance)")->required();
  re->add_option("--frontier", ra.frontier, "points of the premium–risk frontier (default 0: none)");
  re->add_option("--device", ra.device, "where risk evaluations run {auto|cpu|cuda} (default auto)");
  re->add_option("--threads", ra.threads, "CPU threads (default 0: all)");
  re->add_option("--out-dir", ra.out_dir, "output directory")->required();
  re->add_flag("--force", ra.force, "replace existing outputs");
  re->add_flag("--json", ra.as_json, "print the result as one JSON object");

  CLI::App* mq = app.add_subcommand("model-quality", "model-quality loss-ratio adjustment (SPEC §4.3)");
  ModelQualityArgs ma;
  mq->add_option("--rho", ma.rho, "correlation of the pricing model with true risk, (0, 1]");
  mq->add_option("--cv", ma.cv, "coefficient of variation of claims, > 0");
  mq->add_option("--eta", ma.eta, "demand sensitivity to price error (default 1)");
  mq->add_option("--margin", ma.margin, "target margin multiple M (default 1)");
  mq->add_option("--lr-target", ma.lr_target, "target loss ratio: the margin and the ρ that reach it");
  mq->add_flag("--calibrate-eta", ma.calibrate_eta, "find η from --lr-observed (with --rho, --cv, --margin)");
  mq->add_option("--lr-observed", ma.lr_observed, "observed loss ratio for --calibrate-eta");
  mq->add_option("--rho-f", ma.rho_f, "frequency model ρ (frequency–severity product)");
  mq->add_option("--rho-s", ma.rho_s, "severity model ρ");
  mq->add_option("--cv-f", ma.cv_f, "frequency CV");
  mq->add_option("--cv-s", ma.cv_s, "severity CV");
  mq->add_flag("--json", ma.as_json, "print the result as one JSON object");
  // Cluster pricing as a QUBO (SPEC §3) and annealing of any QUBO: run functions in host/cli/clusters_command.cpp.
  CLI::App* cl = app.add_subcommand("clusters", "choose one premium level per cluster: QUBO annealing + exact solver");
  ClustersArgs ca;
  ca.anneal = default_cluster_anneal_options();
  double onehot_margin = 0, retention_penalty = 0;
  cl->add_option("--clusters", ca.clusters, "clusters CSV: cluster_id,policies,avg_claim");
  cl->add_option("--premiums", ca.premiums, "premiums CSV: cluster_id,termination_rate,premium (rates in percent)");
  cl->add_option("--target-termination", ca.target_termination, "overall termination-rate target, percent");
  cl->add_option("--replicas", ca.anneal.replicas, "independent annealing replicas (default 64)");
  cl->add_option("--sweeps", ca.anneal.sweeps, "sweeps per replica (default 500)");
  cl->add_option("--seed", ca.anneal.seed, "random seed (default 1)");
  cl->add_option("--device", ca.anneal.device, "auto | cpu | cuda (default auto)");
  cl->add_option("--threads", ca.anneal.threads, "CPU threads (default 0: every core)");
  cl->add_option("--moves", ca.moves,
                 "onehot (re-price a cluster and a partner) | flip (single bits) (default onehot)");
  cl->add_option("--exact", ca.exact, "run the exact solver: auto (up to 2,000 clusters) | on | off (default auto)");
  CLI::Option* onehot_flag =
      cl->add_option("--penalty-onehot-margin", onehot_margin, "one-hot penalty A_i = max_j v'_ij + this margin");
  CLI::Option* retention_flag =
      cl->add_option("--penalty-retention", retention_penalty, "retention penalty B per (termination unit)^2");
  cl->add_flag("--write-qubo", ca.write_qubo, "also write DIR/qubo.csv (i,j,weight)");
  cl->add_option("--out-dir", ca.out_dir, "output directory");
  cl->add_flag("--force", ca.force, "replace existing outputs");
  cl->add_flag("--json", ca.as_json, "print the summary as one JSON object");
  CLI::App* cg = cl->add_subcommand("generate", "write a random clusters.csv and premiums.csv");
  ClustersGenerateArgs cga;
  cg->add_option("--clusters", cga.clusters, "number of clusters")->required();
  cg->add_option("--rates", cga.rates, "termination rates in percent (default 5,7,9,11,13,15,17,25,30)");
  cg->add_option("--seed", cga.seed, "random seed (default 1)");
  cg->add_option("--out-dir", cga.out_dir, "output directory")->required();
  cg->add_flag("--force", cga.force, "replace existing files");
  CLI::App* qa = app.add_subcommand("qubo", "anneal any QUBO given as i,j,weight CSV");
  QuboArgs qua;
  qa->add_option("--qubo", qua.qubo, "QUBO CSV: i,j,weight (0-based; i = j is a linear term)")->required();
  qa->add_option("--replicas", qua.anneal.replicas, "independent annealing replicas (default 256)");
  qa->add_option("--sweeps", qua.anneal.sweeps, "sweeps per replica (default 1000)");
  qa->add_option("--seed", qua.anneal.seed, "random seed (default 1)");
  qa->add_option("--device", qua.anneal.device, "auto | cpu | cuda (default auto)");
  qa->add_option("--threads", qua.anneal.threads, "CPU threads (default 0: every core)");
  qa->add_flag("--json", qua.as_json, "print the result as one JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    if (*opt) return run_optimise(book_path, out_dir, force, as_json, flags);
    if (*gen) return run_generate(policies, seed, profile, out, gen_force);
    if (*ba) return run_batch(manifest, batch_summary, batch_force, world());
    if (*fr) return run_frontier(fa, frontier_flags);
    if (*sc) return run_scenarios_command(sa, scenario_flags);
    if (*cv) return run_cover_command(cover);
    if (*re) return run_reinsure(ra);
    if (*mq) return run_model_quality(ma);
    if (*cg) return run_clusters_generate(cga);
    if (*cl) {
      if (onehot_flag->count()) ca.penalty_onehot_margin = onehot_margin;
      if (retention_flag->count()) ca.penalty_retention = retention_penalty;
      return run_clusters_command(ca);
    }
    if (*qa) return run_qubo_command(qua);
    if (*pa) {
      pr.metric = pareto_flags.options_from().fairness_metric;
      return run_pareto(pr, pareto_flags);
    }
    std::cout << app.help();
    return 0;
  } catch (const rateopt::Error& e) {
    return report_failure(e.what(), e.exit_code(), dynamic_cast<const AgreedError*>(&e) != nullptr);
  } catch (const std::bad_alloc&) {
    return report_failure("out of memory", 4, false);
  } catch (const std::exception& e) {
    return report_failure(e.what(), 3, false);
  }
}
