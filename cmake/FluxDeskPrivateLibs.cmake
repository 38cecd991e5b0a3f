# Install-time helper (cmake_install.cmake includes it through install(CODE),
# see FluxDeskPackaging.cmake): copies shared libraries from the Python
# wheels (LibTorch's torch/lib, NVIDIA's nvidia/*/lib) into FluxDesk's
# private library folder, with each wheel's licence files.
#
# fluxdesk_install_private_libs(
#   DEST <folder under the install prefix>   e.g. lib/fluxdesk
#   DOC <folder under the install prefix>    licences go to DOC/licenses/<wheel>
#   SITE <site-packages folder>              only libraries from under here are taken
#   [STRIP <strip program>]                  strips LibTorch's own libraries (libtorch*, libc10*)
#                                            when installing stripped (CPACK_STRIP_FILES, --strip)
#   [ROOTS <libraries>...]                   installed themselves, with what they need
#   [BINARIES <executables or libraries>...] only what they need is installed
#   [SKIP_NEEDS_OF <binaries>...]            what these need is not installed (another
#                                            package of FluxDesk has it))
#
# What a file needs is read with file(GET_RUNTIME_DEPENDENCIES), as the
# dynamic loader would resolve it (RUNPATH first); system libraries are left
# to dpkg-shlibdeps. LibTorch's libraries find the NVIDIA ones through
# RUNPATH entries that point into the wheel layout ($ORIGIN/../../nvidia/...):
# in the private folder they all lie side by side, so their RUNPATH becomes
# $ORIGIN, and their symbol tables go (a fifth of libtorch_cpu). NVIDIA's
# libraries are copied as they are.
cmake_policy(VERSION 3.22)  # (cmake_install.cmake runs with old policies)

function(fluxdesk_install_private_libs)
  cmake_parse_arguments(A "" "DEST;DOC;SITE;STRIP" "ROOTS;BINARIES;SKIP_NEEDS_OF" ${ARGN})
  _fluxdesk_wheel_needs(resolved "${A_SITE}" ${A_ROOTS} ${A_BINARIES})
  set(skip "")
  if(A_SKIP_NEEDS_OF)
    _fluxdesk_wheel_needs(skipped "${A_SITE}" ${A_SKIP_NEEDS_OF})
    foreach(lib IN LISTS skipped)
      get_filename_component(name "${lib}" NAME)
      list(APPEND skip "${name}")
    endforeach()
  endif()
  set(dest "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${A_DEST}")
  file(GLOB records "${A_SITE}/*.dist-info/RECORD")
  set(licensed "")
  foreach(lib IN LISTS A_ROOTS resolved)
    get_filename_component(name "${lib}" NAME)
    if(name IN_LIST skip)
      continue()
    endif()
    get_filename_component(real "${lib}" REALPATH)
    # Mode 644, as Debian wants shared libraries.
    file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/${A_DEST}" TYPE FILE
         FILES "${real}" RENAME "${name}")
    if(CMAKE_INSTALL_DO_STRIP AND A_STRIP AND name MATCHES "^lib(torch|c10)")
      execute_process(COMMAND "${A_STRIP}" --strip-unneeded "${dest}/${name}" RESULT_VARIABLE stripped)
      if(NOT stripped EQUAL 0)
        message(FATAL_ERROR "FluxDesk: ${A_STRIP} --strip-unneeded ${dest}/${name} failed")
      endif()
    endif()
    unset(runpath)
    unset(rpath)
    file(READ_ELF "${dest}/${name}" RUNPATH runpath RPATH rpath)
    if((runpath AND NOT runpath MATCHES "^\\$\\{?ORIGIN\\}?$") OR (rpath AND NOT rpath MATCHES "^\\$\\{?ORIGIN\\}?$"))
      file(RPATH_SET FILE "${dest}/${name}" NEW_RPATH "$ORIGIN")
    endif()
    # The licence of the wheel the library came from (its RECORD lists it).
    foreach(record IN LISTS records)
      file(STRINGS "${record}" listed REGEX "/${name}," LIMIT_COUNT 1)
      if(listed)
        get_filename_component(dist "${record}" DIRECTORY)
        get_filename_component(dist_name "${dist}" NAME)
        string(REGEX REPLACE "-[^-]*\\.dist-info$" "" dist_name "${dist_name}")
        # The wheel's licences/ folder, else the licence files beside the
        # library's lib/ folder (nvidia/cusparselt/LICENSE.txt).
        get_filename_component(lib_dir "${real}" DIRECTORY)
        file(GLOB beside "${lib_dir}/../LICENSE*" "${lib_dir}/../License*")
        set(license_source "")
        if(IS_DIRECTORY "${dist}/licenses")
          set(license_source "${dist}/licenses/")
        elseif(beside)
          set(license_source ${beside})
        endif()
        if(NOT dist_name IN_LIST licensed AND license_source)
          list(APPEND licensed "${dist_name}")
          file(INSTALL ${license_source} DESTINATION "${CMAKE_INSTALL_PREFIX}/${A_DOC}/licenses/${dist_name}"
               FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
               DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                     WORLD_READ WORLD_EXECUTE)
        endif()
        break()
      endif()
    endforeach()
  endforeach()
endfunction()

# The wheel libraries (under SITE) that FILES need, directly or not.
function(_fluxdesk_wheel_needs out site)
  file(GLOB wheel_dirs LIST_DIRECTORIES true "${site}/torch/lib" "${site}/nvidia/*/lib")
  string(REGEX REPLACE "([][+.*()^$?|\\])" "\\\\\\1" site_regex "${site}")
  file(GET_RUNTIME_DEPENDENCIES
    LIBRARIES ${ARGN}
    DIRECTORIES ${wheel_dirs}
    RESOLVED_DEPENDENCIES_VAR resolved
    UNRESOLVED_DEPENDENCIES_VAR unresolved
    CONFLICTING_DEPENDENCIES_PREFIX conflicts
    # The NVIDIA driver's libcuda.so.1 comes with the driver, never with us.
    PRE_EXCLUDE_REGEXES "^libcuda\\.so"
    POST_INCLUDE_REGEXES "^${site_regex}/"
    POST_EXCLUDE_REGEXES ".*")
  if(unresolved)
    message(FATAL_ERROR "FluxDesk: cannot resolve ${unresolved} (needed by ${ARGN})")
  endif()
  set(${out} ${resolved} PARENT_SCOPE)
endfunction()
