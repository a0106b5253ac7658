// s3_conformance_test.cpp - the `s3` plugin through the conformance suite against a real Ceph RADOS
// Gateway on loopback (tests/unit/s3/rgw_lab.h). What landed is read back with s3cmd, an S3 client
// that is not ours. Breaking the target freezes radosgw (SIGSTOP).
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "tests/conformance/transport_conformance.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/s3/rgw_lab.h"

namespace kdf::conformance {
namespace {

class S3Target : public ConformanceTarget {
public:
    S3Target() {
        if (!lab_.ok()) return;
        bucket_ok_ = lab_.s3cmd("mb s3://conformance").exit_code == 0;
        credentials_ = tmp_.write("credentials", "access_key = " + lab_.access_key() + "\nsecret_key = " + lab_.secret_key() + "\n");
        ::chmod(credentials_.c_str(), 0600);
    }
    bool ok() const override { return lab_.ok() && bucket_ok_; }
    std::string why() const override { return lab_.ok() ? "cannot create the bucket" : lab_.why(); }
    std::string plugin_file() const override { return std::string(KDF_PLUGIN_BUILD_DIR) + "/kdf-transport-s3.so"; }
    chain::TargetSpec target() const override {
        return target_section("s3", {{"endpoint", lab_.endpoint()},
                                     {"bucket", "conformance"},
                                     {"prefix", "cf"},
                                     {"credentials_file", credentials_},
                                     {"part_size", "5M"},
                                     {"parts_in_flight", "2"}});
    }
    std::optional<Bytes> final_dump(const DumpInfo& dump) const override { return object(dump, dump.final_name); }
    std::optional<Bytes> incomplete_dump(const DumpInfo&, uint64_t) const override { return std::nullopt; }
    std::optional<Bytes> side_file(const DumpInfo& dump, const std::string& name) const override {
        return object(dump, name);
    }
    bool break_target(const DumpInfo&) override {
        lab_.freeze();
        return true;
    }
    void repair_target() override { lab_.thaw(); }

private:
    std::optional<Bytes> object(const DumpInfo& dump, const std::string& name) const {
        const std::string file = tmp_.file("fetched");
        ::unlink(file.c_str());
        auto got = lab_.s3cmd("get --force 's3://conformance/cf/" + dump.dir_name + "/" + name + "' '" + file + "'");
        if (got.exit_code != 0) return std::nullopt;
        std::ifstream in(file, std::ios::binary);
        std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        Bytes out(chars.size());
        std::memcpy(out.data(), chars.data(), chars.size());
        return out;
    }

    test::TempDir tmp_{"kdf-conformance-s3"};
    mutable kdf_test::RgwLab lab_;
    bool bucket_ok_ = false;
    std::string credentials_;
};

INSTANTIATE_TEST_SUITE_P(s3, TransportConformance,
                         ::testing::Values(ConformanceCase{"rgw", [] { return std::make_unique<S3Target>(); }}),
                         conformance_case_name);

}  // namespace
}  // namespace kdf::conformance
