// Portfolio price optimisation: the library entry point.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

/// Solve the book under the options.  Validates both first (InputError, exit code 2).  A proven
/// infeasible problem is a normal return with status infeasible; DeviceError is thrown only when
/// `device = cuda` was asked for explicitly and no GPU is usable.
SolveResult optimise(const Book& book, const OptimiseOptions& options);

/// Per-policy output columns derived from the multipliers of a result.
struct PolicyOutputs {
  std::vector<double> new_premium;      ///< m·tc
  std::vector<double> expected_demand;  ///< x(m)
  std::vector<double> contribution;     ///< (p − c − e)·x, per policy (not multiplied by weight)
  std::vector<double> rate_change_pct;  ///< (m/prior − 1)·100
  std::vector<uint8_t> enbp_binding;    ///< renewal with an ENBP and m ≥ ENBP bound − 1e-9
};
PolicyOutputs policy_outputs(const Book& book, const OptimiseOptions& options, const SolveResult& result);

}  // namespace rateopt
