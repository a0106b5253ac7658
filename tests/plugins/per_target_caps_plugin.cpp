// Behaviour: capabilities per target (Transport::capabilities). Option `mode`: `place` targets
// write in place (positional_write); `stream` targets do not, and their Sink refuses any write that
// is not contiguous, as a pipe into a remote command would. `mode = boast` claims durable_sync,
// which the Description does not declare: the host must refuse that target.
#include "test_transport.h"

namespace {

class ContiguousSink final : public kdf_test::FileSink {
public:
    using FileSink::FileSink;
    kdf::Status write_at(uint64_t offset, std::span<const std::byte> data, const kdf::CallOptions& o) noexcept override {
        if (offset != next_)
            return kdf::Status::error(kdf::Code::not_supported, "pertarget: a stream target got a write at " +
                                                                    std::to_string(offset) + ", expected " +
                                                                    std::to_string(next_));
        next_ += data.size();
        return FileSink::write_at(offset, data, o);
    }

private:
    uint64_t next_ = 0;
};

class PerTarget final : public kdf_test::TestTransport {
public:
    PerTarget() : TestTransport("pertarget") {
        desc_.options.push_back({"mode", kdf::OptionType::choice, false, "place", "place or stream", "place|stream|boast"});
    }
    uint32_t capabilities(const kdf::TargetConfig& t) const noexcept override {
        const std::string mode = t.get("mode");
        if (mode == "stream") return desc_.caps & ~static_cast<uint32_t>(kdf::TransportCap::positional_write);
        if (mode == "boast") return desc_.caps | static_cast<uint32_t>(kdf::TransportCap::durable_sync);
        return desc_.caps;
    }
    kdf::Result<std::unique_ptr<kdf::Sink>> open(const kdf::TargetConfig& t, const kdf::DumpInfo& d,
                                                 const kdf::CallOptions& o) noexcept override {
        stream_ = t.get("mode") == "stream";
        return TestTransport::open(t, d, o);
    }

protected:
    std::unique_ptr<kdf::Sink> make_sink(const std::string& file) override {
        if (stream_) return std::make_unique<ContiguousSink>(file);
        return std::make_unique<kdf_test::FileSink>(file);
    }

private:
    bool stream_ = false;
};

}  // namespace
KDF_EXPORT_TRANSPORT(PerTarget, "pertarget", "0.0.1")
