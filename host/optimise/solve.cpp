// optimise(): validate, prepare, choose the backend, run the algorithm, derive per-policy outputs.
#include "rateopt/solve.hpp"

#include <chrono>
#include <cmath>

#include "io/format.hpp"
#include "optimise/backend/backend.hpp"
#include "optimise/backend/device_choice.hpp"
#include "optimise/backend/stoppable.hpp"
#include "optimise/problem.hpp"
#include "optimise/solve_internal.hpp"
#include "optimise/solver.hpp"
#include "parallel/communicator.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

std::unique_ptr<Backend> choose_backend(const OptimiseOptions& o, const PolicyArrays& policies, SolveResult& res) {
  res.backend_requested = to_string(o.device);
  std::unique_ptr<Backend> be;
  const auto upload_to_gpu = [&] {
    auto cuda = make_cuda_backend();
    cuda->upload(policies);
    be = std::move(cuda);
  };
  if (!run_on_chosen_device(o.device, upload_to_gpu, res.fallback_reason)) {
    be = make_cpu_backend(o.threads);
    be->upload(policies);
  }
  res.backend_used = be->name();
  res.device_name = be->device_name();
  return be;
}

SolveResult optimise_shard(const BookView& shard, const OptimiseOptions& options, const Communicator& comm,
                           std::chrono::steady_clock::time_point start, const StopRequest& should_stop) {
  SolveResult res;
  res.warnings.assign(shard.warnings.begin(), shard.warnings.end());
  Problem problem;
  run_agreed(comm, [&] { problem = prepare_problem(shard, options, res, comm); });
  std::unique_ptr<Backend> backend;
  run_agreed(comm, [&] { backend = choose_backend(options, problem.policies, res); });
  backend = make_sharded_backend(std::move(backend), comm);
  backend = make_stoppable_backend(std::move(backend), should_stop);
  res.device_name = backend->device_name();
  res.seconds_prepare = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run_solver(problem, *backend, options, res);
  return res;
}

void complete_result(const BookView& book, const OptimiseOptions& options, SolveResult& res,
                     std::chrono::steady_clock::time_point start) {
  const PolicyOutputs out = policy_outputs(book, options, res);
  const double buffer = options.enbp_buffer.value_or(0.0);
  const bool log_linear = options.demand_model != DemandModel::logistic;
  for (size_t i = 0; i < book.size(); ++i) {
    if (log_linear && out.expected_demand[i] > 1.0) ++res.n_demand_above_one;
    if (book.renewal_flag[i] && !std::isnan(book.enbp[i])) {
      const double excess = out.new_premium[i] - book.enbp[i] * (1.0 - buffer);
      res.max_enbp_excess = res.max_enbp_excess ? std::max(*res.max_enbp_excess, excess) : excess;
      res.n_enbp_binding += out.enbp_binding[i];
    }
  }
  if (res.n_demand_above_one > 0)
    res.warnings.push_back(
        std::to_string(res.n_demand_above_one) +
        " policies have log-linear demand above 1 at the answer (not capped, as in insurance-optimise)");
  if (res.n_bound_conflicts > 0) res.warnings.push_back(bound_conflict_warning(res.n_bound_conflicts));
  res.seconds_total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string bound_conflict_warning(int64_t conflicts) {
  return std::to_string(conflicts) + " policies had lower bound above upper bound; the upper (ENBP) bound won";
}

std::vector<std::string> sweep_setup_warnings(const BookView& book, const Problem& problem, const SolveResult& setup,
                                              SweptConstraint swept) {
  if (swept == SweptConstraint::retention_min && problem.renewal_weight <= 0)
    throw InputError(book.source, 0,
                     "sweep retention_min: the book has no renewals, so there is no retention to sweep");
  std::vector<std::string> warnings = setup.warnings;
  if (setup.n_bound_conflicts > 0) warnings.push_back(bound_conflict_warning(setup.n_bound_conflicts));
  return warnings;
}

SolveResult optimise(const BookView& book, const OptimiseOptions& options) {
  return optimise(book, options, StopRequest());
}

SolveResult optimise(const BookView& book, const OptimiseOptions& options, const StopRequest& should_stop) {
  const auto start = std::chrono::steady_clock::now();
  options.validate();
  book.validate();
  SolveResult res = optimise_shard(book, options, serial_communicator(), start, should_stop);
  complete_result(book, options, res, start);
  return res;
}

PortfolioFigures evaluate_portfolio(const BookView& book, const OptimiseOptions& options,
                                    ColumnView<double> multipliers, const std::string& name) {
  options.validate();
  book.validate();
  if (multipliers.size() != book.size())
    throw InputError(name + " has " + std::to_string(multipliers.size()) + " values for a book of " +
                     std::to_string(book.size()) + " policies");
  for (size_t i = 0; i < multipliers.size(); ++i)
    if (!std::isfinite(multipliers[i]) || multipliers[i] <= 0)
      throw InputError(name + "[" + std::to_string(i) + "] = " + shortest(multipliers[i]) +
                       " must be a finite number > 0");
  SolveResult setup;
  const Problem problem = prepare_problem(book, options, setup);
  const std::unique_ptr<Backend> backend = choose_backend(options, problem.policies, setup);
  backend->set_multipliers(std::vector<double>(multipliers.begin(), multipliers.end()));
  PassSums sums;
  backend->evaluate(sums);
  const PortfolioMetrics pm =
      portfolio_metrics(problem, Eigen::Map<const Vec>(sums.T.data(), static_cast<Eigen::Index>(sums.T.size())));
  return PortfolioFigures{pm.profit, pm.gwp, pm.claims, pm.loss_ratio, pm.retention};
}

PolicyOutputs policy_outputs(const BookView& book, const OptimiseOptions& options, const SolveResult& result) {
  return policy_outputs(book, options, ColumnView<double>(result.multiplier));
}

PolicyOutputs policy_outputs(const BookView& book, const OptimiseOptions& options, ColumnView<double> multipliers) {
  const size_t n = book.size();
  PolicyOutputs out;
  out.new_premium.resize(n);
  out.expected_demand.resize(n);
  out.contribution.resize(n);
  out.rate_change_pct.resize(n);
  out.enbp_binding.assign(n, 0);
  const bool logistic = options.demand_model == DemandModel::logistic;
  const double buffer = options.enbp_buffer.value_or(0.0);
  for (size_t i = 0; i < n; ++i) {
    const double m = multipliers[i], tc = book.technical_price[i];
    double d0 = book.p_demand[i], d1 = book.elasticity[i];
    if (logistic) math::logistic_parameters(book.p_demand[i], book.elasticity[i], d0, d1);
    const double x =
        math::demand_value(logistic ? math::DemandKind::logistic : math::DemandKind::log_linear, d0, d1, m);
    out.new_premium[i] = m * tc;
    out.expected_demand[i] = x;
    out.contribution[i] = (m * tc - book.expected_loss_cost[i] - book.expense[i]) * x;
    out.rate_change_pct[i] = (m / book.prior_multiplier[i] - 1.0) * 100.0;
    if (book.renewal_flag[i] && !std::isnan(book.enbp[i]))
      out.enbp_binding[i] = m >= book.enbp[i] / tc * (1.0 - buffer) - 1e-9;
  }
  return out;
}

}  // namespace rateopt
