// What the binding files of rateopt._core share: numpy arrays over C++ vectors, the Python book, and
// running library calls with the GIL released and Ctrl-C honoured.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/options.hpp"

namespace rateopt::python {

namespace nb = nanobind;

template <class T>
using Array = nb::ndarray<nb::numpy, T, nb::ndim<1>>;
/// What the binding accepts: one-dimensional, C-contiguous, in host memory (the Python layer converts
/// anything else once, see rateopt/_columns.py).
template <class T>
using InputArray = nb::ndarray<const T, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

/// A numpy array that takes `values` over (moved, not copied) and frees them with itself.
template <class T>
Array<T> adopt(std::vector<T>&& values) {
  auto* heap = new std::vector<T>(std::move(values));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return Array<T>(heap->data(), {heap->size()}, owner);
}

/// A read-only numpy view of `values`, which `owner` (a Python object) keeps alive.
template <class T>
Array<const T> view(ColumnView<T> values, nb::handle owner) {
  return Array<const T>(values.data(), {values.size()}, owner);
}
template <class T>
Array<const T> view(const std::vector<T>& values, nb::handle owner) {
  return view(ColumnView<T>(values), owner);
}

/// The book behind the Python class rateopt._core.Book.  A book read from CSV or generated lives in
/// `book`.  A book built from arrays borrows the caller's columns: the arrays are kept here (a reference,
/// not a copy) and view() points at their buffers, while `book` holds only what the caller did not
/// give (default columns, group names, ids, warnings).
struct PyBook {
  PyBook() = default;
  explicit PyBook(Book owned) : book(std::move(owned)) {}

  Book book;
  std::array<std::optional<InputArray<double>>, 9> numeric;  ///< borrowed, in book_numeric_columns() order
  std::optional<InputArray<uint8_t>> renewal_flag;           ///< borrowed
  std::optional<InputArray<int32_t>> group;                  ///< borrowed

  /// What the library reads: `book` with the borrowed columns in place of its own.
  BookView view() const;
  /// The book as the functions that take a Book read it (write_book_csv): `book` itself when nothing is
  /// borrowed, else a copy made into `copy`.
  const Book& whole(std::optional<Book>& copy) const;
};

/// Options of one tool from a JSON object of keyword arguments, through the tool's options table
/// (the one the CLI reads); `source` names the Python call in messages.
template <class Options>
Options options_from_json(const std::string& json_text, const std::string& source) {
  Options o;
  apply_options_json(o, json_text, source);
  return o;
}

/// Runs a long library call with the GIL released.  Between passes over the book (or sweep points)
/// the library asks stop_requested(), which takes the GIL, runs Python's signal handlers (Ctrl-C
/// raises KeyboardInterrupt there) and the caller's progress callback; when either raises, the call
/// stops (the library throws Cancelled) and run() raises that Python exception.
class Interruptible {
 public:
  explicit Interruptible(nb::handle progress) : progress_(progress) {}

  template <class... Args>
  bool stop_requested(Args... args) {
    nb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) return raised_ = true;
    if (progress_.is_valid() && !progress_.is_none()) {
      try {
        progress_(args...);
      } catch (nb::python_error& e) {
        e.restore();
        return raised_ = true;
      }
    }
    return false;
  }

  template <class Work>
  auto run(Work&& work) -> decltype(work()) {
    try {
      nb::gil_scoped_release release;
      return work();
    } catch (const Cancelled&) {
      if (raised_) throw nb::python_error();  // the KeyboardInterrupt (or the callback's error), still set
      throw;
    }
  }

 private:
  nb::handle progress_;
  bool raised_ = false;
};

void bind_errors(nb::module_& m);
void bind_options(nb::module_& m);
void bind_book(nb::module_& m);
void bind_solve(nb::module_& m);
void bind_sweeps(nb::module_& m);
void bind_pricing(nb::module_& m);
void bind_grid(nb::module_& m);
void bind_ratebook(nb::module_& m);

}  // namespace rateopt::python
