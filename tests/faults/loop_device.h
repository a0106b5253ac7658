// loop_device.h - a real block device for the local raw cells: a loop device over a file the test
// made, detached at the end. `read_only` attaches it read-only (losetup -r), so the kernel itself
// refuses to open it for writing.
#pragma once

#include <string>

namespace kdf_test {

class LoopDevice {
public:
    LoopDevice(const std::string& backing_file, bool read_only = false);
    ~LoopDevice();
    LoopDevice(const LoopDevice&) = delete;
    LoopDevice& operator=(const LoopDevice&) = delete;

    bool ok() const { return !device_.empty(); }
    const std::string& device() const { return device_; }  // /dev/loopN

private:
    std::string device_;
};

}  // namespace kdf_test
