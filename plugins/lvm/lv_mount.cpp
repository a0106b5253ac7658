// lv_mount.cpp - finding an active LV's node and mounting its filesystem.
#include "lv_mount.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fstream>
#include <sstream>
#include <utility>

#include "deadline.h"
#include "lv_volume.h"

namespace kdf::lvm {

namespace {

// The mount point of the filesystem on block device `rdev`, from /proc/self/mountinfo, or "".
std::string existing_mount(dev_t rdev) {
    std::ifstream in("/proc/self/mountinfo");
    const std::string wanted = std::to_string(major(rdev)) + ":" + std::to_string(minor(rdev));
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::string id, parent, devno, root, point;
        f >> id >> parent >> devno >> root >> point;
        if (devno == wanted && root == "/") {
            // mountinfo escapes space, tab, newline and backslash as \ooo.
            std::string out;
            for (size_t i = 0; i < point.size(); ++i) {
                if (point[i] == '\\' && i + 3 < point.size()) {
                    out += static_cast<char>(std::stoi(point.substr(i + 1, 3), nullptr, 8));
                    i += 3;
                } else {
                    out += point[i];
                }
            }
            return out;
        }
    }
    return {};
}

Status make_directories(const std::string& path) {
    std::string built;
    size_t i = 1;
    while (i <= path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        built = path.substr(0, j);
        if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST) return Status::from_errno(errno, "lvm: create " + built);
        i = j + 1;
    }
    return Status::ok();
}

// The system's lvm2 binary, or "": in a kdump-tools crash boot the real root's lvm2 is there, in a
// dracut initramfs with the lvm module too.
std::string lvm_binary() {
    for (const char* path : {"/usr/sbin/lvm", "/sbin/lvm"})
        if (::access(path, X_OK) == 0) return path;
    return {};
}

// `lvm lvchange -ay VG/LV`, killed at the deadline. Output goes to /dev/null: the outcome that
// matters is whether the node appears.
void activate_with_lvm2(const std::string& lvm, const std::string& vg, const std::string& lv, const CallOptions& opts) {
    const std::string name = vg + "/" + lv;
    const char* argv[] = {lvm.c_str(), "lvchange", "-ay", name.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, lvm.c_str(), &actions, nullptr, const_cast<char* const*>(argv), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return;
    for (;;) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) return;
        if (opts.expired()) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace

std::string find_lv_node(const std::string& vg, const std::string& lv) {
    for (const std::string& node : {mapper_path(vg, lv), "/dev/" + vg + "/" + lv}) {
        struct stat st {};
        if (::stat(node.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) return node;
    }
    return {};
}

Result<LvMount> LvMount::mount(const LvmOptions& o, const CallOptions& opts) {
    std::string node = find_lv_node(o.vg, o.lv);
    if (node.empty() && o.activate) {
        // Not active yet (auto-activation off, or the initramfs was built without rd.lvm.lv=):
        // the system's lvm2, where there is one, activates it.
        if (const std::string lvm = lvm_binary(); !lvm.empty()) {
            if (Status s = check_deadline(opts, "activating " + o.vg + "/" + o.lv); !s.is_ok()) return s;
            activate_with_lvm2(lvm, o.vg, o.lv, opts);
            // udev may create the node a moment after lvchange returns.
            for (int i = 0; i < 20 && node.empty() && !opts.expired(); ++i) {
                node = find_lv_node(o.vg, o.lv);
                if (node.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
    }
    if (node.empty())
        return Status::error(Code::not_found, "lvm: LV " + o.vg + "/" + o.lv + " is not active (neither " +
                                                  mapper_path(o.vg, o.lv) + " nor /dev/" + o.vg + "/" + o.lv +
                                                  " exists" + (o.activate ? ", and lvm lvchange -ay did not make it" : "") +
                                                  "); mode mounted needs it active in the crash kernel "
                                                  "(dracut: rd.lvm.lv=" + o.vg + "/" + o.lv + ")");
    struct stat st {};
    if (::stat(node.c_str(), &st) != 0) return Status::from_errno(errno, "lvm: stat " + node);
    if (std::string already = existing_mount(st.st_rdev); !already.empty()) return LvMount(node, already, false);

    if (Status s = check_deadline(opts, "mounting " + node); !s.is_ok()) return s;
    if (Status s = make_directories(o.mount_point); !s.is_ok()) return s;
    const std::vector<std::string> types =
        o.fs_type.empty() ? std::vector<std::string>{"ext4", "xfs", "btrfs", "ext3", "ext2"}
                          : std::vector<std::string>{o.fs_type};
    std::string tried;
    int last_errno = 0;
    for (const std::string& type : types) {
        if (::mount(node.c_str(), o.mount_point.c_str(), type.c_str(), MS_NOATIME | MS_NODEV | MS_NOSUID, nullptr) == 0)
            return LvMount(node, o.mount_point, true);
        last_errno = errno;
        tried += (tried.empty() ? "" : ", ") + type;
    }
    return Status::from_errno(last_errno, "lvm: mount " + node + " on " + o.mount_point + " (tried " + tried + ")");
}

LvMount::LvMount(LvMount&& other) noexcept
    : node_(std::move(other.node_)),
      directory_(std::move(other.directory_)),
      mounted_here_(std::exchange(other.mounted_here_, false)) {}

LvMount::~LvMount() { (void)unmount(); }

Status LvMount::unmount() noexcept {
    if (!mounted_here_) return Status::ok();
    mounted_here_ = false;
    if (::umount(directory_.c_str()) == 0) return Status::ok();
    const int err = errno;
    // Something still holds it (a stray open file): detach it, so the next boot sees a clean
    // filesystem once the last user goes, and the dump written before stays as it is.
    ::umount2(directory_.c_str(), MNT_DETACH);
    return Status::from_errno(err, "lvm: unmount " + directory_);
}

}  // namespace kdf::lvm
