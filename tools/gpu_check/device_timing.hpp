// Device-side timing for tools/gpu_check (CUDA builds of the check only).
#pragma once

#include <cstddef>

/// Median seconds of `reps` device-to-device copies of `bytes` (timed with events after a warm-up):
/// the bandwidth ceiling a pass is compared with.
double device_copy_seconds(size_t bytes, int reps);
