# Options that name an optional dependency, and the configure-time account
# of what was left out.
#
# Each SMTPC_WITH_<X> is AUTO (the default: used when found), ON (required:
# configuring fails without it) or OFF (not looked for, as on a machine
# that lacks it; CI builds the minimal configuration that way on a machine
# that has everything).

# smtpc_dependency_option(VAR DOC): declares VAR and normalises its value
# to AUTO, ON or OFF in the caller's scope.
function(smtpc_dependency_option var doc)
  set(${var} AUTO CACHE STRING "${doc}: AUTO (when found), ON (required) or OFF")
  set_property(CACHE ${var} PROPERTY STRINGS AUTO ON OFF)
  string(TOUPPER "${${var}}" value)
  if(value MATCHES "^(ON|YES|TRUE|Y|1)$")
    set(value ON)
  elseif(value MATCHES "^(OFF|NO|FALSE|N|0)$")
    set(value OFF)
  elseif(NOT value STREQUAL "AUTO")
    message(FATAL_ERROR "${var} is '${${var}}': use AUTO, ON or OFF")
  endif()
  set(${var} ${value} PARENT_SCOPE)
endfunction()

# smtpc_dependency_missing(VAR WHAT CONSEQUENCE): WHAT (a dependency
# governed by VAR) is not used; fails when VAR is ON, else records one
# line: "<WHAT> not found: <CONSEQUENCE>" or "<WHAT> not used (VAR=OFF): ...".
function(smtpc_dependency_missing var what consequence)
  if("${${var}}" STREQUAL "ON")
    message(FATAL_ERROR "${var}=ON, but ${what} was not found")
  elseif("${${var}}" STREQUAL "OFF")
    smtpc_note("${what} not used (${var}=OFF): ${consequence}")
  else()
    smtpc_note("${what} not found: ${consequence}")
  endif()
endfunction()

# smtpc_note(TEXT): one line for the account printed at the end of
# configuring (after CMake's own find messages, so that it is read).
function(smtpc_note text)
  set_property(GLOBAL APPEND PROPERTY SMTPC_NOTES "${text}")
endfunction()

# smtpc_print_notes(): prints the account, one "-- smtpc: ..." line each.
function(smtpc_print_notes)
  get_property(notes GLOBAL PROPERTY SMTPC_NOTES)
  foreach(note IN LISTS notes)
    message(STATUS "smtpc: ${note}")
  endforeach()
endfunction()
