// kdf/plugin_abi.h - how a plugin introduces itself to the loader, and the ABI fence.
//
// A plugin is a shared object named kdf-transport-<name>.so that exports exactly one symbol, the
// Boost.DLL alias `kdf_transport_info`: a function returning a pointer to a plain C struct
// (kdf_plugin_info). The loader reads abi_version and the toolchain tag from that struct *before*
// it calls create(), and refuses a mismatch with a sentence naming the file and both versions
// (LLVM PassPlugin, Ceph ErasureCodePlugin, fio's engine version check).
//
// C++ crosses the boundary behind the struct (kdf::Transport, std::string, std::unique_ptr), so host
// and plugin must share the compiler family's C++ ABI and libstdc++ (same major, same
// _GLIBCXX_USE_CXX11_ABI). The toolchain tag records that; the loader compares it.
//
// Write a plugin like this (sdk/examples/skeleton_transport.cpp is a complete one):
//
//   class MyTransport final : public kdf::Transport { ... };
//   KDF_EXPORT_TRANSPORT(MyTransport, "mine", "1.0.0")
//
// Build it with -fvisibility=hidden (the SDK's CMake function kdf_add_transport_plugin does), so the
// alias is its only exported symbol.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>

#include <boost/dll/alias.hpp>

#include "kdf/guard.h"
#include "kdf/transport.h"

// Bump whenever any SDK class layout, virtual function order or signature, or struct field changes
// (kdf_plugin_info, Description, DumpInfo, ProbeReport, OptionSpec, OptionValue, TargetConfig,
// CallOptions, Status, Sink, Transport). Old plugins are then refused instead of crashing.
// Version 2: Transport::capabilities(target), per-target capabilities, and
// Transport::crash_kernel_needs(target), what the initramfs must hold for a target.
#define KDF_TRANSPORT_ABI_VERSION 2u

#define KDF_STRINGIFY_IMPL(x) #x
#define KDF_STRINGIFY(x) KDF_STRINGIFY_IMPL(x)

// "itanium/libstdc++-12/cxx11abi-1": C++ ABI family, standard library major, std::string ABI.
#if defined(__GLIBCXX__)
#define KDF_TOOLCHAIN_TAG \
    "itanium/libstdc++-" KDF_STRINGIFY(_GLIBCXX_RELEASE) "/cxx11abi-" KDF_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define KDF_TOOLCHAIN_TAG "unsupported-standard-library"
#endif

extern "C" {
// The versioned entry struct. abi_version stays the first field in every future version, so any
// loader can read it safely; info_size lets a newer loader see which fields exist.
struct kdf_plugin_info {
    uint32_t abi_version;      // KDF_TRANSPORT_ABI_VERSION the plugin was built with
    uint32_t info_size;        // sizeof(kdf_plugin_info) as the plugin saw it
    const char* name;          // must equal <name> in kdf-transport-<name>.so
    const char* plugin_version;
    const char* toolchain;     // KDF_TOOLCHAIN_TAG
    // Makes the Transport. Never throws: on failure it returns null and writes a reason into
    // error[0..error_size). The caller owns the result and deletes it through its virtual destructor.
    kdf::Transport* (*create)(char* error, size_t error_size) noexcept;
};
}

namespace kdf::detail {
template <class T>
Transport* create_guarded(char* error, size_t error_size) noexcept {
    try {
        return std::make_unique<T>().release();  // ownership passes to the loader
    } catch (...) {
        Status s = exception_status("create");
        s.render(error, error_size);
        return nullptr;
    }
}
}  // namespace kdf::detail

// Exports TransportClass (default-constructible) as the plugin's transport.
#define KDF_EXPORT_TRANSPORT(TransportClass, name_literal, version_literal)                            \
    namespace kdf_plugin_export {                                                                     \
    static kdf::Transport* create(char* error, size_t error_size) noexcept {                          \
        return ::kdf::detail::create_guarded<TransportClass>(error, error_size);                       \
    }                                                                                                 \
    static const ::kdf_plugin_info info_v = {KDF_TRANSPORT_ABI_VERSION, sizeof(::kdf_plugin_info),    \
                                             name_literal, version_literal, KDF_TOOLCHAIN_TAG, &create}; \
    const ::kdf_plugin_info* get_info() noexcept { return &info_v; }                                  \
    }                                                                                                 \
    BOOST_DLL_ALIAS(kdf_plugin_export::get_info, kdf_transport_info)
