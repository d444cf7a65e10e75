# Layering the build enforces: ktstr_eval, ktstr_spec, ktstr_plan,
# ktstr_report, ktstr_exec and ktstr_store (and whatever they link,
# recursively) never link ktstr_vmm or ktstr_runner, so none can reach QEMU.
# Called from the top CMakeLists.txt once every target exists.
function(ktstr_collect_links target out)
  set(seen ${${out}})
  if(NOT TARGET ${target})
    return()
  endif()
  get_target_property(aliased ${target} ALIASED_TARGET)
  if(aliased)
    set(target ${aliased})
  endif()
  get_target_property(libs ${target} LINK_LIBRARIES)
  get_target_property(ilibs ${target} INTERFACE_LINK_LIBRARIES)
  foreach(lib IN LISTS libs ilibs)
    if(NOT lib OR lib MATCHES "-NOTFOUND$" OR lib MATCHES "^\\$<")
      continue()
    endif()
    if(NOT lib IN_LIST seen)
      list(APPEND seen ${lib})
      ktstr_collect_links(${lib} seen)
    endif()
  endforeach()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

function(ktstr_check_layering target)
  set(links "")
  ktstr_collect_links(${target} links)
  foreach(forbidden ${ARGN})
    if(forbidden IN_LIST links)
      message(FATAL_ERROR
        "layering: ${target} links ${forbidden} (its links, recursively: ${links}); ${target} must not "
        "depend on ${forbidden}: move the code it needs into a lower layer (ktstr_protocol, ktstr_eval, ktstr_spec)")
    endif()
  endforeach()
endfunction()
