// `rateopt qubo`: anneal any QUBO given as an i,j,weight CSV.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/option_flags.hpp"
#include "io/format.hpp"
#include "rateopt/qubo.hpp"

namespace rateopt {

namespace {

struct QuboCommand {
  std::string qubo;
  bool as_json = false;
  std::unique_ptr<OptionFlags> flags;
};

nlohmann::ordered_json qubo_json(const Qubo& q, const AnnealOptions& o, const AnnealResult& r,
                                 const std::string& state) {
  nlohmann::ordered_json j;
  j["variables"] = q.n;
  j["terms"] = q.terms.size();
  j["best_energy"] = r.best_energy;
  j["best_state"] = state;
  j["best_replica"] = r.best_replica;
  j["replicas"] = o.replicas;
  j["sweeps"] = o.sweeps;
  j["seed"] = o.seed;
  j["beta_hot"] = r.schedule.beta_hot;
  j["beta_cold"] = r.schedule.beta_cold;
  j["schedule_rule"] = r.schedule.rule;
  j["backend_used"] = r.backend_used;
  j["device_name"] = r.device_name;
  j["fallback_reason"] = text_or_null(r.fallback_reason);
  j["seconds"] = r.seconds;
  return j;
}

int run_qubo(const QuboCommand& c) {
  AnnealOptions o;
  c.flags->fill(o);
  o.validate();
  const Qubo q = read_qubo_csv(c.qubo);
  const AnnealResult r = anneal_qubo(q, o);
  std::string state;
  for (uint8_t b : r.best_state) state += b ? '1' : '0';
  if (c.as_json) {
    std::cout << qubo_json(q, o, r, state).dump() << "\n";
    return 0;
  }
  std::printf("QUBO %s: %d variables, %zu terms\n", c.qubo.c_str(), q.n, q.terms.size());
  std::printf("schedule: %s: beta %.6g -> %.6g over %lld sweeps, %d replicas, seed %llu\n", r.schedule.rule.c_str(),
              r.schedule.beta_hot, r.schedule.beta_cold, static_cast<long long>(o.sweeps), o.replicas,
              static_cast<unsigned long long>(o.seed));
  if (!r.fallback_reason.empty()) std::printf("device: %s\n", r.fallback_reason.c_str());
  std::printf("best energy %.17g (replica %d) on %s (%s), %.3f s\n", r.best_energy, r.best_replica,
              r.backend_used.c_str(), r.device_name.c_str(), r.seconds);
  std::printf("best state %s\n", state.c_str());
  return 0;
}

}  // namespace

void add_qubo(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("qubo", "anneal any QUBO given as i,j,weight CSV");
  auto c = std::make_shared<QuboCommand>();
  cmd->add_option("--qubo", c->qubo, "QUBO CSV: i,j,weight (0-based; i = j is a linear term)")->required();
  cmd->add_flag("--json", c->as_json, "print the result as one JSON object");
  c->flags = add_option_flags<AnnealOptions>(*cmd);
  on_run(cmd, [c] { return run_qubo(*c); });
}

}  // namespace rateopt
