// export.cpp - the plugin's exported symbols: kdf-transport-ssh.so's transport (kdf/plugin_abi.h)
// and its admin commands (kdf/plugin_command.h).
#include "kdf/plugin_abi.h"
#include "kdf/plugin_command.h"
#include "ssh_commands.h"
#include "ssh_transport.h"

KDF_EXPORT_TRANSPORT(kdf::ssh::SshTransport, "ssh", "0.1.0")

namespace {
const kdf_plugin_command ssh_commands[] = {
    {"ssh-trust", "TARGET [--expect SHA256:...]",
     "print the server's host key fingerprint and record it in the target's known_hosts", true, &kdf::ssh::run_ssh_trust},
    {"keys", "[TARGET] [--file PATH] [--force]",
     "generate an ed25519 key pair for dumps and print the public key line to install", false, &kdf::ssh::run_keys},
};
}  // namespace

KDF_EXPORT_PLUGIN_COMMANDS(ssh_commands)
