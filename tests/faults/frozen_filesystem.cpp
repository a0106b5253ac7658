// frozen_filesystem.cpp - see frozen_filesystem.h.
#include "tests/faults/frozen_filesystem.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace kdf_test {

FrozenFilesystem::FrozenFilesystem(const std::string& image, const std::string& size, const std::string& mount_point)
    : mount_point_(mount_point) {
    std::filesystem::create_directories(mount_point);
    const std::string cmd = "truncate -s " + size + " '" + image + "' && mkfs.ext4 -q -F '" + image +
                            "' && mount -o loop '" + image + "' '" + mount_point + "'";
    mounted_ = std::system(cmd.c_str()) == 0;
    if (!mounted_) ADD_FAILURE() << "cannot make and mount an ext4 filesystem at " << mount_point << " (needs root, e2fsprogs)";
}

FrozenFilesystem::~FrozenFilesystem() {
    thaw();
    // Lazy: a loop device over a file here may still be detaching.
    if (mounted_) std::system(("umount -l '" + mount_point_ + "' 2>/dev/null").c_str());
}

bool FrozenFilesystem::freeze() {
    frozen_ = std::system(("fsfreeze --freeze '" + mount_point_ + "'").c_str()) == 0;
    return frozen_;
}

void FrozenFilesystem::thaw() {
    if (frozen_) std::system(("fsfreeze --unfreeze '" + mount_point_ + "'").c_str());
    frozen_ = false;
}

}  // namespace kdf_test
