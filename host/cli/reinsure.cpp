// `rateopt reinsure`: CVaR (or variance) reinsurance cession, cheapest layer first, on loss samples read
// from a file or simulated.
#include <cstdio>
#include <iostream>
#include <memory>
#include <utility>
#include <vector>

#include "cli/command.hpp"
#include "cli/option_flags.hpp"
#include "io/files.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/reinsure.hpp"

namespace rateopt {

namespace {

struct ReinsureCommand {
  std::string lines, samples, correlation;
  OutputFlags out;
  std::unique_ptr<OptionFlags> flags;
};

// The loss samples, read or simulated, with where they came from for the audit in result.json.
struct Samples {
  LossSamples loss;
  std::string source;
  std::vector<ReinsuranceInputFile> input_files;
};

Samples loss_samples(const ReinsureCommand& c, const LossSimulationOptions& sim, int threads,
                     const std::vector<ReinsuranceLine>& lines) {
  Samples s;
  if (!c.samples.empty()) {
    ReinsuranceInputFile file{"samples", c.samples, ""};
    s.loss = read_loss_samples(c.samples, lines, &file.sha256);
    s.input_files.push_back(file);
    s.source = "file " + c.samples;
    return s;
  }
  std::vector<double> correlation;
  if (!c.correlation.empty()) {
    ReinsuranceInputFile file{"correlation", c.correlation, ""};
    correlation = read_correlation_csv(c.correlation, lines, &file.sha256);
    s.input_files.push_back(file);
  }
  s.loss = simulate_losses(lines, correlation, sim.simulate, sim.seed, threads);
  s.source = "simulated: " + std::to_string(sim.simulate) + " lognormal samples per line, seed " +
             std::to_string(sim.seed) +
             (c.correlation.empty() ? ", independent lines" : ", Gaussian copula " + c.correlation);
  return s;
}

void print_report(const ReinsuranceOptions& o, const ReinsuranceResult& r, const std::string& out_dir) {
  const bool cvar = o.measure == RiskMeasure::cvar;
  char measure[64];
  snprintf(measure, sizeof measure, cvar ? "CVaR at %g" : "variance", o.alpha);
  std::printf("Reinsurance cession, %s, budget %.6g, %zu samples (%s), %d evaluations, %.3f s (%s)\n", measure,
              r.budget, r.samples, r.sample_source.c_str(), r.evaluations, r.seconds, r.backend_used.c_str());
  std::printf("%s\n", r.message.c_str());
  std::printf("%-16s %5s %8s %6s %14s %14s %14s %14s %9s\n", "line", "order", "loading", "ceded", "retention",
              "E[loss]", "E[ceded]", "premium", "rate");
  for (const LineCession& c : r.lines)
    std::printf("%-16s %5d %8.4f %6s %14s %14.6g %14.6g %14.6g %8.3f%%\n", c.name.c_str(), c.order, c.safety_loading,
                c.ceded ? "yes" : "no", c.retention ? std::to_string(*c.retention).c_str() : "none", c.expected_loss,
                c.expected_ceded_loss, c.ceded_premium, 100.0 * c.cession_rate);
  std::printf(
      "total ceded premium %.6g (cost over expected recoveries %.6g); retained %s %.6g; unceded %.6g; least "
      "reachable %.6g\n",
      r.total_ceded_premium, r.total_cession_cost, cvar ? "CVaR" : "variance", r.retained_risk, r.unceded_risk,
      r.least_reachable_risk);
  std::cout << "wrote " << out_dir << "/reinsurance_lines.csv"
            << (o.frontier_points > 0 ? ", reinsurance_frontier.csv, reinsurance_frontier.svg" : "")
            << " and result.json\n";
}

int run_reinsure(const ReinsureCommand& c) {
  LossSimulationOptions sim;
  ReinsuranceOptions o;
  c.flags->fill(sim, o);
  check_option_bounds(sim);  // simulate ≤ 1e8 before any file is read
  o.validate();
  if (c.samples.empty() == (sim.simulate == 0))
    throw InputError("option: give exactly one of --samples FILE and --simulate N");
  if (!c.correlation.empty() && sim.simulate == 0) throw InputError("option --correlation applies to --simulate only");
  check_output_dir(c.out.dir, reinsurance_output_names(o.frontier_points > 0), c.out.force);

  ReinsuranceInputFile lines_file{"lines", c.lines, ""};
  const std::vector<ReinsuranceLine> lines = read_reinsurance_lines(c.lines, &lines_file.sha256);
  const Samples samples = loss_samples(c, sim, o.threads, lines);
  ReinsuranceResult r = optimise_reinsurance(lines, samples.loss, o);
  r.sample_source = samples.source;
  r.input_files = {lines_file};
  r.input_files.insert(r.input_files.end(), samples.input_files.begin(), samples.input_files.end());
  write_reinsurance_outputs(c.out.dir, r, c.out.force);
  if (c.out.as_json)
    std::cout << reinsurance_json(r) << "\n";
  else
    print_report(o, r, c.out.dir);
  return 0;
}

}  // namespace

void add_reinsure(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("reinsure", "CVaR reinsurance cession, cheapest line first");
  auto c = std::make_shared<ReinsureCommand>();
  cmd->add_option("--lines", c->lines, "lines CSV: name,expected_loss,variance,safety_loading[,min_retention]")
      ->required();
  cmd->add_option("--samples", c->samples, "loss samples CSV, one column per line name");
  cmd->add_option("--correlation", c->correlation, "Gaussian-copula correlation CSV (line,<names…>) for --simulate");
  add_output_flags(*cmd, c->out, "output directory");
  c->flags = add_option_flags<LossSimulationOptions, ReinsuranceOptions>(*cmd);
  on_run(cmd, [c] { return run_reinsure(*c); });
}

}  // namespace rateopt
