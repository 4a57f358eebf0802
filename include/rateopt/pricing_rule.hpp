// The pricing rule: a portfolio solve deployed as its constraint prices.
//
// For fixed constraint multipliers λ the solve's Lagrangian separates into one 1-D problem per policy:
// maximise ω·φ(m) over the policy's box, where φ are its basis terms (GWP, claims, expense, renewal
// demand, claims variance, fairness-group sums) and ω the prices the multipliers put on them.  The rule
// keeps ω, the demand model, the bound rules and the book-level constants, and prices any new quote of
// the same kind as that maximiser, without a re-solve.  Priced on the solved book it gives back the
// solve's multipliers (bit for bit where the solve ended at its exact dual point and the maximiser is
// unique).  Constraints that are not linear in the basis sums (stochastic LR, loss-ratio disparity,
// the loss-ratio objective) enter linearised at the solve's answer; the rule says so.
//
// Saved as JSON (schema documented in the README, "The pricing rule").
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "rateopt/math/policy_math.hpp"
#include "rateopt/options.hpp"
#include "rateopt/policy_bounds.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

/// One quote: the book's columns for one row (same meanings and defaults as the book CSV).
struct Quote {
  double technical_price = 0;
  double expected_loss_cost = 0;
  double p_demand = 0;
  double elasticity = 0;
  bool renewal = false;
  double enbp = std::numeric_limits<double>::quiet_NaN();  ///< NaN: not given
  double prior_multiplier = 1;
  double claims_variance = 0;
  double expense = 0;
  double weight = 1;
  int group = -1;  ///< index into PricingRule::group_names(); ignored when the rule has no groups
};

struct BookView;
/// Row i of a book as a quote; group is the rule's index of the row's group (−1 when the rule has none).
Quote quote_from_book(const BookView& book, size_t i, int group);

/// Which side of its box holds a priced quote.
enum class BindingBound : uint8_t { none, lower, upper };

/// The rule's answer for one quote.
struct PricedQuote {
  double multiplier = 0;
  double new_premium = 0;      ///< m·tc
  double expected_demand = 0;  ///< x(m)
  double contribution = 0;     ///< (m·tc − c − e)·x, per policy (not multiplied by weight)
  double rate_change_pct = 0;  ///< (m/prior − 1)·100
  double lower_bound = 0, upper_bound = 0;
  BindingBound binding = BindingBound::none;
  BoundSource binding_rule = BoundSource::min_multiplier;  ///< the rule that set the binding side
  bool tie = false;             ///< another point of the box is as good to round-off: the maximiser is not unique
  bool bound_conflict = false;  ///< lb was above ub; the upper (ENBP) bound won
};

/// "none", or the rule that holds the quote ("technical_floor", "max_rate_change", "enbp", …).
const char* binding_bound_name(const PricedQuote& priced);

class PricingRule {
 public:
  /// The schema version this rateopt writes and reads.
  static constexpr int kSchemaVersion = 1;

  /// The rule of a finished solve.  book_sha256 and book_file describe the solved book ("" when unknown).
  /// InputError when the result carries no Lagrangian (a solve that stopped before certifying).
  static PricingRule from_solve(const OptimiseOptions& options, const SolveResult& result,
                                const std::string& book_sha256 = "", const std::string& book_file = "");
  /// Read a rule file; a different schema version, a missing field or a wrong type is an InputError
  /// naming the file and the field (exit code 2).
  static PricingRule load(const std::string& path);
  static PricingRule parse(const std::string& json_text, const std::string& source);
  /// The rule as JSON text (numbers round-trip exactly) and written atomically to path.
  std::string to_json() const;
  void save(const std::string& path) const;

  /// Price one quote: its box, then the global maximiser of its Lagrangian term.  No allocation, no I/O;
  /// the quote must be valid (quote_problem() == nullptr).
  PricedQuote price_one(const Quote& quote) const noexcept;
  /// nullptr, or the rule the quote breaks, "column: rule" (e.g. "enbp: a renewal needs an ENBP when
  /// enbp_buffer is set").  No allocation.
  const char* quote_problem(const Quote& quote) const noexcept;
  /// Price quotes[0, n) into out[0, n); InputError "quote i: column: rule" for the first invalid quote.
  void price(const Quote* quotes, size_t n, PricedQuote* out) const;
  std::vector<PricedQuote> price(const std::vector<Quote>& quotes) const;

  const OptimiseOptions& options() const { return options_; }
  const AnswerLagrangian& lagrangian() const { return lagrangian_; }
  math::DemandKind demand_kind() const { return kind_; }
  const std::string& book_sha256() const { return book_sha256_; }
  const std::string& book_file() const { return book_file_; }
  const std::string& rateopt_version() const { return rateopt_version_; }
  SolveStatus solve_status() const { return solve_status_; }
  int64_t solved_policies() const { return solved_policies_; }
  const std::vector<std::string>& group_names() const { return lagrangian_.group_names; }
  /// The basis index of a fairness group, or −1 when the rule does not know it.
  int group_index(const std::string& name) const;

