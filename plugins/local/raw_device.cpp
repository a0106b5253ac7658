// raw_device.cpp - opening and sizing raw targets.
#include "raw_device.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

namespace kdf::local {

Result<RawDevice> open_raw_device(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return Status::from_errno(ENOENT, "local: device " + path + " does not exist");
        return Status::from_errno(errno, "local: stat " + path);
    }
    RawDevice dev;
    dev.is_block = S_ISBLK(st.st_mode);
    if (!dev.is_block && !S_ISREG(st.st_mode))
        return Status::error(Code::invalid_config,
                             "local: device " + path + " is neither a block device nor a regular file");
    // No O_CREAT: a typo in `device` must not quietly create a file on the root filesystem.
    dev.fd = UniqueFd(::open(path.c_str(), O_RDWR | O_CLOEXEC | (dev.is_block ? O_EXCL : 0)));
    if (!dev.fd) {
        int err = errno;
        if (err == EBUSY)
            return Status::from_errno(err, "local: device " + path + " is in use (mounted, or part of an LV/RAID?)");
        return Status::from_errno(err, "local: open " + path);
    }
    if (dev.is_block) {
        uint64_t bytes = 0;
        if (::ioctl(dev.fd.get(), BLKGETSIZE64, &bytes) != 0)
            return Status::from_errno(errno, "local: BLKGETSIZE64 " + path);
        dev.size = bytes;
    } else {
        dev.size = static_cast<uint64_t>(st.st_size);
    }
    return dev;
}

}  // namespace kdf::local
