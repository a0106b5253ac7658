// tests/unit/s3/rgw_lab.cpp - running tests/s3/rgw_lab.sh and s3cmd for the s3 tests.
#include "tests/unit/s3/rgw_lab.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace kdf_test {

namespace {

std::string value_of(const std::string& env, const std::string& key) {
    std::istringstream in(env);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
    return {};
}

}  // namespace

RgwLab::RgwLab() {
    char tmpl[] = "/tmp/kdf-rgw-XXXXXX";
    if (!::mkdtemp(tmpl)) {
        why_ = "mkdtemp failed";
        return;
    }
    lab_ = tmpl;
    ShellResult started = shell_captured(script("start"));
    if (started.exit_code != 0) {
        why_ = "rgw_lab.sh start failed:\n" + started.out;
        return;
    }
    std::ifstream in(lab_ + "/env");
    std::stringstream env;
    env << in.rdbuf();
    endpoint_ = value_of(env.str(), "S3_ENDPOINT");
    tls_endpoint_ = value_of(env.str(), "S3_TLS_ENDPOINT");
    ca_file_ = value_of(env.str(), "S3_CA_FILE");
    access_key_ = value_of(env.str(), "S3_ACCESS_KEY");
    secret_key_ = value_of(env.str(), "S3_SECRET_KEY");
    hostport_ = endpoint_.substr(endpoint_.find("://") + 3);
    admin_cfg_ = write_s3cfg("admin", access_key_, secret_key_);
    ok_ = !endpoint_.empty();
    if (!ok_) why_ = "no S3_ENDPOINT in " + lab_ + "/env";
}

RgwLab::~RgwLab() {
    if (!lab_.empty()) (void)shell_captured(script("stop"));
}

std::string RgwLab::script(const std::string& args) const {
    return "LAB='" + lab_ + "' bash '" KDF_SOURCE_DIR "/tests/s3/rgw_lab.sh' " + args;
}

std::string RgwLab::write_s3cfg(const std::string& name, const std::string& ak, const std::string& sk) const {
    const std::string path = lab_ + "/s3cfg-" + name;
    std::ofstream(path) << "[default]\naccess_key = " << ak << "\nsecret_key = " << sk << "\nhost_base = " << hostport_
                        << "\nhost_bucket = " << hostport_ << "\nuse_https = False\nbucket_location = us-east-1\n";
    return path;
}

bool RgwLab::add_user(const std::string& uid, const std::string& access_key, const std::string& secret_key) {
    return shell_captured(script("user '" + uid + "' '" + access_key + "' '" + secret_key + "'")).exit_code == 0;
}

ShellResult RgwLab::s3cmd(const std::string& args) const { return shell_captured("s3cmd -c '" + admin_cfg_ + "' " + args); }

ShellResult RgwLab::s3cmd_as(const std::string& access_key, const std::string& secret_key, const std::string& args) const {
    const std::string cfg = write_s3cfg(access_key, access_key, secret_key);
    return shell_captured("s3cmd -c '" + cfg + "' " + args);
}

std::string RgwLab::keys(const std::string& bucket, const std::string& prefix) const {
    ShellResult r = s3cmd("ls -r 's3://" + bucket + "/" + prefix + "'");
    if (r.exit_code != 0) return {};
    std::istringstream in(r.out);
    std::string line, out;
    const std::string scheme = "s3://" + bucket + "/";
    while (std::getline(in, line)) {
        size_t at = line.find(scheme);
        if (at != std::string::npos) out += line.substr(at + scheme.size()) + "\n";
    }
    return out;
}

int RgwLab::parts_answered(const std::string& bucket) const {
    // One line per request: ... "PUT /BUCKET/KEY?partNumber=N&uploadId=... HTTP/1.1" 200 ...
    std::ifstream in(lab_ + "/log/client.rgw.log");
    std::string line;
    int n = 0;
    while (std::getline(in, line))
        if (line.find("\"PUT /" + bucket + "/") != std::string::npos && line.find("partNumber=") != std::string::npos) ++n;
    return n;
}

int RgwLab::log_lines_with(const std::string& text) const {
    std::ifstream in(lab_ + "/log/client.rgw.log");
    std::string line;
    int n = 0;
    while (std::getline(in, line))
        if (line.find(text) != std::string::npos) ++n;
    return n;
}

void RgwLab::freeze() { (void)shell_captured(script("freeze")); }
void RgwLab::thaw() { (void)shell_captured(script("thaw")); }
bool RgwLab::restart_rgw() { return shell_captured(script("restart-rgw")).exit_code == 0; }

}  // namespace kdf_test