  /// Columns a book must carry for this rule: enbp (an ENBP buffer is set), claims_variance (stochastic LR),
  /// group (fairness groups).
  bool needs_enbp() const { return options_.enbp_buffer.has_value(); }
  bool needs_claims_variance() const { return options_.stochastic_lr; }
  bool needs_group() const { return !lagrangian_.group_names.empty(); }

 private:
  OptimiseOptions options_;
  AnswerLagrangian lagrangian_;
  BoundRules bounds_;
  math::DemandKind kind_ = math::DemandKind::log_linear;
  SolveStatus solve_status_ = SolveStatus::converged;
  int64_t solved_policies_ = 0;
  std::string book_sha256_, book_file_, rateopt_version_;
  void prepare();  ///< bounds_ and kind_ from options_
};

/// Sums of a priced batch, added quote by quote in a fixed order.
struct BatchSums {
  std::vector<double> basis;  ///< the solve's basis sums over the batch (weights included)
  std::vector<double> group_weight;
  double total_weight = 0, renewal_weight = 0, premium_weight = 0;  ///< Σw, Σ_R w, Σ w·tc
  int64_t n_quotes = 0, n_renewals = 0, n_ties = 0, n_bound_conflicts = 0;
  std::array<int64_t, 6> n_binding{};  ///< none, then by BoundSource (index + 1)

  explicit BatchSums(const PricingRule& rule);
  void add(const PricingRule& rule, const Quote& quote, const PricedQuote& priced);
};

/// One solved constraint on the batch.
struct BatchConstraint {
  std::string name;  ///< lr_max, retention_min, …
  double value = 0;  ///< on the batch
  double limit = 0;  ///< the solved limit (GWP limits pro rata to the batch's weight)
  double relative_violation = 0;
  bool broken = false;  ///< relative_violation above the drift tolerance
};

/// What `rateopt price` reports of a batch.
struct BatchReport {
  int64_t n_quotes = 0, n_renewals = 0, n_ties = 0, n_linearised = 0, n_bound_conflicts = 0;
  double profit = 0, gwp = 0, claims = 0, loss_ratio = 0, retention = 0;  ///< retention NaN without renewals
  std::vector<BatchConstraint> constraints;
  std::array<int64_t, 6> n_binding{};
  std::vector<std::string> warnings;  ///< drift (a broken constraint), a rule from an unconverged solve, …
  std::string linearisation_note;     ///< "" when every term is linear
};

/// The batch's metrics and each solved constraint against its limit; a warning where the batch breaks
/// one by more than drift_tolerance (relative to the limit).
BatchReport batch_report(const PricingRule& rule, const BatchSums& sums, double drift_tolerance);

/// The report as one JSON object (price_summary.json, `rateopt price --json`) and as a screen for humans
/// (without the warnings, which a front end shows its own way).
std::string batch_report_json(const PricingRule& rule, const BatchReport& report);
std::string batch_report_text(const PricingRule& rule, const BatchReport& report);

/// Rows [begin, end) of `book` as quotes for `rule` (quotes resized to end − begin), the book's group labels
/// mapped to the rule's.  InputError when the book lacks a column the rule needs ("quotes.csv: column enbp
/// is missing; the pricing rule needs it (…)", `book` for a book built in memory), or for a row the rule
/// cannot price, named as book.locate names it ("quotes.csv:12: enbp: …", "enbp[10]: …" from arrays).
void quotes_from_book(const PricingRule& rule, const BookView& book, size_t begin, size_t end,
                      std::vector<Quote>& quotes);

/// What `rateopt price` does besides the rule (one options table: flags, --config, --help).
struct PriceOptions {
  int64_t chunk_rows = 100000;    ///< rows read, priced and written at a time (bounds the memory)
  double drift_tolerance = 0.01;  ///< relative breach of a solved limit that warns
  int threads = 0;                ///< CPU threads, 0 = every core
};
template <class F>
void visit_options(PriceOptions& o, F&& f) {
  f(OptionRow{"chunk_rows", "rows read, priced and written at a time; bounds the memory", at_least(1)}, o.chunk_rows);
  f(OptionRow{"drift_tolerance", "warn where the batch breaks a solved limit by more than this, relative", at_least(0)},
    o.drift_tolerance);
  f(option_rows::threads(), o.threads);
}

/// Price a book CSV file with the rule, streaming it in chunks: the rows of priced.csv (policy_id,
/// multiplier, new_premium, expected_demand, contribution, rate_change_pct, binding_bound; header
/// first) handed to write_priced chunk by chunk, the batch report returned.  The book's own warnings (unknown columns,
/// positive elasticities) go to book_warnings.  A column the rule needs and the book lacks, a group the solved book did
/// not have, or a bad row is an InputError naming it (the caller discards what it was given).
BatchReport price_book_file(const PricingRule& rule, const std::string& book_path,
                            const std::function<void(std::string_view)>& write_priced, const PriceOptions& options,
                            std::vector<std::string>& book_warnings);

}  // namespace rateopt
