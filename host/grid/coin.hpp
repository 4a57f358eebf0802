// A small linear or mixed-integer programme handed to COIN-OR: CLP for LPs (with row duals), CBC for
// MIPs.  Columns and rows are added one at a time; entries as (row, column, value) triplets.
#pragma once

#include <cstdint>
#include <vector>

namespace rateopt {

/// COIN's "no bound" for a column or row limit.
constexpr double kCoinInfinity = 1e30;

struct SparseProgram {
  bool maximise = true;
  std::vector<double> col_lo, col_hi, objective;
  std::vector<uint8_t> integer;
  std::vector<double> row_lo, row_hi;
  std::vector<int> entry_row, entry_col;
  std::vector<double> entry_value;

  int add_column(double lo, double hi, double cost, bool is_integer = false);
  int add_row(double lo, double hi);
  void add(int row, int column, double value);
  int columns() const { return static_cast<int>(col_lo.size()); }
  int rows() const { return static_cast<int>(row_lo.size()); }
};

struct ProgramSolution {
  enum class Status { optimal, infeasible, unbounded, stopped, failed };
  Status status = Status::failed;
  std::vector<double> x;
  std::vector<double> row_dual;  ///< LPs only
  double objective = 0;
  double bound = 0;  ///< MIPs: best possible objective (branch and bound's bound)
};

/// Solve as an LP (integrality ignored) with CLP's dual simplex; the solution is basic.
ProgramSolution solve_lp(const SparseProgram& program);
/// Solve as a MIP with CBC, stopping after max_seconds or max_nodes branch-and-bound nodes (status stopped,
/// x the best found or empty).  A node limit stops at the same answer however busy the machine is.
ProgramSolution solve_mip(const SparseProgram& program, double max_seconds, int max_nodes = 0);

}  // namespace rateopt
