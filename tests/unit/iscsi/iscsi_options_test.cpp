// iscsi_options_test.cpp - the `iscsi` option rules, URL parsing and CHAP secret files (no server).
#include <gtest/gtest.h>

#include "chap_secret.h"
#include "iscsi_options.h"
#include "iscsi_url.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/iscsi/iscsi_test_support.h"
#include "tests/unit/iscsi/tgtd_fixture.h"

namespace {

using namespace kdf;
using namespace kdf::iscsi;
using kdf_test::iscsi_target;

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

TEST(IscsiUrl, ParsesPortalTargetLunUserAndQuery) {
    auto u = parse_iscsi_url("iscsi://admin@10.0.0.5:3261/iqn.2024-01.org.example:kdump/3?initiator=iqn.1994-05.x:y");
    ASSERT_TRUE(u.is_ok()) << u.status().to_string();
    EXPECT_EQ(u->portal, "10.0.0.5:3261");
    EXPECT_EQ(u->target, "iqn.2024-01.org.example:kdump");
    EXPECT_EQ(u->lun, 3);
    EXPECT_EQ(u->user, "admin");
    EXPECT_EQ(u->args.at("initiator"), "iqn.1994-05.x:y");
    auto v6 = parse_iscsi_url("iscsi://[fd00::5]/iqn.2024-01.org.example%3Akdump/0");
    ASSERT_TRUE(v6.is_ok()) << v6.status().to_string();
    EXPECT_EQ(v6->portal, "[fd00::5]:3260");
    EXPECT_EQ(v6->target, "iqn.2024-01.org.example:kdump");
}

TEST(IscsiUrl, BadFormsAreOneLineErrorsAndASecretIsNeverEchoed) {
    for (const char* bad : {"nfs://x/y/1", "iscsi://host", "iscsi://host/iqn.x", "iscsi://host/iqn.x/abc",
                            "iscsi://host:99999/iqn.x/1", "iscsi://host/iqn.x/1?novalue", "iscsi:///iqn.x/1",
                            "iscsi://host/iqn.x/16384", "iscsi://host/iqn%zz/1"}) {
        auto u = parse_iscsi_url(bad);
        ASSERT_FALSE(u.is_ok()) << bad;
        EXPECT_EQ(u.status().code(), Code::invalid_config);
        EXPECT_TRUE(has(u.status().message(), "iscsi: url")) << u.status().message();
    }
    auto pw = parse_iscsi_url("iscsi://admin%TopSecret99@10.0.0.5/iqn.2024-01.org.example:kdump/1");
    ASSERT_FALSE(pw.is_ok());
    EXPECT_TRUE(has(pw.status().message(), "chap_secret_file")) << pw.status().message();
    EXPECT_FALSE(has(pw.status().to_string(), "TopSecret99")) << pw.status().to_string();
}

TEST(IscsiUrl, NoErrorEchoesTheSecretHoweverTheRestIsMalformed) {
    // Each URL has a secret in its user part and something else wrong that an error could report.
    for (const char* bad : {"iscsi://admin%TopSecret99@10.0.0.5", "iscsi://admin%TopSecret99@10.0.0.5/iqn.x",
                            "iscsi://admin:TopSecret99@host:99999/iqn.x/1", "iscsi://admin%Top/Secret99@h/iqn.x/1",
                            "iscsi://admin%Top?Secret99@10.0.0.5/iqn.x/1", "iscsi://admin%TopSecret99@/iqn.x/1",
                            "nfs://admin:TopSecret99@10.0.0.5/export"}) {
        auto u = parse_iscsi_url(bad);
        ASSERT_FALSE(u.is_ok()) << bad;
        EXPECT_EQ(u.status().code(), Code::invalid_config);
        EXPECT_TRUE(has(u.status().message(), "iscsi: url")) << u.status().message();
        EXPECT_FALSE(has(u.status().to_string(), "Secret99")) << u.status().to_string();
        EXPECT_FALSE(has(u.status().to_string(), "Top")) << u.status().to_string();
    }
    auto shown = parse_iscsi_url("iscsi://admin%TopSecret99@10.0.0.5/iqn.x");
    EXPECT_TRUE(has(shown.status().message(), "iscsi://...@10.0.0.5/iqn.x")) << shown.status().message();
}

TEST(IscsiOptions, PortalListTargetLunAndDefaults) {
    auto o = parse_iscsi_options(iscsi_target(
        {{"portal", "10.0.0.5, 10.0.0.6:3261 [fd00::7]"}, {"target", "iqn.2024-01.org.example:kdump"}, {"lun", "2"}}));
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    EXPECT_EQ(o->portals, (std::vector<std::string>{"10.0.0.5:3260", "10.0.0.6:3261", "[fd00::7]:3260"}));
    EXPECT_EQ(o->lun, 2);
    EXPECT_TRUE(o->initiator.starts_with("iqn.2004-10.org.kdump-failover:")) << o->initiator;
    EXPECT_EQ(o->inflight, 8u);
    EXPECT_EQ(o->write_size, 1u << 20);
    EXPECT_FALSE(o->force);
    EXPECT_EQ(o->display(), "iscsi://10.0.0.5:3260/iqn.2024-01.org.example:kdump/2");
}

TEST(IscsiOptions, UrlFormAndItsConflicts) {
    auto o = parse_iscsi_options(iscsi_target({{"url", "iscsi://10.0.0.5/iqn.2024-01.org.example:kdump/1"}}));
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    EXPECT_EQ(o->portals.front(), "10.0.0.5:3260");
    auto both = parse_iscsi_options(
        iscsi_target({{"url", "iscsi://10.0.0.5/iqn.2024-01.org.example:kdump/1"}, {"portal", "10.0.0.6"}}));
    ASSERT_FALSE(both.is_ok());
    EXPECT_TRUE(has(both.status().to_string(), "test.conf:")) << both.status().to_string();
    EXPECT_TRUE(has(both.status().message(), "either url or portal"));
}

TEST(IscsiOptions, EachBadValueNamesItsLine) {
    const std::map<std::string, std::string> base = {{"portal", "10.0.0.5"}};
    struct Case {
        std::map<std::string, std::string> extra;
        const char* key;
        const char* text;
    } cases[] = {
        {{{"portal", "10.0.0.5:0"}}, "portal", "HOST[:PORT]"},
        {{{"lun", "-1"}}, "lun", "0 to 16383"},
        {{{"target", "notaniqn"}}, "target", "iqn."},
        {{{"target", "iqn.2024-01.x:y"}, {"target_match", "*"}}, "target_match", "discovery"},
        {{{"chap_user", "u"}}, "chap_secret_file", "never written in the config"},
        {{{"chap_user", "u"}, {"chap_secret_file", "rel/secret"}}, "chap_secret_file", "absolute"},
        {{{"mutual_chap_user", "t"}}, "mutual_chap_secret_file", "both"},
        {{{"inflight", "0"}}, "inflight", "1 to 64"},
        {{{"write_size", "1000"}}, "write_size", "multiple of 4K"},
        {{{"data_digest", "crc32c"}}, "data_digest", "libiscsi"},
    };
    for (const Case& c : cases) {
        auto keys = base;
        for (auto& [k, v] : c.extra) keys[k] = v;
        auto o = parse_iscsi_options(iscsi_target(keys));
        ASSERT_FALSE(o.is_ok()) << c.key;
        EXPECT_EQ(o.status().code(), Code::invalid_config);
        EXPECT_EQ(o.status().stage(), Stage::config);
        EXPECT_TRUE(has(o.status().message(), c.text)) << c.key << ": " << o.status().message();
        EXPECT_TRUE(has(o.status().message(), "iscsi: ")) << o.status().message();
    }
}

TEST(ChapSecret, ReadsTheFirstLineAndRefusesGroupOrWorldAccess) {
    kdf::test::TempDir tmp("kdf-iscsi-secret");
    auto ok = read_chap_secret(kdf_test::write_secret_file(tmp, "ok", "s3cret-value"), "chap_secret_file");
    ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
    EXPECT_STREQ(ok->c_str(), "s3cret-value");
    for (unsigned mode : {0644u, 0640u, 0604u, 0660u}) {
        const std::string path = kdf_test::write_secret_file(tmp, "open" + std::to_string(mode), "s3cret-value", mode);
        auto r = read_chap_secret(path, "chap_secret_file");
        ASSERT_FALSE(r.is_ok()) << mode;
        EXPECT_EQ(r.status().code(), Code::invalid_config);
        EXPECT_TRUE(has(r.status().message(), "chmod 600")) << r.status().message();
        EXPECT_FALSE(has(r.status().to_string(), "s3cret")) << r.status().to_string();
        EXPECT_FALSE(check_chap_secret_file(path, "chap_secret_file").is_ok());
    }
    auto empty = read_chap_secret(kdf_test::write_secret_file(tmp, "empty", ""), "chap_secret_file");
    ASSERT_FALSE(empty.is_ok());
    EXPECT_TRUE(has(empty.status().message(), "no secret"));
    for (size_t length : {256u, 600u}) {
        auto long_line = read_chap_secret(
            kdf_test::write_secret_file(tmp, "long" + std::to_string(length), std::string(length, 'k') + "\n"),
            "chap_secret_file");
        ASSERT_FALSE(long_line.is_ok()) << length;
        EXPECT_TRUE(has(long_line.status().message(), "longer than 255 bytes")) << long_line.status().message();
        EXPECT_FALSE(has(long_line.status().to_string(), "kkkk")) << long_line.status().to_string();
    }
    auto longest = read_chap_secret(kdf_test::write_secret_file(tmp, "255", std::string(255, 'k') + "\n"),
                                    "chap_secret_file");
    ASSERT_TRUE(longest.is_ok()) << longest.status().to_string();
    EXPECT_EQ(std::string(longest->c_str()).size(), 255u);
    auto missing = read_chap_secret(tmp.file("nope"), "chap_secret_file");
    EXPECT_EQ(missing.status().code(), Code::not_found);
}

}  // namespace
