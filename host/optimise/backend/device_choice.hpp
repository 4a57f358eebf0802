// The one --device rule every command shares (solver backend, annealers, reinsurance evaluator),
// apart from backend.hpp so that the backends and kernels build without the options code.
#pragma once

#include <functional>
#include <string>

#include "rateopt/option_table.hpp"

namespace rateopt {

/// The --device rule every command shares.  "cpu": returns false.  "cuda": runs on_cuda, or
/// throws DeviceError with the probe's reason (InputError in a build without CUDA).  "auto": runs
/// on_cuda when the probe finds a usable GPU; no usable GPU, or a DeviceError from on_cuda, returns
/// false with fallback_reason saying why ("…; using the CPU").  True when on_cuda ran to the end.
/// An explicit --device cuda in a build without CUDA is an input error, found before any work.
void check_device_compiled_in(Device device);

bool run_on_chosen_device(Device device, const std::function<void()>& on_cuda, std::string& fallback_reason);

}  // namespace rateopt
