// Defect: create() returns no transport and gives no reason.
#include "test_transport.h"
namespace {
kdf::Transport* create(char*, size_t) noexcept { return nullptr; }
}  // namespace
KDF_TEST_EXPORT_INFO(KDF_TRANSPORT_ABI_VERSION, "nullcreate", KDF_TOOLCHAIN_TAG, &create)
