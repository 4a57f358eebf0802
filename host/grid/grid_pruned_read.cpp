// read_and_solve_grid (rateopt/grid.hpp): a large grid read keeping per policy only the candidates able to
// win near the multipliers.  Near the dual's optimum a policy's argmax moves among a few of its K rows, so
// a box on the multipliers from a sample decides, policy by policy as the file streams past, which rows
// can matter; inside the box passes over those rows equal passes over every row (grid_window.hpp), so the
// bound stays the whole grid's.
#include <fcntl.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <future>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "grid/grid_problem.hpp"
#include "grid/grid_rules.hpp"
#include "grid/grid_window.hpp"
#include "io/files.hpp"
#include "io/text.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/math/grid_math.hpp"

namespace rateopt {

namespace {

constexpr size_t kChunkPolicies = 16384;              // policies parsed before their rows are pruned
constexpr int kWidenings = 3;                         // wider boxes tried before the whole grid is read
constexpr double kWidenedHalf = 0.05;                 // least half-width of a widened box (normalised λ)
constexpr size_t kHashAheadBytes = size_t{64} << 20;  // grids hashed while their sample is read and solved

// A file read by offset: the sample jumps to evenly spaced places.
class FileAt {
 public:
  explicit FileAt(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY)) {
    if (fd_ >= 0) size_ = file_size(fd_);
  }
  ~FileAt() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileAt(const FileAt&) = delete;
  FileAt& operator=(const FileAt&) = delete;
  size_t size() const { return size_; }  // 0: not a regular file
  // Up to `bytes` from `at` (fewer at the end of the file).
  std::string read(size_t at, size_t bytes) const {
    std::string out(std::min(bytes, size_ > at ? size_ - at : 0), '\0');
    size_t got = 0;
    while (got < out.size()) {
      const ssize_t n = ::pread(fd_, &out[got], out.size() - got, static_cast<off_t>(at + got));
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    out.resize(got);
    return out;
  }

 private:
  int fd_;
  size_t size_ = 0;
};

// Policies sampled at evenly spaced byte offsets, as CSV text behind the file's header, each with the
// inverse of its chance to be hit (a policy of more bytes is hit more often), so that weighted sums over
// the sample estimate the whole grid's.
struct GridSample {
  std::string text;
  std::vector<double> inverse_chance;
  double policies_estimate = 0;
};

// The policy_id of the line at `p` (unquoted), or nullopt for a line this scan does not handle
// (blank, quoted) — the sample then gives way to the plain read.
std::optional<std::string_view> line_id(std::string_view block, size_t p) {
  const size_t end = block.find_first_of(",\r\n\"", p);
  if (end == std::string_view::npos || block[end] != ',' || end == p) return std::nullopt;
  return block.substr(p, end - p);
}

// The bytes [begin, end) of the policy whose rows hold byte `at` (data: where the rows start), or nullopt
// for lines the scan leaves to the plain read.  Reads 4 KiB either side (a sample of 20,000 policies then
// reads 160 MB, not a whole grid), and a wider block while the policy runs past it.
std::optional<std::pair<size_t, size_t>> policy_at(const FileAt& file, size_t data, size_t at) {
  for (size_t reach = 1 << 12; reach <= (1u << 24); reach *= 4) {
    const size_t base = std::max(data, at > reach ? at - reach : 0);
    const std::string block = file.read(base, at - base + reach);
    const bool from_data = base == data, to_end = base + block.size() >= file.size();
    const auto line_start = [&](size_t p) -> std::optional<size_t> {  // of the line holding block[p]
      const size_t nl = p == 0 ? std::string::npos : block.rfind('\n', p - 1);
      if (nl != std::string::npos) return nl + 1;
      return from_data ? std::make_optional<size_t>(0) : std::nullopt;
    };
    std::optional<size_t> begin = line_start(at - base);
    if (!begin || (block.find('\n', *begin) == std::string::npos && !to_end)) continue;
    const std::optional<std::string_view> id = line_id(block, *begin);
    if (!id) return std::nullopt;
    bool wider = false;
    while (*begin > 0) {  // back over the policy's earlier rows
      const std::optional<size_t> previous = line_start(*begin - 1);
      if (!previous) {
        wider = true;
        break;
      }
      const std::optional<std::string_view> previous_id = line_id(block, *previous);
      if (!previous_id) return std::nullopt;
      if (*previous_id != *id) break;
      begin = previous;
    }
    size_t end = *begin;
    while (!wider) {  // on over its rows
      if (end >= block.size()) {
        if (to_end) break;
        wider = true;
        break;
      }
      // A line the block cuts short (its id perhaps with it) is read whole from a wider block.
      const size_t nl = block.find('\n', end);
      if (nl == std::string::npos && !to_end) {
        wider = true;
        break;
      }
      const std::optional<std::string_view> here = line_id(block, end);
      if (!here) return std::nullopt;
      if (*here != *id) break;
      end = nl == std::string::npos ? block.size() : nl + 1;
    }
    if (!wider) return std::make_pair(base + *begin, base + end);
  }
  return std::nullopt;
}

// Where the rows start: after the header, the first line with anything on it (after a BOM); nullopt for a
// header the scan leaves to the plain read (quoted) or a file with no rows.
std::optional<size_t> rows_start(const FileAt& file) {
  const std::string head = file.read(0, 1 << 20);
  size_t h = head.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  while (h < head.size() && (head[h] == '\n' || head[h] == '\r')) ++h;
  const size_t header_end = head.find('\n', h);
  if (header_end == std::string::npos || head.find('"', h) < header_end) return std::nullopt;
  if (file.size() <= header_end + 1) return std::nullopt;
  return header_end + 1;
}

// The policies holding `samples` evenly spaced byte offsets (a policy hit twice taken once); nullopt when
// the file is not a regular file or holds lines the scan leaves to the plain read.
std::optional<GridSample> sample_grid(const std::string& path, size_t samples) {
  const FileAt file(path);
  if (file.size() == 0) return std::nullopt;
  const std::optional<size_t> rows = rows_start(file);
  if (!rows) return std::nullopt;
  const size_t data = *rows;
  GridSample s;
  s.text = file.read(0, data);
  const double span = static_cast<double>(file.size() - data);
  size_t last_begin = static_cast<size_t>(-1);
  for (size_t k = 0; k < samples; ++k) {
    const auto at = data + static_cast<size_t>((static_cast<double>(k) + 0.5) * span / static_cast<double>(samples));
    const std::optional<std::pair<size_t, size_t>> policy = policy_at(file, data, at);
    if (!policy) return std::nullopt;
    if (policy->first == last_begin) continue;
    last_begin = policy->first;
    const size_t bytes = policy->second - policy->first;
    s.text += file.read(policy->first, bytes);
    if (s.text.back() != '\n') s.text += '\n';
    const double chance = std::min(1.0, static_cast<double>(samples) * static_cast<double>(bytes) / span);
    s.inverse_chance.push_back(1.0 / chance);
    s.policies_estimate += 1.0 / chance;
  }
  if (s.inverse_chance.empty()) return std::nullopt;
  return s;
}

// The multipliers' box from the sample's solve: its multipliers ± a quarter, plus a little of the largest
// (in the solver's normalised units, where the constraints compare), in profit per unit of each row.
struct LambdaBox {
  std::vector<double> centre, half;
  std::vector<double> lower() const {
    std::vector<double> out(centre.size());
    for (size_t k = 0; k < out.size(); ++k) out[k] = std::max(0.0, centre[k] - half[k]);
    return out;
  }
  std::vector<double> upper() const {
    std::vector<double> out(centre.size());
    for (size_t k = 0; k < out.size(); ++k) out[k] = centre[k] + half[k];
    return out;
  }
};

LambdaBox box_around(const std::vector<double>& lambda, const std::vector<double>& unit) {
  LambdaBox box{lambda, std::vector<double>(lambda.size())};
  double largest = 0;
  for (size_t k = 0; k < lambda.size(); ++k) largest = std::max(largest, lambda[k] / unit[k]);
  for (size_t k = 0; k < lambda.size(); ++k)
    box.half[k] = (0.25 * lambda[k] / unit[k] + 1e-3 * largest + 1e-9) * unit[k];
  return box;
}

// The multipliers of policies sampled across the file, or nullopt where the plain read decides: a small grid,
// exact asked for, a sample the scan cannot take, or one whose solve is not a clean answer (infeasible,
// or an input problem the plain read will report at its line).
std::optional<GridMultipliers> sample_multipliers(const std::string& path, const GridOptions& options) {
  if (options.exact || options.dual_sample <= 0) return std::nullopt;
  const std::optional<GridSample> sample = sample_grid(path, static_cast<size_t>(options.dual_sample));
  if (!sample || sample->policies_estimate < 4.0 * static_cast<double>(options.dual_sample)) return std::nullopt;
  try {
    GridBook book = read_grid_csv_text(path, sample->text, grid_constraint_columns(options));
    if (book.policies() != sample->inverse_chance.size()) return std::nullopt;
    std::vector<double>& weight = book.weight.own();
    for (size_t i = 0; i < weight.size(); ++i) weight[i] *= sample->inverse_chance[i];
    GridOptions small = options;
    small.dual_sample = 0;
    small.device = Device::cpu;
    const GridResult res = solve_grid_multipliers(book, small);
    if (res.term_prices.empty() || res.status == SolveStatus::infeasible) return std::nullopt;
    return GridMultipliers{res.multipliers, res.multiplier_units};
  } catch (const InputError&) {
    return std::nullopt;
  }
}

// Appends the grid's columns of chosen rows, policy by policy, into one book; per-row columns are kept per
// row here and stored once per policy at the end where they allow it.
class PrunedBook {
 public:
  PrunedBook() { book_.offset.push_back(0); }

  void add_policy(const GridBook& c, size_t i, const std::vector<size_t>& rows) {
    GridBook& b = book_;
    b.policy_id.push_back(c.policy_id[i]);
    b.first_line.push_back(c.first_line[i]);
    for (size_t r : rows) {
      b.premium.push_back(c.premium[r]);
      b.demand.push_back(c.demand[r]);
      b.step.push_back(c.step_of(i, r));
    }
    b.offset.push_back(b.premium.size());
    if (!have_columns_) take_column_layout(c);
    add_column(b.loss_cost, c.loss_cost, i, rows);
    add_column(b.expense, c.expense, i, rows);
    for (size_t k = 0; k < c.extra.size(); ++k) add_column(b.extra[k], c.extra[k], i, rows);
    b.weight.push_back(c.weight[i]);
    b.renewal.push_back(c.renewal[i]);
    b.group.push_back(group_index(c.group_names[static_cast<size_t>(c.group[i])]));
    if (!c.baseline.empty()) b.baseline.push_back(c.baseline[i]);
    if (!c.enbp.empty()) b.enbp.push_back(c.enbp[i]);
  }

  size_t policies() const { return book_.policies(); }
  size_t rows() const { return book_.candidates(); }
  /// Room for `policies` and `rows` in all, so that appending parts copies each value once.
  void reserve(size_t policies, size_t rows, const PrunedBook& like) {
    GridBook& b = book_;
    const GridBook& c = like.book_;
    b.policy_id.reserve(policies);
    b.first_line.reserve(policies);
    b.offset.reserve(policies + 1);
    b.group.reserve(policies);
    b.renewal.reserve(policies);
    b.weight.reserve(policies);
    if (!c.baseline.empty()) b.baseline.reserve(policies);
    if (!c.enbp.empty()) b.enbp.reserve(policies);
    b.step.reserve(rows);
    b.premium.reserve(rows);
    b.demand.reserve(rows);
    for (auto [to, from] : {std::pair{&b.loss_cost, &c.loss_cost}, std::pair{&b.expense, &c.expense}})
      if (from->present()) to->values.reserve(rows);
    b.extra.resize(c.extra.size());
    for (size_t k = 0; k < c.extra.size(); ++k) b.extra[k].values.reserve(rows);
  }

  /// A range read from line 1 placed where it lies in the file.
  void shift_lines(uint64_t by) {
    for (uint64_t& line : book_.first_line) line += by;
  }

  /// Another part's policies after these.
  void append(PrunedBook&& o) {
    GridBook &b = book_, &c = o.book_;
    if (!have_columns_) take_column_layout(c);
    const uint64_t shift = b.premium.size();
    for (size_t i = 0; i < c.policies(); ++i) {
      b.policy_id.push_back(std::move(c.policy_id[i]));
      b.offset.push_back(shift + c.offset[i + 1]);
      b.group.push_back(group_index(c.group_names[static_cast<size_t>(c.group[i])]));
    }
    const auto add = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    add(b.first_line, c.first_line);
    add(b.step, c.step);
    add(b.renewal, c.renewal);
    add(b.baseline, c.baseline);
    for (auto [to, from] : {std::pair{&b.premium, &c.premium}, std::pair{&b.demand, &c.demand},
                            std::pair{&b.weight, &c.weight}, std::pair{&b.enbp, &c.enbp}})
      append_values(*to, *from);
    for (auto [to, from] : {std::pair{&b.loss_cost, &c.loss_cost}, std::pair{&b.expense, &c.expense}})
      add_values(*to, *from);
    for (size_t k = 0; k < c.extra.size(); ++k) add_values(b.extra[k], c.extra[k]);
    o = PrunedBook();
  }

