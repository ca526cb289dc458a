#!/usr/bin/env bash
# Builds the native library with AddressSanitizer + UndefinedBehaviorSanitizer, runs the C++
# tests, then runs the Go tests with the sanitized library in place of the release one.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/native-asan
prefix=$PWD/build/asan-install
onednn=$(bash scripts/onednn.sh | tail -n 1)
cmake -S native -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPD_SANITIZE=ON \
  -DCMAKE_INSTALL_PREFIX="$prefix" -Ddnnl_DIR="$onednn/lib/cmake/dnnl" >/dev/null
cmake --build "$build" -j "$(nproc)"
cmake --install "$build" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$build" && ctest --output-on-failure -j "$(nproc)")

# Go's runtime is not instrumented: preload the sanitizer runtimes so the library's
# interceptors are in place before anything allocates. LeakSanitizer cannot see Go's heap
# and reports the runtime's own allocations, so leaks are checked by the C++ tests above.
# The test binaries are built first, so that only they (not the go tool or the C compiler)
# run with the preloaded runtimes.
make -s native >/dev/null   # the test binaries link against the release install path
bins=build/asan-go
mkdir -p "$bins"
pkgs=(./paddle ./readers/lac ./examples/lac_seg)
for pkg in "${pkgs[@]}"; do
  go test -c -o "$bins/$(basename "$pkg").test" "$pkg"
done
asan_rt=$(g++ -print-file-name=libasan.so)
ubsan_rt=$(g++ -print-file-name=libubsan.so)
for pkg in "${pkgs[@]}"; do
  echo "asan: go test $pkg" >&2
  (cd "$pkg" && LD_PRELOAD="$asan_rt:$ubsan_rt" LD_LIBRARY_PATH="$prefix/paddle/lib" \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:handle_segv=0:allow_user_segv_handler=1 \
    "$OLDPWD/$bins/$(basename "$pkg").test" -test.count=1)
done
# The GPU fine-tune on the tests' emulated GPU backend, sanitized too: its copies from
# page-locked memory run late, as CUDA's do, so a staging block freed too early is a use after
# free here.
go test -c -o "$bins/finetune.test" ./finetune
echo "asan: go test ./finetune -run GPU, on the emulated GPU backend" >&2
(cd finetune && LD_PRELOAD="$asan_rt:$ubsan_rt" LD_LIBRARY_PATH="$prefix/paddle/lib" \
  GOHUB_CUDA_BACKEND="$OLDPWD/$build/libgohub_emulated_gpu.so" \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:handle_segv=0:allow_user_segv_handler=1 \
  "$OLDPWD/$bins/finetune.test" -test.count=1 -test.run GPU)
echo "asan: C++ and Go tests clean under ASan/UBSan"
