// rateopt._core.Book: a book read from CSV, generated, or built from arrays (messages then name the
// argument and row index, "p_demand[1041] = 1.3 is outside (0,1)").
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <optional>

#include "bindings.hpp"

namespace rateopt::python {

namespace {

const BookNumericColumn* numeric_column(const std::string& name) {
  for (const BookNumericColumn& c : book_numeric_columns())
    if (name == c.name) return &c;
  return nullptr;
}

template <class T>
void check_length(const char* name, const InputArray<T>& values, size_t n) {
  if (values.shape(0) != n)
    throw InputError(std::string(name) + " has " + std::to_string(values.shape(0)) + " values, technical_price has " +
                     std::to_string(n));
}

void set_policy_ids(Book& book, const std::vector<std::string>& ids) {
  if (ids.size() != book.size())
    throw InputError("policy_id has " + std::to_string(ids.size()) + " values, technical_price has " +
                     std::to_string(book.size()));
  size_t chars = 0;
  for (const std::string& id : ids) chars += id.size();
  book.id_chars.reserve(chars);
  book.id_offset.reserve(ids.size() + 1);
  book.id_offset.push_back(0);
  for (const std::string& id : ids) {
    book.id_chars += id;
    book.id_offset.push_back(book.id_chars.size());
  }
}

// As the CSV reader warns: a positive elasticity is allowed but rarely meant.
void warn_positive_elasticities(Book& book) {
  size_t positive = 0, first = 0;
  for (size_t i = 0; i < book.size(); ++i)
    if (book.elasticity[i] > 0 && positive++ == 0) first = i;
  if (positive > 0)
    book.warnings.push_back(std::to_string(positive) + (positive == 1 ? " policy has" : " policies have") +
                            " positive elasticity (first at elasticity[" + std::to_string(first) + "])");
}

// The numeric columns of SPEC §1.1 by name, float64 each; `technical_price` sets the length.  The Python
// layer (rateopt/_columns.py) has already turned DataFrame columns, lists and other dtypes into these.
PyBook book_from_arrays(const nb::dict& columns, const std::optional<InputArray<uint8_t>>& renewal_flag,
                        const std::optional<InputArray<int32_t>>& group, const std::vector<std::string>& group_names,
                        const std::optional<std::vector<std::string>>& policy_id) {
  PyBook result;
  Book& book = result.book;
  book.row_names = Book::RowNames::index;
  if (!columns.contains("technical_price")) throw InputError("technical_price is required");
  const size_t n = nb::cast<InputArray<double>>(columns["technical_price"]).shape(0);
  for (auto [key, value] : columns) {
    const std::string name = nb::cast<std::string>(key);
    const BookNumericColumn* column = numeric_column(name);
    if (column == nullptr) throw InputError("unknown book column \"" + name + "\"");
    const auto values = nb::cast<InputArray<double>>(value);
    check_length(column->name, values, n);
    (book.*column->values).assign(values.data(), values.data() + n);
  }
  for (const BookNumericColumn& c : book_numeric_columns())
    if (c.required && !columns.contains(c.name)) throw InputError(std::string(c.name) + " is required");
  book.has_enbp = columns.contains("enbp");
  book.has_claims_variance = columns.contains("claims_variance");
  if (renewal_flag) {
    check_length("renewal_flag", *renewal_flag, n);
    book.renewal_flag.assign(renewal_flag->data(), renewal_flag->data() + n);
  }
  if (group) {
    check_length("group", *group, n);
    book.group.assign(group->data(), group->data() + n);
    book.group_names = group_names;
    book.has_group = true;
  }
  book.resize(n);  // the columns not given take their defaults
  if (policy_id) set_policy_ids(book, *policy_id);
  book.validate();
  warn_positive_elasticities(book);
  return result;
}

nb::object column_of(nb::handle self, const std::string& name) {
  const Book& book = nb::cast<PyBook&>(self).book;
  if (const BookNumericColumn* c = numeric_column(name)) return nb::cast(view(book.*c->values, self));
  if (name == "renewal_flag") return nb::cast(view(book.renewal_flag, self));
  if (name == "group") return nb::cast(view(book.group, self));
  throw InputError("unknown book column \"" + name + "\"");
}

std::vector<std::string> column_names() {
  std::vector<std::string> names;
  for (const BookNumericColumn& c : book_numeric_columns()) names.emplace_back(c.name);
  for (const char* other : {"policy_id", "renewal_flag", "group"}) names.emplace_back(other);
  return names;
}

PyBook generated_book(const std::string& options_json) {
  const auto o = options_from_json<GenerateOptions>(options_json, "rateopt.generate_book()");
  check_option_bounds(o);
  return PyBook{generate_book(static_cast<size_t>(*o.policies), o.seed, o.profile)};
}

}  // namespace

void bind_book(nb::module_& m) {
  nb::class_<PyBook>(m, "Book", "A book of policies (one row per policy or segment), columns as numpy arrays.")
      .def_static("from_arrays", &book_from_arrays, nb::arg("columns"), nb::arg("renewal_flag").none(),
                  nb::arg("group").none(), nb::arg("group_names"), nb::arg("policy_id").none(),
                  "Book from float64 columns by name (InputError naming the column and row on bad values).")
      .def_prop_ro("size", [](const PyBook& b) { return b.book.size(); })
      .def("__len__", [](const PyBook& b) { return b.book.size(); })
      .def_prop_ro(
          "source", [](const PyBook& b) { return b.book.source; }, "file the book was read from, or ''")
      .def_prop_ro("warnings", [](const PyBook& b) { return b.book.warnings; })
      .def(
          "add_warning", [](PyBook& b, const std::string& text) { b.book.warnings.push_back(text); }, nb::arg("text"))
      .def_prop_ro("group_names", [](const PyBook& b) { return b.book.group_names; })
      .def_prop_ro("has_enbp", [](const PyBook& b) { return b.book.has_enbp; })
      .def_prop_ro("has_claims_variance", [](const PyBook& b) { return b.book.has_claims_variance; })
      .def_prop_ro("has_group", [](const PyBook& b) { return b.book.has_group; })
      .def_prop_ro("has_policy_ids", [](const PyBook& b) { return !b.book.id_offset.empty(); })
      .def("column", &column_of, nb::arg("name"), "Read-only numpy view of one column (no copy).")
      .def(
          "policy_ids",
          [](const PyBook& b) {
            std::vector<std::string> ids(b.book.size());
            for (size_t i = 0; i < ids.size(); ++i) ids[i] = b.book.policy_id(i);
            return ids;
          },
          "policy_id of every row (the 1-based row number where the book has none).")
      .def(
          "write_csv", [](const PyBook& b, const std::string& path) { write_book_csv(b.book, path); }, nb::arg("path"),
          "Write the book as CSV with the canonical header (round-trips exactly).");
  m.def("book_columns", &column_names, "The book's column names, as the CSV header and DataFrames name them.");
  m.def(
      "read_book", [](const std::string& path) { return PyBook{read_book_csv(path)}; }, nb::arg("path"),
      nb::call_guard<nb::gil_scoped_release>(), "Read a book CSV; InputError names file, line, column and rule.");
  m.def("generate_book", &generated_book, nb::arg("options_json"), nb::call_guard<nb::gil_scoped_release>(),
        "A synthetic book from the generate options table (policies, seed, profile).");
}

}  // namespace rateopt::python
