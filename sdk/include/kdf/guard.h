// kdf/guard.h - keep exceptions inside the plugin.
//
// Every SDK virtual is noexcept. A plugin wraps each body in guarded(), which turns any exception
// (std::bad_alloc, std::system_error, anything else) into a Status that names the plugin, instead
// of letting it reach the host (where it would terminate the attempt process):
//
//   kdf::Status commit(const kdf::CallOptions& o) noexcept override {
//       return kdf::guarded("local", [&] { return do_commit(o); });
//   }
#pragma once

#include <exception>
#include <new>
#include <string>
#include <type_traits>

#include "kdf/status.h"

namespace kdf {

namespace detail {
inline Status exception_status(const char* plugin) noexcept {
    try {
        throw;
    } catch (const std::bad_alloc&) {
        Status s = Status::error(Code::system, "out of memory");
        s.with_errno(ENOMEM);
        return s.with_context(plugin);
    } catch (const std::exception& e) {
        Status s = Status::error(Code::system, e.what());
        return s.with_context(std::string(plugin) + ": unexpected exception");
    } catch (...) {
        return Status::error(Code::system, std::string(plugin) + ": unexpected non-standard exception");
    }
}
}  // namespace detail

// Runs body(); returns what it returns (Status or Result<T>), or the exception as a Status.
template <class F>
auto guarded(const char* plugin, F&& body) noexcept -> std::invoke_result_t<F> {
    using R = std::invoke_result_t<F>;
    try {
        return body();
    } catch (...) {
        return R(detail::exception_status(plugin));
    }
}

}  // namespace kdf
