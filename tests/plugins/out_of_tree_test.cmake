# Installs the build in BUILD_DIR to a fresh prefix, builds EXAMPLE_DIR against
# it (find_package(ktstr) and, separately, pkg-config), and lists the result
# with ktstr-run. Run with cmake -P; any failure is a FATAL_ERROR.
foreach(v BUILD_DIR EXAMPLE_DIR WORK_DIR KTSTR_RUN GENERATOR CXX)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "out_of_tree_test.cmake: ${v} is not set")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
endfunction()

function(expect_contains text needle)
  string(FIND "${text}" "${needle}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "expected '${needle}' in:\n${text}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/ktstr/scenario.h lib/ktstr/plugins/libktstr_basic.so)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# CMake package.
run(${CMAKE_COMMAND} -S ${EXAMPLE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
set(hello ${WORK_DIR}/build/libktstr_hello.so)
if(NOT EXISTS ${hello})
  message(FATAL_ERROR "the example did not produce ${hello}")
endif()

run(${KTSTR_RUN} plugins ${hello})
expect_contains("${OUT}" "hello_per_llc")
expect_contains("${OUT}" "hello.cc:")
expect_contains("${OUT}" "One cgroup of spinners per LLC")
expect_contains("${OUT}" "hello_squeeze")

# By name, on --plugin-path, as JSON.
run(${KTSTR_RUN} plugins hello --plugin-path ${WORK_DIR}/build --json)
string(JSON n LENGTH "${OUT}" plugins 0 scenarios)
if(NOT n EQUAL 2)
  message(FATAL_ERROR "expected 2 scenarios in JSON, got ${n}:\n${OUT}")
endif()

# The installed ktstr-run finds the installed basic plugin by name.
if(EXISTS ${prefix}/bin/ktstr-run)
  run(${prefix}/bin/ktstr-run plugins basic)
  expect_contains("${OUT}" "pinned_per_llc")
  # Shown relative to the cwd when below it (the prefix is below this test's cwd).
  expect_contains("${OUT}" "lib/ktstr/plugins/libktstr_basic.so (ABI")
endif()

# pkg-config, without CMake.
find_program(PKG_CONFIG pkg-config)
if(PKG_CONFIG)
  set(ENV{PKG_CONFIG_PATH} "")
  file(GLOB pcdirs ${prefix}/lib*/pkgconfig ${prefix}/lib/*/pkgconfig)
  string(REPLACE ";" ":" pcpath "${pcdirs}")
  set(ENV{PKG_CONFIG_PATH} "${pcpath}")
  run(${PKG_CONFIG} --cflags ktstr)
  separate_arguments(cflags UNIX_COMMAND "${OUT}")
  run(${CXX} ${cflags} -fPIC -shared -Wl,--no-undefined -o ${WORK_DIR}/libktstr_hello_pc.so
      ${EXAMPLE_DIR}/hello.cc)
  run(${KTSTR_RUN} plugins ${WORK_DIR}/libktstr_hello_pc.so)
  expect_contains("${OUT}" "hello_squeeze")
endif()
message(STATUS "out-of-tree plugin build: OK")
