# The CUDA backend, libpaddle_inference_cuda.so (PD_WITH_CUDA=ON; `make build-cuda`). The engine
# loads it only when a GPU is asked for (src/framework/cuda_backend.h), so the main library
# never depends on CUDA. Built for sm_80 and sm_90 as machine code only: PTX from a newer
# toolkit could not be JIT-compiled by an older driver. The CUDA runtime is linked statically;
# cuBLAS and cuDNN by soname, from the machine's own libraries at run time.
#
# PD_CUDA_ROOT: the prefix scripts/cuda.sh installs (nvidia/cu13 and nvidia/cudnn under it).
if(NOT CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 80-real 90-real)
endif()
enable_language(CUDA)
set(CMAKE_CUDA_STANDARD 17)

set(PD_CUDA_TOOLKIT ${PD_CUDA_ROOT}/nvidia/cu13)
set(PD_CUDNN ${PD_CUDA_ROOT}/nvidia/cudnn)
find_library(PD_CUBLAS_LIB cublas PATHS ${PD_CUDA_TOOLKIT}/lib NO_DEFAULT_PATH REQUIRED)
find_library(PD_CUDNN_LIB cudnn PATHS ${PD_CUDNN}/lib NO_DEFAULT_PATH REQUIRED)
find_library(PD_CUDART_STATIC cudart_static PATHS ${PD_CUDA_TOOLKIT}/lib NO_DEFAULT_PATH REQUIRED)

file(GLOB CUDA_BACKEND_SRCS CONFIGURE_DEPENDS src/cuda/*.cc src/cuda/*.cu)
add_library(paddle_inference_cuda SHARED ${CUDA_BACKEND_SRCS})
# The engine's headers (and framework.pb.h, which they include), not its library: the engine's
# symbols come from the process that loads the backend.
target_include_directories(paddle_inference_cuda PRIVATE src ${CMAKE_CURRENT_BINARY_DIR} include
  ${PD_CUDA_TOOLKIT}/include ${PD_CUDNN}/include
  $<TARGET_PROPERTY:protobuf::libprotobuf,INTERFACE_INCLUDE_DIRECTORIES>)
add_dependencies(paddle_inference_cuda pd_proto)  # framework.pb.h
target_link_libraries(paddle_inference_cuda PRIVATE ${PD_CUDART_STATIC} ${PD_CUBLAS_LIB}
  ${PD_CUDNN_LIB} protobuf::libprotobuf Threads::Threads ${CMAKE_DL_LIBS} rt)
set_target_properties(paddle_inference_cuda PROPERTIES CXX_VISIBILITY_PRESET hidden
  CUDA_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
target_compile_options(paddle_inference_cuda PRIVATE
  $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -Xcompiler=-fvisibility=hidden>)
install(TARGETS paddle_inference_cuda LIBRARY DESTINATION paddle/lib)
