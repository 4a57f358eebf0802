// rateopt._core.PricingRule: a solve deployed as its constraint prices (rateopt/pricing_rule.hpp), read,
// written, and pricing a book of new quotes; rateopt._core.PricedBatch: what pricing a book returns.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>
#include <omp.h>

#include <algorithm>

#include "bindings.hpp"
#include "rateopt/pricing_rule.hpp"

namespace rateopt::python {

namespace {

/// A priced book: one column per figure (book order) and the batch report as price_summary.json gives it.
struct PyPricedBatch {
  nb::object book_object;  ///< the priced book (its policy ids)
  std::vector<double> multiplier, new_premium, expected_demand, contribution, rate_change_pct, lower_bound, upper_bound;
  std::vector<uint8_t> binding;  ///< index into binding_names()
  std::vector<uint8_t> tie;
  std::string summary_json, summary_text;

  void resize(size_t n) {
    for (auto* column :
         {&multiplier, &new_premium, &expected_demand, &contribution, &rate_change_pct, &lower_bound, &upper_bound})
      column->resize(n);
    binding.resize(n);
    tie.resize(n);
  }
  void store(size_t i, const PricedQuote& p) {
    multiplier[i] = p.multiplier;
    new_premium[i] = p.new_premium;
    expected_demand[i] = p.expected_demand;
    contribution[i] = p.contribution;
    rate_change_pct[i] = p.rate_change_pct;
    lower_bound[i] = p.lower_bound;
    upper_bound[i] = p.upper_bound;
    binding[i] = p.binding == BindingBound::none ? 0 : static_cast<uint8_t>(1 + static_cast<int>(p.binding_rule));
    tie[i] = p.tie ? 1 : 0;
  }
};

/// "none", then the bound rules in BoundSource order: the names of PyPricedBatch::binding's codes, as
/// priced.csv's binding_bound column writes them.
std::vector<std::string> binding_names() {
  std::vector<std::string> names{"none"};
  for (const auto* name : EnumNames<BoundSource>::names) names.emplace_back(name);
  return names;
}

/// Every row of the book priced by the rule, chunk by chunk with the GIL released (Ctrl-C stops it
/// between chunks); the batch sums are added in row order, as `rateopt price` adds them.
PyPricedBatch price_book(const PricingRule& rule, nb::handle book_object, const std::string& options_json) {
  auto options = options_from_json<PriceOptions>(options_json, "rateopt.PricingRule.price()");
  check_option_bounds(options);
  const BookView book = nb::cast<PyBook&>(book_object).view();
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  const size_t n = book.size(), chunk = static_cast<size_t>(options.chunk_rows);
  PyPricedBatch out;
  out.book_object = nb::borrow(book_object);
  out.resize(n);
  nb::object no_progress = nb::none();
  Interruptible interrupt(no_progress);
  const BatchReport report = interrupt.run([&] {
    BatchSums sums(rule);
    std::vector<Quote> quotes;
    std::vector<PricedQuote> priced;
    for (size_t begin = 0; begin < n; begin += chunk) {
      if (begin > 0 && interrupt.stop_requested()) throw Cancelled();
      const size_t end = std::min(n, begin + chunk);
      quotes_from_book(rule, book, begin, end, quotes);
      priced.resize(quotes.size());
      const auto rows = static_cast<ptrdiff_t>(quotes.size());
#pragma omp parallel for num_threads(threads) schedule(static)
      for (ptrdiff_t k = 0; k < rows; ++k) {
        priced[k] = rule.price_one(quotes[k]);
        out.store(begin + static_cast<size_t>(k), priced[k]);
      }
      for (size_t k = 0; k < quotes.size(); ++k) sums.add(rule, quotes[k], priced[k]);
    }
    return batch_report(rule, sums, options.drift_tolerance);
  });
  out.summary_json = batch_report_json(rule, report);
  out.summary_text = batch_report_text(rule, report);
  return out;
}

template <class T>
nb::object column(nb::handle self, std::vector<T> PyPricedBatch::*member) {
  return nb::cast(view(nb::cast<PyPricedBatch&>(self).*member, self));
}

}  // namespace

void bind_pricing(nb::module_& m) {
  nb::class_<PricingRule>(m, "PricingRule",
                          "A solve's constraint prices, demand model and bound rules: prices new quotes without a "
                          "re-solve (the file `rateopt optimise` writes as pricing_rule.json).")
      .def_static("load", &PricingRule::load, nb::arg("path"), nb::call_guard<nb::gil_scoped_release>(),
                  "Read a rule file; InputError naming the file and the field for a missing field, a wrong type or "
                  "another schema version.")
      .def_static("parse", &PricingRule::parse, nb::arg("json_text"), nb::arg("source"),
                  "A rule from its JSON text; messages name `source`.")
      .def("to_json", &PricingRule::to_json, "The rule as JSON text (numbers round-trip exactly).")
      .def("save", &PricingRule::save, nb::arg("path"), nb::call_guard<nb::gil_scoped_release>(),
           "Write to_json() to path atomically (temporary file, then rename).")
      .def_prop_ro(
          "required_columns",
          [](const PricingRule& rule) {
            std::vector<std::string> columns;
            if (rule.needs_enbp()) columns.emplace_back("enbp");
            if (rule.needs_claims_variance()) columns.emplace_back("claims_variance");
            if (rule.needs_group()) columns.emplace_back("group");
            return columns;
          },
          "Optional book columns this rule needs (enbp, claims_variance, group).")
      .def("price", &price_book, nb::arg("book"), nb::arg("options_json"),
           "Price every row of the book (options: the price options table, e.g. drift_tolerance, threads); "
           "InputError naming the column and row index of a row the rule cannot price.");

  nb::class_<PyPricedBatch>(m, "PricedBatch", "A book priced by a rule: per-quote columns and the batch summary.")
      .def_prop_ro("multiplier", [](nb::handle s) { return column(s, &PyPricedBatch::multiplier); })
      .def_prop_ro("new_premium", [](nb::handle s) { return column(s, &PyPricedBatch::new_premium); })
      .def_prop_ro("expected_demand", [](nb::handle s) { return column(s, &PyPricedBatch::expected_demand); })
      .def_prop_ro("contribution", [](nb::handle s) { return column(s, &PyPricedBatch::contribution); })
      .def_prop_ro("rate_change_pct", [](nb::handle s) { return column(s, &PyPricedBatch::rate_change_pct); })
      .def_prop_ro("lower_bound", [](nb::handle s) { return column(s, &PyPricedBatch::lower_bound); })
      .def_prop_ro("upper_bound", [](nb::handle s) { return column(s, &PyPricedBatch::upper_bound); })
      .def_prop_ro(
          "binding", [](nb::handle s) { return column(s, &PyPricedBatch::binding); },
          "Which bound holds each quote: an index into binding_names().")
      .def_prop_ro(
          "tie", [](nb::handle s) { return column(s, &PyPricedBatch::tie); },
          "1 where another multiplier is as good to round-off (the maximiser is not unique).")
      .def_prop_ro("book", [](const PyPricedBatch& b) { return b.book_object; })
      .def(
          "summary_json", [](const PyPricedBatch& b) { return b.summary_json; },
          "The batch summary `rateopt price` writes as price_summary.json.")
      .def(
          "report", [](const PyPricedBatch& b) { return b.summary_text; }, "The batch summary for humans.");
  m.def("binding_names", &binding_names, "The names of PricedBatch.binding's codes: none, then the bound rules.");
}

}  // namespace rateopt::python
