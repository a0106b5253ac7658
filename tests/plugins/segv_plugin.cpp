// Behaviour: writes through a wild pointer in write_at, as a buggy plugin would (SIGSEGV).
#include <cstdint>

#include "test_transport.h"
namespace {
class SegvSink final : public kdf_test::FileSink {
public:
    using FileSink::FileSink;
    kdf::Status write_at(uint64_t, std::span<const std::byte>, const kdf::CallOptions&) noexcept override {
        // An unmapped address rather than nullptr: UBSan (CI's sanitizer build) would report a null
        // store and exit before the fault, and the test is about a real SIGSEGV.
        // The address goes through a volatile so the compiler cannot see (and warn about) it.
        volatile uintptr_t address = 64;
        volatile int* unmapped = reinterpret_cast<volatile int*>(address);
        *unmapped = 1;  // SIGSEGV
        return kdf::Status::ok();
    }
};
class Segv final : public kdf_test::TestTransport {
public:
    Segv() : TestTransport("segv") {}

protected:
    std::unique_ptr<kdf::Sink> make_sink(const std::string& file) override { return std::make_unique<SegvSink>(file); }
};
}  // namespace
KDF_EXPORT_TRANSPORT(Segv, "segv", "0.0.1")
