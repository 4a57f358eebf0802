// Portfolio price optimisation: the library entry point.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

/// Solve the book under the options.  Validates both first (InputError, exit code 2).  A proven
/// infeasible problem is a normal return with status infeasible; DeviceError is thrown only when
/// `device = cuda` was asked for explicitly and no GPU is usable.
SolveResult optimise(const BookView& book, const OptimiseOptions& options);

/// Asked before every pass over the book; true stops the solve.  Called on the thread that called
/// optimise, so a front end can look for Ctrl-C there (Python's signal check).
using StopRequest = std::function<bool()>;

/// optimise() that polls should_stop before every pass and throws Cancelled (rateopt/errors.hpp) when
/// it returns true.  An empty should_stop never stops.
SolveResult optimise(const BookView& book, const OptimiseOptions& options, const StopRequest& should_stop);

/// Per-policy output columns derived from the multipliers of a result.
struct PolicyOutputs {
  std::vector<double> new_premium;      ///< m·tc
  std::vector<double> expected_demand;  ///< x(m)
  std::vector<double> contribution;     ///< (p − c − e)·x, per policy (not multiplied by weight)
  std::vector<double> rate_change_pct;  ///< (m/prior − 1)·100
  std::vector<uint8_t> enbp_binding;    ///< renewal with an ENBP and m ≥ ENBP bound − 1e-9
};
PolicyOutputs policy_outputs(const BookView& book, const OptimiseOptions& options, const SolveResult& result);
/// The same at any multipliers (one per policy, e.g. the prior multipliers: today's prices).
PolicyOutputs policy_outputs(const BookView& book, const OptimiseOptions& options, ColumnView<double> multipliers);

/// The portfolio at given multipliers (SPEC §1.6), without a solve.  retention is NaN when the book has
/// no renewals.
struct PortfolioFigures {
  double profit = 0, gwp = 0, claims = 0, loss_ratio = 0, retention = 0;
};
/// The figures of the book at `multipliers` (one per policy, in book order, each finite and > 0; any
/// box or constraint of the options may be broken): one pass over the book on the backend
/// options.device chooses, summed and turned into figures exactly as a solve reports its own answer, so
/// at a solve's multipliers they are its expected_profit, expected_gwp, … to round-off.  Validates the
/// options and the book as optimise() does; a wrong length or a bad multiplier is an InputError naming
/// `name[i]` (name: what the caller calls the multipliers).
PortfolioFigures evaluate_portfolio(const BookView& book, const OptimiseOptions& options,
                                    ColumnView<double> multipliers, const std::string& name = "multipliers");

}  // namespace rateopt
