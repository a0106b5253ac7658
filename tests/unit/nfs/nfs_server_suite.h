// One ganesha shared by a test suite (starting it costs ~1 s), with the exports every case uses:
// /export (plain), /squash (root_squash, its dumps directory owned by uid 1000) and /small (a
// 4 MiB tmpfs, for a real server-side ENOSPC).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "tests/unit/nfs/ganesha_fixture.h"

namespace kdf_test {

class NfsServerSuite : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = std::make_unique<Ganesha>(std::vector<GaneshaExport>{
            {"/export", false, ""}, {"/squash", true, ""}, {"/small", false, "4m"}});
    }
    static void TearDownTestSuite() { server_.reset(); }
    void SetUp() override { ASSERT_TRUE(server_->ok()) << server_->why(); }

    static Ganesha& server() { return *server_; }

private:
    static inline std::unique_ptr<Ganesha> server_;
};

}  // namespace kdf_test
