#include "core/cli/command_table.h"

#include "core/plugin/plugin_commands.h"
#include "core/plugin/search_path.h"
#include "kdf/plugin_abi.h"

namespace kdf::cli {

namespace {

int cmd_version(const Args&) {
    std::printf("kdump-failover %s (plugin ABI %u)\n", KDF_VERSION, KDF_TRANSPORT_ABI_VERSION);
    return 0;
}

// `help [--config F]`: the config's [chain] plugin_path adds to the directories searched.
int cmd_help(const Args& args) {
    ArgScanner scan(args, {"--config"}, {});
    if (!scan.ok() || !scan.positionals().empty()) {
        error_line(scan.ok() ? "help takes no positional arguments" : scan.error());
        return 2;
    }
    std::optional<chain::Config> config;
    if (!load_optional_config(scan.value("--config"), false, config)) return 2;
    std::fputs(usage_text(plugin::plugin_search_path(config ? config->chain.plugin_path : std::vector<std::string>{})).c_str(),
               stdout);
    return 0;
}

constexpr CoreCommand kCommands[] = {
    {"dump", "", "[--config F] [--vmcore F] [--kdump-conf F] [--kdump-tools F] [--no-fence-notices]",
     "run the chain (defaults: /etc/kdump-failover.conf, /proc/vmcore);\n--kdump-conf: its fence_kdump_nodes when the "
     "config has no [fence_kdump];\n--kdump-tools: its KDUMP_NUM_DUMPS as the targets' default keep",
     &cmd_dump},
    {"post", "", "STATUS [--config F] [--vmcore F]",
     "kdump_post entry: STATUS is kdump's own result; non-zero runs the chain", &cmd_post},
    {"check", "", "[--config F] [--probe]", "validate the config offline; --probe dry-runs every target", &cmd_check},
    {"plugins", "", "[--config F]", "list the plugins found: version, capabilities, options", &cmd_plugins},
    {"save", "", "SOURCE DIR [--force]",
     "after reboot: extract a dump from a raw target (device, file, iscsi://...)\nor a bucket (s3://BUCKET/KEY, with --config F naming an s3 target) into DIR",
     &cmd_save},
    {"list", "", "s3://BUCKET[/PREFIX] [--config F]", "after reboot: the dumps in a bucket: complete, incomplete or unfinished",
     &cmd_list},
    {"collect", "", "[makedumpfile options] VMCORE OUT",
     "one dump to one file (-c -l -z --lz4 -d -E -F -f\n--num-threads --message-level), for kdump's core_collector",
     &cmd_collect},
    {"verify", "", "DUMP", "check a dump for completeness and integrity", &cmd_verify},
    {"reassemble", "", "IN OUT", "flattened stream -> normal dump file (as makedumpfile -R)", &cmd_reassemble},
    {"convert", "", "IN OUT --compress C", "re-encode a kdump file's pages (e.g. lz4 -> zlib)", &cmd_convert},
    {"dmesg", "", "VMCORE [-o FILE] [-f] [--caller-id]",
     "print the kernel log held in a vmcore or dump (as makedumpfile --dump-dmesg)", &cmd_dmesg},
    {"generate", "", "[--config F] [--kdump-conf F] [--kdump-tools F] [--root DIR] [--dry-run] [--manifest | --remove]",
     "check the config, then wire the chain into /etc/kdump.conf (kdumpctl)\nor /etc/default/kdump-tools; "
     "--manifest lists what the initramfs needs;\n--remove takes the wiring out again",
     &cmd_generate},
    {"render", "", "skyhook|machineconfig|butane [--config F] [-o DIR] ...",
     "fleet rollout files from the config: a Skyhook package, or an\nOpenShift MachineConfig / Butane per role "
     "(--crashkernel SIZE)",
     &cmd_render},
    {"fence-notices", "", "[--config F] [--kdump-conf F]",
     "send fence_kdump notices until killed ([fence_kdump], else\nkdump.conf's fence_kdump_nodes; default /etc/kdump.conf)",
     &cmd_fence_notices},
    {"setup", "", "[--crashkernel SIZE|auto] [--config F] [--root DIR] [--dry-run] [--install]",
     "set this node up: crashkernel= in the boot loader, generate, the units\nenabled; idempotent, backed up, "
     "undone by uninstall",
     &cmd_setup},
    {"status", "", "[--config F] [--root DIR] [--json] [--no-probe]",
     "is this node ready to dump? exit 0 ready, 1 degraded, 2 not ready",
     &cmd_status},
    {"estimate", "", "[--config F] [--root DIR] [--json]",
     "crashkernel= size and dump size from this machine", &cmd_estimate},
    {"uninstall", "", "[--root DIR] [--dry-run]", "undo setup from its record and backups", &cmd_uninstall},
    {"version", "--version", "", "print the version", &cmd_version},
    {"help", "--help -h", "[--config F]", "this text, with the commands of the plugins found", &cmd_help},
};

constexpr size_t kHelpColumn = 40;

// "  NAME USAGE" padded to the help column (or alone on its line when too long), then the help,
// whose continuation lines are indented to the column.
void append_entry(std::string& out, std::string_view name, std::string_view usage, std::string_view help) {
    std::string left = "  " + std::string(name) + (usage.empty() ? "" : " " + std::string(usage));
    if (left.size() + 1 > kHelpColumn) {
        out += left + "\n";
        left.clear();
    }
    left.resize(kHelpColumn, ' ');
    out += left;
    for (char c : help) {
        out += c;
        if (c == '\n') out.append(kHelpColumn, ' ');
    }
    out += '\n';
}

bool is_alias(std::string_view aliases, std::string_view name) {
    while (!aliases.empty()) {
        const size_t sp = aliases.find(' ');
        if (aliases.substr(0, sp) == name) return true;
        if (sp == std::string_view::npos) break;
        aliases.remove_prefix(sp + 1);
    }
    return false;
}

}  // namespace

std::span<const CoreCommand> core_commands() { return kCommands; }

const CoreCommand* find_core_command(std::string_view name) {
    if (name.empty()) return nullptr;
    for (const CoreCommand& c : core_commands())
        if (c.name == name || is_alias(c.aliases, name)) return &c;
    return nullptr;
}

std::vector<std::string> core_command_names() {
    std::vector<std::string> names;
    for (const CoreCommand& c : core_commands()) {
        names.emplace_back(c.name);
        std::string_view a = c.aliases;
        while (!a.empty()) {
            const size_t sp = a.find(' ');
            names.emplace_back(a.substr(0, sp));
            if (sp == std::string_view::npos) break;
            a.remove_prefix(sp + 1);
        }
    }
    return names;
}

std::string usage_text(const std::vector<std::string>& plugin_search) {
    std::string out = "usage: kdump-failover COMMAND [options]\n\n";
    for (const CoreCommand& c : core_commands()) append_entry(out, c.name, c.usage, c.help);

    const plugin::CommandDiscovery found = plugin::discover_plugin_commands(plugin_search, core_command_names());
    if (!found.commands.empty() || !found.refused.empty()) {
        out += "\ncommands of the plugins found in " + plugin::join_path(plugin_search) + ":\n";
        for (const auto& c : found.commands)
            append_entry(out, c.info.name, c.info.usage, c.info.help + " (plugin " + c.plugin + ")");
        for (const auto& why : found.refused) out += "  " + why + "\n";
    }
    out += "\ndump exit status: 0 first target holds the dump; 10+i the target at position i (0-based) holds it;\n"
           "1 every target failed; 2 usage, configuration or input error.\n";
    return out;
}

}  // namespace kdf::cli
