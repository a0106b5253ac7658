// core/fleet/skyhook_package.cpp - config.json, the stage scripts and the example resource.
#include "core/fleet/skyhook_package.h"

#include "core/fleet/text_encoding.h"

namespace kdf::fleet {

namespace {

struct Step {
    const char* mode;    // config.json's mode key
    const char* script;  // file in skyhook_dir/
    const char* body;    // the script after its shebang and header
};

// Every script starts with this: strict shell and one way to fail. KDUMP_FAILOVER_BIN exists only so
// tests can run a stage against a build tree.
constexpr const char* kPrologue = R"(set -euo pipefail
fail() {
    echo "kdump-failover skyhook $(basename "$0"): $*" >&2
    exit 1
}
)";

constexpr Step kSteps[] = {
    {"apply", "apply.sh", R"(# apply: install kdump-failover from the package files shipped in skyhook_dir/packages/.
packages="${SKYHOOK_DIR:?SKYHOOK_DIR is not set: run by the Skyhook agent}/skyhook_dir/packages"
[ -r /etc/os-release ] || fail "/etc/os-release is missing: cannot tell the distribution"
# shellcheck source=/dev/null
. /etc/os-release
[ ! -e /run/ostree-booted ] || fail "this node boots from ostree (CoreOS): roll out with a MachineConfig (kdump-failover render machineconfig) and an image layer instead"
case " ${ID:-} ${ID_LIKE:-} " in
    *" debian "* | *" ubuntu "*)
        set -- "$packages"/kdump-failover_*.deb
        [ -f "$1" ] || fail "no kdump-failover_*.deb in $packages"
        DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
        ;;
    *" rhel "* | *" fedora "* | *" centos "* | *" amzn "*)
        set -- "$packages"/kdump-failover-*.rpm
        [ -f "$1" ] || fail "no kdump-failover-*.rpm in $packages"
        if command -v dnf > /dev/null; then dnf install -y "$@"; else yum install -y "$@"; fi
        ;;
    *) fail "distribution '${ID:-unknown}' is not one kdump-failover packages exist for" ;;
esac
)"},
    {"apply-check", "apply_check.sh", R"(# apply-check: the binary runs and finds its plugins.
KDF=${KDUMP_FAILOVER_BIN:-/usr/sbin/kdump-failover}
[ -x "$KDF" ] || fail "$KDF is not installed"
"$KDF" version
"$KDF" plugins > /dev/null || fail "$KDF plugins failed"
)"},
    {"config", "config.sh", R"(# config: the configMap's kdump-failover.conf is checked before it replaces the node's, then
# setup sets crashkernel= (configMap key crashkernel, default auto) and wires the distribution's kdump.
KDF=${KDUMP_FAILOVER_BIN:-/usr/sbin/kdump-failover}
CONFIGMAPS="${SKYHOOK_DIR:?SKYHOOK_DIR is not set: run by the Skyhook agent}/configmaps"
conf="$CONFIGMAPS/kdump-failover.conf"
[ -f "$conf" ] || fail "$conf is missing: the Skyhook's configMap needs the key kdump-failover.conf"
"$KDF" check --config "$conf" || fail "the configMap's kdump-failover.conf is not valid; the node's config is unchanged"
crashkernel=auto
if [ -s "$CONFIGMAPS/crashkernel" ]; then
    crashkernel=$(tr -d ' \t\r\n' < "$CONFIGMAPS/crashkernel")
fi
install -m 0600 "$conf" /etc/kdump-failover.conf
"$KDF" setup --crashkernel "$crashkernel"
)"},
    {"config-check", "config_check.sh", R"(# config-check: the node runs the configMap's config, and it is valid.
KDF=${KDUMP_FAILOVER_BIN:-/usr/sbin/kdump-failover}
CONFIGMAPS="${SKYHOOK_DIR:?SKYHOOK_DIR is not set: run by the Skyhook agent}/configmaps"
cmp -s "$CONFIGMAPS/kdump-failover.conf" /etc/kdump-failover.conf || fail "/etc/kdump-failover.conf differs from the configMap's"
"$KDF" check --config /etc/kdump-failover.conf
)"},
    {"post-interrupt-check", "post_interrupt_check.sh", R"(# post-interrupt-check: after the reboot, crashkernel is reserved, the crash kernel is loaded with our
# files inside, and every target answers (status exits 0 only when all of that holds).
KDF=${KDUMP_FAILOVER_BIN:-/usr/sbin/kdump-failover}
"$KDF" status
)"},
    {"uninstall", "uninstall.sh", R"(# uninstall: reverse setup from its backups (the reservation goes at the next reboot), then remove the
# package; the distribution's kdump keeps working as before setup.
KDF=${KDUMP_FAILOVER_BIN:-/usr/sbin/kdump-failover}
if [ -x "$KDF" ]; then
    "$KDF" uninstall
fi
if command -v dpkg > /dev/null && dpkg -s kdump-failover > /dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get remove -y kdump-failover
elif command -v rpm > /dev/null && rpm -q kdump-failover > /dev/null 2>&1; then
    if command -v dnf > /dev/null; then dnf remove -y kdump-failover; else yum remove -y kdump-failover; fi
fi
)"},
    {"uninstall-check", "uninstall_check.sh", R"(# uninstall-check: no kdump-failover lines are left in the distribution's kdump files.
KDF=${KDUMP_FAILOVER_BIN:-/usr/sbin/kdump-failover}
for f in /etc/kdump.conf /etc/default/kdump-tools; do
    if [ -f "$f" ] && grep -q '^# >>> kdump-failover >>>' "$f"; then
        fail "$f still holds kdump-failover's block"
    fi
done
[ ! -e "$KDF" ] || fail "$KDF is still installed"
)"},
};

