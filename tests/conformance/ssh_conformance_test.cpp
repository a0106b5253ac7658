// ssh_conformance_test.cpp - the `ssh` plugin through the conformance suite against a real sshd on
// loopback: mode sftp, and mode stream (front to back only). The server's remote directory is a
// local temp dir, read back directly. Breaking the target freezes the server's session processes.
#include "tests/conformance/directory_target.h"
#include "tests/conformance/transport_conformance.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace kdf::conformance {
namespace {

class SshTarget : public DirectoryTarget {
public:
    explicit SshTarget(std::string mode) : mode_(std::move(mode)) {}
    std::string root() const override { return tmp_.path(); }
    bool ok() const override { return sshd_.ok(); }
    std::string why() const override { return "sshd did not start: " + sshd_.log(); }
    std::string plugin_file() const override { return std::string(KDF_PLUGIN_BUILD_DIR) + "/kdf-transport-ssh.so"; }
    chain::TargetSpec target() const override {
        return target_section("ssh", {{"host", "127.0.0.1"},
                                      {"port", std::to_string(sshd_.port())},
                                      {"user", "root"},
                                      {"identity", sshd_.client_key()},
                                      {"known_hosts", sshd_.known_hosts()},
                                      {"path", root()},
                                      {"reserve", "1M"},
                                      {"mode", mode_}});
    }
    bool break_target(const DumpInfo&) override { return sshd_.freeze_sessions() > 0; }
    void repair_target() override { sshd_.thaw_sessions(); }

private:
    test::TempDir tmp_{"kdf-conformance-ssh"};
    kdf_test::Sshd sshd_;
    std::string mode_;
};

INSTANTIATE_TEST_SUITE_P(ssh_sftp, TransportConformance,
                         ::testing::Values(ConformanceCase{"sftp", [] { return std::make_unique<SshTarget>("sftp"); }}),
                         conformance_case_name);
INSTANTIATE_TEST_SUITE_P(ssh_stream, TransportConformance,
                         ::testing::Values(ConformanceCase{"stream", [] { return std::make_unique<SshTarget>("stream"); }}),
                         conformance_case_name);

}  // namespace
}  // namespace kdf::conformance
