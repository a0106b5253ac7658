// tests/unit/s3/rgw_lab.h - a real Ceph RADOS Gateway for the s3 tests, started once per test binary.
//
// tests/s3/rgw_lab.sh starts one ceph-mon, one ceph-osd (memstore) and radosgw on free loopback
// ports, everything under a temp dir, and stops them by PID. This class runs it, reads the
// endpoint and the admin user's keys, and drives the independent client the tests check with:
// s3cmd, configured for path-style addressing, as a user of RGW would (its own SigV4 signer, not
// ours). Nothing here talks S3 through the plugin's code.
#pragma once

#include <string>

#include "tests/support/shell.h"

namespace kdf_test {

class RgwLab {
public:
    RgwLab();
    ~RgwLab();
    RgwLab(const RgwLab&) = delete;
    RgwLab& operator=(const RgwLab&) = delete;

    bool ok() const { return ok_; }
    const std::string& why() const { return why_; }
    const std::string& endpoint() const { return endpoint_; }  // http://127.0.0.1:PORT
    const std::string& tls_endpoint() const { return tls_endpoint_; }  // https://127.0.0.1:PORT
    const std::string& ca_file() const { return ca_file_; }    // the CA that signed radosgw's certificate
    const std::string& access_key() const { return access_key_; }
    const std::string& secret_key() const { return secret_key_; }

    // Another S3 user with its own keys (no buckets of its own).
    bool add_user(const std::string& uid, const std::string& access_key, const std::string& secret_key);
    // s3cmd ARGS as the admin user, or as the user with these keys.
    ShellResult s3cmd(const std::string& args) const;
    ShellResult s3cmd_as(const std::string& access_key, const std::string& secret_key, const std::string& args) const;
    // Every key below s3://BUCKET/PREFIX, one per line ("" when none or on error).
    std::string keys(const std::string& bucket, const std::string& prefix = "") const;

    // How many UploadPart requests into `bucket` radosgw has answered so far (its request log).
    int parts_answered(const std::string& bucket) const;
    // How many lines of radosgw's request log hold `text`, e.g. "\"PUT /b/k HTTP/1.1\" 412".
    int log_lines_with(const std::string& text) const;

    void freeze();       // SIGSTOP radosgw
    void thaw();         // SIGCONT radosgw
    bool restart_rgw();  // SIGKILL radosgw and start it again on the same port

private:
    std::string script(const std::string& args) const;
    std::string write_s3cfg(const std::string& name, const std::string& ak, const std::string& sk) const;

    std::string lab_;
    std::string endpoint_, tls_endpoint_, ca_file_, access_key_, secret_key_, hostport_;
    std::string admin_cfg_;
    bool ok_ = false;
    std::string why_;
};

}  // namespace kdf_test
