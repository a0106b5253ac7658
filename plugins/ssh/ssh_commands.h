// ssh_commands.h - the ssh plugin's admin commands (kdf/plugin_command.h):
//
//   kdump-failover ssh-trust TARGET [--expect SHA256:...]
//       connects to the target's server, prints the host key's fingerprint and, unless
//       known_hosts already trusts it, appends it to the target's known_hosts. A changed key, or
//       one that does not match --expect, is refused (exit 1): replacing a key is a decision the
//       admin makes by removing the old line first.
//   kdump-failover keys [TARGET] [--file PATH] [--force]
//       generates an ed25519 key pair without passphrase: PATH (0600) and PATH.pub (0644), PATH
//       being --file, else the target's identity, else /etc/kdump-failover/ssh/id_ed25519; prints
//       the public key line to install in the server's authorized_keys. Existing files are kept
//       unless --force.
#pragma once

#include <cstdio>

#include "kdf/options.h"

namespace kdf::ssh {

int run_ssh_trust(const TargetConfig* target, int argc, const char* const* argv, std::FILE* out, std::FILE* err) noexcept;
int run_keys(const TargetConfig* target, int argc, const char* const* argv, std::FILE* out, std::FILE* err) noexcept;

}  // namespace kdf::ssh
