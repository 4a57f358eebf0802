// ColumnView: a read-only run of values someone else owns (the book's and the grid's columns viewed).
#pragma once

#include <cstddef>
#include <vector>

namespace rateopt {

/// A read-only run of `size` values at `data` that someone else owns (C++17 has no std::span).
template <class T>
class ColumnView {
 public:
  ColumnView() = default;
  ColumnView(const T* data, size_t size) : data_(data), size_(size) {}
  ColumnView(const std::vector<T>& values) : data_(values.data()), size_(values.size()) {}  // NOLINT: implicit

  const T& operator[](size_t i) const { return data_[i]; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  const T& back() const { return data_[size_ - 1]; }

 private:
  const T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace rateopt
