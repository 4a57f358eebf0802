// read_book_csv: the file mapped, its rows parsed on every thread (cut at line ends, each share into its own
// columns, then joined in file order) while one thread also hashes the bytes for the audit.  The result is the
// serial reader's: the same columns, warnings and first error (a share that fails is parsed again in file order
// with its true line numbers, so the error names the file's first bad line).
#include <fcntl.h>
#include <malloc.h>
#include <omp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

#include "book/book_csv_internal.hpp"
#include "io/files.hpp"
#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

/// The whole file in memory: mapped when it is a regular file, read otherwise (pipes, /dev/stdin).
class FileContents {
 public:
  explicit FileContents(const std::string& path) {
    const FileDescriptor file(open_for_reading(path));
    struct stat info {};
    if (::fstat(file.fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
      int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
      flags |= MAP_POPULATE;  // one bulk fault instead of one per page
#endif
      void* mapped = ::mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, flags, file.fd, 0);
      if (mapped != MAP_FAILED) {
        ::madvise(mapped, static_cast<size_t>(info.st_size), MADV_SEQUENTIAL);
        mapped_ = static_cast<const char*>(mapped);
        size_ = static_cast<size_t>(info.st_size);
      }
    }
    if (mapped_ == nullptr) buffer_ = read_whole_descriptor(file.fd, path);
  }
  ~FileContents() {
    if (mapped_ != nullptr) ::munmap(const_cast<char*>(mapped_), size_);
  }
  FileContents(const FileContents&) = delete;
  FileContents& operator=(const FileContents&) = delete;

  const char* data() const { return mapped_ != nullptr ? mapped_ : buffer_.data(); }
  size_t size() const { return mapped_ != nullptr ? size_ : buffer_.size(); }

 private:
  const char* mapped_ = nullptr;
  size_t size_ = 0;
  std::string buffer_;
};

/// [begin, end) cut into `count` shares of whole lines (each ends after a '\n', or at end).
std::vector<const char*> cut_at_line_ends(const char* begin, const char* end, size_t count) {
  std::vector<const char*> cuts{begin};
  for (size_t k = 1; k < count; ++k) {
    const char* from =
        std::max(cuts.back(), begin + (end - begin) / static_cast<ptrdiff_t>(count) * static_cast<ptrdiff_t>(k));
    const auto* line_end = static_cast<const char*>(std::memchr(from, '\n', static_cast<size_t>(end - from)));
    cuts.push_back(line_end == nullptr ? end : line_end + 1);
  }
  cuts.push_back(end);
  return cuts;
}

struct Share {
  Book book;
  uint64_t end_line = 0;
  bool parsed = false;    ///< parsed on its thread
  bool relative = false;  ///< its line numbers count from 0 (its first line unknown then)
};

