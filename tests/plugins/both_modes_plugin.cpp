// Defect: declares both write hooks.
#include "test_transport.h"
namespace {
class BothModes final : public kdf_test::TestTransport {
public:
    BothModes() : TestTransport("bothmodes") {
        desc_.ops = static_cast<uint32_t>(kdf::SinkOp::write_at) | static_cast<uint32_t>(kdf::SinkOp::append);
    }
};
}  // namespace
KDF_EXPORT_TRANSPORT(BothModes, "bothmodes", "0.0.1")
