// Error types thrown inside the library; each carries the program's exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace rateopt {

/// Base of every rateopt error.  exit_code: 2 bad input or options, 3 solver
/// failure, 4 device or resource failure.
class Error : public std::runtime_error {
 public:
  Error(const std::string& message, int exit_code) : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

/// Bad input file or option.  what() reads "file:line: column: rule" where a location is known,
/// e.g. "book.csv:1042: p_demand = 1.3 is outside (0,1)".
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message, 2) {}
  /// file and line (1-based, header = line 1); line 0 means "the file as a whole".
  InputError(const std::string& file, long line, const std::string& message)
      : Error(file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + message, 2) {}
};

/// The solver could not produce an answer (numerical failure and the like).
class SolverError : public Error {
 public:
  explicit SolverError(const std::string& message) : Error(message, 3) {}
};

/// A device or resource (GPU, memory, output directory) is unusable.
class DeviceError : public Error {
 public:
  explicit DeviceError(const std::string& message) : Error(message, 4) {}
};

/// The caller asked a running solve to stop (StopRequest in rateopt/solve.hpp); exit code 130, as a
/// program stopped by Ctrl-C.
class Cancelled : public Error {
 public:
  Cancelled() : Error("stopped at the caller's request", 130) {}
};

}  // namespace rateopt
