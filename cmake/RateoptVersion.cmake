# Generated header: version, git revision and whether CUDA is compiled in.
find_package(Git QUIET)
set(RATEOPT_GIT_REVISION "unknown")
if(GIT_FOUND AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
                  OUTPUT_VARIABLE RATEOPT_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT RATEOPT_GIT_REVISION)
    set(RATEOPT_GIT_REVISION "unknown")
  endif()
endif()
if(RATEOPT_HAVE_CUDA)
  set(RATEOPT_HAVE_CUDA_01 1)
else()
  set(RATEOPT_HAVE_CUDA_01 0)
endif()
set(RATEOPT_GENERATED_INCLUDE ${CMAKE_CURRENT_BINARY_DIR}/generated)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/build_config.hpp.in
               ${RATEOPT_GENERATED_INCLUDE}/rateopt/build_config.hpp @ONLY)
