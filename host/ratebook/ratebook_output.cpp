// Ratebook mode's outputs: ratebook.csv, policies.csv and result.json (a solve's keys plus the ratebook's),
// written all or nothing, and the human report.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/files.hpp"
#include "io/format.hpp"
#include "rateopt/impact.hpp"
#include "rateopt/ratebook.hpp"
#include "rateopt/report.hpp"
#include "rateopt/solve.hpp"

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;

Json optional_json(const std::optional<double>& x) { return x ? finite_or_null(*x) : Json(nullptr); }

std::string ratebook_csv(const RatebookResult& r) {
  std::string out = "factor,level,old_relativity,new_relativity,change_pct,binding,policies\n";
  for (const RatebookLevel& l : r.levels) {
    append_csv_text(out, l.factor);
    out += ',';
    append_csv_text(out, l.level);
    out += ',';
    append_exact(out, l.old_relativity);
    out += ',';
    append_exact(out, l.new_relativity);
    out += ',';
    append_significant(out, l.change_pct, 10);
    out += ',';
    append_csv_text(out, l.binding);
    out += ',' + std::to_string(l.policies) + '\n';
  }
  return out;
}

// The prices charged: the ratebook's, or with caps = after the capped ones (and the ratebook's multiplier
// before capping in a column of its own).
std::string policies_csv(const BookView& book, const FactorColumns& factors, const OptimiseOptions& options,
                         const RatebookResult& r) {
  const SolveResult& charged = r.capped ? *r.capped : r.solve;
  const PolicyOutputs p = policy_outputs(book, options, charged);
  std::string out =
      "policy_id,multiplier,new_premium,expected_demand,contribution,rate_change_pct,enbp_binding,"
      "lower_bound,upper_bound";
  if (r.capped) out += ",ratebook_multiplier";
  for (const std::string& name : factors.names) out += ",factor." + name;
  out += '\n';
  for (size_t i = 0; i < book.size(); ++i) {
    append_csv_text(out, book.policy_id(i));
    for (double x :
         {charged.multiplier[i], p.new_premium[i], p.expected_demand[i], p.contribution[i], p.rate_change_pct[i]}) {
      out += ',';
      append_significant(out, x, 12);
    }
    out += p.enbp_binding[i] ? ",1," : ",0,";
    append_exact(out, charged.lower_bound[i]);
    out += ',';
    append_exact(out, charged.upper_bound[i]);
    if (r.capped) {
      out += ',';
      append_significant(out, r.solve.multiplier[i], 12);
    }
    for (const std::vector<std::string>& labels : factors.labels) {
      out += ',';
      append_csv_text(out, labels[i]);
    }
    out += '\n';
  }
  return out;
}

Json ratebook_json(const RatebookResult& r) {
  Json levels = Json::array();
  for (const RatebookLevel& l : r.levels)
    levels.push_back(Json{{"factor", l.factor},
                          {"level", l.level},
                          {"old_relativity", l.old_relativity},
                          {"new_relativity", l.new_relativity},
                          {"change_pct", l.change_pct},
                          {"binding", l.binding},
                          {"policies", l.policies},
                          {"bound_multiplier", l.bound_multiplier}});
  return levels;
}

// The book under one set of multipliers: its portfolio keys, constraint evaluation and ENBP evidence.
Json book_figures(const Json& solve_doc, double tolerance) {
  Json out = Json::object();
  for (const char* key : {"expected_profit", "expected_gwp", "expected_claims", "expected_loss_ratio",
                          "expected_retention", "constraint_evaluation", "enbp_evidence"})
    out[key] = solve_doc[key];
  bool hold = true;
  for (const auto& c : solve_doc["constraint_evaluation"].items()) {
    const Json& violation = c.value()["relative_violation"];
    hold = hold && violation.is_number() && violation.get<double>() <= tolerance;
  }
  out["constraints_hold"] = hold;
  return out;
}

Json capping_json(const BookView& book, const OptimiseOptions& options, const Json& doc, const RatebookResult& r) {
  if (!r.capped) return Json(nullptr);
  return Json{{"policies_capped", r.n_capped_down + r.n_capped_up},
              {"policies_lowered", r.n_capped_down},
              {"policies_raised", r.n_capped_up},
              {"before", book_figures(doc, options.tolerance)},
              {"after", book_figures(Json::parse(result_json(book, options, *r.capped)), options.tolerance)}};
}

}  // namespace

