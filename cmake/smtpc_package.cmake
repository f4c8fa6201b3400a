# Debian packages: `cpack -G DEB` (or the `package` target) in a build
# configured with -DCMAKE_INSTALL_PREFIX=/usr; scripts/package does both.
# Two packages, as msmtp and msmtp-mta:
#
#   smtpc       the tool, its man pages, the libraries (static and shared),
#               headers, pkg-config files and CMake package. It installs
#               beside any mail transport agent.
#   smtpc-mta   smtpc as the system's sendmail: /usr/sbin/sendmail and
#               /usr/lib/sendmail link to smtpc, sendmail(8) to smtpc(1),
#               newaliases is a no-op (smtpc reads its aliases file as it
#               is). Provides, Conflicts with and Replaces
#               mail-transport-agent, as msmtp-mta does.
#
# Apart because taking over /usr/sbin/sendmail makes apt remove the MTA in
# place (Postfix, Exim): a machine that keeps its MTA can still have the
# tool and the library. `cmake --install` leaves the links out too (they
# would shadow the system's sendmail from /usr/local/sbin); `cmake
# --install BUILD --component mta` puts them in.
if(NOT UNIX OR NOT SMTPC_BUILD_TOOLS)
  return()
endif()

# The links, made at configure time and installed as links. Relative, so
# that they hold under any prefix and inside the package.
set(SMTPC_MTA_DIR ${CMAKE_CURRENT_BINARY_DIR}/mta)
file(MAKE_DIRECTORY ${SMTPC_MTA_DIR}/sbin ${SMTPC_MTA_DIR}/lib ${SMTPC_MTA_DIR}/man8)
file(RELATIVE_PATH smtpc_from_sbin ${CMAKE_INSTALL_FULL_SBINDIR} ${CMAKE_INSTALL_FULL_BINDIR}/smtpc)
file(RELATIVE_PATH smtpc_from_lib ${CMAKE_INSTALL_PREFIX}/lib ${CMAKE_INSTALL_FULL_BINDIR}/smtpc)
file(RELATIVE_PATH smtpc_page_from_man8 ${CMAKE_INSTALL_FULL_MANDIR}/man8
  ${CMAKE_INSTALL_FULL_MANDIR}/man1/smtpc.1)
file(CREATE_LINK ${smtpc_from_sbin} ${SMTPC_MTA_DIR}/sbin/sendmail SYMBOLIC)
file(CREATE_LINK ${smtpc_from_lib} ${SMTPC_MTA_DIR}/lib/sendmail SYMBOLIC)
file(CREATE_LINK ${smtpc_page_from_man8} ${SMTPC_MTA_DIR}/man8/sendmail.8 SYMBOLIC)
file(CREATE_LINK /bin/true ${SMTPC_MTA_DIR}/newaliases SYMBOLIC)
install(FILES ${SMTPC_MTA_DIR}/sbin/sendmail DESTINATION ${CMAKE_INSTALL_SBINDIR}
  COMPONENT mta EXCLUDE_FROM_ALL)
install(FILES ${SMTPC_MTA_DIR}/lib/sendmail DESTINATION lib COMPONENT mta EXCLUDE_FROM_ALL)
install(FILES ${SMTPC_MTA_DIR}/man8/sendmail.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
  COMPONENT mta EXCLUDE_FROM_ALL)
install(FILES ${SMTPC_MTA_DIR}/newaliases DESTINATION ${CMAKE_INSTALL_BINDIR}
  COMPONENT mta EXCLUDE_FROM_ALL)

set(SMTPC_PACKAGE_MAINTAINER "smtpc maintainers <smtpc@localhost>" CACHE STRING
  "The Maintainer field of the Debian packages")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME smtpc)
set(CPACK_PACKAGE_VENDOR smtpc)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${SMTPC_PACKAGE_MAINTAINER}")
set(CPACK_DEB_COMPONENT_INSTALL ON)
# Debian's policy: binaries and shared libraries stripped (install's
# strip step, which leaves the archives alone).
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL smtpc mta)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
# A shlibs file for the libraries (what programs packaged against them
# depend on) and ldconfig in postinst and postrm. The SONAME changes when
# the ABI does (cmake/smtpc_install.cmake), so any later version will do.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

set(CPACK_DEBIAN_SMTPC_PACKAGE_NAME smtpc)
set(CPACK_DEBIAN_SMTPC_DESCRIPTION "SMTP client: command-line tool and C library
smtpc sends mail through an SMTP server: STARTTLS or implicit TLS with
certificates verified by default, PLAIN, LOGIN and CRAM-MD5 authentication,
sendmail-compatible options and exit codes, and msmtp-style configuration
files.
.
This package has the smtpc tool and its manual pages, and the smtpc
libraries (a sans-IO SMTP engine, a blocking client, TLS layers over OpenSSL
and mbedTLS) with their headers, pkg-config files and CMake package.
Install smtpc-mta to make smtpc the system's sendmail.")
set(CPACK_DEBIAN_SMTPC_PACKAGE_RECOMMENDS ca-certificates)
set(CPACK_DEBIAN_SMTPC_PACKAGE_SUGGESTS "smtpc-mta, libsecret-tools")
# Depends: what the tool and the shared libraries link, from
# dpkg-shlibdeps (dpkg-dev) when it is there; else Debian 12's names.
find_program(SMTPC_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(SMTPC_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_SMTPC_PACKAGE_SHLIBDEPS ON)
else()
  set(smtpc_depends "libc6 (>= 2.34)")
  if(TARGET smtpc_openssl)
    string(APPEND smtpc_depends ", libssl3 (>= 3.0.0)")
  endif()
  if(TARGET smtpc_mbedtls)
    string(APPEND smtpc_depends ", libmbedtls14, libmbedx509-1, libmbedcrypto7")
  endif()
  set(CPACK_DEBIAN_SMTPC_PACKAGE_DEPENDS "${smtpc_depends}")
  # (After the account of smtpc_print_notes: said here.)
  message(STATUS "smtpc: dpkg-shlibdeps (dpkg-dev) not found: the smtpc package's Depends are Debian 12's names, not computed")
endif()

set(CPACK_DEBIAN_MTA_PACKAGE_NAME smtpc-mta)
set(CPACK_DEBIAN_MTA_DESCRIPTION "SMTP client: smtpc as the system's sendmail
Makes smtpc the sendmail of a machine without a mail server:
/usr/sbin/sendmail and /usr/lib/sendmail run smtpc, which forwards every
message to the SMTP server of its configuration file. Programs that send mail
through sendmail (cron, mail and mailx, mutt, git send-email, PHP's mail())
then send through smtpc.")
set(CPACK_DEBIAN_MTA_PACKAGE_PROVIDES mail-transport-agent)
set(CPACK_DEBIAN_MTA_PACKAGE_CONFLICTS mail-transport-agent)
set(CPACK_DEBIAN_MTA_PACKAGE_REPLACES mail-transport-agent)
set(CPACK_DEBIAN_MTA_PACKAGE_DEPENDS "")
set(CPACK_COMPONENT_MTA_DEPENDS smtpc)

include(CPack)
