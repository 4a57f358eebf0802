// The cluster problem as a price grid (`rateopt clusters export-grid`).
#include <cmath>
#include <nlohmann/json.hpp>

#include "clusters/clusters_internal.hpp"
#include "io/format.hpp"
#include "rateopt/clusters.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

ClusterGrid cluster_grid(const ClusterProblem& p, double target_percent) {
  const TerminationUnits u = termination_units(p, target_percent);
  ClusterGrid g;
  g.csv = "policy_id,step,premium,demand,expected_loss_cost,weight\n";
  long double total = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    total += static_cast<long double>(p.policies[i]);
    for (size_t j = 0; j < p.options[i].size(); ++j) {
      const ClusterOption& o = p.options[i][j];
      CsvRow(g.csv)
          .text(p.cluster_id[i])
          .integer(static_cast<long long>(j))
          .number(o.premium)
          .number(1.0 - o.termination_rate / 100.0)
          .number(p.avg_claim[i])
          .integer(p.policies[i]);
    }
  }
  // Terminations are whole multiples of u.unit policy-percent: a choice meets the target exactly when
  // they are at most capacity·unit, i.e. its volume is at least total − capacity·unit/100.
  const long double step = static_cast<long double>(u.unit) / 100.0L;
  g.volume_target = static_cast<double>(total * (1.0L - static_cast<long double>(target_percent) / 100.0L));
  g.volume_met = static_cast<double>(total - static_cast<long double>(u.capacity) * step);
  g.volume_step = static_cast<double>(step);
  g.volume_min = static_cast<double>(total - (static_cast<long double>(u.capacity) + 0.5L) * step);
  // The grid sums volumes in double precision: half a step must stand well clear of that rounding.
  const double half_step = 0.5 * g.volume_step / std::max(g.volume_min, 1.0);
  if (half_step < 1e-12)
    throw InputError("the instance's termination steps (" + shortest(g.volume_step) + " policies) are too fine " +
                     "against its " + shortest(static_cast<double>(total)) +
                     " policies for a grid in double precision; use fewer decimals in the termination rates");
  g.tolerance = std::min(1e-9, half_step / 8);
  g.sum_min = "volume=" + shortest(g.volume_min);
  nlohmann::ordered_json config;
  config["sum_min"] = {g.sum_min};
  config["tolerance"] = g.tolerance;
  g.config_json = config.dump(2) + "\n";
  return g;
}

}  // namespace rateopt
