#!/usr/bin/python3
"""`kdump-failover render` as an operator runs it, every rendered file parsed and checked.

    fleet_render_test.py SOURCE_DIR BUILD_DIR

One config (an ssh target with its identity and known_hosts, a local backup), rendered three ways:
  - skyhook: config.json against the agent's required fields (skyhook-package-schema.json), every
    step's script present, executable, `bash -n` and shellcheck clean; the example resource's
    configMap carries the config byte for byte; the config stage refuses a broken configMap config
    with its file:line and changes nothing;
  - machineconfig (both roles): the Ignition part against ignition-subset-schema.json (3.4.0), each
    file's data URL decoded: the final kdump.conf (the base file's lines, then our block), the
    config and the keys byte for byte with their modes; kdump.service enabled; crashkernel=;
  - butane: variant openshift 4.14.0, the same files, modes and arguments as the MachineConfig.
Re-rendering gives byte-identical files (and leaves an up-to-date directory untouched). Bad input
(an unknown kind, no --crashkernel, a config error, a missing key file) exits 2 with one line and
writes nothing.
"""
import base64
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

import jsonschema
import yaml

SRC, BUILD = sys.argv[1], sys.argv[2]
CLI = os.path.join(BUILD, "bin", "kdump-failover")
HERE = os.path.join(SRC, "tests", "fleet")
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(*args, env=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env)


def data_url_bytes(url):
    head, _, payload = url.partition(",")
    assert head.startswith("data:"), url[:40]
    if head.endswith(";base64"):
        return base64.b64decode(payload, validate=True)
    return urllib.parse.unquote_to_bytes(payload)


def make_inputs(work):
    identity = os.path.join(work, "id_kdump")
    known = os.path.join(work, "known_hosts")
    with open(identity, "w") as f:
        f.write("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key, only bytes to carry\n-----END OPENSSH PRIVATE KEY-----\n")
    os.chmod(identity, 0o600)
    with open(known, "w") as f:
        f.write("[dumps.example]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFleetRenderTestKeyOnly\n")
    os.chmod(known, 0o644)
    backup = os.path.join(work, "backup")
    os.mkdir(backup)
    config = os.path.join(work, "kdump-failover.conf")
    with open(config, "w") as f:
        f.write("# fleet test config\n[dump]\nlevel = 31\n\n[chain]\ntargets = remote backup\n\n"
                "[target remote]\ntype = ssh\nhost = dumps.example\nport = 2222\n"
                f"identity = {identity}\nknown_hosts = {known}\npath = /srv/crash\nkeep = 3\n\n"
                f"[target backup]\ntype = local\npath = {backup}\nkeep = 2\nmin_free = 2G\n")
    os.chmod(config, 0o600)
    base = os.path.join(work, "kdump.conf")
    shutil.copy(os.path.join(SRC, "tests", "unit", "integration", "data", "fedora-kdump.conf"), base)
    return config, base, {identity: 0o600, known: 0o644}


