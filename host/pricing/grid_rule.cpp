// The price-grid pricing rule: built from a grid solve, each policy priced by the solve's own caps
// (candidate_band) and argmax (grid_policy_best), and its file written and read back.
#include "rateopt/grid_rule.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <nlohmann/json.hpp>

#include "grid/grid_backend.hpp"
#include "grid/grid_problem.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "pricing/field_reader.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {

using OrderedJson = nlohmann::ordered_json;
using Json = nlohmann::json;
namespace term = math::grid_term;

constexpr const char* kFixedTerms[] = {"profit", "gwp", "claims", "retained", "volume"};

// Best and runner-up equal to round-off: another candidate is as good.
bool is_tie(const GridBest& b) {
  return std::isfinite(b.second) && b.best - b.second <= 1e-12 * std::max(std::fabs(b.best), std::fabs(b.second));
}

std::vector<std::string> term_layout(const std::vector<std::string>& columns) {
  std::vector<std::string> names(std::begin(kFixedTerms), std::end(kFixedTerms));
  names.insert(names.end(), columns.begin(), columns.end());
  return names;
}

OrderedJson optional_number(const std::optional<double>& x) { return x ? OrderedJson(*x) : OrderedJson(nullptr); }

std::optional<double> read_optional(const FieldReader& r, const Json& parent, const std::string& path,
                                    const char* key) {
  if (r.at(parent, path, key).is_null()) return std::nullopt;
  return r.number(parent, path, key);
}

}  // namespace

GridPricingRule GridPricingRule::from_solve(const GridBook& g, const GridOptions& o, const GridResult& res) {
  if (res.term_prices.empty())
    throw InputError("no pricing rule: the grid solve fixed no constraint prices (the constraints cannot all hold)");
  GridPricingRule rule;
  rule.term_prices_ = res.term_prices;
  rule.constrained_columns_ = g.extra_names;
  rule.max_rate_change_ = o.max_rate_change;
  rule.enbp_buffer_ = o.enbp_buffer;
  for (size_t i = 0; i < g.policies(); ++i) {
    rule.total_weight_ += g.weight[i];
    if (g.renewal[i]) rule.renewal_weight_ += g.weight[i];
  }
  for (size_t k = 0; k < res.constraints.size(); ++k) {
    const GridConstraintReport& c = res.constraints[k];
    rule.constraints_.push_back({c.kind, c.name, c.numerator_term, c.denominator_term, c.denominator_constant,
                                 c.at_most, c.limit, res.multipliers[k], c.shadow_price, c.shadow_price_unit});
  }
  rule.solve_status_ = res.status;
  rule.method_ = res.method;
  rule.grid_file_ = g.source;
  rule.grid_sha256_ = g.sha256;
  rule.solved_candidates_ = res.n_candidates;
  rule.rateopt_version_ = version_string();
  // The solved grid has its caps applied: every row left is a candidate.
  GridReproduction& rep = rule.reproduction_;
  rep.policies = static_cast<int64_t>(g.policies());
  for (size_t i = 0; i < g.policies(); ++i) {
    const GridBest best = grid_policy_best(g, i, rule.term_prices_.data(), [](size_t) { return true; });
    const bool same = !res.choice.empty() && res.choice[i] == static_cast<int32_t>(best.row);
    if (!res.split.empty() && res.split[i])
      ++rep.split;
    else if (is_tie(best))
      ++rep.ties;
    else if (!same)
      ++rep.rechosen;
  }
  rep.reproduced = rep.policies - rep.not_reproduced();
  return rule;
}

GridPricedPolicy GridPricingRule::price_policy(const GridBook& g, size_t i) const noexcept {
  GridPricedPolicy out;
  const CandidateBand band = candidate_band(g, i, max_rate_change_, enbp_buffer_);
  if (band.problem != CandidateBand::Problem::none) {
    out.caps_failed = true;
    return out;
  }
  const GridBest best = grid_policy_best(g, i, term_prices_.data(), [&](size_t r) { return band.keeps(g.premium[r]); });
  for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r) out.candidates += band.keeps(g.premium[r]);
  out.row = best.row;
  out.tie = is_tie(best);
  out.bound_conflict = band.conflict;
  return out;
}

