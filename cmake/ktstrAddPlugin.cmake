# ktstr_add_plugin(NAME SOURCES src... [LIBRARIES lib...] [OUTPUT_NAME name]
#                  [OUTPUT_DIRECTORY dir])
#
# Builds a ktstr scenario plugin: a MODULE library named lib<OUTPUT_NAME>.so,
# where OUTPUT_NAME defaults to ktstr_<NAME> (or NAME if it already starts with
# "ktstr_"), so `plugin = "NAME"` in a spec finds it on the plugin path.
# Static LIBRARIES are linked whole-archive: a KTSTR_SCENARIO in a static library is
# never dropped by the linker. Undefined symbols are link errors (a plugin
# needs nothing from the program that loads it).
include_guard(GLOBAL)

function(ktstr_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_NAME;OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "ktstr_add_plugin(${name}): SOURCES is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ktstr_add_plugin(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_OUTPUT_NAME)
    if(name MATCHES "^ktstr_")
      set(ARG_OUTPUT_NAME "${name}")
    else()
      set(ARG_OUTPUT_NAME "ktstr_${name}")
    endif()
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ktstr::sdk)
  foreach(lib IN LISTS ARG_LIBRARIES)
    set(lib_type "")
    if(TARGET ${lib})
      get_target_property(lib_type ${lib} TYPE)
    elseif(lib MATCHES "\\.a$")
      set(lib_type STATIC_LIBRARY)
    endif()
    if(lib_type STREQUAL "STATIC_LIBRARY")
      target_link_libraries(${name} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${lib}>")
    else()
      target_link_libraries(${name} PRIVATE ${lib})
    endif()
  endforeach()
  target_link_options(${name} PRIVATE "LINKER:--no-undefined")
  set_target_properties(${name} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "${ARG_OUTPUT_NAME}"
    POSITION_INDEPENDENT_CODE ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
endfunction()
