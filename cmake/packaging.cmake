# `make package` (cpack -G DEB): the agent, its hardened systemd unit, the default configuration
# as /etc/hostmind/hostmind.yaml (a conffile, with state in /var/lib/hostmind), a man page, and
# the maintainer scripts in packaging/.
set(pkg_dir ${PROJECT_SOURCE_DIR}/packaging)
set(pkg_out ${PROJECT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${pkg_out})

# The packaged configuration is the embedded defaults with the state where a service keeps it.
file(READ ${PROJECT_SOURCE_DIR}/config/hostmind.yaml defaults)
string(REGEX REPLACE "state_dir: [^ \n]+" "state_dir: /var/lib/hostmind" packaged "${defaults}")
if(packaged STREQUAL defaults)
  message(FATAL_ERROR "packaging: agent.state_dir not found in config/hostmind.yaml")
endif()
file(WRITE ${pkg_out}/hostmind.yaml "${packaged}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/config/hostmind.yaml)

# Debian wants man pages and the changelog compressed, reproducibly (-n: no name, no time).
find_program(GZIP gzip REQUIRED)
foreach(pair "hostmind.1|hostmind.1.gz" "changelog|changelog.Debian.gz")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 src)
  list(GET pair 1 dst)
  add_custom_command(OUTPUT ${pkg_out}/${dst}
    COMMAND ${GZIP} -9nc ${pkg_dir}/${src} > ${pkg_out}/${dst}
    DEPENDS ${pkg_dir}/${src})
  list(APPEND pkg_generated ${pkg_out}/${dst})
endforeach()
add_custom_target(package_files ALL DEPENDS ${pkg_generated})

install(TARGETS hostmind RUNTIME DESTINATION bin)
install(FILES ${pkg_out}/hostmind.yaml DESTINATION /etc/hostmind PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${pkg_dir}/hostmind.service DESTINATION /lib/systemd/system)
install(FILES ${pkg_out}/hostmind.1.gz DESTINATION share/man/man1)
install(FILES ${pkg_dir}/copyright ${pkg_out}/changelog.Debian.gz DESTINATION share/doc/hostmind)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hostmind)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "hostmind developers <hostmind@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "on-host AI agent for Linux system management")
set(CPACK_PACKAGE_DESCRIPTION "hostmind watches a Linux machine (procfs, cgroups, pressure, disks, network,
logs, eBPF events), learns what normal looks like with small models that run
on the host, and reports anomalies, forecasts of exhaustion and abnormal
behaviour, each with its explanation. It serves a dashboard, an HTTP API and
Prometheus metrics, and delivers alerts to the journal, to Alertmanager
webhooks and to NATS.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${pkg_dir}/postinst ${pkg_dir}/prerm ${pkg_dir}/postrm ${pkg_dir}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