/// Runs every job on the threads, then rethrows the first failure.
void run_jobs(const std::vector<std::function<void()>>& jobs) {
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t j = 0; j < jobs.size(); ++j) {
    try {
      jobs[j]();
    } catch (...) {
#pragma omp critical(rateopt_book_jobs_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

// Each share's column is handed back once copied (trimmed: a share's column is too small for a mapping of
// its own, so a plain free would keep its pages), so that the join holds about one column twice, not the
// whole book twice.
template <typename T>
void append_column(std::vector<T>& out, std::vector<Share>& shares, std::vector<T> Book::*column, size_t rows) {
  out.reserve(rows);
  for (Share& share : shares) {
    std::vector<T>& in = share.book.*column;
    out.insert(out.end(), in.begin(), in.end());
    std::vector<T>().swap(in);
    ::malloc_trim(0);
  }
}

/// The shares' rows appended in file order into `book` (the header's flags and warnings), one column a job.
void join_shares(Book& book, std::vector<Share>& shares, const std::vector<uint64_t>& line_offsets) {
  size_t rows = 0;
  for (const Share& share : shares) rows += share.book.line_number.size();
  // Group labels in order of first appearance: each share's own order, shares in file order.
  std::vector<std::vector<int32_t>> global_group(shares.size());
  std::unordered_map<std::string, int32_t> group_of;
  for (size_t k = 0; k < shares.size(); ++k) {
    for (const std::string& label : shares[k].book.group_names) {
      const auto found = group_of.emplace(label, static_cast<int32_t>(book.group_names.size()));
      if (found.second) book.group_names.push_back(label);
      global_group[k].push_back(found.first->second);
    }
  }
  std::vector<std::function<void()>> jobs;
  for (const BookNumericColumn& column : book_numeric_columns()) {
    jobs.emplace_back([&, column] { append_column(book.*column.values, shares, column.values, rows); });
  }
  jobs.emplace_back([&] { append_column(book.renewal_flag, shares, &Book::renewal_flag, rows); });
  jobs.emplace_back([&] {
    book.group.reserve(rows);
    for (size_t k = 0; k < shares.size(); ++k)
      for (int32_t g : shares[k].book.group) book.group.push_back(global_group[k][static_cast<size_t>(g)]);
  });
  jobs.emplace_back([&] {
    book.line_number.reserve(rows);
    for (size_t k = 0; k < shares.size(); ++k)
      for (uint64_t line : shares[k].book.line_number) book.line_number.push_back(line + line_offsets[k]);
  });
  jobs.emplace_back([&] {
    if (shares.front().book.id_offset.empty()) return;  // no policy_id column
    book.id_offset.reserve(rows + 1);
    book.id_offset.push_back(0);
    uint64_t base = 0;
    for (const Share& share : shares) {
      for (size_t i = 1; i < share.book.id_offset.size(); ++i) book.id_offset.push_back(base + share.book.id_offset[i]);
      base += share.book.id_chars.size();
    }
  });
  jobs.emplace_back([&] {
    size_t chars = 0;
    for (const Share& share : shares) chars += share.book.id_chars.size();
    book.id_chars.reserve(chars);
    for (const Share& share : shares) book.id_chars += share.book.id_chars;
  });
  run_jobs(jobs);
}

}  // namespace

Book parse_book_csv_parallel(const char* data, size_t size, const std::string& name, size_t ranges,
                             const std::function<void()>& side_task) {
  BookCsvHeader header = parse_book_csv_header(data, size, name);
  const char* const rows_begin = data + header.rows_offset;
  const std::vector<const char*> cuts = cut_at_line_ends(rows_begin, data + size, std::max<size_t>(ranges, 1));
  std::vector<Share> shares(cuts.size() - 1);
  std::atomic<bool> quoted{false};  // a quoted field may hold a line end: the cuts are then not row ends

  std::vector<std::function<void()>> jobs;
  if (side_task) jobs.push_back(side_task);
  for (size_t k = 0; k < shares.size(); ++k) {
    jobs.emplace_back([&, k] {
      const size_t bytes = static_cast<size_t>(cuts[k + 1] - cuts[k]);
      if (quoted || std::memchr(cuts[k], '"', bytes) != nullptr) {
        quoted = true;
        return;
      }
      Share& share = shares[k];
      const uint64_t none_before = 0;
      share.relative = k > 0;
      try {
        share.book =
            parse_book_csv_rows(cuts[k], cuts[k + 1], name, header.names, share.relative ? 0 : header.first_row_line,
                                share.relative ? nullptr : &none_before, share.end_line);
        share.parsed = true;
      } catch (...) {  // parsed again below, in file order, where the error names its true line
        share.book = Book();
      }
    });
  }
  run_jobs(jobs);
  if (quoted) return parse_book_csv(data, size, name);

  // In file order: each share's first line and rows before are now known; a share that failed (or met an
  // empty policy_id, whose default is its row number) is parsed again here, and the first error is thrown.
  std::vector<uint64_t> line_offsets(shares.size(), 0);
  uint64_t line = header.first_row_line, rows_before = 0;
  for (size_t k = 0; k < shares.size(); ++k) {
    Share& share = shares[k];
    if (!share.parsed) {
      share.book = parse_book_csv_rows(cuts[k], cuts[k + 1], name, header.names, line, &rows_before, share.end_line);
      share.relative = false;
    }
    line_offsets[k] = share.relative ? line : 0;
    line = line_offsets[k] + share.end_line;
    rows_before += share.book.line_number.size();
  }
  Book book = std::move(header.book);
  join_shares(book, shares, line_offsets);
  finish_book_csv(book);
  return book;
}

Book read_book_csv(const std::string& path) {
  constexpr size_t kBytesPerShare = 1 << 20;  // below this a share costs more to start than it saves
  const FileContents file(path);
  const auto threads = static_cast<size_t>(std::max(1, omp_get_max_threads()));
  std::string sha256;
  const auto hash = [&] { sha256 = sha256_hex(std::string_view(file.data(), file.size())); };
  Book book;
  if (threads == 1 || file.size() < 2 * kBytesPerShare) {
    book = parse_book_csv(file.data(), file.size(), path);
    hash();
  } else {  // a few shares a thread, so that the hash and uneven shares balance
    const size_t shares = std::min(4 * threads, file.size() / kBytesPerShare);
    book = parse_book_csv_parallel(file.data(), file.size(), path, shares, hash);
  }
  book.source_sha256 = std::move(sha256);
  return book;
}

}  // namespace rateopt
