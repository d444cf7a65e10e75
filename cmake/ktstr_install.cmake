# The installed tree, its mirror in the build tree, and the Debian package.
#
#   bin/ktstr-run                          the runner
#   lib/ktstr/ktstr-agent                  the guest agent (/init of every VM)
#   lib/ktstr/plugins/libktstr_basic.so    our own plugins (plugins/CMakeLists.txt)
#   share/ktstr/schema/*.json              the JSON Schemas (spec, sidecars)
#   share/ktstr/kernel/                    the config fragment of `kernel build`
#   share/ktstr/examples/                  the example specs, plugin and scheduler
#   share/bash-completion/completions/ktstr-run
#   include/ktstr/, lib/cmake/ktstr/, lib/pkgconfig/ktstr.pc   the plugin SDK
#
# ktstr-run finds all of it relative to its own binary (runner/install_paths.h).
# The build tree holds the same share/ktstr/ (copied here at configure time),
# so a build runs like an installed tree.
set(KTSTR_INSTALL_PKGLIBDIR lib/ktstr)
set(KTSTR_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/ktstr)

file(GLOB KTSTR_SCHEMA_FILES CONFIGURE_DEPENDS ${KTSTR_SOURCE_DIR}/schema/*.json)
set(KTSTR_KERNEL_DATA ${KTSTR_SOURCE_DIR}/kernel/ktstr-sched-ext.config
  ${KTSTR_SOURCE_DIR}/kernel/README.md)
foreach(f ${KTSTR_SCHEMA_FILES})
  get_filename_component(n ${f} NAME)
  configure_file(${f} ${KTSTR_BUILD_DIR}/share/ktstr/schema/${n} COPYONLY)
endforeach()
foreach(f ${KTSTR_KERNEL_DATA})
  get_filename_component(n ${f} NAME)
  configure_file(${f} ${KTSTR_BUILD_DIR}/share/ktstr/kernel/${n} COPYONLY)
endforeach()

if(TARGET ktstr-agent)
  install(TARGETS ktstr-agent RUNTIME DESTINATION ${KTSTR_INSTALL_PKGLIBDIR})
endif()
install(FILES ${KTSTR_SCHEMA_FILES} DESTINATION ${KTSTR_INSTALL_DATADIR}/schema)
install(FILES ${KTSTR_KERNEL_DATA} DESTINATION ${KTSTR_INSTALL_DATADIR}/kernel)
install(DIRECTORY ${KTSTR_SOURCE_DIR}/examples/ DESTINATION ${KTSTR_INSTALL_DATADIR}/examples)
install(FILES ${KTSTR_SOURCE_DIR}/completion/ktstr-run.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ktstr-run)

# --- cpack -G DEB ------------------------------------------------------------
# Run-time libraries come from dpkg-shlibdeps; the programs ktstr-run starts
# are listed by hand: QEMU boots every test, apt/dpkg fetch the prebuilt
# kernel (`kernel fetch`); `kernel build` needs the Recommends.
set(CPACK_PACKAGE_NAME ktstr-run)
set(CPACK_PACKAGE_VENDOR ktstr)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "test runner for Linux schedulers: one QEMU VM per test, verdicts on the host")
set(CPACK_PACKAGE_CONTACT "ktstr maintainers <ktstr@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qemu-system-x86, apt, dpkg")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
  "linux-source-6.12, build-essential, flex, bison, bc, dwarves, libelf-dev, libssl-dev, xz-utils, clang-16, llvm-16")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libboost-dev, cmake, pkg-config, libbpf-dev, bpftool")
set(CPACK_GENERATOR DEB)
include(CPack)
