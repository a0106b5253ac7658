// kdump-failover: the command. See docs/architecture.md for the command table.
#include <signal.h>

#include <cstdio>
#include <cstring>

#include "core/cli/command.h"
#include "kdf/plugin_abi.h"

namespace kdf::cli {
int cmd_generate(const Args& args);  // cmd_generate.cpp
int cmd_dmesg(const Args& args);     // cmd_dmesg.cpp
}  // namespace kdf::cli

namespace {

void usage(std::FILE* out) {
    std::fputs(
        "usage: kdump-failover COMMAND [options]\n"
        "\n"
        "  dump [--config F] [--vmcore F]        run the chain (defaults: /etc/kdump-failover.conf, /proc/vmcore)\n"
        "  post STATUS [--config F] [--vmcore F] kdump_post entry: STATUS is kdump's own result; non-zero runs the chain\n"
        "  check [--config F] [--probe]          validate the config offline; --probe dry-runs every target\n"
        "  plugins [--config F]                  list the plugins found: version, capabilities, options\n"
        "  save SOURCE DIR [--force]             after reboot: extract a dump from a raw target into DIR\n"
        "  collect [makedumpfile options] VMCORE OUT   one dump to one file (-c -l -z --lz4 -d -E -F -f\n"
        "                                        --num-threads --message-level), for kdump's core_collector\n"
        "  verify DUMP                           check a dump for completeness and integrity\n"
        "  reassemble IN OUT                     flattened stream -> normal dump file (as makedumpfile -R)\n"
        "  convert IN OUT --compress C           re-encode a kdump file's pages (e.g. lz4 -> zlib)\n"
        "  dmesg VMCORE [-o FILE] [-f]           print the kernel log held in a vmcore or dump (as makedumpfile --dump-dmesg)\n"
        "  ssh-trust TARGET [--expect SHA256:..] show an ssh target's host key and record it in its known_hosts\n"
        "  keys [TARGET] [--file PATH] [--force] make an ed25519 key pair for ssh targets; prints the public key\n"
        "  generate [--config F] [--kdump-conf F] [--kdump-tools F] [--dry-run] [--manifest]\n"
        "                                        check the config, then wire the chain into /etc/kdump.conf (kdumpctl)\n"
        "                                        or /etc/default/kdump-tools; --manifest lists what the initramfs needs\n"
        "  version                               print the version\n"
        "\n"
        "dump exit status: 0 first target holds the dump; 10+i the target at position i (0-based) holds it;\n"
        "1 every target failed; 2 usage, configuration or input error.\n",
        out);
}

}  // namespace

int main(int argc, char** argv) {
    ::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error to report, not a reason to die
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const std::string command = argv[1];
    kdf::cli::Args args(argv + 2, argv + argc);
    if (command == "dump") return kdf::cli::cmd_dump(args);
    if (command == "post") return kdf::cli::cmd_post(args);
    if (command == "check") return kdf::cli::cmd_check(args);
    if (command == "plugins") return kdf::cli::cmd_plugins(args);
    if (command == "save") return kdf::cli::cmd_save(args);
    if (command == "collect") return kdf::cli::cmd_collect(args);
    if (command == "verify") return kdf::cli::cmd_verify(args);
    if (command == "reassemble") return kdf::cli::cmd_reassemble(args);
    if (command == "convert") return kdf::cli::cmd_convert(args);
    if (command == "generate") return kdf::cli::cmd_generate(args);
    if (command == "dmesg") return kdf::cli::cmd_dmesg(args);
    // Commands that plugins export (kdf/plugin_command.h); the command never links their libraries.
    if (command == "ssh-trust" || command == "keys") return kdf::cli::cmd_plugin_command(command, args);
    if (command == "version" || command == "--version") {
        std::printf("kdump-failover %s (plugin ABI %u)\n", KDF_VERSION, KDF_TRANSPORT_ABI_VERSION);
        return 0;
    }
    if (command == "help" || command == "--help" || command == "-h") {
        usage(stdout);
        return 0;
    }
    kdf::cli::error_line("unknown command '" + command + "' (try: kdump-failover help)");
    return 2;
}
