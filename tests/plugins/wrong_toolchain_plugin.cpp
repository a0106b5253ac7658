// Defect: built with another C++ standard library / std::string ABI.
#include "test_transport.h"
namespace {
kdf::Transport* create(char*, size_t) noexcept {
    return std::make_unique<kdf_test::TestTransport>("wrongtoolchain").release();
}
}  // namespace
KDF_TEST_EXPORT_INFO(KDF_TRANSPORT_ABI_VERSION, "wrongtoolchain", "itanium/libstdc++-7/cxx11abi-0", &create)
