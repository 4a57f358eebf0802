# Every dependency comes from a Debian package (scripts/setup.sh installs them).
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(CLI11 2.1 REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
# Google Highway (libhwy-dev): the CPU backend's vector passes, instruction set chosen at run time.
find_package(hwy 1.0 REQUIRED)
if(RATEOPT_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(RATEOPT_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
# MPI (OpenMPI from Debian) for sharded solves under mpirun; optional.
set(RATEOPT_HAVE_MPI OFF)
if(RATEOPT_MPI)
  find_package(MPI COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(RATEOPT_HAVE_MPI ON)
  endif()
endif()
message(STATUS "rateopt: MPI ${RATEOPT_HAVE_MPI}")
# COIN-OR CBC (coinor-libcbc-dev) solves the policy-mix integer programme of `rateopt cover` through its
# C interface; libCbcSolver carries that interface and pulls in Cbc, Clp, Cgl, Osi and CoinUtils.
find_path(CBC_INCLUDE_DIR coin/Cbc_C_Interface.h REQUIRED)
find_library(CBC_SOLVER_LIBRARY NAMES CbcSolver REQUIRED)
# The price-grid mode also solves LPs through CLP's own C interface (its duals and basic solutions).
find_library(CLP_LIBRARY NAMES Clp REQUIRED)
add_library(rateopt_cbc INTERFACE)
target_include_directories(rateopt_cbc SYSTEM INTERFACE ${CBC_INCLUDE_DIR})
target_link_libraries(rateopt_cbc INTERFACE ${CBC_SOLVER_LIBRARY} ${CLP_LIBRARY})
