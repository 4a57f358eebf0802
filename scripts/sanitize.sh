#!/usr/bin/env bash
# The sanitizer job: an AddressSanitizer + UndefinedBehaviorSanitizer build (its own folder,
# build-asan; CUDA and benchmarks off to keep it quick: kernels are not instrumented anyway) running the
# whole test suite, MPI tests included.  Any report fails the job (-fno-sanitize-recover=all, and
# ASan's exit code); only leak reports that OpenMPI's own libraries make at exit are suppressed
# (tools/sanitize/lsan_openmpi.supp).  Run after scripts/setup.sh has installed the dependencies.
# -O1 -g1 (not RelWithDebInfo's -O2 -g): the usual sanitizer level, and a cold build about twice as
# quick on CI's two cores; reports still name file and line.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${RATEOPT_SANITIZE_BUILD:-build-asan}
jobs=$(nproc 2>/dev/null || echo 2)
start=$(date +%s)
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DRATEOPT_CUDA=OFF -DRATEOPT_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize" \
  -DCMAKE_SHARED_LINKER_FLAGS="$sanitize" >/dev/null
cmake --build "$build" -j"$jobs"

export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export LSAN_OPTIONS=suppressions=$PWD/tools/sanitize/lsan_openmpi.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1
ctest --test-dir "$build" --output-on-failure -j"$jobs" -LE mpi
# The MPI tests: OpenMPI unloads its plugins at exit and its libraries have no frame pointers, so a
# leak report of theirs shows bare addresses no suppression can match.  Keep the plugins loaded and
# unwind malloc stacks fully (slower, so only here) so their frames are named and suppressed.
export OMPI_MCA_mca_base_component_disable_dlclose=1
export LSAN_OPTIONS=$LSAN_OPTIONS:fast_unwind_on_malloc=0
ctest --test-dir "$build" --output-on-failure -j"$jobs" -L mpi
echo "sanitize: build and tests took $(($(date +%s) - start)) s"
