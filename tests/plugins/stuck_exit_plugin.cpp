// Behaviour: commits the dump properly, then never lets go of the sink: its close blocks forever,
// like an iSCSI logout to a portal that stopped answering or the close of a block device whose
// flush never returns. The dump is complete; only the process does not exit.
#include <unistd.h>

#include "test_transport.h"
namespace {
class StuckCloseSink final : public kdf_test::FileSink {
public:
    using FileSink::FileSink;
    ~StuckCloseSink() override {
        for (;;) ::pause();
    }
};

class StuckExit final : public kdf_test::TestTransport {
public:
    StuckExit() : TestTransport("stuckexit") {}

protected:
    std::unique_ptr<kdf::Sink> make_sink(const std::string& file) override {
        return std::make_unique<StuckCloseSink>(file);
    }
};
}  // namespace
KDF_EXPORT_TRANSPORT(StuckExit, "stuckexit", "0.0.1")
