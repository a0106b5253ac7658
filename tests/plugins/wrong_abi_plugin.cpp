// Defect: built against an SDK with a different ABI version.
#include "test_transport.h"
namespace {
kdf::Transport* create(char*, size_t) noexcept { return std::make_unique<kdf_test::TestTransport>("wrongabi").release(); }
}  // namespace
KDF_TEST_EXPORT_INFO(KDF_TRANSPORT_ABI_VERSION + 41, "wrongabi", KDF_TOOLCHAIN_TAG, &create)
