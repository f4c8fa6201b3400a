# What `cmake --install` installs: every library twice, static (the
# targets the build and the tests link) and shared (libNAME.so.SOVERSION,
# built from the same objects, which are position-independent already);
# the headers; a pkg-config file per library a program links by name
# (smtpc, smtpc_openssl, smtpc_mbedtls); the CMake package (find_package
# (smtpc)); the tool's man pages. Included at the end of the top-level
# CMakeLists.txt, once every library target exists.
#
# The exported targets, all in the smtpc:: namespace:
#
#   static                shared                         what
#   smtpc_engine          smtpc_engine_shared            the sans-IO engine
#   smtpc_posix           smtpc_posix_shared             POSIX sockets transport
#   smtpc_client          smtpc_client_shared            the blocking client (libsmtpc)
#   smtpc_tls_link        smtpc_tls_link_shared          what the TLS layers share
#   smtpc_openssl         smtpc_openssl_shared           TLS over OpenSSL (when built)
#   smtpc_mbedtls         smtpc_mbedtls_shared           TLS over mbedTLS (when built)
#
# A shared library has the same name as its static twin (libsmtpc.a and
# libsmtpc.so), so the pkg-config files serve both: the linker takes the
# shared one unless told -static (or -Wl,-Bstatic).

# The ABI version: the N of libsmtpc.so.N. Raise it whenever a release
# changes a public struct's layout or a function's signature (before 1.0
# that can be any minor release: smtpcConfigVersion.cmake already accepts
# only the same minor version).
set(SMTPC_SOVERSION 0)

get_property(SMTPC_SHARED_OK GLOBAL PROPERTY TARGET_SUPPORTS_SHARED_LIBS)

# smtpc_add_shared(STATIC_TARGET [PUBLIC|PRIVATE libs...]): STATIC_TARGET_shared,
# a shared library of STATIC_TARGET's objects with its output name and its
# usage requirements (include directories, compile definitions); the
# arguments after the name are its target_link_libraries, the shared twins
# of the static libraries it uses.
function(smtpc_add_shared static)
  set(shared ${static}_shared)
  add_library(${shared} SHARED $<TARGET_OBJECTS:${static}>)
  foreach(prop INTERFACE_INCLUDE_DIRECTORIES INTERFACE_COMPILE_DEFINITIONS)
    get_target_property(value ${static} ${prop})
    if(value)
      set_property(TARGET ${shared} PROPERTY ${prop} "${value}")
    endif()
  endforeach()
  get_target_property(name ${static} OUTPUT_NAME)
  if(NOT name)
    set(name ${static})
  endif()
  set_target_properties(${shared} PROPERTIES OUTPUT_NAME ${name}
    VERSION ${PROJECT_VERSION} SOVERSION ${SMTPC_SOVERSION})
  if(ARGN)
    target_link_libraries(${shared} ${ARGN})
  endif()
  # Installed outside the loader's own directories (/opt/smtpc/lib), a
  # library finds the ones it needs beside itself: a program that names
  # only libsmtpc.so (linked --as-needed) still loads libsmtpc_posix.so.
  # In /usr/lib (the Debian package) there is no RUNPATH.
  if(NOT CMAKE_INSTALL_FULL_LIBDIR IN_LIST CMAKE_C_IMPLICIT_LINK_DIRECTORIES)
    set_target_properties(${shared} PROPERTIES INSTALL_RPATH "$ORIGIN")
  endif()
  # Every symbol a shared library uses must come from a library it names,
  # so that it loads into any program. (Sanitizer runtimes are the
  # program's, not the library's: not checked there.)
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT SMTPC_SANITIZE)
    target_link_options(${shared} PRIVATE -Wl,--no-undefined)
  endif()
endfunction()

set(SMTPC_INSTALL_TARGETS smtpc_engine smtpc_posix smtpc_client smtpc_tls_link)
if(TARGET smtpc_openssl)
  list(APPEND SMTPC_INSTALL_TARGETS smtpc_openssl)
endif()
if(TARGET smtpc_mbedtls)
  list(APPEND SMTPC_INSTALL_TARGETS smtpc_mbedtls)
endif()

