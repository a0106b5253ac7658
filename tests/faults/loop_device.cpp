// loop_device.cpp - see loop_device.h.
#include "tests/faults/loop_device.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace kdf_test {

LoopDevice::LoopDevice(const std::string& backing_file, bool read_only) {
    const std::string cmd = "losetup --find --show " + std::string(read_only ? "--read-only " : "") + "'" + backing_file + "'";
    if (std::FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[256] = {};
        if (std::fgets(buf, sizeof buf, p)) device_ = buf;
        ::pclose(p);
    }
    while (!device_.empty() && (device_.back() == '\n' || device_.back() == ' ')) device_.pop_back();
    if (device_.rfind("/dev/loop", 0) != 0) {
        ADD_FAILURE() << "cannot attach a loop device to " << backing_file << " (the tests need root): '" << device_ << "'";
        device_.clear();
    }
}

LoopDevice::~LoopDevice() {
    // A device still held open is detached by the kernel once its last user closes it.
    if (!device_.empty()) std::system(("losetup -d '" + device_ + "' 2>/dev/null").c_str());
}

}  // namespace kdf_test
