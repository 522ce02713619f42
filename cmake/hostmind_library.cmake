# hostmind_library(NAME DEPS...): one static library per folder of src/, built from every
# .cc file in the folder (and its subfolders), with explicit link edges to the folders below it.
# A folder with no sources yet is an INTERFACE library so the link edges still hold.
function(hostmind_library name)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(sources)
    add_library(hostmind_${name} STATIC ${sources})
    target_include_directories(hostmind_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_BINARY_DIR}/generated)
    target_link_libraries(hostmind_${name} PUBLIC ${ARGN})
  else()
    add_library(hostmind_${name} INTERFACE)
    target_include_directories(hostmind_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src ${PROJECT_BINARY_DIR}/generated)
    target_link_libraries(hostmind_${name} INTERFACE ${ARGN})
  endif()
endfunction()
