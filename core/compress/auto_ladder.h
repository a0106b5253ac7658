// core/compress/auto_ladder.h - the codecs `compress = auto` moves between, per reader set.
//
// A dump written with `auto` mixes codecs page by page (kdump-compressed and flattened files store
// the codec in each page descriptor), so every codec in the ladder must be one that every reader the
// user relies on can decode:
//
//   readers              ladder (lightest first)         for
//   any (default)        lzo, zstd-1, zstd-3, zstd-9     upstream makedumpfile (1.7.0 on, with
//                                                        zstd), crash, libkdumpfile, drgn
//   makedumpfile-1.7.2   lzo, zlib-1, zlib-6             Debian 12's makedumpfile 1.7.2, built
//                                                        without zstd
//
// lz4 is never in a ladder: it is our extension and no reader decodes it. zlib is not in the
// default ladder because zstd-1 compresses pages both faster and smaller than zlib at any level.
// Constant data; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/compress/codec_chooser.h"

namespace kdf::compress {

// The reader-set names `readers` takes, default first: "any", "makedumpfile-1.7.2".
const std::vector<std::string>& auto_reader_sets();

// The ladder for a reader set; empty for a name auto_reader_sets() does not have.
std::vector<AutoCandidate> auto_ladder(std::string_view readers);

}  // namespace kdf::compress
