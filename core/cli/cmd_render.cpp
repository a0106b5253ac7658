// `kdump-failover render skyhook|machineconfig|butane`: the files a fleet rollout needs, from one
// kdump-failover.conf (core/fleet has the layouts).
//
// The config is checked as `generate` checks it (each target's plugin loaded, its options
// validated), and the files its targets read in the crash kernel (ssh identity, known_hosts) are
// read here, with their modes, to be carried to the nodes. For OpenShift the final kdump.conf is
// made here, by the same edit `generate` applies on a node, from the kdump.conf the nodes start
// from. Everything is rendered in memory first: an error writes nothing. The same inputs render
// byte-identical files.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

#include "core/chain/supervisor.h"
#include "core/cli/command.h"
#include "core/config/mount_info.h"
#include "core/fleet/fleet_inputs.h"
#include "core/fleet/machine_config.h"
#include "core/fleet/skyhook_package.h"
#include "core/integration/initramfs_manifest.h"
#include "core/integration/input_digest.h"
#include "core/integration/kdump_conf_edit.h"
#include "core/plugin/search_path.h"

namespace kdf::cli {

namespace {

constexpr const char* kUsage =
    "usage: kdump-failover render skyhook|machineconfig|butane [--config F] [-o DIR] [--crashkernel SIZE] "
    "[--kdump-conf F] [--role worker|master] [--image REF]";
constexpr const char* kDefaultImage = "registry.example.com/kdump-failover-skyhook";
constexpr const char* kNodeKdumpPost = "/usr/libexec/kdump-failover/kdump-post";
constexpr int kExitWriteFailed = 1;

std::string absolute(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

// A file carried to the nodes: its bytes and permission bits, or a line saying why not.
std::optional<fleet::NodeFile> read_node_file(const std::string& path, const std::string& why) {
    int err = 0;
    auto text = chain::read_small_file(path, &err);
    struct stat st {};
    if (!text || ::stat(path.c_str(), &st) != 0) {
        if (text) err = errno;
        error_line(path + ": cannot read (" + std::string(std::strerror(err)) + "): " + why + "; nothing was rendered");
        return std::nullopt;
    }
    return fleet::NodeFile{path, static_cast<uint32_t>(st.st_mode & 07777), *text};
}

// crashkernel= values as the kernel takes them: "256M", "1G-4G:192M,4G-:256M", "512M@16M", "auto".
bool plausible_crashkernel(const std::string& v) {
    if (v.empty() || v.size() > 128) return false;
    for (char c : v)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != ':' && c != ',' && c != '-' && c != '@') return false;
    return std::isdigit(static_cast<unsigned char>(v.front())) || v == "auto";
}

// The final kdump.conf for CoreOS nodes: `generate`'s edit with the packaged paths, and the digest
// of what the nodes get besides, so a change of config or key changes kdump.conf and kdumpctl
// rebuilds its image.
std::optional<std::string> final_kdump_conf(const std::string& base_path, const std::string& config_path,
                                            const std::vector<std::string>& key_paths) {
    int err = 0;
    auto base = chain::read_small_file(base_path, &err);
    if (!base) {
        error_line(base_path + ": cannot read (" + std::string(std::strerror(err)) +
                   "): name the kdump.conf the nodes start from with --kdump-conf; nothing was rendered");
        return std::nullopt;
    }
    integration::KdumpConfWants wants;
    wants.config_path = fleet::kNodeConfig;
    wants.kdump_post = kNodeKdumpPost;
    wants.extra_bins = {fleet::kNodeBinary};
    wants.dracut_args = {"--add", "kdump-failover"};
    std::vector<std::string> inputs{config_path};
    inputs.insert(inputs.end(), key_paths.begin(), key_paths.end());
    wants.inputs_digest = integration::input_digest(inputs);
    integration::ConfEdit edit = integration::edit_kdump_conf(*base, base_path, wants);
    for (const auto& w : edit.warnings) std::fprintf(stderr, "kdump-failover: warning: %s\n", w.c_str());
    if (!edit.errors.empty()) {
        for (const auto& e : edit.errors) std::fprintf(stderr, "%s\n", e.c_str());
        error_line("nothing was rendered");
        return std::nullopt;
    }
    return edit.text;
}

}  // namespace

int cmd_render(const Args& args) {
    ArgScanner scan(args, {"--config", "-o", "--crashkernel", "--kdump-conf", "--role", "--image"}, {});
    const auto usage_error = [](const std::string& text) {
        error_line(text);
        error_line(kUsage);
        return chain::kExitUsage;
    };
    if (!scan.ok()) return usage_error(scan.error());
    if (scan.positionals().size() != 1) return usage_error("render takes one kind: skyhook, machineconfig or butane");
    const std::string kind = scan.positionals()[0];
    if (kind != "skyhook" && kind != "machineconfig" && kind != "butane")
        return usage_error("render: unknown kind '" + kind + "' (skyhook, machineconfig or butane)");
    const bool openshift = kind != "skyhook";
    if (openshift && scan.value("--image")) return usage_error("--image is for render skyhook");
    if (!openshift && (scan.value("--role") || scan.value("--kdump-conf")))
        return usage_error("--role and --kdump-conf are for render machineconfig and butane");

    std::vector<std::string> roles{"master", "worker"};
    if (auto role = scan.value("--role")) {
        if (*role != "worker" && *role != "master") return usage_error("--role '" + *role + "' is not worker or master");
        roles = {*role};
    }
    std::string crashkernel = scan.value("--crashkernel").value_or(openshift ? "" : "auto");
    if (openshift && crashkernel.empty())
        return usage_error("render " + kind + " needs --crashkernel SIZE (kernelArguments are fixed per role; "
                           "`kdump-failover estimate` on a node of the role suggests one)");
    if (!plausible_crashkernel(crashkernel) || (openshift && crashkernel == "auto"))
        return usage_error("--crashkernel '" + crashkernel + "' is not a crashkernel= size such as 256M" +
                           std::string(openshift ? "" : " or auto"));

    const std::string config_path = absolute(scan.value("--config").value_or(kDefaultConfig));
    auto config = load_config_or_report(config_path);
    if (!config) {
        error_line("nothing was rendered");
        return chain::kExitUsage;
    }
    const auto search = plugin::plugin_search_path(config->chain.plugin_path);
    const auto mounts = chain::parse_mountinfo(chain::read_small_file("/proc/self/mountinfo").value_or(""));
    auto built = integration::build_initramfs_manifest(*config, config_path, search, mounts);
    for (const auto& w : built.warnings) std::fprintf(stderr, "kdump-failover: warning: %s\n", w.c_str());
    if (!built.manifest) {
        for (const auto& e : built.errors) std::fprintf(stderr, "%s\n", e.c_str());
        error_line(config_path + ": the chain cannot be set up; nothing was rendered");
        return chain::kExitUsage;
    }

    for (const std::string& path : built.missing_files)
        error_line(path + ": missing; the nodes' targets read it in the crash kernel, so a rendering must carry it; "
                          "nothing was rendered");
    if (!built.missing_files.empty()) return chain::kExitUsage;

    fleet::FleetInputs in;
    in.version = KDF_VERSION;
    in.crashkernel = crashkernel;
    auto conf = read_node_file(config_path, "it is the config the nodes get");
    if (!conf) return chain::kExitUsage;
    in.config_text = conf->bytes;
    in.config_mode = conf->mode;
    std::vector<std::string> key_paths = built.manifest->files;
    std::sort(key_paths.begin(), key_paths.end());
    for (const std::string& path : key_paths) {
        auto f = read_node_file(path, "a target reads it in the crash kernel, so the nodes need it");
        if (!f) return chain::kExitUsage;
        in.files.push_back(std::move(*f));
    }

    std::vector<fleet::RenderedFile> files;
    if (!openshift) {
        files = fleet::render_skyhook_package(in, scan.value("--image").value_or(kDefaultImage));
    } else {
        const std::string base = scan.value("--kdump-conf").value_or(kDefaultKdumpConf);
        auto kdump_conf = final_kdump_conf(absolute(base), config_path, key_paths);
        if (!kdump_conf) return chain::kExitUsage;
        in.kdump_conf = *kdump_conf;
        for (const std::string& role : roles)
            files.push_back(kind == "machineconfig" ? fleet::render_machine_config(in, role)
                                                    : fleet::render_butane(in, role));
    }

    const std::string dir = scan.value("-o").value_or(".");
    if (Status s = fleet::write_rendered_files(dir, files); !s.is_ok()) {
        error_line(s.to_string());
        return kExitWriteFailed;
    }
    for (const auto& f : files) std::printf("%s\n", (std::filesystem::path(dir) / f.path).string().c_str());
    if (openshift)
        std::fprintf(stderr, "kdump-failover: the nodes need the kdump-failover binary, plugins and dracut module from an "
                             "image layer (a Containerfile that adds the package); the rendered files only configure them\n");
    else
        std::fprintf(stderr, "kdump-failover: copy the kdump-failover .deb/.rpm into %s/skyhook_dir/packages/ before "
                             "building the package image\n", dir.c_str());
    return 0;
}

}  // namespace kdf::cli
