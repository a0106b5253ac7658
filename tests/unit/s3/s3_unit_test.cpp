// The s3 plugin's pieces that need no server: the SigV4 signer against AWS's published example
// signatures, option and credentials-file refusals (each one line naming file:line), and how
// listed keys group into dumps and their states.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "dump_claim.h"
#include "object_listing.h"
#include "s3_credentials.h"
#include "s3_options.h"
#include "sigv4_signer.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace kdf;
using namespace kdf::s3;

// AWS's S3 SigV4 examples: examplebucket, 2013-05-24T00:00:00Z, us-east-1, an empty body.
constexpr std::time_t kExampleTime = 1369353600;
const std::string kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string signature_of(const std::vector<std::string>& headers) {
    for (const std::string& h : headers) {
        const size_t at = h.find("Signature=");
        if (h.starts_with("Authorization: ") && at != std::string::npos) return h.substr(at + 10);
    }
    return {};
}

TEST(SigV4Signer, MatchesAwsPublishedExamples) {
    SigV4Signer signer("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1");
    SigningInput lifecycle{"GET", "/", {{"lifecycle", ""}}, "examplebucket.s3.amazonaws.com", kEmptyHash, {}};
    EXPECT_EQ(signature_of(signer.sign(lifecycle, kExampleTime)),
              "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    SigningInput list{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, "examplebucket.s3.amazonaws.com", kEmptyHash, {}};
    EXPECT_EQ(signature_of(signer.sign(list, kExampleTime)),
              "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    const auto headers = signer.sign(list, kExampleTime);
    EXPECT_NE(headers.back().find("Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                                  "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "),
              std::string::npos)
        << headers.back();
    for (const std::string& h : headers) EXPECT_EQ(h.find("wJalrXUtnFEMI"), std::string::npos) << "the secret was sent";
}

TEST(SigV4Signer, EncodesKeysAsS3Does) {
    EXPECT_EQ(uri_encode("node1/node1-2026-12-05-10:00:00/vmcore.flat", true),
              "node1/node1-2026-12-05-10%3A00%3A00/vmcore.flat");
    EXPECT_EQ(uri_encode("a b+c~d_e.f-g/h", false), "a%20b%2Bc~d_e.f-g%2Fh");
    EXPECT_EQ(SigV4Signer::canonical_query({{"uploadId", "x/y"}, {"partNumber", "3"}}), "partNumber=3&uploadId=x%2Fy");
}

TargetConfig target(std::map<std::string, std::string> keys) {
    TargetConfig t;
    t.name = "bucket";
    t.type = "s3";
    t.where = "kdf.conf:4";
    // Each key on a line of its own, in this order below the section header.
    static const std::vector<std::string> order = {"endpoint", "bucket", "credentials_file", "prefix", "region",
                                                   "ca_file", "verify_tls", "addressing", "part_size", "parts_in_flight"};
    if (!keys.count("endpoint")) keys["endpoint"] = "http://127.0.0.1:7480";
    if (!keys.count("bucket")) keys["bucket"] = "dumps";
    if (!keys.count("credentials_file")) keys["credentials_file"] = "/etc/kdump-failover/s3";
    for (const auto& [k, v] : keys) {
        const size_t at = static_cast<size_t>(std::find(order.begin(), order.end(), k) - order.begin());
        t.options[k] = OptionValue{v, "kdf.conf:" + std::to_string(5 + at)};
    }
    return t;
}

std::string refusal(const TargetConfig& t) {
    auto o = parse_s3_options(t);
    return o.is_ok() ? std::string("accepted") : o.status().message();
}

TEST(S3Options, DefaultsAndUrls) {
    auto o = parse_s3_options(target({}));
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    EXPECT_EQ(o->part_size, 8ull << 20);
    EXPECT_EQ(o->parts_in_flight, 4u);
    EXPECT_TRUE(o->path_style);
    EXPECT_TRUE(o->verify_tls);
    EXPECT_EQ(o->bucket_url(), "http://127.0.0.1:7480/dumps");
    auto v = parse_s3_options(target({{"endpoint", "https://s3.example.com/"}, {"addressing", "virtual"}}));
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    EXPECT_EQ(v->bucket_url(), "https://dumps.s3.example.com");
    EXPECT_EQ(v->canonical_path("a/b"), "/a/b");
    EXPECT_EQ(v->host, "s3.example.com");
    auto six = parse_s3_options(target({{"endpoint", "http://[fd00::1]:7480"}}));
    ASSERT_TRUE(six.is_ok());
    EXPECT_EQ(six->host, "fd00::1");
}

TEST(S3Options, BadValuesAreRefusedNamingTheirLine) {
    EXPECT_EQ(refusal(target({{"endpoint", "http://rgw/some/path"}})),
              "kdf.conf:5: s3: endpoint 'http://rgw/some/path' is not http://host[:port] or https://host[:port] (no path)");
    EXPECT_EQ(refusal(target({{"endpoint", "ftp://rgw"}})).substr(0, 24), "kdf.conf:5: s3: endpoint");
    EXPECT_EQ(refusal(target({{"bucket", "No_Such"}})),
              "kdf.conf:6: s3: bucket 'No_Such' is not a bucket name (3-63 of a-z 0-9 . -)");
    EXPECT_EQ(refusal(target({{"part_size", "1M"}})),
              "kdf.conf:13: s3: part_size '1M' must be from 5M (the S3 minimum) to 512M");
    EXPECT_EQ(refusal(target({{"parts_in_flight", "0"}})),
              "kdf.conf:14: s3: parts_in_flight '0' is not an integer from 1 to 64");
    EXPECT_EQ(refusal(target({{"ca_file", "/etc/ca.pem"}})),
              "kdf.conf:10: s3: ca_file is set but the endpoint is http://, which has no TLS");
    EXPECT_EQ(refusal(target({{"credentials_file", "relative/path"}})),
              "kdf.conf:7: s3: credentials_file must be an absolute path");
    EXPECT_EQ(refusal(target({{"prefix", "../other"}})), "kdf.conf:8: s3: prefix '../other' must not start with '/' or hold '..'");
    EXPECT_EQ(refusal(target({{"endpoint", "https://rgw"}, {"bucket", "a.b.c"}, {"addressing", "virtual"}})),
              "kdf.conf:12: s3: a bucket name with '.' cannot be a TLS host name; use addressing = path");
}

TEST(S3Credentials, OnlyARootOwnedPrivateFileWithBothKeys) {
    test::TempDir tmp("kdf-s3-creds");
    const std::string good = tmp.write("good", "# keys\n[default]\naws_access_key_id = AK1\naws_secret_access_key = SK1\n");
    ::chmod(good.c_str(), 0600);
    auto c = load_credentials(good);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    EXPECT_EQ(c->access_key, "AK1");
    EXPECT_EQ(c->secret_key, "SK1");

    const std::string open = tmp.write("open", "access_key = AK\nsecret_key = SK\n");
    ::chmod(open.c_str(), 0640);
    auto r = load_credentials(open);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), Code::auth);
    EXPECT_EQ(r.status().message(), "s3: credentials file " + open + ": mode 0640 lets group or others at the secret; chmod 600");
    EXPECT_EQ(r.status().message().find("SK"), std::string::npos);

    const std::string typo = tmp.write("typo", "access_key = AK\nsecret = SK\n");
    ::chmod(typo.c_str(), 0600);
    EXPECT_EQ(load_credentials(typo).status().message(),
              "s3: credentials file " + typo + ":2: unknown key 'secret' (access_key, secret_key)");
    const std::string half = tmp.write("half", "access_key = AK\n");
    ::chmod(half.c_str(), 0600);
    EXPECT_EQ(load_credentials(half).status().message(), "s3: credentials file " + half + ": no secret_key line");
    const std::string link = tmp.file("link");
    ASSERT_EQ(::symlink(good.c_str(), link.c_str()), 0);
    EXPECT_FALSE(load_credentials(link).is_ok()) << "a symlink was followed";
    EXPECT_FALSE(load_credentials(tmp.file("missing")).is_ok());
}

TEST(S3Credentials, ASecondSectionIsRefusedNotSilentlyTheLastKeysWin) {
    test::TempDir tmp("kdf-s3-creds");
    const std::string two = tmp.write("two", "[default]\naccess_key = AK1\nsecret_key = SK1\n\n[other]\n"
                                             "access_key = AK2\nsecret_key = SK2\n");
    ::chmod(two.c_str(), 0600);
    auto r = load_credentials(two);
    ASSERT_FALSE(r.is_ok()) << "the keys of [other] were taken";
    EXPECT_EQ(r.status().message(), "s3: credentials file " + two +
                                        ":5: a second section [other] (the first is at line 1); keep one set of keys per file");
    EXPECT_EQ(r.status().message().find("SK"), std::string::npos);
}

TEST(S3Credentials, AFifoIsRefusedWithoutWaitingForAWriter) {
    test::TempDir tmp("kdf-s3-creds");
    const std::string fifo = tmp.file("fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // Should the open block, a writer shows up after 3 s so the test fails instead of hanging.
    std::thread unblock([&] {
        std::this_thread::sleep_for(std::chrono::seconds(3));
        int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            ::close(fd);
        }
    });
    const auto start = std::chrono::steady_clock::now();
    auto r = load_credentials(fifo);
    const auto took = std::chrono::steady_clock::now() - start;
    unblock.join();
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().message(), "s3: credentials file " + fifo + ": not a regular file");
    EXPECT_LT(took, std::chrono::seconds(2)) << "the open waited for a writer";
}

