// core/integration/kdump_conf_edit.h - wires kdump-failover into kdumpctl's /etc/kdump.conf.
//
// What is written (kdump.conf(5) directives; kdumpctl parse_config accepts each at most once,
// "Duplicated kdump config value of option ..."):
//   kdump_post  <helper>           the `kdump-failover post STATUS` wrapper (kdump.sh runs
//                                  "$KDUMP_POST" "$DUMP_RETVAL": one executable, no arguments of ours);
//   extra_bins  <executables...>   the kdump-failover binary: kdumpctl refuses anything in extra_bins
//                                  that is not executable (check_files_modified: "Error: FILE is
//                                  not executable"), so nothing else goes there;
//   # inputs digest: fnv1a64:...   a comment: the digest of every input of the chain's image (the
//                                  config, the plugins, the ssh files, the binary; input_digest.h).
//                                  It changes when one of them does, so rewriting it moves
//                                  kdump.conf's mtime, which kdumpctl watches, and kdumpctl rebuilds;
//   dracut_args --add kdump-failover   pulls our dracut module (99kdump-failover) into that initramfs.
// A directive the user already has is never duplicated: our words are added to the user's line and
// recorded in the block ("# added to your extra_bins line: ..."), so the next run takes exactly
// those words out again before it decides. A user's own kdump_post that is not ours is left alone
// with a warning (kdumpctl allows one), and so is everything else in the file, byte for byte.
//
// Unlike kdump-failover 0.2's generator this does not rewrite the file, force `default reboot`,
// guess a target type, or add extra_bins the chain does not need.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/integration/conf_edit.h"

namespace kdf::integration {

struct KdumpConfWants {
    std::string config_path;               // our config, named in the block's note
    std::string kdump_post;                // absolute path of the kdump_post wrapper
    std::vector<std::string> extra_bins;   // absolute paths, no blanks
    std::vector<std::string> dracut_args;  // e.g. {"--add", "kdump-failover"}
    std::string inputs_digest;             // input_digest() of the image's inputs; empty: no line
};

ConfEdit edit_kdump_conf(std::string_view text, const std::string& file_name, const KdumpConfWants& wants);

// Undoes edit_kdump_conf: the block goes, and the words it added to the user's own lines come out
// again, so the file is what it was before the first generate (the user's later edits of their own
// lines stay). No block: the text is returned unchanged. A hand-broken block is an error.
ConfEdit remove_from_kdump_conf(std::string_view text, const std::string& file_name);

}  // namespace kdf::integration
