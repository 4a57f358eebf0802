// The `clusters`, `clusters generate` and `qubo` subcommands (SPEC §3): arguments as parsed by the CLI,
// and one run function each (outputs written atomically, nothing written on bad input).
#pragma once

#include <limits>
#include <optional>
#include <string>

#include "rateopt/qubo.hpp"

namespace rateopt {

struct ClustersArgs {
  std::string clusters, premiums, out_dir;
  double target_termination = std::numeric_limits<double>::quiet_NaN();  ///< percent (required)
  AnnealOptions anneal;                                                  ///< defaults: default_cluster_anneal_options()
  std::string exact = "auto";                                            ///< auto | on | off
  std::string moves = "onehot";                                          ///< onehot | flip (see anneal_clusters)
  std::optional<double> penalty_onehot_margin, penalty_retention;
  bool write_qubo = false, force = false, as_json = false;
};
int run_clusters_command(const ClustersArgs& a);

struct ClustersGenerateArgs {
  int clusters = 15;
  std::string rates = "5,7,9,11,13,15,17,25,30";
  uint64_t seed = 1;
  std::string out_dir;
  bool force = false;
};
int run_clusters_generate(const ClustersGenerateArgs& a);

struct QuboArgs {
  std::string qubo;
  AnnealOptions anneal;
  bool as_json = false;
};
int run_qubo_command(const QuboArgs& a);

}  // namespace rateopt
