// plugin_export_test.cpp - the built kdf-transport-local.so exports the info alias and makes a
// working LocalTransport (a plain dlopen here; the loader's own checks are tested in core/plugin).
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "kdf/plugin_abi.h"

namespace {

TEST(LocalPlugin, SharedObjectExportsInfoAndCreatesTheTransport) {
    const std::string so = std::string(KDF_PLUGIN_BUILD_DIR) + "/kdf-transport-local.so";
    void* handle = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle, nullptr) << ::dlerror();
    std::unique_ptr<void, int (*)(void*)> unload(handle, &::dlclose);
    // BOOST_DLL_ALIAS exports a variable holding the function's address.
    using InfoFn = const kdf_plugin_info* (*)() noexcept;
    auto* alias = static_cast<InfoFn*>(::dlsym(handle, "kdf_transport_info"));
    ASSERT_NE(alias, nullptr) << ::dlerror();
    const kdf_plugin_info* info = (*alias)();
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->abi_version, KDF_TRANSPORT_ABI_VERSION);
    EXPECT_STREQ(info->name, "local");
    EXPECT_STREQ(info->plugin_version, "0.1.0");
    EXPECT_STREQ(info->toolchain, KDF_TOOLCHAIN_TAG);
    // hidden visibility: the transport's own symbols stay private
    EXPECT_EQ(::dlsym(handle, "_ZN3kdf5local14LocalTransportC1Ev"), nullptr);

    char error[256] = "";
    std::unique_ptr<kdf::Transport> t(info->create(error, sizeof error));
    ASSERT_NE(t, nullptr) << error;
    EXPECT_EQ(t->describe().name, "local");
    EXPECT_TRUE(t->check(kdf::TargetConfig{"t", "local", "", {{"path", {"/var/crash", ""}}}}).is_ok());
    t.reset();  // before dlclose: the object's code lives in the library
}

}  // namespace
