// A priced batch's report as JSON and as text.
#include <sstream>

#include "io/format.hpp"
#include "pricing/batch_json.hpp"
#include "rateopt/pricing_rule.hpp"

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;

Json binding_json(const BatchReport& r) {
  Json j = Json::object();
  j["none"] = r.n_binding[0];
  for (size_t k = 0; k < EnumNames<BoundSource>::names.size(); ++k)
    j[EnumNames<BoundSource>::names[k]] = r.n_binding[k + 1];
  return j;
}

}  // namespace

nlohmann::ordered_json batch_constraints_json(const std::vector<BatchConstraint>& constraints) {
  Json out = Json::array();
  for (const BatchConstraint& c : constraints)
    out.push_back(Json{{"name", c.name},
                       {"value", finite_or_null(c.value)},
                       {"limit", c.limit},
                       {"relative_violation", finite_or_null(c.relative_violation)},
                       {"broken", c.broken}});
  return out;
}

std::string batch_report_json(const PricingRule& rule, const BatchReport& r) {
  Json j;
  j["n_quotes"] = r.n_quotes;
  j["n_renewals"] = r.n_renewals;
  j["expected_profit"] = finite_or_null(r.profit);
  j["expected_gwp"] = finite_or_null(r.gwp);
  j["expected_loss_ratio"] = finite_or_null(r.loss_ratio);
  j["expected_retention"] = finite_or_null(r.retention);
  j["constraints"] = batch_constraints_json(r.constraints);
  j["n_ties"] = r.n_ties;
  j["n_linearised"] = r.n_linearised;
  j["linearisation_note"] = text_or_null(r.linearisation_note);
  j["n_bound_conflicts"] = r.n_bound_conflicts;
  j["binding_bound_counts"] = binding_json(r);
  j["warnings"] = r.warnings;
  j["rule"] = Json{{"solved_book_sha256", text_or_null(rule.book_sha256())},
                   {"solve_status", to_string(rule.solve_status())},
                   {"rateopt_version", rule.rateopt_version()},
                   {"schema_version", PricingRule::kSchemaVersion}};
  return j.dump(2);
}

std::string batch_report_text(const PricingRule& rule, const BatchReport& r) {
  std::ostringstream s;
  s.precision(6);
  s << "priced " << r.n_quotes << " quotes (" << r.n_renewals << " renewals) with the rule solved on "
    << (rule.book_sha256().empty() ? std::string("an in-memory book") : "book " + rule.book_sha256().substr(0, 12))
    << "\n";
  s << "  expected profit " << r.profit << ", GWP " << r.gwp << ", loss ratio " << r.loss_ratio;
  if (r.n_renewals > 0) s << ", retention " << r.retention;
  s << "\n";
  for (const BatchConstraint& c : r.constraints)
    s << "  " << c.name << ": " << c.value << " on the batch, solved limit " << c.limit << (c.broken ? "  BROKEN" : "")
      << "\n";
  s << "  ties " << r.n_ties << ", linearised " << r.n_linearised << ", bound conflicts " << r.n_bound_conflicts
    << "\n";
  if (!r.linearisation_note.empty()) s << "  note: " << r.linearisation_note << "\n";
  return s.str();
}

}  // namespace rateopt
