// The outputs of `rateopt clusters`: choice_table.csv, cluster_choices.csv and result.json, built from
// one run of both solvers (price_clusters).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "rateopt/clusters.hpp"

namespace rateopt {

/// Clusters × rates: 1 for the chosen option, 0 for the others, empty where a cluster lacks the rate.
std::string choice_table_csv(const ClusterProblem& p, const std::vector<int>& choice);
/// One row per cluster: its size and claim, and the annealer's and the exact solver's option.
std::string cluster_choices_csv(const ClusterProblem& p, const ClusterPricing& r);

/// Where the problem came from, for result.json.
struct ClusterInputFiles {
  std::string clusters, premiums;
};
/// result.json: the problem, the QUBO and its penalties, both answers and the gap.
nlohmann::ordered_json clusters_result_json(const ClusterInputFiles& files, const ClusterProblem& p,
                                            const ClusterQubo& cq, const ClustersOptions& options,
                                            const ClusterPricing& r, double seconds);

}  // namespace rateopt