def check_skyhook(out, config):
    with open(os.path.join(out, "config.json")) as f:
        package = json.load(f)
    with open(os.path.join(HERE, "skyhook-package-schema.json")) as f:
        jsonschema.validate(package, json.load(f))
    check(package["package_name"] == "kdump-failover", "package name")
    modes = package["modes"]
    for mode in ("apply", "apply-check", "config", "config-check", "post-interrupt-check", "uninstall", "uninstall-check"):
        check(mode in modes, f"skyhook mode {mode}")
    scripts = []
    for mode, steps in modes.items():
        for step in steps:
            path = os.path.join(out, "skyhook_dir", step["path"])
            check(os.path.isfile(path) and os.access(path, os.X_OK), f"{mode}: {path} is an executable file")
            check(step["on_host"] is True and step["returncodes"] == [0], f"{mode}: runs on the host, 0 is success")
            check(subprocess.run(["bash", "-n", path]).returncode == 0, f"bash -n {path}")
            scripts.append(path)
    lint = subprocess.run(["shellcheck", *scripts], capture_output=True, text=True)
    check(lint.returncode == 0, "shellcheck of the stage scripts:\n" + lint.stdout)
    calls = {m: open(os.path.join(out, "skyhook_dir", modes[m][0]["path"])).read() for m in modes}
    check('"$KDF" setup --crashkernel "$crashkernel"' in calls["config"], "config stage runs setup --crashkernel")
    check('"$KDF" status' in calls["post-interrupt-check"], "post-interrupt check runs status")
    check('"$KDF" uninstall' in calls["uninstall"], "uninstall stage runs uninstall")

    with open(os.path.join(out, "skyhook-example.yaml")) as f:
        cr = yaml.safe_load(f)
    check(cr["apiVersion"] == "skyhook.nvidia.com/v1alpha1" and cr["kind"] == "Skyhook", "Skyhook resource kind")
    pkg = cr["spec"]["packages"]["kdump-failover"]
    check(pkg["version"] == package["package_version"], "resource and package versions agree")
    check(pkg["interrupt"] == {"type": "reboot"}, "reboot interrupt")
    check(pkg["configInterrupts"]["crashkernel"] == {"type": "reboot"}, "crashkernel change reboots")
    check(pkg["configMap"]["crashkernel"] == "auto", "crashkernel defaults to auto")
    with open(config) as f:
        check(pkg["configMap"]["kdump-failover.conf"] == f.read(), "configMap carries the config byte for byte")
    check(set(package["expected_config_files"]) == set(pkg["configMap"]), "configMap keys are the expected files")

    # The config stage against a configMap whose config is broken: refused, with file:line, before
    # anything on the node changes (the node's /etc/kdump-failover.conf is not touched).
    skyhook_dir = tempfile.mkdtemp(prefix="kdf-skyhook-")
    try:
        os.makedirs(os.path.join(skyhook_dir, "configmaps"))
        with open(os.path.join(skyhook_dir, "configmaps", "kdump-failover.conf"), "w") as f:
            f.write("[chain]\ntargets = a\n\n[target a]\ntype = local\npaht = /var/crash\n")
        before = os.stat("/etc/kdump-failover.conf").st_mtime_ns if os.path.exists("/etc/kdump-failover.conf") else None
        env = dict(os.environ, SKYHOOK_DIR=skyhook_dir, KDUMP_FAILOVER_BIN=CLI)
        r = subprocess.run([os.path.join(out, "skyhook_dir", "config.sh")], capture_output=True, text=True, env=env)
        check(r.returncode != 0, "config stage fails on a broken config")
        check("kdump-failover.conf:6" in r.stderr and "node's config is unchanged" in r.stderr,
              "config stage names file:line and says nothing changed: " + r.stderr)
        after = os.stat("/etc/kdump-failover.conf").st_mtime_ns if os.path.exists("/etc/kdump-failover.conf") else None
        check(before == after, "the node's config is untouched")
    finally:
        shutil.rmtree(skyhook_dir)


def node_files_from_machine_config(path, role):
    with open(path) as f:
        mc = yaml.safe_load(f)
    check(mc["apiVersion"] == "machineconfiguration.openshift.io/v1" and mc["kind"] == "MachineConfig", "MachineConfig kind")
    check(mc["metadata"]["labels"] == {"machineconfiguration.openshift.io/role": role}, f"role label {role}")
    check(mc["metadata"]["name"] == f"99-{role}-kdump-failover", "MachineConfig name")
    with open(os.path.join(HERE, "ignition-subset-schema.json")) as f:
        jsonschema.validate(mc["spec"]["config"], json.load(f))
    check(mc["spec"]["kernelArguments"] == ["crashkernel=256M"], "kernelArguments")
    check(mc["spec"]["config"]["systemd"]["units"] == [{"enabled": True, "name": "kdump.service"}], "kdump.service enabled")
    files = {}
    for entry in mc["spec"]["config"]["storage"]["files"]:
        check(entry["overwrite"] is True, f"{entry['path']} overwrites the image's file")
        files[entry["path"]] = (data_url_bytes(entry["contents"]["source"]), entry["mode"])
    return files


def node_files_from_butane(path, role):
    with open(path) as f:
        bu = yaml.safe_load(f)
    check(bu["variant"] == "openshift" and bu["version"] == "4.14.0", "Butane variant and version")
    check(bu["metadata"] == {"name": f"99-{role}-kdump-failover",
                             "labels": {"machineconfiguration.openshift.io/role": role}}, "Butane metadata")
    check(bu["openshift"]["kernel_arguments"] == ["crashkernel=256M"], "Butane kernel_arguments")
    check(bu["systemd"]["units"] == [{"name": "kdump.service", "enabled": True}], "Butane kdump.service enabled")
    files = {}
    for entry in bu["storage"]["files"]:
        contents = entry["contents"]
        data = contents["inline"].encode() if "inline" in contents else data_url_bytes(contents["source"])
        files[entry["path"]] = (data, entry["mode"])  # YAML 0644 is octal: the same integer as Ignition's
    return files


