// object_download.h - one S3 object into a local file by ranged GETs, resumable.
//
// The object is fetched in chunks (Range: bytes=a-b) into "<file>.part", in order. An interrupted
// download leaves "<file>.part" and "<file>.part.etag" (the object's ETag, from a HEAD before the
// first byte); the next run with the same file continues after the bytes already there if the
// object's ETag is unchanged, and starts over otherwise. When every byte is there the part file is
// fsynced and linked to <file>, which is never replaced. Both files are opened without following
// links and only if they are our own regular files with no other name (a planted link is
// refused, its target untouched). An object whose size the server does not state, or an empty
// one, is refused: nothing is named <file> unless it holds every byte of the object.
#pragma once

#include <cstdint>
#include <string>

#include "kdf/status.h"
#include "s3_client.h"

namespace kdf::s3 {

struct DownloadResult {
    uint64_t bytes = 0;    // the object's size
    uint64_t resumed = 0;  // bytes that were already there from an earlier run
};

// `replace` (save --force): an existing <file> is replaced, by a rename once every byte is there;
// without it an existing <file> is refused before anything is fetched.
Result<DownloadResult> download_object(const S3Client& client, const std::string& key, const std::string& file,
                                       uint64_t chunk_size, bool replace = false);

}  // namespace kdf::s3
