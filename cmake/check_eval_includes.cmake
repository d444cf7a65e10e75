# ctest layering.eval: no file under eval/ includes a vmm/ or runner/ header.
# (The configure step refuses a link to ktstr_vmm/ktstr_runner; this catches a
# header-only reach that a link check cannot see.) Run: cmake -DDIR=eval -P this.
file(GLOB files "${DIR}/*.h" "${DIR}/*.cc")
if(NOT files)
  message(FATAL_ERROR "layering: no sources found under ${DIR}")
endif()
set(bad "")
foreach(f ${files})
  file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<](vmm|runner)/")
  foreach(l ${lines})
    list(APPEND bad "${f}: ${l}")
  endforeach()
endforeach()
if(bad)
  list(JOIN bad "\n  " text)
  message(FATAL_ERROR "layering: eval/ must not include vmm/ or runner/ headers:\n  ${text}")
endif()
message(STATUS "layering: ${DIR} includes nothing of vmm/ or runner/")