std::string config_json(const FleetInputs& in) {
    std::string j = "{\n";
    j += "    \"schema_version\": \"v1\",\n";
    j += "    \"package_name\": \"kdump-failover\",\n";
    j += "    \"package_version\": " + json_string(in.version) + ",\n";
    j += "    \"expected_config_files\": [\"crashkernel\", \"kdump-failover.conf\"],\n";
    j += "    \"modes\": {\n";
    for (size_t i = 0; i < std::size(kSteps); ++i) {
        const Step& s = kSteps[i];
        j += "        " + json_string(s.mode) + ": [\n";
        j += "            {\n";
        j += "                \"name\": " + json_string(s.mode) + ",\n";
        j += "                \"path\": " + json_string(s.script) + ",\n";
        j += "                \"arguments\": [],\n";
        j += "                \"returncodes\": [0],\n";
        j += "                \"on_host\": true,\n";
        j += "                \"env\": {},\n";
        j += "                \"idempotence\": true,\n";
        j += "                \"upgrade_step\": false\n";
        j += "            }\n";
        j += std::string("        ]") + (i + 1 < std::size(kSteps) ? "," : "") + "\n";
    }
    j += "    }\n}\n";
    return j;
}

std::string example_resource(const FleetInputs& in, const std::string& image) {
    std::string y;
    y += "# An example Skyhook resource for the kdump-failover package (kdump-failover render skyhook).\n";
    y += "# Label the nodes to set up with kdump-failover=enabled. crashkernel: a size (256M) or auto (the\n";
    y += "# node's own estimate); changing it reboots the node. kdump-failover.conf: the chain's config.\n";
    y += "apiVersion: skyhook.nvidia.com/v1alpha1\n";
    y += "kind: Skyhook\n";
    y += "metadata:\n";
    y += "  name: kdump-failover\n";
    y += "spec:\n";
    y += "  nodeSelectors:\n";
    y += "    matchLabels:\n";
    y += "      kdump-failover: enabled\n";
    y += "  packages:\n";
    y += "    kdump-failover:\n";
    y += "      version: " + json_string(in.version) + "\n";
    y += "      image: " + json_string(image) + "\n";
    y += "      interrupt:\n";
    y += "        type: reboot\n";
    y += "      configInterrupts:\n";
    y += "        crashkernel:\n";
    y += "          type: reboot\n";
    y += "      configMap:\n";
    y += "        crashkernel: " + json_string(in.crashkernel) + "\n";
    y += "        kdump-failover.conf: " + yaml_text_value(in.config_text, 10);
    if (y.back() != '\n') y += '\n';
    return y;
}

}  // namespace

std::vector<RenderedFile> render_skyhook_package(const FleetInputs& in, const std::string& image) {
    std::vector<RenderedFile> files;
    files.push_back({"config.json", 0644, config_json(in)});
    for (const Step& s : kSteps) {
        std::string text = "#!/bin/bash\n# Skyhook stage script of the kdump-failover package (rendered by kdump-failover render skyhook).\n";
        text += kPrologue;
        text += s.body;
        files.push_back({std::string("skyhook_dir/") + s.script, 0755, std::move(text)});
    }
    files.push_back({"skyhook-example.yaml", 0644, example_resource(in, image)});
    return files;
}

}  // namespace kdf::fleet
