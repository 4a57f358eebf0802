// The pricing rule's file: building it from a solve, writing it, and reading it back with errors that
// name the field (schema in the README, "The pricing rule").
#include <nlohmann/json.hpp>

#include "io/files.hpp"
#include "pricing/field_reader.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/pricing_rule.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {

using OrderedJson = nlohmann::ordered_json;
using Json = nlohmann::json;
namespace b = math::basis;

std::vector<std::string> basis_layout(const std::vector<std::string>& groups) {
  std::vector<std::string> names = {"gwp", "claims", "expense", "renewal", "claims_variance"};
  for (const std::string& g : groups)
    for (const char* what : {"premium", "gwp", "claims"}) names.push_back(std::string(what) + "[" + g + "]");
  return names;
}

const char* business_unit(ConstraintKind kind) {
  return kind == ConstraintKind::gwp_min || kind == ConstraintKind::gwp_max ? "per money of GWP"
         : kind == ConstraintKind::retention_min                            ? "per percentage point of retention"
         : kind == ConstraintKind::fairness_max                             ? "per 0.01 of the disparity ratio"
                                                                            : "per percentage point of loss ratio";
}

OrderedJson constants_json(const AnswerLagrangian& L) {
  OrderedJson groups = OrderedJson::array();
  for (size_t g = 0; g < L.group_names.size(); ++g)
    groups.push_back(OrderedJson{{"name", L.group_names[g]}, {"weight", L.group_weight[g]}});
  return OrderedJson{{"objective_scale", L.objective_scale},
                     {"profit_scale", L.profit_scale},
                     {"lr_ref", L.lr_ref},
                     {"mean_premium", L.mean_premium},
                     {"renewal_weight", L.renewal_weight},
                     {"total_weight", L.total_weight},
                     {"claims_cv", L.claims_cv},
                     {"lr_max_in_force", L.lr_max_in_force},
                     {"groups", groups}};
}

void read_constants(const FieldReader& r, const Json& c, AnswerLagrangian& L) {
  const std::string p = "book_constants";
  L.objective_scale = r.number(c, p, "objective_scale");
  L.profit_scale = r.number(c, p, "profit_scale");
  L.lr_ref = r.number(c, p, "lr_ref");
  L.mean_premium = r.number(c, p, "mean_premium");
  L.renewal_weight = r.number(c, p, "renewal_weight");
  L.total_weight = r.number(c, p, "total_weight");
  L.claims_cv = r.number(c, p, "claims_cv");
  L.lr_max_in_force = r.number(c, p, "lr_max_in_force");
  const Json& groups = r.at(c, p, "groups");
  if (!groups.is_array()) r.fail(p + ".groups", "must be an array");
  for (const Json& g : groups) {
    L.group_names.push_back(r.text(g, p + ".groups[]", "name"));
    L.group_weight.push_back(r.number(g, p + ".groups[]", "weight"));
  }
}

void read_terms(const FieldReader& r, const Json& terms, AnswerLagrangian& L) {
  if (!terms.is_array()) r.fail("constraints", "must be an array");
  for (const Json& t : terms) {
    LagrangianTerm term;
    const std::string name = r.text(t, "constraints[]", "name");
    const auto kind = enum_from_name<ConstraintKind>(name);
    if (!kind) r.fail("constraints[].name", "\"" + name + "\" is not a constraint");
    term.kind = *kind;
    term.label = r.text(t, "constraints[]", "label");
    term.multiplier = r.number(t, "constraints[]", "multiplier");
    term.business_value = r.number(t, "constraints[]", "multiplier_business");
    const Json& linear = r.at(t, "constraints[]", "linear");
    if (!linear.is_boolean()) r.fail("constraints[].linear", "must be true or false");
    term.linear = linear.get<bool>();
    L.terms.push_back(term);
  }
}

}  // namespace

PricingRule PricingRule::from_solve(const OptimiseOptions& options, const SolveResult& result,
                                    const std::string& book_sha256, const std::string& book_file) {
  if (result.lagrangian.basis_prices.empty())
    throw InputError("no pricing rule: the solve stopped before its answer was certified");
  PricingRule rule;
  rule.options_ = options;
  rule.lagrangian_ = result.lagrangian;
  rule.solve_status_ = result.status;
  rule.solved_policies_ = result.n_policies;
  rule.book_sha256_ = book_sha256;
  rule.book_file_ = book_file;
  rule.rateopt_version_ = version_string();
  rule.prepare();
  return rule;
}

