# Installs the built kdash into a scratch prefix, then configures, builds and runs a downstream project that does
# find_package(KDash) and links KDash::kdash. Run by ctest (test install_consumer).
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${KDASH_BUILD_DIR} --prefix ${prefix} RESULT_VARIABLE rc
                OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "installing kdash failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${KDASH_SOURCE_DIR}/tests/install -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${prefix} -DKokkos_ROOT=${Kokkos_ROOT}
                        -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the downstream project failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the downstream project failed (${rc})")
endif()
execute_process(COMMAND ${WORK_DIR}/build/kdash_consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the downstream program failed (${rc})")
endif()
