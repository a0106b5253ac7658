// Defect: the transport's constructor throws; the SDK's export macro must turn it into a reason.
#include <stdexcept>

#include "test_transport.h"
namespace {
class Throwing final : public kdf_test::TestTransport {
public:
    Throwing() : TestTransport("throwcreate") { throw std::runtime_error("cannot read /etc/throwcreate.key"); }
};
}  // namespace
KDF_EXPORT_TRANSPORT(Throwing, "throwcreate", "0.0.1")
