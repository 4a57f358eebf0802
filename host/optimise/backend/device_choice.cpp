// The one --device rule (see backend.hpp), shared by the solver backend, the annealers and the
// reinsurance evaluator.
#include "optimise/backend/backend.hpp"
#include "optimise/backend/device_choice.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

void check_device_compiled_in(Device device) {
  if (!RATEOPT_HAVE_CUDA && device == Device::cuda)
    throw InputError(
        "option device = \"cuda\": this build has no CUDA support (rebuild where a CUDA compiler is found)");
}

bool run_on_chosen_device(Device device, const std::function<void()>& on_cuda, std::string& fallback_reason) {
  check_device_compiled_in(device);
  if (device == Device::cpu) return false;
  if (!RATEOPT_HAVE_CUDA) {
    fallback_reason = "CUDA not compiled in; using the CPU";
    return false;
  }
  const CudaDeviceProbe probe = probe_cuda_device();
  if (!probe.usable && device == Device::cuda) throw DeviceError("device cuda: " + probe.reason);
  if (!probe.usable) {
    fallback_reason = probe.reason + "; using the CPU";
    return false;
  }
  try {
    on_cuda();
    return true;
  } catch (const DeviceError& e) {
    if (device == Device::cuda) throw;
    fallback_reason = std::string(e.what()) + "; using the CPU";
    return false;
  }
}

}  // namespace rateopt
