# `cmake --install` and the Debian package (CPack's DEB generator, driven by
# scripts/package): the binary in /usr/bin, the systemd unit in
# /lib/systemd/system (made from contrib/systemd/pulsemon.service with the
# package's paths), the maintainer scripts in packaging/debian. The version
# is the project's (CMakeLists.txt), the one place it is written.

install(TARGETS pulsemon RUNTIME DESTINATION bin)

# The unit as shipped in contrib/, with the package's paths; one source.
file(READ ${PROJECT_SOURCE_DIR}/contrib/systemd/pulsemon.service unit_text)
string(REPLACE "/usr/local/bin/pulsemon -c /var/lib/pulsemon/pulsemon.toml serve"
               "/usr/bin/pulsemon -c /etc/pulsemon/pulsemon.toml serve" unit_text "${unit_text}")
string(REPLACE "Documentation=file:///opt/pulsemon/README.md"
               "Documentation=file:///usr/share/doc/pulsemon/README.md" unit_text "${unit_text}")
string(REPLACE "# Install: see docs/hardware.md, \"Running as a service\".\n"
               "# Installed by the Debian package (docs/packaging.md).\n" unit_text "${unit_text}")
file(WRITE ${PROJECT_BINARY_DIR}/packaging/pulsemon.service "${unit_text}")
install(FILES ${PROJECT_BINARY_DIR}/packaging/pulsemon.service DESTINATION /lib/systemd/system)
install(FILES README.md DESTINATION share/doc/pulsemon)
install(FILES packaging/copyright DESTINATION share/doc/pulsemon)
# Debian wants its changelog compressed, reproducibly (no name, no time).
execute_process(COMMAND gzip -9 -n -c ${PROJECT_SOURCE_DIR}/packaging/changelog
                OUTPUT_FILE ${PROJECT_BINARY_DIR}/packaging/changelog.Debian.gz)
install(FILES ${PROJECT_BINARY_DIR}/packaging/changelog.Debian.gz DESTINATION share/doc/pulsemon)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pulsemon)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "pulsemon maintainers <maintainers@pulsemon.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "meter pulses to power, energy and cost")
# The first line of the control file's description is the summary above.
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
       "pulsemon timestamps every pulse of an electricity, gas or water meter\n"
       "(a light sensor on the meter's LED or a reed contact, on a GPIO pin or an\n"
       "ESP8266 sensor node), never loses or double-counts one, and turns them\n"
       "into power, energy and cost: a web dashboard, a JSON API with a live\n"
       "stream, MQTT with Home Assistant discovery, and Prometheus metrics.")
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # pulsemon_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# Library dependencies from the binary (dpkg-shlibdeps), plus what the
# maintainer scripts run.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tzdata")
# Debug symbols in pulsemon-dbgsym (a .ddeb); CPack moves them out of the
# binary itself (so CPACK_STRIP_FILES stays off).
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
