// core/fleet/machine_config.cpp - the MachineConfig and Butane texts.
#include "core/fleet/machine_config.h"

#include "core/fleet/text_encoding.h"

namespace kdf::fleet {

namespace {

constexpr const char* kRoleLabel = "machineconfiguration.openshift.io/role";

// Every file the nodes get, in a fixed order: kdump.conf, our config, then the key files by path.
std::vector<NodeFile> node_files(const FleetInputs& in) {
    std::vector<NodeFile> files;
    files.push_back({kNodeKdumpConf, 0644, in.kdump_conf});
    files.push_back({kNodeConfig, in.config_mode, in.config_text});
    files.insert(files.end(), in.files.begin(), in.files.end());
    return files;
}

std::string header(const FleetInputs& in, const std::string& role, const char* what) {
    std::string h = "# " + std::string(what) + " for the " + role + " role, rendered by kdump-failover " + in.version +
                    " (kdump-failover render).\n";
    h += "# The kdump-failover binary, its plugins and its dracut module are not in here: they come from an\n";
    h += "# image layer on the nodes' CoreOS image. The files below are final: nothing on the node rewrites them.\n";
    return h;
}

}  // namespace

std::string machine_config_name(const std::string& role) { return "99-" + role + "-kdump-failover"; }

RenderedFile render_machine_config(const FleetInputs& in, const std::string& role) {
    std::string y = header(in, role, "MachineConfig");
    y += "apiVersion: machineconfiguration.openshift.io/v1\n";
    y += "kind: MachineConfig\n";
    y += "metadata:\n";
    y += "  labels:\n";
    y += "    " + std::string(kRoleLabel) + ": " + json_string(role) + "\n";
    y += "  name: " + json_string(machine_config_name(role)) + "\n";
    y += "spec:\n";
    y += "  config:\n";
    y += "    ignition:\n";
    y += "      version: " + json_string(kIgnitionVersion) + "\n";
    y += "    storage:\n";
    y += "      files:\n";
    for (const NodeFile& f : node_files(in)) {
        y += "      - contents:\n";
        y += "          source: " + json_string("data:;base64," + base64(f.bytes)) + "\n";
        y += "        mode: " + std::to_string(f.mode & 07777) + "\n";
        y += "        overwrite: true\n";
        y += "        path: " + json_string(f.path) + "\n";
    }
    y += "    systemd:\n";
    y += "      units:\n";
    y += "      - enabled: true\n";
    y += "        name: kdump.service\n";
    y += "  kernelArguments:\n";
    y += "  - " + json_string("crashkernel=" + in.crashkernel) + "\n";
    return {machine_config_name(role) + ".yaml", 0644, y};
}

RenderedFile render_butane(const FleetInputs& in, const std::string& role) {
    std::string y = header(in, role, "Butane config");
    y += "# Translate with: butane " + machine_config_name(role) + ".bu -o " + machine_config_name(role) + ".yaml\n";
    y += "variant: openshift\n";
    y += "version: " + std::string(kButaneVersion) + "\n";
    y += "metadata:\n";
    y += "  name: " + json_string(machine_config_name(role)) + "\n";
    y += "  labels:\n";
    y += "    " + std::string(kRoleLabel) + ": " + json_string(role) + "\n";
    y += "openshift:\n";
    y += "  kernel_arguments:\n";
    y += "    - " + json_string("crashkernel=" + in.crashkernel) + "\n";
    y += "storage:\n";
    y += "  files:\n";
    for (const NodeFile& f : node_files(in)) {
        y += "    - path: " + json_string(f.path) + "\n";
        y += "      mode: " + octal_mode(f.mode) + "\n";
        y += "      overwrite: true\n";
        y += "      contents:\n";
        if (fits_literal_block(f.bytes)) {
            y += "        inline: " + yaml_text_value(f.bytes, 10);
        } else {
            y += "        source: " + json_string("data:;base64," + base64(f.bytes)) + "\n";
        }
    }
    y += "systemd:\n";
    y += "  units:\n";
    y += "    - name: kdump.service\n";
    y += "      enabled: true\n";
    return {machine_config_name(role) + ".bu", 0644, y};
}

}  // namespace kdf::fleet
