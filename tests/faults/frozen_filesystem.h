// frozen_filesystem.h - a small ext4 filesystem (mkfs.ext4 on an image file, mounted through a
// loop device) that the test can freeze with fsfreeze: every write that reaches it then waits in
// the kernel, uninterruptibly, until it is thawed. A file on it behind a loop device is a block
// device that stops answering, as a dying disk or a lost SAN path does; a process waiting on it
// cannot even be killed. The destructor thaws first, so nothing stays blocked after the test.
#pragma once

#include <string>

namespace kdf_test {

class FrozenFilesystem {
public:
    // Makes and mounts a `size` (e.g. "96M") ext4 filesystem at `mount_point` from `image`.
    FrozenFilesystem(const std::string& image, const std::string& size, const std::string& mount_point);
    ~FrozenFilesystem();
    FrozenFilesystem(const FrozenFilesystem&) = delete;
    FrozenFilesystem& operator=(const FrozenFilesystem&) = delete;

    bool ok() const { return mounted_; }
    const std::string& mount_point() const { return mount_point_; }
    bool freeze();
    void thaw();

private:
    std::string mount_point_;
    bool mounted_ = false;
    bool frozen_ = false;
};

}  // namespace kdf_test
