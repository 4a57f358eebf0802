// Reading one rank's slice of a book CSV, and gathering the slices on rank 0 (issue 9).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "book/book_csv_internal.hpp"
#include "parallel/sharded.hpp"

namespace rateopt {

namespace {

class ShardFile {
 public:
  explicit ShardFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError(path + ": cannot open: " + std::strerror(errno));
    struct stat info {};
    const bool stated = ::fstat(fd_, &info) == 0;
    const int error = errno;
    if (!stated || !S_ISREG(info.st_mode)) {
      ::close(fd_);  // the destructor does not run for a constructor that throws
      throw InputError(path + ": cannot open: " +
                       (stated ? "a book read by several MPI ranks must be a regular file" : std::strerror(error)));
    }
    size_ = static_cast<uint64_t>(info.st_size);
  }
  ~ShardFile() { ::close(fd_); }
  ShardFile(const ShardFile&) = delete;
  ShardFile& operator=(const ShardFile&) = delete;

  uint64_t size() const { return size_; }

  /// Bytes [from, to) appended to out.
  void read(uint64_t from, uint64_t to, std::string& out) const {
    const size_t start = out.size();
    out.resize(start + (to - from));
    uint64_t done = 0;
    while (done < to - from) {
      const ssize_t got = ::pread(fd_, out.data() + start + done, to - from - done, static_cast<off_t>(from + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) throw InputError(path_ + ": cannot read: " + (got < 0 ? std::strerror(errno) : "file shrank"));
      done += static_cast<uint64_t>(got);
    }
  }

  char at(uint64_t position) const {
    std::string byte;
    read(position, position + 1, byte);
    return byte[0];
  }

  /// First position ≥ from that starts a line (after "\n", after a "\r" not followed by "\n"), or size().
  uint64_t next_line_start(uint64_t from) const {
    if (from == 0 || from >= size_) return std::min(from, size_);
    const char before = at(from - 1);
    if (before == '\n' || (before == '\r' && at(from) != '\n')) return from;
    constexpr uint64_t kProbe = 4096;
    std::string chunk;
    for (uint64_t at_pos = from; at_pos < size_; at_pos += kProbe) {
      chunk.clear();
      read(at_pos, std::min(size_, at_pos + kProbe + 1), chunk);  // one byte more, to see a "\r\n"
      for (size_t j = 0; j < chunk.size() && at_pos + j < std::min(size_, at_pos + kProbe); ++j) {
        if (chunk[j] == '\n') return at_pos + j + 1;
        if (chunk[j] == '\r') return (j + 1 < chunk.size() && chunk[j + 1] == '\n') ? at_pos + j + 2 : at_pos + j + 1;
      }
    }
    return size_;
  }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

/// Line ends ("\r\n", "\r" or "\n", each one) and non-blank lines of a stretch that starts a line.
struct LineCounts {
  uint64_t line_ends = 0;
  uint64_t rows = 0;
};
LineCounts count_lines(const char* p, const char* end) {
  LineCounts c;
  bool line_start = true;
  for (; p < end; ++p) {
    const char ch = *p;
    if (ch == '\n' || ch == '\r') {
      if (ch == '\r' && p + 1 < end && p[1] == '\n') ++p;
      ++c.line_ends;
      line_start = true;
    } else {
      if (line_start) ++c.rows;
      line_start = false;
    }
  }
  return c;
}

// A vector as its length and its bytes.  An empty vector may have no storage at all (data() null),
// and memcpy from or to a null pointer is undefined even for zero bytes: a shard with no rows (a
// 1-row book over 2 ranks) sends only its length.
template <typename T>
void put(std::string& out, const std::vector<T>& values) {
  const uint64_t n = values.size();
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  if (n > 0) out.append(reinterpret_cast<const char*>(values.data()), n * sizeof(T));
}

template <typename T>
void take(const std::string& in, size_t& offset, std::vector<T>& values) {
  uint64_t n = 0;
  if (in.size() - offset < sizeof n) throw DeviceError("a gathered book shard is truncated");
  std::memcpy(&n, in.data() + offset, sizeof n);
  offset += sizeof n;
  if (n > (in.size() - offset) / sizeof(T)) throw DeviceError("a gathered book shard is truncated");
  if (n == 0) return;
  const size_t start = values.size();
  values.resize(start + n);
  std::memcpy(values.data() + start, in.data() + offset, n * sizeof(T));
  offset += n * sizeof(T);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += name + '\n';  // a CSV field may hold "\n" only quoted:
  return out;                                                // labels never reach here with one
}

}  // namespace

Book read_book_csv_shard(const std::string& path, const Communicator& comm) {
  const int rank = comm.rank(), ranks = comm.size();
  std::string buffer;  // the header line(s), then this rank's rows
  uint64_t header_line_ends = 0;
  LineCounts mine;
  run_agreed(comm, [&] {
    const ShardFile file(path);
    const uint64_t size = file.size();
    // The header: a BOM, blank lines, then the first line with something on it.
    uint64_t header_end = 0;
    {
      std::string head;
      constexpr uint64_t kProbe = 64 * 1024;
      bool seen_text = false;
      std::string bom;
      file.read(0, std::min<uint64_t>(size, 3), bom);
      const uint64_t text_start = bom == "\xEF\xBB\xBF" ? 3 : 0;
      for (uint64_t at = text_start; at < size && header_end == 0; at += kProbe) {
        head.clear();
        file.read(at, std::min(size, at + kProbe + 1), head);  // one byte more, to see a "\r\n"
        for (size_t j = 0; j < head.size() && at + j < std::min(size, at + kProbe); ++j) {
          const char ch = head[j];
          if (ch != '\n' && ch != '\r') {
            seen_text = true;
          } else if (seen_text) {
            header_end = at + j + ((ch == '\r' && j + 1 < head.size() && head[j + 1] == '\n') ? 2 : 1);
            break;
          }
        }
      }
      if (header_end == 0) header_end = size;
    }
    auto boundary = [&](int k) -> uint64_t {
      if (k == 0) return header_end;
      if (k == ranks) return size;
      const uint64_t cut = static_cast<uint64_t>(static_cast<long double>(size) * k / ranks);
      return std::max(file.next_line_start(cut), header_end);
    };
    const uint64_t from = boundary(rank), to = std::max(from, boundary(rank + 1));
    file.read(0, header_end, buffer);
    header_line_ends = count_lines(buffer.data(), buffer.data() + buffer.size()).line_ends;
    file.read(from, to, buffer);
    mine = count_lines(buffer.data() + header_end, buffer.data() + buffer.size());
  });

  CsvShard shard;
  shard.first_row_line = 1 + header_line_ends + comm.sum_below(mine.line_ends);
  shard.rows_before = comm.sum_below(mine.rows);
  Book book;
  run_agreed(comm, [&] { book = parse_book_csv_shard(buffer.data(), buffer.size(), path, shard); });
  buffer = std::string();

  // Book-wide: at least one row, group labels numbered in order of first appearance, one warning
  // for positive elasticities naming the first line in the file.
  size_t positive = 0;
  uint64_t first_positive_line = 0;
  for (size_t i = 0; i < book.size(); ++i)
    if (book.elasticity[i] > 0 && positive++ == 0) first_positive_line = book.line_number[i];
  std::string facts(2 * sizeof(uint64_t), '\0');
  const uint64_t local[2] = {static_cast<uint64_t>(book.size()), positive};
  std::memcpy(facts.data(), local, sizeof local);
  facts += std::to_string(first_positive_line) + '\n' + join(book.group_names);
  uint64_t total_rows = 0, total_positive = 0, first_line = 0;
  std::vector<std::string> group_names;
  std::unordered_map<std::string, int32_t> group_index;
  for (const std::string& part : comm.allgather(facts)) {
    uint64_t counts[2];
    std::memcpy(counts, part.data(), sizeof counts);
    total_rows += counts[0];
    size_t p = sizeof counts;
    const size_t line_end = part.find('\n', p);
    const uint64_t line = std::stoull(part.substr(p, line_end - p));
    if (counts[1] > 0 && total_positive == 0) first_line = line;
    total_positive += counts[1];
    for (p = line_end + 1; p < part.size();) {
      const size_t e = part.find('\n', p);
      const std::string name = part.substr(p, e - p);
      p = e + 1;
      if (group_index.emplace(name, static_cast<int32_t>(group_names.size())).second) group_names.push_back(name);
    }
  }
  if (total_rows == 0) throw AgreedError(path + ": book is empty (a header but no rows)", 2);
  // This rank's labels, renumbered in the whole file's order.
  std::vector<int32_t> remap;
  for (const std::string& name : book.group_names) remap.push_back(group_index.at(name));
  for (int32_t& g : book.group) g = remap[static_cast<size_t>(g)];
  book.group_names = group_names;
  if (!book.has_group) book.group_names = {"all"};
  if (total_positive > 0) {
    book.warnings.push_back(path + ": " + std::to_string(total_positive) +
                            (total_positive == 1 ? " policy has" : " policies have") +
                            " positive elasticity (first at line " + std::to_string(first_line) + ")");
  }
  return book;
}

Book gather_book(const Book& shard, const Communicator& comm) {
  std::string bytes;
  put(bytes, shard.technical_price);
  put(bytes, shard.expected_loss_cost);
  put(bytes, shard.p_demand);
  put(bytes, shard.elasticity);
  put(bytes, shard.renewal_flag);
  put(bytes, shard.enbp);
  put(bytes, shard.prior_multiplier);
  put(bytes, shard.claims_variance);
  put(bytes, shard.expense);
  put(bytes, shard.weight);
  put(bytes, shard.group);
  put(bytes, shard.line_number);
  std::vector<char> ids(shard.id_chars.begin(), shard.id_chars.end());
  put(bytes, ids);
  put(bytes, shard.id_offset);

  Book book;
  if (comm.rank() == 0) {
    book.source = shard.source;
    book.group_names = shard.group_names;
    book.has_enbp = shard.has_enbp;
    book.has_claims_variance = shard.has_claims_variance;
    book.has_group = shard.has_group;
    book.warnings = shard.warnings;
  }
  comm.gather_to_root(bytes, [&](int, const std::string& part) {
    size_t at = 0;
    take(part, at, book.technical_price);
    take(part, at, book.expected_loss_cost);
    take(part, at, book.p_demand);
    take(part, at, book.elasticity);
    take(part, at, book.renewal_flag);
    take(part, at, book.enbp);
    take(part, at, book.prior_multiplier);
    take(part, at, book.claims_variance);
    take(part, at, book.expense);
    take(part, at, book.weight);
    take(part, at, book.group);
    take(part, at, book.line_number);
    std::vector<char> part_ids;
    take(part, at, part_ids);
    std::vector<uint64_t> offsets;
    take(part, at, offsets);
    // offsets are the shard's own (from 0); the first is 0 and the rest follow the previous shards
    const uint64_t base = book.id_chars.size();
    if (!offsets.empty() && book.id_offset.empty()) book.id_offset.push_back(0);
    for (size_t i = 1; i < offsets.size(); ++i) book.id_offset.push_back(base + offsets[i]);
    book.id_chars.append(part_ids.begin(), part_ids.end());
  });
  return book;
}

std::vector<double> gather_values(const std::vector<double>& values, const Communicator& comm) {
  std::string bytes;
  put(bytes, values);
  std::vector<double> all;
  comm.gather_to_root(bytes, [&](int, const std::string& part) {
    size_t at = 0;
    take(part, at, all);
  });
  return all;
}

}  // namespace rateopt