TEST(ObjectListing, KeysGroupIntoDumpsWithTheirState) {
    const std::vector<ListedObject> objects = {
        {"n1/n1-a/vmcore-dmesg.txt", 10}, {"n1/n1-a/vmcore.flat", 1000},        // complete
        {"n1/n1-b/vmcore-dmesg.txt", 10}, {"n1/n1-b/vmcore-incomplete", 99},    // aborted
        {"n1/n1-c/vmcore-dmesg.txt", 10},                                       // killed mid-dump
        {"n1/n1-a/vmcore-unreadable.txt", 40},                                  // pages it could not read
        {"n1/n1-a/.vmcore-claim", 200},                                         // the directory's claim
        {"n1/n1-d/.vmcore-claim", 200},                                         // killed right after claiming
        {"n1/n1-e/vmcore-incomplete", 99}, {"n1/n1-e/vmcore.flat", 1000},       // an earlier target's leftover
        {"n1/unrelated.txt", 5}};
    const auto dumps = group_dumps(objects);
    ASSERT_EQ(dumps.size(), 5u);
    EXPECT_EQ(dumps[0].dir, "n1/n1-a/");
    EXPECT_EQ(dumps[0].state(), "complete");
    EXPECT_EQ(dumps[0].dump_size, 1000u);
    EXPECT_EQ(dumps[1].state(), "incomplete");
    EXPECT_EQ(dumps[2].state(), "unfinished");
    EXPECT_TRUE(dumps[2].dmesg);
    EXPECT_TRUE(dumps[0].unreadable);
    EXPECT_FALSE(dumps[1].unreadable);
    EXPECT_TRUE(dumps[0].claimed);
    EXPECT_FALSE(dumps[2].claimed);
    EXPECT_EQ(dumps[3].dir, "n1/n1-d/");
    EXPECT_EQ(dumps[3].state(), "claimed, nothing written");
    EXPECT_TRUE(dumps[3].claimed);
    EXPECT_EQ(dumps[4].state(), "complete");
}

// A taken dump directory is followed by names unique to this boot: a crash kernel boots with a
// new boot id, so its dump finds a free one whatever earlier dumps took.
TEST(DumpClaim, NamesAfterATakenDirectoryCarryTheBootId) {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string boot;
    std::getline(in, boot);
    const std::vector<std::string> names = dump_dir_candidates("n1/n1-d");
    ASSERT_EQ(names.size(), 10u);
    EXPECT_EQ(names[0], "n1/n1-d");
    EXPECT_EQ(names[1], "n1/n1-d-" + boot.substr(0, 8));
    EXPECT_EQ(names[2], "n1/n1-d-" + boot.substr(0, 8) + "-2");
    EXPECT_EQ(names[9], "n1/n1-d-" + boot.substr(0, 8) + "-9");
}

}  // namespace
