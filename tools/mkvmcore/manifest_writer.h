// tools/mkvmcore/manifest_writer.h - the page classes a --kernel vmcore was generated with.
//
// Text, one line per run of pfns of equal class, ascending, only pfns inside the direct-map PT_LOADs:
//   START_PFN COUNT CLASS        (decimal, decimal, a name from page_class.h)
// A compound page or buddy block is one class over all its pages, so a test can predict the page
// set of any dump level from this file alone (see tests/unit/mkvmcore).
#pragma once

#include <string>

#include "kdf/status.h"
#include "tools/mkvmcore/kernel_layout.h"
#include "tools/mkvmcore/pfn_plan.h"

namespace kdf::mkvmcore {

Status write_manifest(const std::string& path, const KernelLayout& layout, PfnPlan& plan);

}  // namespace kdf::mkvmcore
