// One include for wasm_simd128.h intrinsics: the real header under Emscripten, and natively the
// SIMDe emulation (Debian's libsimde-dev), so the same kernels are tested by the native suite and
// sanitizers. Native speed of the emulation says nothing about wasm speed.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif
