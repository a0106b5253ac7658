// raw_device_target.h - read-back for a dump on a raw device behind the kdf::raw header
// (kdf/raw_dump_header.h): the header's state stands for the file names, "complete" for the final
// name and "writing"/"aborted" for the incomplete one; side files are the header's entries.
#pragma once

#include <string>

#include "tests/conformance/conformance_target.h"

namespace kdf::conformance {

class RawDeviceTarget : public ConformanceTarget {
public:
    // The device (or the regular file standing in for one) the target's section names.
    virtual std::string device() const = 0;

    std::optional<Bytes> final_dump(const DumpInfo& dump) const override;
    std::optional<Bytes> incomplete_dump(const DumpInfo& dump, uint64_t size) const override;
    std::optional<Bytes> side_file(const DumpInfo& dump, const std::string& name) const override;
};

}  // namespace kdf::conformance
