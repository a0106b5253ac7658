// object_listing.h - the objects below a prefix (ListObjectsV2, every page), grouped into dumps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kdf/status.h"
#include "s3_client.h"

namespace kdf::s3 {

struct ListedObject {
    std::string key;
    uint64_t size = 0;
};

// Every object whose key starts with `prefix`, in key order.
Result<std::vector<ListedObject>> list_objects(const S3Client& client, const std::string& prefix);

// One dump directory "<...>/<host>-<date>/" and what it holds.
struct ListedDump {
    std::string dir;          // key prefix ending in '/'
    std::string dump_key;     // vmcore.flat (or vmcore) when complete, else ""
    uint64_t dump_size = 0;
    bool incomplete_marker = false;  // vmcore-incomplete is there
    bool dmesg = false;
    bool unreadable = false;  // vmcore-unreadable.txt: memory the dump could not read
    bool claimed = false;     // .vmcore-claim: a dump took the directory (it may hold nothing else)
    // "complete" (a leftover vmcore-incomplete beside the dump is from an earlier target of the
    // same run), "incomplete" (aborted, marker present), "unfinished" (no dump and no marker:
    // killed mid-dump, or still being written) or "claimed, nothing written" (the claim alone:
    // killed, or still writing, before the first visible object)
    std::string state() const;
};

// Groups objects by the directory of the dump files they are.
std::vector<ListedDump> group_dumps(const std::vector<ListedObject>& objects);

}  // namespace kdf::s3