void GridPricingRule::check_columns(const GridBook& g) const {
  const auto missing = [&](const std::string& column, const std::string& why) {
    throw InputError(g.source + ": column " + column + " is missing; the pricing rule needs it (" + why + ")");
  };
  for (const std::string& c : constrained_columns_)
    if (std::find(g.extra_names.begin(), g.extra_names.end(), c) == g.extra_names.end())
      missing(c, "a constraint of the solve sums it");
  if (max_rate_change_ && g.baseline.empty()) missing("baseline", "it was solved with max_rate_change");
  if (enbp_buffer_ && g.enbp.empty()) missing("enbp", "it was solved with an ENBP buffer");
}

std::string GridPricingRule::to_json() const {
  OrderedJson constraints = OrderedJson::array();
  const std::vector<std::string> layout = term_layout(constrained_columns_);
  for (const GridRuleConstraint& c : constraints_)
    constraints.push_back(OrderedJson{
        {"name", c.name},
        {"kind", to_string(c.kind)},
        {"limit", c.limit},
        {"at_most", c.at_most},
        {"numerator", layout[static_cast<size_t>(c.numerator_term)]},
        {"denominator",
         c.denominator_term >= 0 ? OrderedJson(layout[static_cast<size_t>(c.denominator_term)]) : OrderedJson(nullptr)},
        {"denominator_constant", c.denominator_constant},
        {"multiplier", c.multiplier},
        {"shadow_price", c.shadow_price},
        {"shadow_price_unit", c.shadow_price_unit}});
  OrderedJson j;
  j["schema"] = "rateopt.pricing_rule";
  j["kind"] = "grid";
  j["schema_version"] = kSchemaVersion;
  j["rateopt_version"] = rateopt_version_;
  j["solved_grid"] = OrderedJson{{"file", grid_file_},
                                 {"sha256", grid_sha256_},
                                 {"n_policies", reproduction_.policies},
                                 {"n_candidates", solved_candidates_}};
  j["solve"] = OrderedJson{{"status", to_string(solve_status_)}, {"method", method_}};
  j["objective"] = "profit";
  j["caps"] = OrderedJson{{"max_rate_change", optional_number(max_rate_change_)},
                          {"enbp_buffer", optional_number(enbp_buffer_)}};
  j["columns"] = OrderedJson{{"required", {"policy_id", "step", "premium", "demand"}},
                             {"constrained", constrained_columns_},
                             {"baseline_needed", max_rate_change_.has_value()},
                             {"enbp_needed", enbp_buffer_.has_value()}};
  j["constraints"] = constraints;
  j["book_constants"] = OrderedJson{{"total_weight", total_weight_}, {"renewal_weight", renewal_weight_}};
  j["terms"] = OrderedJson{{"layout", layout}, {"prices", term_prices_}};
  const GridReproduction& rep = reproduction_;
  j["reproduction"] = OrderedJson{
      {"policies", rep.policies},
      {"reproduced", rep.reproduced},
      {"not_reproduced",
       OrderedJson{
           {"total", rep.not_reproduced()}, {"split", rep.split}, {"ties", rep.ties}, {"rechosen", rep.rechosen}}},
      {"meaning",
       "the rule prices every policy of the solved grid as the solve chose it, except those the relaxation "
       "split, ties, and those the integer repair re-chose"}};
  return j.dump(2) + "\n";
}

GridPricingRule GridPricingRule::load(const std::string& path) { return parse(read_whole_file(path), path); }

void GridPricingRule::save(const std::string& path) const { write_file_atomically(path, to_json()); }

