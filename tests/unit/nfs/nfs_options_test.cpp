// The nfs transport's configuration, offline: URL parsing and validation (libnfs would silently
// ignore what it does not know), the option table's cross-field rules, libnfs error mapping.
#include <gtest/gtest.h>

#include <cerrno>

#include "nfs_error.h"
#include "nfs_options.h"
#include "nfs_url.h"

namespace {

using namespace kdf;
using namespace kdf::nfs;

TargetConfig target(std::map<std::string, std::string> keys) {
    TargetConfig t;
    t.name = "nas";
    t.type = "nfs";
    t.where = "kdf.conf:7";
    int line = 8;
    for (auto& [k, v] : keys) t.options[k] = OptionValue{v, "kdf.conf:" + std::to_string(line++)};
    return t;
}

TEST(NfsUrl, ParsesServerPathAndArguments) {
    auto u = parse_nfs_url("nfs://127.0.0.1/export/sub/?version=3&nfsport=12049&mountport=12050&uid=1000&gid=100");
    ASSERT_TRUE(u.is_ok()) << u.status().to_string();
    EXPECT_EQ(u->server, "127.0.0.1");
    EXPECT_EQ(u->path, "/export/sub");
    EXPECT_EQ(u->version, 3);
    EXPECT_EQ(u->nfs_port, 12049);
    EXPECT_EQ(u->mount_port, 12050);
    EXPECT_EQ(u->uid, 1000);
    EXPECT_EQ(u->gid, 100);
    auto bare = parse_nfs_url("nfs://nas.example/dumps");
    ASSERT_TRUE(bare.is_ok());
    EXPECT_FALSE(bare->version.has_value());
    EXPECT_FALSE(bare->nfs_port.has_value());
}

TEST(NfsUrl, RefusesWhatLibnfsWouldIgnoreOrMisread) {
    struct Case {
        const char* url;
        const char* says;
    } cases[] = {
        {"nfs://127.0.0.1/export?nfsprot=2049", "unknown URL argument 'nfsprot' (libnfs would silently ignore it)"},
        {"nfs://127.0.0.1:2049/export", "libnfs 4.0.0 takes no host:port; give the ports as ?nfsport=N"},
        {"nfs://[::1]/export", "does not accept IPv6 literals"},
        {"nfs://127.0.0.1/export?version=2", "URL argument version=2 is not 3 or 4"},
        {"nfs://127.0.0.1/export?nfsport=70000", "nfsport=70000 is not a port number"},
        {"nfs://127.0.0.1/export?uid=1&uid=2", "'uid' is given twice"},
        {"nfs://127.0.0.1/export?uid", "is not key=value"},
        {"nfs://127.0.0.1", "names no export path"},
        {"smb://127.0.0.1/x", "does not start with nfs://"},
        {"nfs://127.0.0.1/a/../b", "must not contain '..'"},
    };
    for (const Case& c : cases) {
        auto u = parse_nfs_url(c.url);
        ASSERT_FALSE(u.is_ok()) << c.url;
        EXPECT_EQ(u.status().code(), Code::invalid_config);
        EXPECT_NE(u.status().message().find(c.says), std::string::npos) << c.url << ": " << u.status().message();
    }
}

TEST(NfsOptions, UrlFormAndDefaults) {
    auto o = parse_nfs_options(target({{"url", "nfs://10.0.0.5/dumps?nfsport=2049&mountport=635"}, {"path", "/crash//x/"}}));
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    EXPECT_EQ(o->server, "10.0.0.5");
    EXPECT_EQ(o->export_path, "/dumps");
    EXPECT_EQ(o->path, "/crash/x");
    EXPECT_EQ(o->version, 3);
    EXPECT_EQ(o->nfs_port, 2049);
    EXPECT_EQ(o->mount_port, 635);
    EXPECT_EQ(o->uid, 0);
    EXPECT_EQ(o->inflight, 4u);
    EXPECT_EQ(o->write_size, 1u << 20);
    EXPECT_EQ(o->reserve, 64u << 20);
    EXPECT_EQ(o->display(), "nfs://10.0.0.5/dumps/crash/x");
}

TEST(NfsOptions, KeysFormWithPortsAndCredentials) {
    auto o = parse_nfs_options(target({{"server", "nas"}, {"export", "/srv/dumps"}, {"version", "4"},
                                       {"nfs_port", "2050"}, {"uid", "1000"}, {"gid", "1000"}, {"inflight", "64"}}));
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    EXPECT_EQ(o->version, 4);
    EXPECT_EQ(o->nfs_port, 2050);
    EXPECT_EQ(o->uid, 1000);
    EXPECT_EQ(o->inflight, 64u);
}

TEST(NfsOptions, CrossFieldErrorsNameTheLine) {
    struct Case {
        std::map<std::string, std::string> keys;
        const char* says;
    } cases[] = {
        {{}, "set url, or server and export"},
        {{{"url", "nfs://a/b"}, {"server", "a"}}, "give either url or server + export, not both"},
        {{{"server", "a"}}, "server needs export"},
        {{{"server", "a:2049"}, {"export", "/x"}}, "must be a plain host name"},
        {{{"server", "a"}, {"export", "x"}}, "must be an absolute path"},
        {{{"url", "nfs://a/b?version=4"}, {"version", "3"}}, "version = 3 contradicts the url's version=4"},
        {{{"url", "nfs://a/b?version=4"}, {"mount_port", "635"}}, "mount_port is for NFSv3"},
        {{{"url", "nfs://a/b"}, {"inflight", "0"}}, "inflight '0' is not an integer from 1 to 256"},
        {{{"url", "nfs://a/b"}, {"write_size", "2M"}}, "write_size must be from 4K to 1M"},
        {{{"url", "nfs://a/b?bogus=1"}}, "unknown URL argument 'bogus'"},
        {{{"url", "nfs://a/b"}, {"path", "rel"}}, "path 'rel' must be an absolute path"},
    };
    for (const Case& c : cases) {
        auto o = parse_nfs_options(target(c.keys));
        ASSERT_FALSE(o.is_ok()) << c.says;
        EXPECT_EQ(o.status().code(), Code::invalid_config);
        EXPECT_NE(o.status().message().find(c.says), std::string::npos) << o.status().message();
        EXPECT_EQ(o.status().message().rfind("kdf.conf:", 0), 0u) << o.status().message();
    }
}

TEST(NfsError, ErrnoComesFromTheNfsStatusText) {
    EXPECT_EQ(errno_of(-EFAULT, "NFS: Write failed with NFS3ERR_NOSPC(-28)"), ENOSPC);
    EXPECT_EQ(errno_of(-EACCES, "NFS: MKDIR of /d failed with NFS3ERR_ACCES(-13)"), EACCES);
    EXPECT_EQ(errno_of(0, "rpc_service: socket error Connection refused(111) while connecting."), ECONNREFUSED);
    EXPECT_EQ(errno_of(-EIO, "Read from socket failed, errno:104. Closing socket."), ECONNRESET);
    EXPECT_EQ(errno_of(-ENOENT, "no text"), ENOENT);
    EXPECT_EQ(nfs_error("write x", -EFAULT, "NFS: Write failed with NFS3ERR_NOSPC(-28)").code(), Code::no_space);
    EXPECT_EQ(nfs_error("write x", -EINTR, "command timed out").code(), Code::timeout);
    EXPECT_NE(permission_hint(0, 0).find("root_squash maps uid 0 to nobody"), std::string::npos);
}

}  // namespace
