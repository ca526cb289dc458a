# Sourced by the bench scripts: how each section of BENCHMARKS.md names its machine. The same
# build runs different kernels on AVX2 and AVX-512 CPUs (oneDNN's choice, Winograd's copies),
# so every "Machine:" line says which of the two it ran on.

# bench_isa: the widest x86 vector extension the kernels use here.
bench_isa() {
  if grep -qw avx512f /proc/cpuinfo; then
    echo AVX-512
  elif grep -qw avx2 /proc/cpuinfo; then
    echo AVX2
  else
    echo "no AVX2"
  fi
}

# bench_machine: "<CPU model>, <n> cores, <ISA>".
bench_machine() {
  echo "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores, $(bench_isa)"
}