def check_node_files(files, config, base, keys):
    kdump_conf, mode = files["/etc/kdump.conf"]
    text = kdump_conf.decode()
    with open(base) as f:
        base_text = f.read()
    check(mode == 0o644, "kdump.conf mode")
    check(text.startswith(base_text), "kdump.conf keeps the nodes' base file")
    for line in ("kdump_post /usr/libexec/kdump-failover/kdump-post", "extra_bins /usr/sbin/kdump-failover",
                 "dracut_args --add kdump-failover", "# inputs digest: fnv1a64:"):
        check(line in text, f"kdump.conf has '{line}'")
    with open(config, "rb") as f:
        check(files["/etc/kdump-failover.conf"] == (f.read(), 0o600), "config bytes and mode")
    for path, want_mode in keys.items():
        with open(path, "rb") as f:
            check(files.get(path) == (f.read(), want_mode), f"{path}: bytes and mode {oct(want_mode)}")
    check(len(files) == 2 + len(keys), "no other files: " + ", ".join(sorted(files)))


def render(kind, out, *extra):
    return run("render", kind, "-o", out, *extra)


def main():
    work = tempfile.mkdtemp(prefix="kdf-fleet-")
    try:
        config, base, keys = make_inputs(work)
        common = ("--config", config)
        oc = ("--crashkernel", "256M", "--kdump-conf", base)
        for kind, extra in (("skyhook", ()), ("machineconfig", oc), ("butane", oc)):
            for n in (1, 2):
                r = render(kind, os.path.join(work, f"{kind}{n}"), *common, *extra)
                check(r.returncode == 0, f"render {kind}: {r.returncode} {r.stderr}")
            a, b = os.path.join(work, f"{kind}1"), os.path.join(work, f"{kind}2")
            same = filecmp.dircmp(a, b)
            check(not same.diff_files and not same.left_only and not same.right_only, f"{kind}: re-render differs")
            for root, _, names in os.walk(a):
                for name in names:
                    p = os.path.join(root, name)
                    q = os.path.join(b, os.path.relpath(p, a))
                    check(filecmp.cmp(p, q, shallow=False) and os.stat(p).st_mode == os.stat(q).st_mode,
                          f"{kind}: {name} identical with its mode")
            stamps = {n: os.stat(os.path.join(a, n)).st_mtime_ns for n in os.listdir(a)}
            r = render(kind, a, *common, *extra)
            check(r.returncode == 0 and stamps == {n: os.stat(os.path.join(a, n)).st_mtime_ns for n in os.listdir(a)},
                  f"{kind}: an up-to-date rendering is left untouched")

        check_skyhook(os.path.join(work, "skyhook1"), config)
        for role in ("master", "worker"):
            mc = node_files_from_machine_config(os.path.join(work, "machineconfig1", f"99-{role}-kdump-failover.yaml"), role)
            check_node_files(mc, config, base, keys)
            bu = node_files_from_butane(os.path.join(work, "butane1", f"99-{role}-kdump-failover.bu"), role)
            check(bu == mc, f"{role}: Butane and MachineConfig carry the same files and modes")

        # Bad input: one line, exit 2, nothing written.
        nothing = os.path.join(work, "nothing")
        r = render("helm", nothing, *common)
        check(r.returncode == 2 and "unknown kind 'helm'" in r.stderr, "unknown kind: " + r.stderr)
        r = render("machineconfig", nothing, *common, "--kdump-conf", base)
        check(r.returncode == 2 and "needs --crashkernel SIZE" in r.stderr, "no crashkernel: " + r.stderr)
        r = render("butane", nothing, *common, "--kdump-conf", base, "--crashkernel", "auto")
        check(r.returncode == 2 and "--crashkernel 'auto'" in r.stderr, "auto on OpenShift: " + r.stderr)
        broken = os.path.join(work, "broken.conf")
        with open(config) as f:
            text = f.read()
        with open(broken, "w") as f:
            f.write(text.replace("keep = 3", "keep = three"))
        r = render("skyhook", nothing, "--config", broken)
        check(r.returncode == 2 and f"{broken}:" in r.stderr and "keep" in r.stderr, "config error: " + r.stderr)
        with open(broken, "w") as f:
            f.write(text.replace(os.path.join(work, "id_kdump"), os.path.join(work, "id_missing")))
        r = render("machineconfig", nothing, "--config", broken, *oc)
        check(r.returncode == 2 and "id_missing" in r.stderr, "missing key file: " + r.stderr)
        check(not os.path.exists(nothing), "nothing is written on bad input")
    finally:
        shutil.rmtree(work)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    print("fleet render: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
