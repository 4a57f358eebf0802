// The portfolio algorithm, written once against the Backend interface (DESIGN.md):
//   1. dual phase: Newton on the few constraint multipliers of the separable Lagrangian, each policy's
//      1-D problem maximised globally in closed form (a warm start that is exact for separable problems);
//   2. augmented-Lagrangian (PHR) outer loop with a projected-Newton inner solver whose Hessian is a
//      diagonal plus a rank-K term (Sherman–Morrison–Woodbury), so passes do not grow with N;
//   3. certification: constraints and bounds, KKT stationarity, the Lagrangian dual bound and gap;
//      infeasibility diagnosis when the constraints cannot hold.
#pragma once

#include "optimise/backend/backend.hpp"
#include "optimise/problem.hpp"

namespace rateopt {

/// Solve the prepared problem on the backend (already uploaded) and fill result: multipliers,
/// portfolio metrics, constraint reports, dual bound, status and solver facts.
/// warm_lambda: the scaled constraint multipliers of a neighbouring solve (a sweep's previous point),
/// the dual phase's starting point; final_lambda receives this solve's, for the next.
void run_solver(const Problem& problem, Backend& backend, const OptimiseOptions& options, SolveResult& result,
                const std::vector<double>* warm_lambda = nullptr, std::vector<double>* final_lambda = nullptr);

}  // namespace rateopt
