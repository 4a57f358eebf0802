# Script mode (cmake -DSOURCE_DIR=… -DOUTPUT=… -P git_revision.cmake), run at every build so the
# audit's git revision is the commit the binary was built from, not the one CMake was configured at.
# The header is rewritten only when the revision changes, so an unchanged tree recompiles nothing.
set(revision "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD WORKING_DIRECTORY "${SOURCE_DIR}"
                  OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE head_rc)
  if(head_rc EQUAL 0 AND head)
    set(revision "${head}")
    # Tracked files changed since that commit: say so, the binary is not exactly that commit.
    execute_process(COMMAND "${GIT_EXECUTABLE}" diff --quiet HEAD -- WORKING_DIRECTORY "${SOURCE_DIR}"
                    RESULT_VARIABLE dirty_rc OUTPUT_QUIET ERROR_QUIET)
    if(dirty_rc EQUAL 1)
      set(revision "${revision}-dirty")
    endif()
  endif()
endif()
set(text "// Generated at build time by cmake/git_revision.cmake: do not edit.\n#pragma once\n#define RATEOPT_GIT_REVISION \"${revision}\"\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUTPUT}" "${text}")
endif()
