// The CUDA entry points of a build without CUDA: the probe says why no GPU is usable and the rest
// are never reached (run_on_chosen_device refuses --device cuda first), so callers need no #if.
#include "rateopt/build_config.hpp"

#if !RATEOPT_HAVE_CUDA
#include "clusters/anneal_backend.hpp"
#include "grid/grid_backend.hpp"
#include "optimise/backend/backend.hpp"
#include "rateopt/errors.hpp"
#include "reinsure/reinsure_risk.hpp"

namespace rateopt {

namespace {
[[noreturn]] void no_cuda() { throw DeviceError("this build has no CUDA backend"); }
}  // namespace

CudaDeviceProbe probe_cuda_device() {
  CudaDeviceProbe probe;
  probe.reason = "CUDA not compiled in";
  return probe;
}
std::unique_ptr<Backend> make_cuda_backend() { no_cuda(); }
void anneal_replicas_cuda(const QuboRowStorage&, double, double, int64_t, uint64_t, int, std::vector<uint8_t>&,
                          std::string&, size_t) {
  no_cuda();
}
std::unique_ptr<RetainedRiskEvaluator> make_cuda_risk_evaluator(RiskMeasure, double) { no_cuda(); }
std::unique_ptr<GridBackend> make_grid_cuda_backend(int) { no_cuda(); }
void anneal_clusters_cuda(const ClusterMoveStorage&, double, double, int64_t, uint64_t, int, std::vector<int32_t>&,
                          std::string&, size_t) {
  no_cuda();
}

}  // namespace rateopt
#endif
