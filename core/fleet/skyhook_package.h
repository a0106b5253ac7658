// core/fleet/skyhook_package.h - a Skyhook package directory that rolls kdump-failover out to nodes.
//
// Skyhook (NVIDIA's Kubernetes operator for node changes) runs a package's stages on each selected
// node: apply, config, an interrupt (here a reboot, so crashkernel= takes effect), post-interrupt,
// uninstall, each with a "-check" companion. The package is a directory with config.json (the
// agent's schema v1: package name and version, the configMap keys expected, and per mode a list of
// steps: name, path below skyhook_dir/, arguments, return codes, on_host, env, idempotence,
// upgrade_step) and the step scripts in skyhook_dir/. The scripts read the Skyhook's configMap from
// $SKYHOOK_DIR/configmaps/<key> and call the node-side commands:
//   apply                 install kdump-failover from the .deb/.rpm in skyhook_dir/packages/
//   config                check the configMap's kdump-failover.conf, install it, then
//                         `kdump-failover setup --crashkernel <configMap crashkernel, default auto>`
//   (interrupt: reboot)
//   post-interrupt-check  `kdump-failover status` (0 ready; 1 degraded and 2 not ready fail it)
//   uninstall             `kdump-failover uninstall`, then the package is removed
// Beside the package, skyhook-example.yaml: a Skyhook custom resource with the configMap keys
// (crashkernel, kdump-failover.conf) and the reboot interrupts.
#pragma once

#include <string>
#include <vector>

#include "core/fleet/fleet_inputs.h"
#include "core/fleet/rendered_file.h"

namespace kdf::fleet {

// `image`: the package image the example resource names.
std::vector<RenderedFile> render_skyhook_package(const FleetInputs& in, const std::string& image);

}  // namespace kdf::fleet
