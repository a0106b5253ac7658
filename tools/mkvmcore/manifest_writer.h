// tools/mkvmcore/manifest_writer.h - the page classes a --kernel vmcore was generated with.
//
// Text, one line per run of pfns of equal class, ascending, only pfns inside the direct-map PT_LOADs:
//   START_PFN COUNT CLASS        (decimal, decimal, a name from page_class.h)
// A compound page or buddy block is one class over all its pages, so a test can predict the page
// set of any dump level from this file alone (see tests/unit/mkvmcore).
#pragma once

#include <string>

#include "kdf/status.h"
#include <vector>

#include "tools/mkvmcore/kernel_layout.h"
#include "tools/mkvmcore/kernel_model.h"
#include "tools/mkvmcore/pfn_plan.h"

namespace kdf::mkvmcore {

Status write_manifest(const std::string& path, const KernelLayout& layout, PfnPlan& plan);

// The translation checks (--checks), one per line: NAME 0xVADDR EXPECTED, where EXPECTED is the
// physical address ("0x...") or the error a translator must give: not_found (nothing mapped
// there) or corrupt (a page table points outside the dump).
Status write_checks(const std::string& path, const std::vector<TranslationCheck>& checks);

}  // namespace kdf::mkvmcore
