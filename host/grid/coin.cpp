#include "grid/coin.hpp"

#include <coin/Cbc_C_Interface.h>
#include <coin/Clp_C_Interface.h>

#include <memory>
#include <numeric>
#include <string>

namespace rateopt {

int SparseProgram::add_column(double lo, double hi, double cost, bool is_integer) {
  col_lo.push_back(lo);
  col_hi.push_back(hi);
  objective.push_back(cost);
  integer.push_back(is_integer ? 1 : 0);
  return columns() - 1;
}

int SparseProgram::add_row(double lo, double hi) {
  row_lo.push_back(lo);
  row_hi.push_back(hi);
  return rows() - 1;
}

void SparseProgram::add(int row, int column, double value) {
  entry_row.push_back(row);
  entry_col.push_back(column);
  entry_value.push_back(value);
}

namespace {

// The matrix column by column, as both COIN interfaces load it.
struct ColumnMajor {
  std::vector<CoinBigIndex> start;
  std::vector<int> index;
  std::vector<double> value;
  explicit ColumnMajor(const SparseProgram& p) {
    const size_t n = p.entry_value.size();
    start.assign(static_cast<size_t>(p.columns()) + 1, 0);
    for (size_t e = 0; e < n; ++e) ++start[static_cast<size_t>(p.entry_col[e]) + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    index.resize(n);
    value.resize(n);
    std::vector<CoinBigIndex> next(start.begin(), start.end() - 1);
    for (size_t e = 0; e < n; ++e) {
      const auto at = static_cast<size_t>(next[static_cast<size_t>(p.entry_col[e])]++);
      index[at] = p.entry_row[e];
      value[at] = p.entry_value[e];
    }
  }
};

struct ClpDeleter {
  void operator()(Clp_Simplex* m) const { Clp_deleteModel(m); }
};
struct CbcDeleter {
  void operator()(Cbc_Model* m) const { Cbc_deleteModel(m); }
};

}  // namespace

ProgramSolution solve_lp(const SparseProgram& p) {
  const ColumnMajor a(p);
  std::unique_ptr<Clp_Simplex, ClpDeleter> model(Clp_newModel());
  Clp_Simplex* m = model.get();
  Clp_setLogLevel(m, 0);
  Clp_loadProblem(m, p.columns(), p.rows(), a.start.data(), a.index.data(), a.value.data(), p.col_lo.data(),
                  p.col_hi.data(), p.objective.data(), p.row_lo.data(), p.row_hi.data());
  Clp_setOptimizationDirection(m, p.maximise ? -1.0 : 1.0);
  Clp_setPrimalTolerance(m, 1e-10);
  Clp_setDualTolerance(m, 1e-10);
  Clp_dual(m, 0);
  ProgramSolution s;
  const int status = Clp_status(m);
  s.status = status == 0   ? ProgramSolution::Status::optimal
             : status == 1 ? ProgramSolution::Status::infeasible
             : status == 2 ? ProgramSolution::Status::unbounded
                           : ProgramSolution::Status::failed;
  if (s.status != ProgramSolution::Status::optimal) return s;
  s.x.assign(Clp_getColSolution(m), Clp_getColSolution(m) + p.columns());
  s.row_dual.assign(Clp_getRowPrice(m), Clp_getRowPrice(m) + p.rows());
  s.objective = Clp_objectiveValue(m);
  s.bound = s.objective;
  return s;
}

ProgramSolution solve_mip(const SparseProgram& p, double max_seconds, int max_nodes) {
  const ColumnMajor a(p);
  std::unique_ptr<Cbc_Model, CbcDeleter> model(Cbc_newModel());
  Cbc_Model* m = model.get();
  Cbc_setLogLevel(m, 0);
  Cbc_setParameter(m, "log", "0");
  Cbc_setParameter(m, "slog", "0");
  Cbc_setParameter(m, "primalT", "1e-9");
  Cbc_setParameter(m, "integerT", "1e-9");
  Cbc_setParameter(m, "ratioGap", "0");
  Cbc_setParameter(m, "allowableGap", "0");
  // On an objective scaled to about 1 over many columns CBC's defaults proved wrong optima: its cutoff
  // increment (1e-5) pruned answers 3e-6 better, and its dual tolerance (1e-7 per reduced cost, summed
  // over thousands of near-tied candidates) gave bounds 1e-4 below the optimum (tests/test_grid.cpp).
  Cbc_setParameter(m, "increment", "1e-12");
  Cbc_setParameter(m, "dualT", "1e-12");
  Cbc_loadProblem(m, p.columns(), p.rows(), a.start.data(), a.index.data(), a.value.data(), p.col_lo.data(),
                  p.col_hi.data(), p.objective.data(), p.row_lo.data(), p.row_hi.data());
  for (int j = 0; j < p.columns(); ++j)
    if (p.integer[static_cast<size_t>(j)]) Cbc_setInteger(m, j);
  Cbc_setObjSense(m, p.maximise ? -1.0 : 1.0);
  Cbc_setMaximumSeconds(m, max_seconds);
  if (max_nodes > 0) Cbc_setMaximumNodes(m, max_nodes);
  Cbc_solve(m);
  ProgramSolution s;
  if (Cbc_isProvenInfeasible(m)) {
    s.status = ProgramSolution::Status::infeasible;
    return s;
  }
  s.status = Cbc_isProvenOptimal(m) ? ProgramSolution::Status::optimal : ProgramSolution::Status::stopped;
  s.bound = Cbc_getBestPossibleObjValue(m);
  if (Cbc_numberSavedSolutions(m) > 0 || s.status == ProgramSolution::Status::optimal) {
    s.x.assign(Cbc_getColSolution(m), Cbc_getColSolution(m) + p.columns());
    s.objective = Cbc_getObjValue(m);
  }
  return s;
}

}  // namespace rateopt
