// core/fleet/machine_config.h - OpenShift/CoreOS rollout: a MachineConfig per role, and its Butane.
//
// On CoreOS /usr is read-only and the Machine Config Operator owns /etc/kdump.conf, so nothing is
// rewritten on the node at run time: the MachineConfig carries the final files, and kdumpctl builds
// its image from them (our dracut module comes with the binary, from an image layer):
//   /etc/kdump.conf            what `generate` writes into it, already applied (0644)
//   /etc/kdump-failover.conf   the chain's config (its mode on the rendering machine)
//   key files                  each target's files for the crash kernel (ssh identity, known_hosts),
//                              at the same paths, with their modes
//   kdump.service              enabled
//   kernelArguments            crashkernel=SIZE
// MachineConfig: machineconfiguration.openshift.io/v1 with an Ignition 3.4.0 config (what Butane's
// openshift 4.14.0 variant emits and the MCO of OpenShift 4.14 and later accepts), contents as
// base64 data URLs and modes in decimal, as Ignition JSON has them. Butane: variant openshift,
// version 4.14.0, the same files (text inline, anything else as a data URL), modes in octal.
#pragma once

#include <string>
#include <vector>

#include "core/fleet/fleet_inputs.h"
#include "core/fleet/rendered_file.h"

namespace kdf::fleet {

inline constexpr const char* kIgnitionVersion = "3.4.0";
inline constexpr const char* kButaneVersion = "4.14.0";

// "99-<role>-kdump-failover": the object's name and the file's stem.
std::string machine_config_name(const std::string& role);

RenderedFile render_machine_config(const FleetInputs& in, const std::string& role);
RenderedFile render_butane(const FleetInputs& in, const std::string& role);

}  // namespace kdf::fleet
