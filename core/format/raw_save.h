// raw_save.h - `kdump-failover save SOURCE DIR`: turn a dump left on a raw target back into files.
//
// After reboot the raw device (or an iSCSI LUN, an LV: any kdf::RawVolume a plugin opens) (or a file standing in for one) holds a kdf::raw header
// (kdf/raw_dump_header.h), side files and the dump data. save_raw_dump() reads the header and writes
//
//   <out_dir>/<dump_name>/            0700 (created; <out_dir> must exist)
//   <out_dir>/<dump_name>/<side file> 0600, one per header entry (vmcore-dmesg.txt)
//   <out_dir>/<dump_name>/<final_name> 0600, the dump: written as vmcore-incomplete, fsync'ed,
//                                      then renamed; a forced incomplete dump keeps that name
//
// then marks the header "saved" so the next boot does not save it again. Only a complete dump is
// marked: a forced extraction of an incomplete one leaves the header as it was.
//
// Refusals (Status codes): a source without the header or with a bad checksum -> corrupt; a dump
// still "writing" or "aborted" -> corrupt unless opts.force; one already "saved" -> not_supported
// unless opts.force; data_offset + data_length or a side file beyond the source's end -> corrupt;
// an existing vmcore or vmcore-incomplete in the dump directory -> system (EEXIST). Memory stays
// bounded: the data is copied in 1 MiB chunks. Not thread-safe with respect to the same source.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kdf/raw_volume.h"
#include "kdf/status.h"

namespace kdf::format {

struct SaveOptions {
    bool force = false;  // --force: extract incomplete dumps (as vmcore-incomplete) and saved ones again
};

struct SaveResult {
    std::string dump_path;                // <out_dir>/<dump_name>/<final_name or vmcore-incomplete>
    bool complete = false;                // the header said "complete" (or "saved")
    uint64_t bytes = 0;                   // dump bytes copied
    std::vector<std::string> side_files;  // full paths of the side files written
};

// From a block device or a regular file (opened read-write, as a kdf::FdRawVolume).
Result<SaveResult> save_raw_dump(const std::string& source, const std::string& out_dir, const SaveOptions& opts);

// From any volume (a plugin's, for `save SCHEME://... DIR`); messages name src.location().
Result<SaveResult> save_raw_dump(RawVolume& src, const std::string& out_dir, const SaveOptions& opts);

}  // namespace kdf::format
