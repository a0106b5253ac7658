// dump_claim.h - a dump directory in a bucket belongs to one dump: the claim that keeps a second
// dump from replacing the first.
//
// A dump's key ("<prefix>/<host>-<date>/vmcore.flat") can come round again: a clock reset in the
// crash kernel, two nodes configured with one prefix, a fixed `name` pattern. The object under it
// must then stay the first dump's. CompleteMultipartUpload cannot be made conditional on every
// store (Ceph RGW 16 ignores If-None-Match there and replaces the object), and a node's put-only
// keys may not HEAD or GET to look first. A plain PutObject with `If-None-Match: *` is honoured
// (RGW, AWS): the object is created only when no object has the key, in one step on the server.
//
// So before anything is written into the directory (after CreateMultipartUpload, which creates
// nothing visible), the sink stores <dir>/.vmcore-claim that way. Its body names the dump run:
// the host, the directory, when the chain started, the boot id of the kernel that dumps and the
// PID of the process that runs the chain. When the claim is already there:
//   - written by this same run (an earlier target of the chain that points at the same bucket
//     and prefix, such as a second gateway of one cluster, then failed): the body is the same
//     bytes, so a PutObject with `If-Match: <MD5 of the body>` succeeds and the dump goes on
//     there (RGW compares the ETag without quotes, HTTP wants it quoted: both are tried);
//   - anything else (both conditions fail, HTTP 412): the name belongs to another dump, and the
//     next name is claimed the same way: "<dir>-<first 8 characters of the boot id>", then
//     "<dir>-<boot>-2" ... "-9". A crash kernel boots with a new boot id, so a dump is not refused
//     because its name came round again; only when every name is taken is the target refused
//     (EEXIST, naming the directory and the remedy) and the chain moves on.
// A claim request that fails for a passing cause (5xx, a dropped connection, 409 when two
// conditional writes race) is sent again a few times within the deadline; a 404 to If-Match (the
// claim vanished in between) goes back to If-None-Match.
// The claim stays for good. After a complete dump the directory holds it, the dump and its side
// files; after an aborted one it, vmcore-incomplete and the side files; after a kill mid-dump it
// and whatever side files were written (`list` says "unfinished", or "claimed, nothing written").
// A directory is never handed to another run, so nothing a dump left, whole or partial, is
// overwritten. The name starts with '.', which no side file name may, so the two never meet.
//
// Limits: an object that a dump without a claim put there (another tool, an earlier version) is
// not protected; a store that ignores If-None-Match on PutObject as well makes the claim a no-op
// (the dump then behaves as it did before claims existed); a store whose ETag is not the body's
// MD5 (SSE-KMS, SSE-C) never lets a run take its own claim over, so a second target of the same
// run writes under the next name instead.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "kdf/transport.h"
#include "s3_client.h"

namespace kdf::s3 {

inline constexpr std::string_view dump_claim_name = ".vmcore-claim";

enum class ClaimHow { fresh, taken_over, taken };

// The directory this dump writes into and how it got it: `taken_over` when an earlier target of
// this same run had claimed it (its key may then hold that target's leftovers).
struct DumpClaim {
    std::string key_dir;
    ClaimHow how = ClaimHow::fresh;
};

// The claim's body for this run (the same bytes in every attempt of one chain run).
std::string dump_claim_body(const std::string& key_dir, const DumpInfo& dump);

// The directory names tried in order for "<prefix>/<dir_name>" (`key_dir` first).
std::vector<std::string> dump_dir_candidates(const std::string& key_dir);

// Claims the first of dump_dir_candidates(key_dir) that is free or this run's; EEXIST naming the
// directory when every one belongs to another dump, or a request's own error.
Result<DumpClaim> claim_dump_dir(const S3Client& client, const std::string& key_dir, const DumpInfo& dump,
                                 const CallOptions& opts);

}  // namespace kdf::s3
