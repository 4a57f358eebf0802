// The annealer's device choice and the QUBO's rows built from a Qubo (the storage and the CPU and CUDA
// runs themselves are in anneal_storage.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "clusters/anneal_storage.hpp"
#include "rateopt/qubo.hpp"

namespace rateopt {

/// Merge repeated pairs, drop zero couplings, store each coupling in both rows (sorted by neighbour).
QuboRowStorage qubo_rows(const Qubo& q);

/// E(x) − offset from the rows.
double rows_energy(const QuboRowStorage& rows, const uint8_t* x);

/// auto|cpu|cuda as in optimise: auto uses CUDA when the probe finds a usable GPU and falls back to the
/// CPU (reason recorded) on any DeviceError; cuda without a usable GPU is a DeviceError.  Sets
/// backend_used, device_name and fallback_reason of res.
void choose_anneal_device(const AnnealOptions& o, AnnealResult& res,
                          const std::function<void(std::string& device_name)>& run_cuda,
                          const std::function<void()>& run_cpu);

}  // namespace rateopt
