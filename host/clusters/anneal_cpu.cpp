// The annealers' CPU runs: OpenMP over replicas, each running the anneal_math.hpp code the GPU runs.
#include <omp.h>

#include <cmath>
#include <vector>

#include "clusters/anneal_storage.hpp"

namespace rateopt {

void anneal_replicas_cpu(const QuboRowStorage& rows, double beta_hot, double beta_cold, int64_t sweeps, uint64_t seed,
                         int replicas, int threads, std::vector<uint8_t>& states) {
  const size_t n = static_cast<size_t>(rows.n);
  states.assign(static_cast<size_t>(replicas) * n, 0);
  const anneal::QuboRows view = rows.view();
  const int n_threads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(n_threads)
  {
    std::vector<double> field(n);
#pragma omp for schedule(dynamic, 1)
    for (int r = 0; r < replicas; ++r) {
      uint8_t* x = states.data() + static_cast<size_t>(r) * n;
      anneal::init_replica(view, seed, static_cast<uint64_t>(r), x, field.data(), 1);
      anneal::anneal_sweeps(view, beta_hot, beta_cold, 0, sweeps, sweeps, seed, static_cast<uint64_t>(r), x,
                            field.data(), 1);
    }
  }
}

void anneal_clusters_cpu(const ClusterMoveStorage& moves, double beta_hot, double beta_cold, int64_t sweeps,
                         uint64_t seed, int replicas, int threads, std::vector<int32_t>& choices) {
  const anneal::ClusterMoves view = moves.view();
  const size_t n = static_cast<size_t>(view.n_clusters);
  choices.assign(static_cast<size_t>(replicas) * n, 0);
  const int n_threads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 4)
  for (int r = 0; r < replicas; ++r) {
    std::vector<int32_t> current(n);
    double used = 0, value = 0, best_energy = INFINITY;
    anneal::init_cluster_replica(view, seed, static_cast<uint64_t>(r), current.data(), 1, used, value);
    anneal::anneal_cluster_sweeps(view, beta_hot, beta_cold, 0, sweeps, sweeps, seed, static_cast<uint64_t>(r),
                                  current.data(), choices.data() + static_cast<size_t>(r) * n, 1, used, value,
                                  best_energy);
  }
}

}  // namespace rateopt
