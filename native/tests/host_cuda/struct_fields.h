// The fields of an aggregate struct, for the host CUDA's view of a kernel's struct arguments
// (kernel_model.h's PointerUse): the race check needs the pointers they carry and whether each
// points to const, which C++17 can tell only field by field. The field count is the longest
// list of braced initializers the struct takes (each braced, so that an array field takes one,
// not one per element); the fields are then named by a structured binding of that many.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace hostcuda {

// Converts to any field type; used in unevaluated contexts only.
struct AnyField {
  template <typename T>
  operator T() const;
};

template <size_t>
AnyField AnyFieldAt();

template <typename T, typename Seq, typename = void>
struct BracedBy : std::false_type {};
template <typename T, size_t... I>
struct BracedBy<T, std::index_sequence<I...>, std::void_t<decltype(T{{AnyFieldAt<I>()}...})>>
    : std::true_type {};

// How many fields the aggregate T has (at most kMaxFields).
constexpr size_t kMaxFields = 25;
template <typename T, size_t N = 0>
constexpr size_t FieldCount() {
  if constexpr (N < kMaxFields && BracedBy<T, std::make_index_sequence<N + 1>>::value) {
    return FieldCount<T, N + 1>();
  } else {
    return N;
  }
}

// Calls f on each field of the aggregate v, in order.
template <typename T, typename F>
void ForEachField(const T& v, F&& f) {
  constexpr size_t n = FieldCount<T>();
  static_assert(n < kMaxFields, "a kernel's struct argument with more fields than kMaxFields");
  if constexpr (n == 1) {
    const auto& [f1] = v;
    f(f1);
  } else if constexpr (n == 2) {
    const auto& [f1, f2] = v;
    f(f1); f(f2);
  } else if constexpr (n == 3) {
    const auto& [f1, f2, f3] = v;
    f(f1); f(f2); f(f3);
  } else if constexpr (n == 4) {
    const auto& [f1, f2, f3, f4] = v;
    f(f1); f(f2); f(f3); f(f4);
  } else if constexpr (n == 5) {
    const auto& [f1, f2, f3, f4, f5] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5);
  } else if constexpr (n == 6) {
    const auto& [f1, f2, f3, f4, f5, f6] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6);
  } else if constexpr (n == 7) {
    const auto& [f1, f2, f3, f4, f5, f6, f7] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7);
  } else if constexpr (n == 8) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8);
  } else if constexpr (n == 9) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9);
  } else if constexpr (n == 10) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10);
  } else if constexpr (n == 11) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11);
  } else if constexpr (n == 12) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12);
  } else if constexpr (n == 13) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
  } else if constexpr (n == 14) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14);
  } else if constexpr (n == 15) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14); f(f15);
  } else if constexpr (n == 16) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14); f(f15); f(f16);
  } else if constexpr (n == 17) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14); f(f15); f(f16); f(f17);
  } else if constexpr (n == 18) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18] =
        v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14); f(f15); f(f16); f(f17); f(f18);
  } else if constexpr (n == 19) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
        f19] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14); f(f15); f(f16); f(f17); f(f18); f(f19);
  } else if constexpr (n == 20) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
        f19, f20] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20);
  } else if constexpr (n == 21) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
        f19, f20, f21] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21);
  } else if constexpr (n == 22) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
        f19, f20, f21, f22] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22);
  } else if constexpr (n == 23) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
        f19, f20, f21, f22, f23] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23);
  } else if constexpr (n == 24) {
    const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
        f19, f20, f21, f22, f23, f24] = v;
    f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
    f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23); f(f24);
  }
}

}  // namespace hostcuda
