# smtpc_class_tests(PREFIX SCRIPT ARGS args... LABELS labels... TIMEOUT seconds
#                   [CLASSES names...] [EXCLUDE names...])
#
# One CTest entry PREFIX.CLASS per unittest TestCase class of the Python
# test script SCRIPT, each running `SMTPC_PYTHON SCRIPT ARGS... --class
# CLASS`, so that a failing class fails alone and its log holds only its
# cases. The classes are the script's lines "class T<n>Name(", read at
# configure time (CMake configures again when the script changes, so a
# new class gets its entry), in the script's order; CLASSES names them
# instead, EXCLUDE leaves some out. LABELS and TIMEOUT apply to each entry.
# SMTPC_PYTHON comes from tests/CMakeLists.txt.
function(smtpc_class_tests prefix script)
  cmake_parse_arguments(T "" "TIMEOUT" "ARGS;LABELS;CLASSES;EXCLUDE" ${ARGN})
  if(NOT T_CLASSES)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${script})
    file(STRINGS ${script} lines REGEX "^class T[0-9]+[A-Za-z0-9_]*\\(")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^class (T[0-9]+[A-Za-z0-9_]*)\\(.*" "\\1" class "${line}")
      list(APPEND T_CLASSES ${class})
    endforeach()
  endif()
  foreach(class IN LISTS T_EXCLUDE)
    list(REMOVE_ITEM T_CLASSES ${class})
  endforeach()
  if(NOT T_CLASSES)
    message(FATAL_ERROR "smtpc_class_tests(${prefix}): no test class in ${script}")
  endif()
  foreach(class IN LISTS T_CLASSES)
    add_test(NAME ${prefix}.${class}
      COMMAND ${SMTPC_PYTHON} ${script} ${T_ARGS} --class ${class})
    set_tests_properties(${prefix}.${class} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
  endforeach()
endfunction()
