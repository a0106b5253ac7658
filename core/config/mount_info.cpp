// core/config/mount_info.cpp
#include "core/config/mount_info.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "core/config/dm_name.h"
#include "kdf/options.h"
#include "kdf/unique_fd.h"

namespace kdf::chain {

std::optional<std::string> read_small_file(const std::string& path, int* err) {
    auto fail = [err](int e) -> std::optional<std::string> {
        if (err) *err = e;
        return std::nullopt;
    };
    kdf::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail(errno);
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(errno);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

std::string unescape_mount_field(std::string_view field) {
    auto octal = [](char c) { return c >= '0' && c <= '7'; };
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() && octal(field[i + 1]) && octal(field[i + 2]) && octal(field[i + 3])) {
            out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

std::vector<MountEntry> parse_mountinfo(std::string_view text) {
    std::vector<MountEntry> mounts;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);

        std::vector<std::string_view> fields;
        while (!line.empty()) {
            size_t sp = line.find(' ');
            std::string_view f = line.substr(0, sp);
            if (!f.empty()) fields.push_back(f);
            line.remove_prefix(sp == std::string_view::npos ? line.size() : sp + 1);
        }
        // Optional fields (shared:N, master:N) sit between field 6 and the lone "-".
        size_t dash = 6;
        while (dash < fields.size() && fields[dash] != "-") ++dash;
        if (fields.size() < 5 || dash + 2 >= fields.size()) continue;
        mounts.push_back(MountEntry{unescape_mount_field(fields[4]), unescape_mount_field(fields[dash + 1]),
                                    unescape_mount_field(fields[dash + 2])});
    }
    return mounts;
}

namespace {
std::string_view without_trailing_slash(std::string_view p) {
    while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
    return p;
}
}  // namespace

std::optional<MountEntry> find_mount(const std::vector<MountEntry>& mounts, std::string_view mount_point) {
    mount_point = without_trailing_slash(mount_point);
    std::optional<MountEntry> found;
    for (const MountEntry& m : mounts)
        if (without_trailing_slash(m.mount_point) == mount_point) found = m;
    return found;
}

std::string describe_mount(const MountEntry& mount, const std::string& sys_block_dir) {
    const std::string& src = mount.source;
    size_t colon = src.find(':');
    bool nfs_like = mount.fstype.rfind("nfs", 0) == 0 ||
                    (colon != std::string::npos && colon > 0 && src.find('/') > colon);
    if (nfs_like) return "NFS export " + src + " (" + mount.fstype + ")";

    std::string dm_name;
    if (src.rfind("/dev/mapper/", 0) == 0) {
        dm_name = src.substr(12);
    } else if (src.rfind("/dev/dm-", 0) == 0) {
        // The kernel name says nothing about the volume; sysfs knows the dm name.
        std::optional<std::string> name = read_small_file(sys_block_dir + "/" + src.substr(5) + "/dm/name");
        if (!name) return "device-mapper device " + src + " (" + mount.fstype + "; its name is unknown)";
        dm_name = std::string(kdf::trim(*name));
    }
    if (!dm_name.empty()) {
        auto vg_lv = split_dm_name(dm_name);
        if (vg_lv) return "LVM volume " + vg_lv->first + "/" + vg_lv->second + " (" + src + ", " + mount.fstype + ")";
        return "device-mapper device " + dm_name + " (" + src + ", " + mount.fstype + "; not an LVM volume name)";
    }
    return src + " (" + mount.fstype + ")";
}

}  // namespace kdf::chain
