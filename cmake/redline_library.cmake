# redline_library(<name> [SOURCES src...] [DEPS targets...] [PRIVATE_DEPS targets...])
#
# One folder, one library. Its headers are reachable by their repository
# path ("spatial/geom/box.h") only through an include folder of its own,
# build/include/<name>/, which holds links to this folder's headers and
# nothing else. A target sees the headers of the libraries it links and no
# others, so an include against the layering (spatial/ reaching into
# server/, geom/ into query/) fails to compile instead of holding by
# convention. DEPS are public: this library's headers may include theirs.
function(redline_library name)
  cmake_parse_arguments(L "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${L_SOURCES})
  redline_stage_headers(${name} PUBLIC)
  target_link_libraries(${name} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_DEPS})
endfunction()

# redline_stage_headers(<target> <PUBLIC|PRIVATE>): links every header of the
# current source folder into build/include/<target>/<folder>/ and adds that
# include folder to <target>. Executables use it PRIVATE for their own
# headers (clients/cli/output.h).
function(redline_stage_headers target scope)
  file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  set(stage ${CMAKE_BINARY_DIR}/include/${target})
  file(MAKE_DIRECTORY ${stage}/${rel})
  file(GLOB headers CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  foreach(header ${headers})
    get_filename_component(file ${header} NAME)
    if(NOT EXISTS ${stage}/${rel}/${file})
      file(CREATE_LINK ${header} ${stage}/${rel}/${file} SYMBOLIC)
    endif()
  endforeach()
  target_include_directories(${target} ${scope} ${stage})
endfunction()
