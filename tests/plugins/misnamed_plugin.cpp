// Defect: the file is kdf-transport-misnamed.so but the plugin calls itself "nfs".
#include "test_transport.h"
namespace {
class Misnamed final : public kdf_test::TestTransport {
public:
    Misnamed() : TestTransport("nfs") {}
};
}  // namespace
KDF_EXPORT_TRANSPORT(Misnamed, "nfs", "0.0.1")