  GridBook finish() {
    for (GridColumn* column : {&book_.loss_cost, &book_.expense})
      if (column->present()) grid_rules::store_once_per_policy_when_constant(*column, book_.offset);
    for (GridColumn& column : book_.extra) grid_rules::store_once_per_policy_when_constant(column, book_.offset);
    if (book_.group_names.empty()) book_.group_names.push_back("all");
    return std::move(book_);
  }

 private:
  void take_column_layout(const GridBook& c) {
    have_columns_ = true;
    book_.extra_names = c.extra_names;
    book_.extra.resize(c.extra.size());
  }

  // (own() then a new GridArray: growing the owned vector in place would leave the array's view behind)
  static void append_values(GridArray<double>& out, const GridArray<double>& in) {
    std::vector<double> values = std::move(out.own());
    values.insert(values.end(), in.begin(), in.end());
    out = std::move(values);  // keeps the vector's buffer and capacity
  }
  static void add_values(GridColumn& out, const GridColumn& in) {
    if (!in.present()) return;
    out.per_row = true;
    append_values(out.values, in.values);
  }

  static void add_column(GridColumn& out, const GridColumn& in, size_t i, const std::vector<size_t>& rows) {
    if (!in.present()) return;
    out.per_row = true;
    for (size_t r : rows) out.values.push_back(in.at(i, r));
  }

  int32_t group_index(const std::string& name) {
    const auto found = group_of_.find(name);
    if (found != group_of_.end()) return found->second;
    const auto index = static_cast<int32_t>(book_.group_names.size());
    book_.group_names.push_back(name);
    group_of_.emplace(name, index);
    return index;
  }

