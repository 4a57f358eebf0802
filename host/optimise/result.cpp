// Status names and the human-readable reports of a solve (SPEC §1.6).
#include "rateopt/result.hpp"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

constexpr SolveStatus kAllStatuses[] = {SolveStatus::converged, SolveStatus::infeasible, SolveStatus::max_iterations,
                                        SolveStatus::numerical_failure, SolveStatus::time_limit};

// Warnings beyond this many are counted, not listed, so the full report stays one screen.
constexpr size_t kMaxWarningsShown = 8;

__attribute__((format(printf, 1, 2))) std::string format(const char* pattern, ...) {
  va_list args;
  va_start(args, pattern);
  va_list args_copy;
  va_copy(args_copy, args);
  const int length = std::vsnprintf(nullptr, 0, pattern, args);
  va_end(args);
  std::string out(length > 0 ? static_cast<size_t>(length) : 0, '\0');
  if (length > 0) std::vsnprintf(out.data(), out.size() + 1, pattern, args_copy);
  va_end(args_copy);
  return out;
}

std::string non_finite(double x) { return std::isnan(x) ? "n/a" : (x > 0 ? "inf" : "-inf"); }

// Inserts thousands separators into the integer part of an unsigned decimal string ("1234.5").
std::string group_digits(const std::string& unsigned_decimal) {
  const size_t point = std::min(unsigned_decimal.find('.'), unsigned_decimal.size());
  std::string out;
  out.reserve(unsigned_decimal.size() + point / 3);
  for (size_t i = 0; i < point; ++i) {
    if (i > 0 && (point - i) % 3 == 0) out += ',';
    out += unsigned_decimal[i];
  }
  out.append(unsigned_decimal, point, std::string::npos);
  return out;
}

// Money and counts run to millions, so they are printed grouped: 1,234,567.89.
std::string grouped(double x, int decimals) {
  if (!std::isfinite(x)) return non_finite(x);
  const std::string digits = format("%.*f", decimals, std::fabs(x));
  // No "-0.00": the sign is shown only when a nonzero digit survives the rounding.
  const bool negative = x < 0 && digits.find_first_of("123456789") != std::string::npos;
  return (negative ? "-" : "") + group_digits(digits);
}

std::string count(int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  return (n < 0 ? "-" : "") + group_digits(digits);
}

// Money with pennies when it is at least one unit, else four significant digits so that small
// shadow prices (money per money of GWP) do not print as 0.00.
std::string amount(double x) {
  if (!std::isfinite(x)) return non_finite(x);
  if (x == 0 || std::fabs(x) >= 1) return grouped(x, 2);
  return format("%.4g", x);
}

std::string percent(double ratio, int decimals) {
  if (!std::isfinite(ratio)) return non_finite(ratio);
  return format("%.*f%%", decimals, 100 * ratio);
}

std::string significant(double x, int digits) {
  if (!std::isfinite(x)) return non_finite(x);
  return format("%.*g", digits, x);
}

// How a constraint's value, limit and slack read best.
enum class QuantityKind { ratio, money, plain };

QuantityKind quantity_kind(ConstraintKind constraint) {
  switch (constraint) {
    case ConstraintKind::lr_max:
    case ConstraintKind::lr_min:
    case ConstraintKind::retention_min:
      return QuantityKind::ratio;
    case ConstraintKind::gwp_min:
    case ConstraintKind::gwp_max:
      return QuantityKind::money;
    case ConstraintKind::fairness_max:
      break;
  }
  return QuantityKind::plain;
}

std::string quantity(QuantityKind kind, double x) {
  switch (kind) {
    case QuantityKind::ratio:
      return percent(x, 4);
    case QuantityKind::money:
      return amount(x);
    case QuantityKind::plain:
      return significant(x, 6);
  }
  return significant(x, 6);
}

// Slack is shown with few significant digits: near zero its order of magnitude is what matters.
std::string slack_text(QuantityKind kind, double slack) {
  switch (kind) {
    case QuantityKind::ratio:
      return significant(100 * slack, 3) + " pp";
    case QuantityKind::money:
      return std::fabs(slack) >= 1 ? amount(slack) : significant(slack, 3);
    case QuantityKind::plain:
      return significant(slack, 3);
  }
  return significant(slack, 3);
}

// A violation this large is beyond any sensible tolerance, so it is flagged even where the solver
// marked the constraint binding (as it does for the constraint an infeasible problem cannot meet).
constexpr double kClearViolation = 1e-6;

std::string constraint_state(const ConstraintReport& c) {
  if (c.relative_violation > kClearViolation || (!c.binding && c.slack < 0)) return "VIOLATED";
  return c.binding ? "binding" : "slack";
}

std::string retention_text(double retention, int decimals) {
  return std::isnan(retention) ? "n/a (no renewals)" : percent(retention, decimals);
}

std::string gap_text(const SolveResult& r) {
  return r.optimality_gap ? significant(*r.optimality_gap, 2) : std::string("n/a");
}

}  // namespace

const char* to_string(SolveStatus s) {
  switch (s) {
    case SolveStatus::converged:
      return "converged";
    case SolveStatus::infeasible:
      return "infeasible";
    case SolveStatus::max_iterations:
      return "max_iterations";
    case SolveStatus::numerical_failure:
      return "numerical_failure";
    case SolveStatus::time_limit:
      return "time_limit";
  }
  return "unknown";
}

