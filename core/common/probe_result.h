// core/common/probe_result.h - the three-way answer of a file-format probe.
//
// Every reader (ELF vmcore, kdump-compressed, flattened) answers for the first bytes of a file:
// mine, not_mine, or broken (its signature, but a header it cannot use). Only not_mine lets a
// caller try the next format; a recognised but broken file is an error, never "unknown format".
#pragma once

namespace kdf::common {

enum class ProbeResult { mine, not_mine, broken };

}  // namespace kdf::common
