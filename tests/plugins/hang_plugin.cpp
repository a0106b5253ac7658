// Behaviour: blocks forever, ignoring every deadline, where option `hang_in` says (open, write or
// commit), like a transport stuck in a kernel call on a dead server. Only the supervisor's kill ends it.
#include <unistd.h>

#include "test_transport.h"
namespace {
[[noreturn]] void block_forever() {
    for (;;) ::pause();
}

class HangSink final : public kdf_test::FileSink {
public:
    HangSink(std::string file, std::string hang_in) : FileSink(std::move(file)), hang_in_(std::move(hang_in)) {}
    kdf::Status write_at(uint64_t offset, std::span<const std::byte> data, const kdf::CallOptions& o) noexcept override {
        // Let a little data through first, so the stall (not the connect) timeout is what fires.
        if (hang_in_ == "write" && offset >= (1u << 20)) block_forever();
        return FileSink::write_at(offset, data, o);
    }
    kdf::Status commit(const kdf::CallOptions& o) noexcept override {
        if (hang_in_ == "commit") block_forever();
        return FileSink::commit(o);
    }

private:
    std::string hang_in_;
};

class Hang final : public kdf_test::TestTransport {
public:
    Hang() : TestTransport("hang") {
        desc_.options.push_back({"hang_in", kdf::OptionType::choice, false, "write", "where to block", "open|write|commit"});
    }
    kdf::Result<std::unique_ptr<kdf::Sink>> open(const kdf::TargetConfig& t, const kdf::DumpInfo& d,
                                                 const kdf::CallOptions& o) noexcept override {
        hang_in_ = t.get("hang_in");
        if (hang_in_ == "open") block_forever();
        return TestTransport::open(t, d, o);
    }

protected:
    std::unique_ptr<kdf::Sink> make_sink(const std::string& file) override {
        return std::make_unique<HangSink>(file, hang_in_);
    }

private:
    std::string hang_in_;
};
}  // namespace
KDF_EXPORT_TRANSPORT(Hang, "hang", "0.0.1")
