// A solve's outputs: the summary JSON, result.json with its audit trail (SPEC §1.6–1.7) and policies.csv.
#include "rateopt/report.hpp"

#include <omp.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "io/files.hpp"
#include "io/format.hpp"
#include "optimise/audit.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/impact.hpp"
#include "rateopt/pricing_rule.hpp"
#include "rateopt/solve.hpp"

namespace rateopt {

namespace {

// Ordered so that result.json reads top-down in the order the fields are written.
using Json = nlohmann::ordered_json;

Json optional_or_null(const std::optional<double>& x) { return x ? finite_or_null(*x) : Json(nullptr); }

// Empty strings mean "does not apply" (no fallback, no device, bound present); null says that plainly.

struct ConstraintTables {
  Json evaluation = Json::object();
  Json shadow_prices = Json::object();
  Json shadow_price_units = Json::object();
};

ConstraintTables constraint_tables(const SolveResult& r) {
  ConstraintTables t;
  for (const ConstraintReport& c : r.constraints) {
    const char* name = to_string(c.kind);
    t.evaluation[name] = Json{{"value", finite_or_null(c.value)},
                              {"limit", finite_or_null(c.limit)},
                              {"slack", finite_or_null(c.slack)},
                              {"relative_violation", finite_or_null(c.relative_violation)},
                              {"binding", c.binding},
                              {"shadow_price", finite_or_null(c.shadow_price)},
                              {"unit", c.shadow_price_unit}};
    t.shadow_prices[name] = finite_or_null(c.shadow_price);
    t.shadow_price_units[name] = c.shadow_price_unit;
  }
  return t;
}

Json portfolio_json(const SolveResult& r) {
  return Json{{"expected_profit", finite_or_null(r.expected_profit)},
              {"expected_gwp", finite_or_null(r.expected_gwp)},
              {"expected_claims", finite_or_null(r.expected_claims)},
              {"expected_loss_ratio", finite_or_null(r.expected_loss_ratio)},
              {"expected_retention", finite_or_null(r.expected_retention)},
              {"n_policies", r.n_policies},
              {"n_renewals", r.n_renewals},
              {"n_bound_conflicts", r.n_bound_conflicts},
              {"n_demand_above_one", r.n_demand_above_one}};
}

Json enbp_evidence_json(const SolveResult& r) {
  return Json{{"n_renewals_with_enbp", r.n_renewals_with_enbp},
              {"n_enbp_binding", r.n_enbp_binding},
              {"max_enbp_excess", optional_or_null(r.max_enbp_excess)}};
}

Json seconds_by_phase_json(const SolveResult& r) {
  return Json{
      {"prepare", r.seconds_prepare}, {"dual", r.seconds_dual}, {"al", r.seconds_al}, {"certify", r.seconds_certify}};
}

Json iterations_json(const SolveResult& r) {
  Json rows = Json::array();
  for (const IterationRecord& it : r.iterations) {
    rows.push_back(Json{{"phase", it.phase},
                        {"iteration", it.iteration},
                        {"objective", finite_or_null(it.objective)},
                        {"max_violation", finite_or_null(it.max_violation)},
                        {"penalty", finite_or_null(it.penalty)},
                        {"stationarity", finite_or_null(it.stationarity)},
                        {"passes", it.passes},
                        {"seconds", it.seconds}});
  }
  return rows;
}

// The solver may or may not have copied the reader's warnings; list each once either way.
Json warnings_json(const BookView& book, const SolveResult& r) {
  Json list = Json::array();
  std::vector<std::string> seen;
  for (const ColumnView<std::string> source : {ColumnView<std::string>(r.warnings), book.warnings}) {
    for (const std::string& w : source) {
      if (std::find(seen.begin(), seen.end(), w) != seen.end()) continue;
      seen.push_back(w);
      list.push_back(w);
    }
  }
  return list;
}

Json summary_object(const BookView& book, const OptimiseOptions& options, const SolveResult& r) {
  Json s = Json::object();
  s["status"] = to_string(r.status);
  s["converged"] = r.converged;
  s["message"] = r.message;
  s["objective"] = to_string(options.objective);
  const Json portfolio = portfolio_json(r);
  for (const auto& item : portfolio.items()) s[item.key()] = item.value();
  ConstraintTables tables = constraint_tables(r);
  s["shadow_prices"] = std::move(tables.shadow_prices);
  s["shadow_price_units"] = std::move(tables.shadow_price_units);
  s["constraint_evaluation"] = std::move(tables.evaluation);
  s["dual_bound"] = optional_or_null(r.dual_bound);
  s["optimality_gap"] = optional_or_null(r.optimality_gap);
  s["dual_bound_note"] = text_or_null(r.dual_bound_note);
  s["enbp_evidence"] = enbp_evidence_json(r);
  s["backend_requested"] = r.backend_requested;
  s["backend_used"] = r.backend_used;
  s["device_name"] = text_or_null(r.device_name);
  s["fallback_reason"] = text_or_null(r.fallback_reason);
  s["precision"] = r.precision;
  s["passes"] = r.passes;
  s["outer_iterations"] = r.outer_iterations;
  s["inner_iterations"] = r.inner_iterations;
  s["dual_iterations"] = r.dual_iterations;
  s["restarts_run"] = r.restarts_run;
  s["lagrangian_stationarity"] = finite_or_null(r.lagrangian_stationarity);
  s["seconds"] = r.seconds_total;
  s["seconds_by_phase"] = seconds_by_phase_json(r);
  s["book_file"] = text_or_null(book.source);
  s["warnings"] = warnings_json(book, r);
  return s;
}

Json audit_object(const BookView& book, const OptimiseOptions& options, const SolveResult& r) {
  Json audit = audit_header(book, options);
  audit["solver"] = Json{{"backend_requested", r.backend_requested},
                         {"backend_used", r.backend_used},
                         {"device_name", text_or_null(r.device_name)},
                         {"fallback_reason", text_or_null(r.fallback_reason)},
                         {"precision", r.precision},
                         {"tolerance", options.tolerance},
                         {"passes", r.passes},
                         {"dual_iterations", r.dual_iterations},
                         {"outer_iterations", r.outer_iterations},
                         {"inner_iterations", r.inner_iterations},
                         {"restarts_run", r.restarts_run},
                         {"lagrangian_stationarity", finite_or_null(r.lagrangian_stationarity)},
                         {"seconds", r.seconds_total},
                         {"seconds_by_phase", seconds_by_phase_json(r)}};
  audit["portfolio"] = portfolio_json(r);
  ConstraintTables tables = constraint_tables(r);
  audit["constraint_evaluation"] = std::move(tables.evaluation);
  audit["shadow_prices"] = std::move(tables.shadow_prices);
  audit["shadow_price_units"] = std::move(tables.shadow_price_units);
  audit["dual_bound"] = optional_or_null(r.dual_bound);
  audit["optimality_gap"] = optional_or_null(r.optimality_gap);
  audit["dual_bound_note"] = text_or_null(r.dual_bound_note);
  audit["convergence"] = Json{{"converged", r.converged}, {"status", to_string(r.status)}, {"message", r.message}};
  audit["enbp_evidence"] = enbp_evidence_json(r);
  audit["iterations"] = iterations_json(r);
  return audit;
}

// Money columns need no more than 10 significant digits; multipliers and bounds are exact.
void append_policy_row(std::string& out, const BookView& book, const SolveResult& r, const PolicyOutputs& p, size_t i) {
  constexpr int kMoneyDigits = 10;
  append_csv_text(out, book.policy_id(i));
  out += ',';
  append_exact(out, r.multiplier[i]);
  out += ',';
  append_significant(out, p.new_premium[i], kMoneyDigits);
  out += ',';
  append_significant(out, p.expected_demand[i], kMoneyDigits);
  out += ',';
  append_significant(out, p.contribution[i], kMoneyDigits);
  out += ',';
  append_significant(out, p.rate_change_pct[i], kMoneyDigits);
  out += p.enbp_binding[i] ? ",1," : ",0,";
  append_exact(out, r.lower_bound[i]);
  out += ',';
  append_exact(out, r.upper_bound[i]);
  out += '\n';
}

// Number formatting dominates (about 0.1 us a number), so blocks of rows are formatted in parallel
// and written in book order; a batch of a few blocks per thread bounds the memory held.
void write_policies_csv(AtomicFile& file, const BookView& book, const SolveResult& r, const PolicyOutputs& p,
                        int threads) {
  constexpr size_t kRowsPerBlock = 4096;
  const int thread_count = threads > 0 ? threads : omp_get_max_threads();
  const size_t blocks_per_batch = 4 * static_cast<size_t>(thread_count);
  const size_t n = book.size();
  const size_t block_count = (n + kRowsPerBlock - 1) / kRowsPerBlock;

  file.write(
      "policy_id,multiplier,new_premium,expected_demand,contribution,rate_change_pct,enbp_binding,"
      "lower_bound,upper_bound\n");
  std::vector<std::string> texts(std::min(blocks_per_batch, block_count));
  for (size_t first_block = 0; first_block < block_count; first_block += blocks_per_batch) {
    const size_t batch_size = std::min(blocks_per_batch, block_count - first_block);
    // Exceptions must not escape an OpenMP region; the first one is rethrown after it.
    std::exception_ptr failure;
#pragma omp parallel for num_threads(thread_count) schedule(dynamic, 1)
    for (size_t b = 0; b < batch_size; ++b) {
      try {
        std::string& text = texts[b];
        text.clear();
        const size_t first_row = (first_block + b) * kRowsPerBlock;
        const size_t end_row = std::min(n, first_row + kRowsPerBlock);
        for (size_t i = first_row; i < end_row; ++i) append_policy_row(text, book, r, p, i);
      } catch (...) {
#pragma omp critical(rateopt_policies_csv_failure)
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);
    for (size_t b = 0; b < batch_size; ++b) file.write(texts[b]);
  }
}

void check_result_sizes(const BookView& book, const SolveResult& r) {
  const size_t n = book.size();
  if (r.multiplier.size() != n || r.lower_bound.size() != n || r.upper_bound.size() != n)
    throw SolverError("result has " + std::to_string(r.multiplier.size()) + " multipliers, " +
                      std::to_string(r.lower_bound.size()) + " lower and " + std::to_string(r.upper_bound.size()) +
                      " upper bounds for a book of " + std::to_string(n) + " policies");
}

void check_policy_output_sizes(const BookView& book, const PolicyOutputs& p) {
  const size_t n = book.size();
  if (p.new_premium.size() != n || p.expected_demand.size() != n || p.contribution.size() != n ||
      p.rate_change_pct.size() != n || p.enbp_binding.size() != n)
    throw SolverError("per-policy outputs disagree in length with the book of " + std::to_string(n) + " policies");
}

/// The solved book's SHA-256, or "" and why not.
std::string book_sha256(const BookView& book, std::string& why_not) {
  if (book.source.empty()) {
    why_not = "book built in memory, no file";
    return "";
  }
  if (!book.source_sha256.empty()) return book.source_sha256;  // of the bytes the solve read
  try {                                                        // a book built in code that names a file
    return sha256_file(book.source);
  } catch (const InputError& e) {
    // The book was read earlier; losing the file since must not lose the solve's outputs.
    why_not = e.what();
    return "";
  }
}

// The audit's input facts: book file, SHA-256, counts, plain and weighted sums.
Json inputs_json(const BookView& book) {
  Json inputs = Json::object();
  inputs["book_file"] = text_or_null(book.source);
  std::string why_not;
  inputs["book_sha256"] = text_or_null(book_sha256(book, why_not));
  if (!why_not.empty()) inputs["book_sha256_note"] = why_not;
  int64_t renewals = 0;
  double sum_weight = 0, sum_tc = 0, sum_c = 0, sum_weighted_tc = 0, sum_weighted_c = 0;
  for (size_t i = 0; i < book.size(); ++i) {
    const double w = book.weight[i];
    renewals += book.renewal_flag[i] ? 1 : 0;
    sum_weight += w;
    sum_tc += book.technical_price[i];
    sum_c += book.expected_loss_cost[i];
    sum_weighted_tc += w * book.technical_price[i];
    sum_weighted_c += w * book.expected_loss_cost[i];
  }
  inputs["n_policies"] = static_cast<int64_t>(book.size());
  inputs["n_renewals"] = renewals;
  inputs["sum_weight"] = sum_weight;
  // Plain sums are the file's columns added up (reconcile with the source); weighted sums are what
  // the book stands for when rows are segments.
  inputs["sum_technical_price"] = sum_tc;
  inputs["sum_expected_loss_cost"] = sum_c;
  inputs["sum_weighted_technical_price"] = sum_weighted_tc;
  inputs["sum_weighted_expected_loss_cost"] = sum_weighted_c;
  return inputs;
}

}  // namespace

Json audit_header(const BookView& book, const OptimiseOptions& options) {
  Json audit = Json::object();
  audit["inputs"] = inputs_json(book);
  audit["configuration"] = Json::parse(options_to_json(options));
  audit["rateopt"] =
      Json{{"version", version_string()}, {"git_revision", git_revision()}, {"cuda_compiled", RATEOPT_HAVE_CUDA != 0}};
  audit["timestamp_utc"] = utc_timestamp_now();
  return audit;
}

std::string summary_json(const BookView& book, const OptimiseOptions& options, const SolveResult& result) {
  return summary_object(book, options, result).dump(2);
}

namespace {
Json result_document(const BookView& book, const OptimiseOptions& options, const SolveResult& result) {
  Json document = summary_object(book, options, result);
  document["audit"] = audit_object(book, options, result);
  return document;
}
}  // namespace

std::string result_json(const BookView& book, const OptimiseOptions& options, const SolveResult& result) {
  return result_document(book, options, result).dump(2) + '\n';
}

PricingRule solve_pricing_rule(const BookView& book, const OptimiseOptions& options, const SolveResult& result) {
  std::string why_not;
  return PricingRule::from_solve(options, result, book_sha256(book, why_not), book.source);
}

void write_solve_outputs(const std::string& out_dir, const BookView& book, const OptimiseOptions& options,
                         const SolveResult& result, bool force) {
  write_solve_outputs(out_dir, book, options, result, force, {});
}

void write_solve_outputs(const std::string& out_dir, const BookView& book, const OptimiseOptions& options,
                         const SolveResult& result, bool force, const std::vector<ImpactSegment>& segments) {
  // A solve that stopped before its dual phase has no constraint prices, so no rule.
  const bool has_rule = !result.lagrangian.basis_prices.empty();
  std::vector<std::string> names{"policies.csv", "result.json"};
  if (has_rule) names.push_back("pricing_rule.json");
  const bool has_impact = !segments.empty();
  if (has_impact) names.insert(names.end(), impact_output_files().begin(), impact_output_files().end());
  OutputSet outputs(out_dir, names, force);

  // Everything that can fail for reasons other than I/O happens before the first byte is written.
  check_result_sizes(book, result);
  const PolicyOutputs per_policy = policy_outputs(book, options, result);
  check_policy_output_sizes(book, per_policy);
  const Json document = result_document(book, options, result);
  const std::string result_text = document.dump(2) + '\n';
  // The rule carries the book's SHA-256 the audit already computed (hashing a large book twice costs).
  const Json& sha = document.at("audit").at("inputs").at("book_sha256");
  const std::string rule_text =
      has_rule ? PricingRule::from_solve(options, result, sha.is_string() ? sha.get<std::string>() : "", book.source)
                     .to_json()
               : std::string();
  const ImpactFiles impact =
      has_impact ? impact_files(solve_impact_policies(book, options, result.multiplier), segments) : ImpactFiles();

  write_policies_csv(outputs.file("policies.csv"), book, result, per_policy, options.threads);
  if (has_rule) outputs.write("pricing_rule.json", rule_text);
  if (has_impact) {
    outputs.write("impact.csv", impact.csv);
    outputs.write("impact.svg", impact.svg);
  }
  outputs.write("result.json", result_text);
  outputs.commit();
  // A rerun that makes no rule must not leave the rule of an earlier solve beside its result.
  if (!has_rule) remove_stale_output(out_dir, "pricing_rule.json", "the rule of an earlier solve");
  if (!has_impact) remove_stale_impact_outputs(out_dir);
}

}  // namespace rateopt
