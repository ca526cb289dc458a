# Turns a CUDA source into C++ for the host CUDA backend (kernel_model.h): each launch
# `k<<<grid, block, shmem, stream>>>(args)` becomes `k % ::hostcuda::Config(__FILE__, __LINE__,
# grid, block, shmem, stream)(args)`, on the same line, so errors and __FILE__/__LINE__ name the
# original. Only the `>>>` that closes a `<<<` is touched (a `>>>` closing nested templates is
# left alone). Run as `cmake -DIN=x.cu -DOUT=x.cu.cc -P translate.cmake`.
cmake_minimum_required(VERSION 3.20)
file(READ "${IN}" rest)
set(done "")
while(TRUE)
  string(FIND "${rest}" "<<<" open)
  if(open EQUAL -1)
    break()
  endif()
  string(SUBSTRING "${rest}" 0 ${open} before)
  math(EXPR after_open "${open} + 3")
  string(SUBSTRING "${rest}" ${after_open} -1 rest)
  string(FIND "${rest}" ">>>" close)
  if(close EQUAL -1)
    message(FATAL_ERROR "${IN}: a <<< without its >>>")
  endif()
  string(SUBSTRING "${rest}" 0 ${close} config)
  math(EXPR after_close "${close} + 3")
  string(SUBSTRING "${rest}" ${after_close} -1 rest)
  string(APPEND done "${before} % ::hostcuda::Config(__FILE__, __LINE__, ${config})")
endwhile()
file(WRITE "${OUT}.tmp" "#line 1 \"${IN}\"\n${done}${rest}")
file(RENAME "${OUT}.tmp" "${OUT}")
