# The host CUDA backend, libgohub_host_cuda.so: the CUDA backend's own sources (src/cuda), built
# by the C++ compiler against CUDA's, cuBLAS's and cuDNN's headers and linked with host
# implementations of what they call (tests/host_cuda), so that the backend's code (its kernels,
# its cuDNN and cuBLAS calls, its copies, graphs and memory handling) runs on any machine and the
# tests compare it with the CPU's. Loaded through GOHUB_CUDA_BACKEND like the real backend.
# Needs only the headers of the toolchain scripts/cuda.sh installs (PD_CUDA_ROOT).
set(HOST_CUDA_DIR ${CMAKE_CURRENT_SOURCE_DIR}/tests/host_cuda)
set(HOST_CUDA_INCLUDES ${HOST_CUDA_DIR} ${PD_CUDA_ROOT}/nvidia/cu13/include
  ${PD_CUDA_ROOT}/nvidia/cudnn/include)
# CUDA's headers declare attributes g++ does not know (__location__(device) and the like);
# the kernels' _rn intrinsics are single roundings, so nothing is contracted into an FMA.
set(HOST_CUDA_OPTIONS -Wno-attributes -ffp-contract=off)

# The C++ that translate.cmake makes of each CUDA source, compiled with kernel_model.h first.
function(host_cuda_translate out_var)
  set(outs)
  foreach(cu ${ARGN})
    get_filename_component(name ${cu} NAME)
    set(out ${CMAKE_CURRENT_BINARY_DIR}/host_cuda/${name}.cc)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -DIN=${cu} -DOUT=${out} -P ${HOST_CUDA_DIR}/translate.cmake
      DEPENDS ${cu} ${HOST_CUDA_DIR}/translate.cmake VERBATIM)
    set_source_files_properties(${out} PROPERTIES
      COMPILE_OPTIONS "-include;${HOST_CUDA_DIR}/kernel_model.h")
    list(APPEND outs ${out})
  endforeach()
  set(${out_var} ${outs} PARENT_SCOPE)
endfunction()

file(GLOB HOST_CUDA_BACKEND_CC CONFIGURE_DEPENDS src/cuda/*.cc)
file(GLOB HOST_CUDA_BACKEND_CU CONFIGURE_DEPENDS src/cuda/*.cu)
host_cuda_translate(HOST_CUDA_KERNELS ${HOST_CUDA_BACKEND_CU})
add_library(gohub_host_cuda SHARED ${HOST_CUDA_BACKEND_CC} ${HOST_CUDA_KERNELS}
  ${HOST_CUDA_DIR}/runtime.cc ${HOST_CUDA_DIR}/grid.cc ${HOST_CUDA_DIR}/cublas.cc
  ${HOST_CUDA_DIR}/cudnn.cc ${HOST_CUDA_DIR}/faults.cc ${HOST_CUDA_DIR}/races.cc)
add_dependencies(gohub_host_cuda pd_proto)
target_include_directories(gohub_host_cuda PRIVATE src src/cuda ${HOST_CUDA_INCLUDES}
  ${CMAKE_CURRENT_BINARY_DIR} include
  $<TARGET_PROPERTY:protobuf::libprotobuf,INTERFACE_INCLUDE_DIRECTORIES>)
target_link_libraries(gohub_host_cuda PRIVATE Threads::Threads)
set_target_properties(gohub_host_cuda PROPERTIES CXX_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON)
target_compile_options(gohub_host_cuda PRIVATE ${HOST_CUDA_OPTIONS})

# The host CUDA's own checks: its barriers, shuffles, launch limits, queued work, graphs,
# faults and race checks behave as a GPU's.
host_cuda_translate(HOST_CUDA_SELF_TEST ${HOST_CUDA_DIR}/self_test.cu)
add_executable(host_cuda_self_test ${HOST_CUDA_SELF_TEST} ${HOST_CUDA_DIR}/runtime.cc
  ${HOST_CUDA_DIR}/grid.cc ${HOST_CUDA_DIR}/races.cc ${HOST_CUDA_DIR}/cublas.cc)
target_include_directories(host_cuda_self_test PRIVATE ${HOST_CUDA_INCLUDES})
target_link_libraries(host_cuda_self_test PRIVATE GTest::gtest_main Threads::Threads)
target_compile_options(host_cuda_self_test PRIVATE ${HOST_CUDA_OPTIONS})
gtest_discover_tests(host_cuda_self_test DISCOVERY_MODE PRE_TEST)
