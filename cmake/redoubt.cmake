# Helpers that keep every module built the same way.
#   redoubt_library(<name> SOURCES ... DEPS ...)   a static library; include paths from src/
#   redoubt_test(<name> SOURCES ... DEPS ...)      a GoogleTest executable registered with CTest
#   redoubt_fuzzer(<name> SOURCES ... DEPS ...)    a libFuzzer target (REDOUBT_FUZZ builds only)

function(redoubt_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  if(REDOUBT_FUZZ)
    # Coverage instrumentation for the code under test, not only the fuzz target itself.
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

function(redoubt_test name)
  if(NOT REDOUBT_TESTS OR REDOUBT_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "REDOUBT_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

function(redoubt_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()