GridPricingRule GridPricingRule::parse(const std::string& json_text, const std::string& source) {
  if (pricing_rule_kind(json_text, source) != "grid")
    throw InputError(source +
                     ": field kind is not \"grid\": an optimise rule prices a book (rateopt price --book), "
                     "not a grid (--grid)");
  const Json j = Json::parse(json_text);
  const FieldReader r(source);
  const Json& version = r.at(j, "", "schema_version");
  if (!version.is_number_integer() || version.get<int64_t>() != kSchemaVersion)
    r.fail("schema_version", "is " + version.dump() + "; this rateopt reads grid pricing rules of version " +
                                 std::to_string(kSchemaVersion));
  GridPricingRule rule;
  rule.rateopt_version_ = r.text(j, "", "rateopt_version");
  const Json& grid = r.at(j, "", "solved_grid");
  rule.grid_file_ = r.text(grid, "solved_grid", "file");
  rule.grid_sha256_ = r.text(grid, "solved_grid", "sha256");
  rule.reproduction_.policies = static_cast<int64_t>(r.number(grid, "solved_grid", "n_policies"));
  rule.solved_candidates_ = static_cast<int64_t>(r.number(grid, "solved_grid", "n_candidates"));
  const Json& solve = r.at(j, "", "solve");
  try {
    rule.solve_status_ = solve_status_from_string(r.text(solve, "solve", "status"));
  } catch (const InputError&) {
    r.fail("solve.status", "is not a solve status");
  }
  rule.method_ = r.text(solve, "solve", "method");
  const Json& caps = r.at(j, "", "caps");
  rule.max_rate_change_ = read_optional(r, caps, "caps", "max_rate_change");
  rule.enbp_buffer_ = read_optional(r, caps, "caps", "enbp_buffer");
  const Json& constrained = r.at(r.at(j, "", "columns"), "columns", "constrained");
  if (!constrained.is_array()) r.fail("columns.constrained", "must be an array of column names");
  for (const Json& c : constrained) {
    if (!c.is_string()) r.fail("columns.constrained", "must be an array of column names");
    rule.constrained_columns_.push_back(c.get<std::string>());
  }
  const std::vector<std::string> layout = term_layout(rule.constrained_columns_);
  const auto term_index = [&](const std::string& name, const char* field) {
    const auto at = std::find(layout.begin(), layout.end(), name);
    if (at == layout.end()) r.fail(field, "\"" + name + "\" is not a term of terms.layout");
    return static_cast<int>(at - layout.begin());
  };
  const Json& constraints = r.at(j, "", "constraints");
  if (!constraints.is_array()) r.fail("constraints", "must be an array");
  for (const Json& c : constraints) {
    GridRuleConstraint k;
    k.name = r.text(c, "constraints[]", "name");
    const auto kind = enum_from_name<GridConstraintKind>(r.text(c, "constraints[]", "kind"));
    if (!kind) r.fail("constraints[].kind", "is not a grid constraint");
    k.kind = *kind;
    k.limit = r.number(c, "constraints[]", "limit");
    const Json& at_most = r.at(c, "constraints[]", "at_most");
    if (!at_most.is_boolean()) r.fail("constraints[].at_most", "must be true or false");
    k.at_most = at_most.get<bool>();
    k.numerator_term = term_index(r.text(c, "constraints[]", "numerator"), "constraints[].numerator");
    const std::string den = r.text(c, "constraints[]", "denominator", true);
    k.denominator_term = den.empty() ? -1 : term_index(den, "constraints[].denominator");
    k.denominator_constant = r.number(c, "constraints[]", "denominator_constant");
    k.multiplier = r.number(c, "constraints[]", "multiplier");
    k.shadow_price = r.number(c, "constraints[]", "shadow_price");
    k.shadow_price_unit = r.text(c, "constraints[]", "shadow_price_unit");
    rule.constraints_.push_back(k);
  }
  const Json& constants = r.at(j, "", "book_constants");
  rule.total_weight_ = r.number(constants, "book_constants", "total_weight");
  rule.renewal_weight_ = r.number(constants, "book_constants", "renewal_weight");
  rule.term_prices_ = r.numbers(r.at(j, "", "terms"), "terms", "prices");
  if (rule.term_prices_.size() != layout.size())
    r.fail("terms.prices", "must hold " + std::to_string(layout.size()) + " numbers (5 + one per constrained column)");
  const Json& rep = r.at(r.at(j, "", "reproduction"), "reproduction", "not_reproduced");
  rule.reproduction_.split = static_cast<int64_t>(r.number(rep, "reproduction.not_reproduced", "split"));
  rule.reproduction_.ties = static_cast<int64_t>(r.number(rep, "reproduction.not_reproduced", "ties"));
  rule.reproduction_.rechosen = static_cast<int64_t>(r.number(rep, "reproduction.not_reproduced", "rechosen"));
  rule.reproduction_.reproduced = rule.reproduction_.policies - rule.reproduction_.not_reproduced();
  return rule;
}

std::string pricing_rule_kind(const std::string& json_text, const std::string& source) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const Json::exception& e) {
    throw InputError(source + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw InputError(source + ": not a pricing rule (a JSON object)");
  if (!j.contains("kind")) return "optimise";
  if (!j["kind"].is_string()) throw InputError(source + ": field kind must be \"grid\" or \"optimise\"");
  return j["kind"].get<std::string>();
}

}  // namespace rateopt
