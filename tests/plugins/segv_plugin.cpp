// Behaviour: dereferences a null pointer in write_at, as a buggy plugin would.
#include "test_transport.h"
namespace {
class SegvSink final : public kdf_test::FileSink {
public:
    using FileSink::FileSink;
    kdf::Status write_at(uint64_t, std::span<const std::byte>, const kdf::CallOptions&) noexcept override {
        volatile int* null_pointer = nullptr;
        *null_pointer = 1;  // SIGSEGV
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