SolveStatus solve_status_from_string(const std::string& s) {
  std::string names;
  for (SolveStatus status : kAllStatuses) {
    if (s == to_string(status)) return status;
    names += (names.empty() ? "" : "|") + std::string(to_string(status));
  }
  throw InputError("unknown solve status '" + s + "' (expected " + names + ")");
}

std::string SolveResult::brief_report() const {
  return format("%s | profit %s | GWP %s | LR %s | retention %s | gap %s | %s passes | %.3f s", to_string(status),
                amount(expected_profit).c_str(), amount(expected_gwp).c_str(), percent(expected_loss_ratio, 2).c_str(),
                retention_text(expected_retention, 2).c_str(), gap_text(*this).c_str(), count(passes).c_str(),
                seconds_total);
}

std::string SolveResult::full_report() const {
  std::string out;
  auto line = [&](const std::string& text) { out += text + '\n'; };

  // Messages often open with the status name already; print it once.
  const std::string status_name = to_string(status);
  std::string detail = message;
  if (detail.rfind(status_name + ": ", 0) == 0) detail.erase(0, status_name.size() + 2);
  line("Status        " + status_name + (detail.empty() ? "" : ": " + detail));

  line(format("Portfolio     %s policies, %s renewals, %s bound conflicts (ENBP cap below the floor)",
              count(n_policies).c_str(), count(n_renewals).c_str(), count(n_bound_conflicts).c_str()));
  line(format("  expected profit   %18s", amount(expected_profit).c_str()));
  line(format("  expected GWP      %18s", amount(expected_gwp).c_str()));
  line(format("  expected claims   %18s", amount(expected_claims).c_str()));
  line(format("  loss ratio        %18s", percent(expected_loss_ratio, 4).c_str()));
  line(format("  retention         %18s", retention_text(expected_retention, 4).c_str()));

  if (constraints.empty()) {
    line("Constraints   none");
  } else {
    size_t name_width = 10;
    for (const ConstraintReport& c : constraints) name_width = std::max(name_width, std::strlen(to_string(c.kind)));
    const int w = static_cast<int>(name_width);
    line("Constraints");
    line(format("  %-*s %13s %13s %12s %-8s %13s  %s", w, "name", "value", "limit", "slack", "state", "shadow price",
                "unit"));
    for (const ConstraintReport& c : constraints) {
      const QuantityKind kind = quantity_kind(c.kind);
      line(format("  %-*s %13s %13s %12s %-8s %13s  %s", w, to_string(c.kind), quantity(kind, c.value).c_str(),
                  quantity(kind, c.limit).c_str(), slack_text(kind, c.slack).c_str(), constraint_state(c).c_str(),
                  amount(c.shadow_price).c_str(), c.shadow_price_unit.c_str()));
    }
  }

  if (dual_bound) {
    line(format("Certificate   dual bound %s, optimality gap %s (profit is within this fraction of the best)",
                amount(*dual_bound).c_str(), gap_text(*this).c_str()));
  } else {
    line(format("Certificate   no dual bound: %s", dual_bound_note.empty() ? "not computed" : dual_bound_note.c_str()));
  }

  if (n_renewals_with_enbp == 0) {
    line("ENBP          no renewal carries an ENBP");
  } else {
    std::string excess = max_enbp_excess ? significant(*max_enbp_excess, 4) : std::string("n/a");
    if (max_enbp_excess && *max_enbp_excess > 0) excess += " VIOLATED";
    line(format("ENBP          %s renewals with an ENBP, %s at the cap; max m*tc - enbp*(1-buffer) = %s (must be <= 0)",
                count(n_renewals_with_enbp).c_str(), count(n_enbp_binding).c_str(), excess.c_str()));
  }

  std::string backend = format("Backend       %s (requested %s)", backend_used.empty() ? "n/a" : backend_used.c_str(),
                               backend_requested.empty() ? "n/a" : backend_requested.c_str());
  if (!device_name.empty()) backend += ", device " + device_name;
  backend += ", " + precision;
  line(backend);
  if (!fallback_reason.empty()) line("              fell back: " + fallback_reason);
  line(format("Iterations    dual %d, outer %d, inner %d, restarts %d; %s passes over the book", dual_iterations,
              outer_iterations, inner_iterations, restarts_run, count(passes).c_str()));
  line(format("Stationarity  %s (relative projected gradient of the Lagrangian)",
              significant(lagrangian_stationarity, 3).c_str()));
  line(format("Time          %.3f s: prepare %.3f, dual %.3f, al %.3f, certify %.3f", seconds_total, seconds_prepare,
              seconds_dual, seconds_al, seconds_certify));

  if (!warnings.empty()) {
    line(format("Warnings      %zu", warnings.size()));
    for (size_t i = 0; i < warnings.size() && i < kMaxWarningsShown; ++i) line("  - " + warnings[i]);
    if (warnings.size() > kMaxWarningsShown)
      line(format("  ... and %zu more (all are in result.json)", warnings.size() - kMaxWarningsShown));
  }
  return out;
}

}  // namespace rateopt
