# Generated headers: build_config.hpp (version, whether CUDA is compiled in) at configure time, and
# git_revision.hpp at every build (cmake/git_revision.cmake), so the audit names the commit built.
if(RATEOPT_HAVE_CUDA)
  set(RATEOPT_HAVE_CUDA_01 1)
else()
  set(RATEOPT_HAVE_CUDA_01 0)
endif()
if(RATEOPT_HAVE_MPI)
  set(RATEOPT_HAVE_MPI_01 1)
else()
  set(RATEOPT_HAVE_MPI_01 0)
endif()
set(RATEOPT_GENERATED_INCLUDE ${CMAKE_CURRENT_BINARY_DIR}/generated)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/build_config.hpp.in
               ${RATEOPT_GENERATED_INCLUDE}/rateopt/build_config.hpp @ONLY)
set(RATEOPT_GIT_REVISION_HEADER ${RATEOPT_GENERATED_INCLUDE}/rateopt/git_revision.hpp)
set(RATEOPT_GIT_REVISION_COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}
    -DOUTPUT=${RATEOPT_GIT_REVISION_HEADER} -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/git_revision.cmake)
execute_process(COMMAND ${RATEOPT_GIT_REVISION_COMMAND})
add_custom_target(rateopt_git_revision COMMAND ${RATEOPT_GIT_REVISION_COMMAND} BYPRODUCTS ${RATEOPT_GIT_REVISION_HEADER}
                  COMMENT "" VERBATIM)
