// lvm_save_test.cpp - after reboot: `kdump-failover save lvm://VG/LV DIR`, run as a user runs it,
// with the plugin found on the plugin path. The LV is not active (this kernel has no
// device-mapper), so the command reads through the same metadata and extent map the dump went
// through: a striped LV whose two PVs are loop devices lvm2 set up.
#include <gtest/gtest.h>

#include <fcntl.h>

#include <random>

#include "kdf/raw_dump_header.h"
#include "kdf/unique_fd.h"
#include "lvm_lab.h"
#include "lvm_transport.h"

namespace kdf::lvm {
namespace {

using Bytes = std::vector<std::byte>;

Bytes pattern(size_t size, uint32_t seed) {
    Bytes out(size);
    std::mt19937 rng(seed);
    for (auto& b : out) b = static_cast<std::byte>(rng());
    return out;
}

Bytes read_file(const std::string& path, size_t size) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    Bytes out(size);
    if (!fd || !pread_full(fd.get(), out.data(), size, 0, "read").is_ok()) out.clear();
    return out;
}

test::CommandResult save(const std::string& url, const std::string& dir) {
    return test::run_shell("KDF_PLUGIN_PATH=" KDF_PLUGIN_BUILD_DIR " " KDF_CLI " save '" + url + "' " + dir);
}

TEST(LvmSave, SaveThroughAnLvmUrlExtractsTheDumpAndMarksItSaved) {
    test::LvmLab lab(2, 16u << 20);
    ASSERT_TRUE(lab.ready()) << lab.error();
    const std::string d0 = lab.device(0), d1 = lab.device(1);
    lab.must("pvcreate -y " + d0 + " " + d1);
    lab.must("vgcreate -s 1M vg-save-test " + d0 + " " + d1);
    lab.must("lvcreate -i 2 -I 64k -l 6 -n lv-save vg-save-test");

    TargetConfig t;
    t.name = "lv";
    t.type = "lvm";
    t.where = "test.conf:1";
    t.options["vg"] = OptionValue{"vg-save-test", "test.conf:2"};
    t.options["lv"] = OptionValue{"lv-save", "test.conf:3"};
    t.options["devices"] = OptionValue{d0 + " " + d1, "test.conf:4"};
    DumpInfo d;
    d.host = "node1";
    d.dir_name = "node1-2026-12-05-13:00:00";
    d.final_name = "vmcore";
    d.format = "kdump";
    const Bytes dmesg = pattern(1500, 21);
    const Bytes data = pattern((2u << 20) + 4321, 22);
    d.size_hint = data.size();
    {
        LvmTransport transport;
        Result<std::unique_ptr<Sink>> sink = transport.open(t, d, CallOptions{});
        ASSERT_TRUE(sink.is_ok()) << sink.take_status().message();
        ASSERT_TRUE(sink.value()->put_file("vmcore-dmesg.txt", dmesg, CallOptions{}).is_ok());
        ASSERT_TRUE(sink.value()->write_at(0, data, CallOptions{}).is_ok());
        ASSERT_TRUE(sink.value()->commit(CallOptions{}).is_ok());
    }

    kdf::test::TempDir out("kdf-lvm-save");
    const std::string url = "lvm://vg-save-test/lv-save?devices=" + d0 + "," + d1;
    test::CommandResult r = save(url, out.path());
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("saved " + std::to_string(data.size()) + " bytes"), std::string::npos) << r.out;
    const std::string dir = out.file(d.dir_name);
    EXPECT_EQ(read_file(dir + "/vmcore", data.size()), data);
    EXPECT_EQ(read_file(dir + "/vmcore-dmesg.txt", dmesg.size()), dmesg);

    // The header now says saved (read through the map, as the next dump's probe would).
    Result<std::unique_ptr<RawVolume>> v = open_lvm_url(url, CallOptions{});
    ASSERT_TRUE(v.is_ok()) << v.take_status().message();
    Bytes block(raw::header_size);
    ASSERT_TRUE(v.value()->read_at(0, block, CallOptions{}).is_ok());
    raw::DecodeError err{};
    auto h = raw::decode(block, err);
    ASSERT_TRUE(h) << raw::to_string(err);
    EXPECT_EQ(h->state, raw::State::saved);

    // A second save is refused (already saved); a missing PV and a malformed URL are one-line errors.
    r = save(url, out.path());
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("already saved"), std::string::npos) << r.err;
    r = save("lvm://vg-save-test/lv-save?devices=" + d1, out.path());
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("is missing"), std::string::npos) << r.err;
    r = save("lvm://vg-save-test", out.path());
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("is not lvm://VG/LV"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace kdf::lvm
