// A small, honest transport for test plugins: each fixture overrides the one thing it breaks.
// Sinks write into a file under option `path` so the chain's other stages behave normally.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <string>

#include "kdf/sdk.h"

namespace kdf_test {

class FileSink : public kdf::Sink {
public:
    explicit FileSink(std::string file) : location_(std::move(file)) {
        fd_.reset(::open(location_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    }
    kdf::Status write_at(uint64_t offset, std::span<const std::byte> data, const kdf::CallOptions&) noexcept override {
        return kdf::pwrite_full(fd_.get(), data.data(), data.size(), offset, location_.c_str());
    }
    kdf::Status put_file(std::string_view, std::span<const std::byte>, const kdf::CallOptions&) noexcept override {
        return kdf::Status::ok();
    }
    kdf::Status commit(const kdf::CallOptions&) noexcept override { return fd_.close("close"); }
    kdf::Status abort(const kdf::CallOptions&) noexcept override { return kdf::Status::ok(); }
    const std::string& location() const noexcept override { return location_; }

private:
    std::string location_;
    kdf::UniqueFd fd_;
};

class TestTransport : public kdf::Transport {
public:
    explicit TestTransport(std::string name) {
        desc_.name = std::move(name);
        desc_.version = "0.0.1";
        desc_.summary = "test fixture";
        desc_.caps = kdf::TransportCap::positional_write | kdf::TransportCap::atomic_commit;
        desc_.ops = static_cast<uint32_t>(kdf::SinkOp::write_at);
        desc_.options = {{"path", kdf::OptionType::path, false, "/tmp", "directory for the test file", ""}};
    }
    const kdf::Description& describe() const noexcept override { return desc_; }
    kdf::Status check(const kdf::TargetConfig&) const noexcept override { return kdf::Status::ok(); }
    kdf::Result<kdf::ProbeReport> probe(const kdf::TargetConfig&, const kdf::CallOptions&) noexcept override {
        return kdf::ProbeReport{"test fixture: nothing to probe", 0, false};
    }
    kdf::Result<std::unique_ptr<kdf::Sink>> open(const kdf::TargetConfig& t, const kdf::DumpInfo& d,
                                                 const kdf::CallOptions&) noexcept override {
        return kdf::guarded("test", [&]() -> kdf::Result<std::unique_ptr<kdf::Sink>> {
            return std::unique_ptr<kdf::Sink>(make_sink(t.get("path") + "/" + d.dir_name + "-" + desc_.name));
        });
    }

protected:
    virtual std::unique_ptr<kdf::Sink> make_sink(const std::string& file) { return std::make_unique<FileSink>(file); }
    kdf::Description desc_;
};

// A kdf_plugin_info filled by hand, for fixtures that lie about themselves.
#define KDF_TEST_EXPORT_INFO(abi, name, toolchain, create_fn)                                            \
    namespace {                                                                                          \
    const kdf_plugin_info test_info = {abi, sizeof(kdf_plugin_info), name, "0.0.1", toolchain, create_fn}; \
    const kdf_plugin_info* get_test_info() noexcept { return &test_info; }                               \
    }                                                                                                    \
    BOOST_DLL_ALIAS(get_test_info, kdf_transport_info)

}  // namespace kdf_test