  GridBook book_;
  bool have_columns_ = false;
  std::unordered_map<std::string, int32_t> group_of_;
};

// Byte ranges of the rows, each starting at a policy's first row: `parts` of them for readers in
// parallel, or nullopt where the scan cannot split the file.  The first range's first line is known; the
// others' come from the lines their readers passed.  (A range boundary the scan misplaced, inside a
// quoted field that holds line ends, fails its readers: the file is then read again by one.)
struct RowRange {
  uint64_t begin = 0, end = 0, first_line = 1;
};
std::optional<std::vector<RowRange>> row_ranges(const std::string& path, size_t parts) {
  const FileAt file(path);
  if (file.size() == 0) return std::nullopt;
  const std::optional<size_t> data = rows_start(file);
  if (!data) return std::nullopt;
  uint64_t first_line = 1;  // line ends before the rows, as the reader counts them (CR LF, LF, CR)
  const std::string head = file.read(0, *data);
  for (size_t k = 0; k < head.size(); ++k)
    first_line += head[k] == '\n' || (head[k] == '\r' && (k + 1 == head.size() || head[k + 1] != '\n'));
  std::vector<RowRange> ranges{{*data, file.size(), first_line}};
  const double span = static_cast<double>(file.size() - *data);
  for (size_t t = 1; t < parts; ++t) {
    const auto at = *data + static_cast<size_t>(static_cast<double>(t) * span / static_cast<double>(parts));
    const std::optional<std::pair<size_t, size_t>> policy = policy_at(file, *data, at);
    if (!policy) return std::nullopt;
    if (policy->first <= ranges.back().begin) continue;
    ranges.back().end = policy->first;
    ranges.push_back({policy->first, file.size(), 1});
  }
  return ranges;
}

// One range of the grid read with its caps applied and, per policy, only the rows able to win inside the
// box (and the baseline row, which percent limits, rate changes and the outputs refer to).
struct PrunedPart {
  PrunedBook book;
  uint64_t lines = 0;  // lines the range spans
  GridBook::Pruning counts;
  std::vector<std::string> warnings;
  std::string sha256;  // a reader of the whole file's
};
void read_part(GridChunkReader& reader, const GridOptions& options, const std::vector<double>& lower,
               const std::vector<double>& upper, int threads, PrunedPart& part) {
  GridBook chunk;
  bool first = true;
  std::vector<size_t> rows;
  while (reader.next(chunk)) {
    if (first) part.warnings = chunk.warnings;
    first = false;
    GridResult counts;
    const GridProblem problem = prepare_grid_problem(chunk, options, counts);
    part.counts.rows_read += counts.n_candidates;
    part.counts.removed_by_caps += counts.candidates_removed;
    part.counts.bound_conflicts += counts.n_bound_conflicts;
    // ω(λ) = e_profit − Σ_k λ_k·coef_k, with λ in profit per unit of each row as the box holds it.
    GridOmegaMap map;
    map.base.assign(static_cast<size_t>(problem.terms), 0.0);
    map.base[math::grid_term::profit] = 1.0;
    for (const GridRow& row : problem.rows) {
      std::vector<double> d(row.coef.size());
      for (size_t t = 0; t < d.size(); ++t) d[t] = -row.coef[t];
      map.direction.push_back(std::move(d));
    }
    const std::vector<uint32_t> window = grid_argmax_windows(chunk, map, lower, upper, threads);
    for (size_t i = 0; i < chunk.policies(); ++i) {
      rows.clear();
      const size_t first_row = chunk.offset[i], b = chunk.baseline_row(i);
      const size_t lo = first_row + window[2 * i], hi = first_row + window[2 * i + 1];
      if (b != static_cast<size_t>(-1) && b < lo) rows.push_back(b);
      for (size_t r = lo; r < hi; ++r) rows.push_back(r);
      if (b != static_cast<size_t>(-1) && b >= hi) rows.push_back(b);
      part.book.add_policy(chunk, i, rows);
      part.counts.capped_rows.push_back(static_cast<uint32_t>(chunk.rows_of(i)));
    }
    part.sha256 = chunk.sha256;
  }
}

// Whether a policy's rows were seen by two readers (each checks only its own range).
bool policy_split_across_ranges(const GridBook& g) {
  std::vector<std::pair<uint64_t, size_t>> hashed(g.policies());
  for (size_t i = 0; i < g.policies(); ++i) hashed[i] = {text_hash(g.policy_id[i]), i};
  std::sort(hashed.begin(), hashed.end());
  for (size_t k = 1; k < hashed.size(); ++k)
    for (size_t j = k; j-- > 0 && hashed[j].first == hashed[k].first;)
      if (g.policy_id[hashed[j].second] == g.policy_id[hashed[k].second]) return true;
  return false;
}

// The grid read pruned to the box: ranges of the file read in parallel (one reader, which hashes what it
// reads, where row_ranges cannot split it, or `whole`); `sha256` is the whole file's.  Bad input found by
// readers in parallel is read again by one, which reports the first problem as a read from the start does.
GridBook read_pruned(const std::string& path, const GridOptions& options, const LambdaBox& box,
                     const std::shared_future<std::string>& sha256, bool whole = false) {
  const std::vector<double> lower = box.lower(), upper = box.upper();
  const std::vector<std::string> columns = grid_constraint_columns(options);
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  const std::optional<std::vector<RowRange>> ranges =
      threads > 1 && !whole ? row_ranges(path, static_cast<size_t>(threads)) : std::nullopt;
  const size_t parts = ranges ? ranges->size() : 1;
  std::vector<PrunedPart> part(parts);
  std::vector<std::exception_ptr> error(parts);
  const int team = static_cast<int>(parts);
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
  for (int64_t t = 0; t < static_cast<int64_t>(parts); ++t) {
    const auto u = static_cast<size_t>(t);
    try {
      if (ranges) {
        const RowRange& r = (*ranges)[u];
        GridChunkReader reader(path, columns, kChunkPolicies, r.begin, r.end, r.first_line);
        read_part(reader, options, lower, upper, 1, part[u]);
        part[u].lines = reader.end_line() - r.first_line;
      } else {
        GridChunkReader reader(path, columns, kChunkPolicies);
        read_part(reader, options, lower, upper, threads, part[u]);
      }
    } catch (...) {
      error[u] = std::current_exception();
    }
  }
  for (const std::exception_ptr& e : error) {
    if (!e) continue;
    if (ranges) return read_pruned(path, options, box, sha256, true);
    std::rethrow_exception(e);
  }
  GridBook::Pruning pruning;
  pruning.lower = lower;
  pruning.upper = upper;
  PrunedBook all;
  size_t policies = 0, rows = 0;
  for (const PrunedPart& p : part) {
    policies += p.book.policies();
    rows += p.book.rows();
  }
  all.reserve(policies, rows, part[0].book);
  uint64_t line = ranges ? (*ranges)[0].first_line : 1;
  for (size_t u = 0; u < parts; ++u) {
    PrunedPart& p = part[u];
    if (ranges) p.book.shift_lines(line - (*ranges)[u].first_line);
    line += p.lines;
    all.append(std::move(p.book));
    pruning.rows_read += p.counts.rows_read;
    pruning.removed_by_caps += p.counts.removed_by_caps;
    pruning.bound_conflicts += p.counts.bound_conflicts;
    pruning.capped_rows.insert(pruning.capped_rows.end(), p.counts.capped_rows.begin(), p.counts.capped_rows.end());
  }
  GridBook book = all.finish();
  book.source = path;
  book.sha256 = ranges ? sha256.get() : part[0].sha256;
  book.warnings = part[0].warnings;
  book.pruning = std::move(pruning);
  if (parts > 1 && policy_split_across_ranges(book)) return read_pruned(path, options, box, sha256, true);
  return book;
}

}  // namespace

GridResult read_and_solve_grid_from(const std::string& path, const GridOptions& options,
                                    const std::optional<GridMultipliers>& start, GridBook& grid,
                                    std::shared_future<std::string> sha256) {
  std::optional<LambdaBox> box;
  if (start) box = box_around(start->lambda, start->units);
  if (box && !sha256.valid()) sha256 = std::async(std::launch::deferred, sha256_file, path).share();
  for (int read = 1; box && read <= kWidenings + 1; ++read) {
    grid = GridBook();
    grid = read_pruned(path, options, *box, sha256);
    GridResult res = solve_grid(grid, options);
    res.pruned_reads = read;
    if (!res.reached_box && res.status != SolveStatus::numerical_failure) return res;
    if (res.multipliers.size() != box->centre.size()) break;
    // Around the answer, at least four times as wide, and at least kWidenedHalf normalised units either side:
    // a sample that finds a limit slack (λ = 0) gives a box of almost no width, which widening by four
    // alone would not take to a multiplier of normal size.
    LambdaBox wider = box_around(res.multipliers, res.multiplier_units);
    for (size_t k = 0; k < wider.half.size(); ++k)
      wider.half[k] = std::max({wider.half[k], 4 * box->half[k], kWidenedHalf * res.multiplier_units[k]});
    box = wider;
  }
  grid = GridBook();
  grid = read_grid_csv(path, grid_constraint_columns(options));
  return solve_grid(grid, options);
}

GridResult read_and_solve_grid(const std::string& path, const GridOptions& options, GridBook& grid) {
  options.validate();
  const auto start = std::chrono::steady_clock::now();
  // A large grid's SHA-256 on another thread from the start: the sample's read and solve leave a core free.
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  std::shared_future<std::string> sha256;
  if (threads > 1 && !options.exact && options.dual_sample > 0 && FileAt(path).size() >= kHashAheadBytes)
    sha256 = std::async(std::launch::async, sha256_file, path).share();
  GridResult res = read_and_solve_grid_from(path, options, sample_multipliers(path, options), grid, sha256);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  res.seconds_read = elapsed - res.seconds_total;
  return res;
}

}  // namespace rateopt