std::string ratebook_result_json(const BookView& book, const OptimiseOptions& options,
                                 const RatebookOptions& ratebook_options, const RatebookResult& r) {
  Json doc = Json::parse(result_json(book, options, r.solve));
  Json audit = doc["audit"];
  doc.erase("audit");
  doc["structure_cost"] = optional_json(r.structure_cost);
  doc["per_policy_bound"] = optional_json(r.per_policy_bound);
  doc["per_policy_profit"] = optional_json(r.per_policy_profit);
  doc["per_policy_status"] = r.per_policy_status.empty() ? Json(nullptr) : Json(r.per_policy_status);
  doc["kkt"] = Json{{"stationarity", r.kkt_stationarity},
                    {"primal_violation", r.kkt_primal},
                    {"complementarity", r.kkt_complementarity},
                    {"most_negative_multiplier", r.kkt_dual}};
  doc["n_cells"] = r.n_cells;
  doc["newton_iterations"] = r.newton_iterations;
  doc["ratebook"] = ratebook_json(r);
  doc["caps"] = to_string(ratebook_options.caps);
  doc["capping"] = capping_json(book, options, doc, r);
  audit["ratebook_configuration"] = Json::parse(options_to_json(ratebook_options));
  doc["audit"] = audit;
  return doc.dump(2) + '\n';
}

std::vector<ImpactSegment> factor_segments(const FactorColumns& factors, const RatebookResult& result) {
  std::vector<ImpactSegment> segments;
  for (size_t f = 0; f < factors.names.size(); ++f) {
    std::vector<std::string> order;
    for (const RatebookLevel& l : result.levels)
      if (l.factor == factors.names[f]) order.push_back(l.level);
    const std::string column = "factor." + factors.names[f];
    segments.push_back(label_segment(column, factors.labels[f], column, order));
  }
  return segments;
}

const std::vector<std::string>& ratebook_output_files() {
  static const std::vector<std::string> files{"ratebook.csv", "policies.csv", "result.json", "impact.csv",
                                              "impact.svg"};
  return files;
}

void write_ratebook_outputs(const std::string& out_dir, const BookView& book, const FactorColumns& factors,
                            const OptimiseOptions& options, const RatebookOptions& ratebook_options,
                            const RatebookResult& result, bool force) {
  write_ratebook_outputs(out_dir, book, factors, options, ratebook_options, result, force, {});
}

void write_ratebook_outputs(const std::string& out_dir, const BookView& book, const FactorColumns& factors,
                            const OptimiseOptions& options, const RatebookOptions& ratebook_options,
                            const RatebookResult& result, bool force,
                            const std::vector<ImpactSegment>& extra_segments) {
  OutputSet outputs(out_dir, ratebook_output_files(), force);
  const std::string result_text = ratebook_result_json(book, options, ratebook_options, result);
  const std::string policies_text = policies_csv(book, factors, options, result);
  std::vector<ImpactSegment> segments = factor_segments(factors, result);
  for (const ImpactSegment& s : extra_segments)  // a factor asked for again is reported once
    if (std::none_of(segments.begin(), segments.end(), [&](const ImpactSegment& o) { return o.name == s.name; }))
      segments.push_back(s);
  const SolveResult& charged = result.capped ? *result.capped : result.solve;  // the prices policies.csv shows
  const ImpactFiles impact = impact_files(solve_impact_policies(book, options, charged.multiplier), segments);
  outputs.write("ratebook.csv", ratebook_csv(result));
  outputs.write("policies.csv", policies_text);
  outputs.write("impact.csv", impact.csv);
  outputs.write("impact.svg", impact.svg);
  outputs.write("result.json", result_text);
  outputs.commit();
}

std::string ratebook_report(const RatebookResult& r) {
  std::ostringstream out;
  out << r.solve.full_report() << "\n\nratebook (" << r.levels.size() << " relativities, " << r.n_cells << " cells, "
      << r.newton_iterations << " Newton steps)\n";
  for (const RatebookLevel& l : r.levels)
    out << "  " << l.factor << (l.level.empty() ? "" : " " + l.level) << ": " << l.old_relativity << " -> "
        << l.new_relativity << (l.binding.empty() ? "" : " [" + l.binding + "]") << "\n";
  out << "KKT: stationarity " << r.kkt_stationarity << ", primal " << r.kkt_primal << ", complementarity "
      << r.kkt_complementarity << "\n";
  if (r.structure_cost)
    out << "cost of the structure: " << *r.structure_cost << " (one multiplier per policy could reach at most "
        << *r.per_policy_bound << ")";
  else
    out << "cost of the structure: not measured";
  if (r.capped)
    out << "\ncaps applied after the ratebook: " << r.n_capped_down << " policies lowered, " << r.n_capped_up
        << " raised; expected profit " << r.solve.expected_profit << " before capping, " << r.capped->expected_profit
        << " after";
  return out.str();
}

}  // namespace rateopt