if(SMTPC_SHARED_OK)
  smtpc_add_shared(smtpc_engine)
  smtpc_add_shared(smtpc_posix PUBLIC smtpc_engine_shared)
  smtpc_add_shared(smtpc_client PUBLIC smtpc_posix_shared smtpc_engine_shared)
  smtpc_add_shared(smtpc_tls_link PUBLIC smtpc_engine_shared)
  set(SMTPC_SHARED_TARGETS smtpc_engine_shared smtpc_posix_shared smtpc_client_shared smtpc_tls_link_shared)
  # The TLS libraries' own dependencies are private to the shared library
  # (its DT_NEEDED entries); mbedTLS's headers stay a usage requirement,
  # as smtpc/mbedtls.h includes them.
  if(TARGET smtpc_openssl)
    smtpc_add_shared(smtpc_openssl PUBLIC smtpc_tls_link_shared PRIVATE OpenSSL::SSL OpenSSL::Crypto)
    list(APPEND SMTPC_SHARED_TARGETS smtpc_openssl_shared)
  endif()
  if(TARGET smtpc_mbedtls)
    smtpc_add_shared(smtpc_mbedtls PUBLIC smtpc_tls_link_shared
      PRIVATE ${MBEDTLS_LIB} ${MBEDX509_LIB} ${MBEDCRYPTO_LIB})
    list(APPEND SMTPC_SHARED_TARGETS smtpc_mbedtls_shared)
  endif()
  list(APPEND SMTPC_INSTALL_TARGETS ${SMTPC_SHARED_TARGETS})
endif()

install(DIRECTORY include/smtpc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ${SMTPC_INSTALL_TARGETS} EXPORT smtpcTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The CMake package. smtpcConfig.cmake looks for the TLS libraries the
# exported TLS targets need, and answers find_package(smtpc COMPONENTS
# openssl mbedtls).
set(SMTPC_EXPORTS_OPENSSL OFF)
set(SMTPC_EXPORTS_MBEDTLS OFF)
if(TARGET smtpc_openssl)
  set(SMTPC_EXPORTS_OPENSSL ON)
endif()
if(TARGET smtpc_mbedtls)
  set(SMTPC_EXPORTS_MBEDTLS ON)
endif()
install(EXPORT smtpcTargets NAMESPACE smtpc:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/smtpc)
include(CMakePackageConfigHelpers)
configure_package_config_file(cmake/smtpcConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/smtpcConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/smtpc)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/smtpcConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/smtpcConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/smtpcConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/smtpc)

# pkg-config: smtpc (the client), and one file per TLS library built. The
# TLS libraries' own libraries are Libs.private: a program linked with
# the shared libsmtpc_openssl needs neither OpenSSL's .pc file nor its
# development package; a static link (pkg-config --static) gets them.
file(RELATIVE_PATH SMTPC_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
set(SMTPC_PC_FILES ${CMAKE_CURRENT_BINARY_DIR}/smtpc.pc)
configure_file(cmake/smtpc.pc.in ${CMAKE_CURRENT_BINARY_DIR}/smtpc.pc @ONLY)
if(TARGET smtpc_openssl)
  set(SMTPC_PC_TLS openssl)
  set(SMTPC_PC_TLS_DESCRIPTION "OpenSSL")
  set(SMTPC_PC_TLS_LIBS "-lssl -lcrypto")
  set(SMTPC_PC_TLS_CFLAGS "")
  configure_file(cmake/smtpc_tls.pc.in ${CMAKE_CURRENT_BINARY_DIR}/smtpc_openssl.pc @ONLY)
  list(APPEND SMTPC_PC_FILES ${CMAKE_CURRENT_BINARY_DIR}/smtpc_openssl.pc)
endif()
if(TARGET smtpc_mbedtls)
  # Debian's mbedTLS 2.28 has no .pc file of its own.
  set(SMTPC_PC_TLS mbedtls)
  set(SMTPC_PC_TLS_DESCRIPTION "mbedTLS")
  set(SMTPC_PC_TLS_LIBS "-lmbedtls -lmbedx509 -lmbedcrypto")
  set(SMTPC_PC_TLS_CFLAGS "")
  if(NOT MBEDTLS_INCLUDE_DIR IN_LIST CMAKE_C_IMPLICIT_INCLUDE_DIRECTORIES)
    set(SMTPC_PC_TLS_CFLAGS " -I${MBEDTLS_INCLUDE_DIR}")
  endif()
  configure_file(cmake/smtpc_tls.pc.in ${CMAKE_CURRENT_BINARY_DIR}/smtpc_mbedtls.pc @ONLY)
  list(APPEND SMTPC_PC_FILES ${CMAKE_CURRENT_BINARY_DIR}/smtpc_mbedtls.pc)
endif()
install(FILES ${SMTPC_PC_FILES} DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The tool's manual: smtpc(1) and smtpc.conf(5).
if(SMTPC_BUILD_TOOLS)
  install(FILES doc/smtpc.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES doc/smtpc.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
endif()
