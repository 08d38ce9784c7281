# Included by the top-level CMakeLists.txt after eo_module(deploy ...): the
# deploy module embeds the text of the int8 reference kernels (one source of
# truth for the library, the exported C and the microcontroller), regenerated
# whenever qref.h or qref.c changes.
if(TARGET eo_deploy)
  set(_eo_qref_out ${PROJECT_BINARY_DIR}/generated/deploy/qref_text.c)
  add_custom_command(
    OUTPUT ${_eo_qref_out}
    COMMAND ${CMAKE_COMMAND} -DQREF_H=${PROJECT_SOURCE_DIR}/include/edgeopt/qref.h
            -DQREF_C=${PROJECT_SOURCE_DIR}/src/kernels/qref.c -DOUT=${_eo_qref_out}
            -P ${PROJECT_SOURCE_DIR}/src/deploy/embed_text.cmake
    DEPENDS ${PROJECT_SOURCE_DIR}/include/edgeopt/qref.h ${PROJECT_SOURCE_DIR}/src/kernels/qref.c
            ${PROJECT_SOURCE_DIR}/src/deploy/embed_text.cmake
    COMMENT "Embedding the int8 reference kernels for the C exporter"
    VERBATIM)
  target_sources(eo_deploy PRIVATE ${_eo_qref_out})
  set_source_files_properties(${_eo_qref_out} PROPERTIES GENERATED TRUE)
endif()