std::string PricingRule::to_json() const {
  const AnswerLagrangian& L = lagrangian_;
  OrderedJson terms = OrderedJson::array();
  for (const LagrangianTerm& t : L.terms)
    terms.push_back(OrderedJson{
        {"name", to_string(t.kind)},
        {"label", t.label},
        {"multiplier", t.multiplier},
        {"multiplier_business", t.business_value},
        {"business_unit",
         std::string(options_.objective == Objective::profit ? "profit " : "loss ratio ") + business_unit(t.kind)},
        {"linear", t.linear}});
  OrderedJson j;
  j["schema"] = "rateopt.pricing_rule";
  j["kind"] = "optimise";
  j["schema_version"] = kSchemaVersion;
  j["rateopt_version"] = rateopt_version_;
  j["solved_book"] = OrderedJson{{"file", book_file_.empty() ? OrderedJson(nullptr) : OrderedJson(book_file_)},
                                 {"sha256", book_sha256_.empty() ? OrderedJson(nullptr) : OrderedJson(book_sha256_)},
                                 {"n_policies", solved_policies_}};
  j["solve"] = OrderedJson{{"status", to_string(solve_status_)}, {"exact_dual", L.exact_dual}};
  j["objective"] = to_string(options_.objective);
  j["demand_model"] = to_string(options_.demand_model);
  j["linearised"] = L.linearised;
  j["options"] = OrderedJson::parse(options_to_json(options_));
  j["constraints"] = terms;
  j["book_constants"] = constants_json(L);
  j["basis"] = OrderedJson{
      {"layout", basis_layout(L.group_names)}, {"prices", L.basis_prices}, {"sums_at_answer", L.basis_sums}};
  return j.dump(2) + "\n";
}

void PricingRule::save(const std::string& path) const { write_file_atomically(path, to_json()); }

PricingRule PricingRule::load(const std::string& path) { return parse(read_whole_file(path), path); }

PricingRule PricingRule::parse(const std::string& json_text, const std::string& source) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const Json::exception& e) {
    throw InputError(source + ": not valid JSON: " + e.what());
  }
  const FieldReader r(source);
  if (j.is_object() && j.contains("kind") && j["kind"] != "optimise")
    r.fail("kind", "is " + j["kind"].dump() +
                       ": a price-grid rule prices scored candidates (rateopt price --grid), not a book (--book)");
  const Json& version = r.at(j, "", "schema_version");
  if (!version.is_number_integer()) r.fail("schema_version", "must be an integer");
  if (version.get<int64_t>() != kSchemaVersion)
    r.fail("schema_version",
           "is " + version.dump() + "; this rateopt reads pricing rules of version " + std::to_string(kSchemaVersion));
  PricingRule rule;
  rule.rateopt_version_ = r.text(j, "", "rateopt_version");
  const Json& book = r.at(j, "", "solved_book");
  rule.book_file_ = r.text(book, "solved_book", "file", true);
  rule.book_sha256_ = r.text(book, "solved_book", "sha256", true);
  rule.solved_policies_ = static_cast<int64_t>(r.number(book, "solved_book", "n_policies"));
  const Json& solve = r.at(j, "", "solve");
  try {
    rule.solve_status_ = solve_status_from_string(r.text(solve, "solve", "status"));
  } catch (const InputError&) {
    r.fail("solve.status", "is not a solve status");
  }
  const Json& exact = r.at(solve, "solve", "exact_dual");
  const Json& linearised = r.at(j, "", "linearised");
  if (!exact.is_boolean()) r.fail("solve.exact_dual", "must be true or false");
  if (!linearised.is_boolean()) r.fail("linearised", "must be true or false");
  rule.lagrangian_.exact_dual = exact.get<bool>();
  rule.lagrangian_.linearised = linearised.get<bool>();
  apply_options_json(rule.options_, r.at(j, "", "options").dump(), source + ": field options");
  check_option_bounds(rule.options_);
  rule.options_.validate();
  if (r.text(j, "", "objective") != to_string(rule.options_.objective)) r.fail("objective", "disagrees with options");
  if (r.text(j, "", "demand_model") != to_string(rule.options_.demand_model))
    r.fail("demand_model", "disagrees with options");
  read_terms(r, r.at(j, "", "constraints"), rule.lagrangian_);
  read_constants(r, r.at(j, "", "book_constants"), rule.lagrangian_);
  const Json& basis = r.at(j, "", "basis");
  rule.lagrangian_.basis_prices = r.numbers(basis, "basis", "prices");
  rule.lagrangian_.basis_sums = r.numbers(basis, "basis", "sums_at_answer");
  const size_t K = static_cast<size_t>(b::size(static_cast<int>(rule.lagrangian_.group_names.size())));
  if (rule.lagrangian_.basis_prices.size() != K)
    r.fail("basis.prices", "must hold " + std::to_string(K) + " numbers (5 + 3 per group)");
  if (rule.lagrangian_.basis_sums.size() != K)
    r.fail("basis.sums_at_answer", "must hold " + std::to_string(K) + " numbers");
  rule.prepare();
  return rule;
}

}  // namespace rateopt
