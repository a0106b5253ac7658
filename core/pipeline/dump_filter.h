// core/pipeline/dump_filter.h - page filtering for one dump: the filter, the count of pages it
// drops (first pass) and the one warning line for what it could not do.
//
// The kdump format needs the number of dumped pages before the first page (the descriptor table
// comes first), so a dump with filtering reads mem_map twice: this counting pass, then the pass
// that feeds the pipeline (makedumpfile's cyclic mode does the same). Each pass is a
// PageFilter::Cursor; classification is deterministic, so both agree.
//
// Whatever cannot be classified is dumped (level-0 behaviour for those pages) and said once:
//   "dump level 31: free pages kept (no ...); 4096 pages could not be classified (...): dumped"
// Levels 0 and 1 exclude nothing by class, but makedumpfile still drops hwpoison and offline
// pages there when the kernel exports PG_hwpoison; so do we, silently skipping it when the
// VMCOREINFO cannot support it (nothing the user asked for is lost).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/filter/page_filter.h"
#include "core/format/page_set.h"
#include "core/vmcore/elf_reader.h"

namespace kdf::pipeline {

struct DumpFilter {
    std::unique_ptr<filter::PageFilter> filter;  // null: no page is dropped by class
    uint64_t excluded_pages = 0;                 // present pages the filter drops
    std::string warning;                         // empty, or one line for the user
    double count_seconds = 0;                    // time of the counting pass
};

DumpFilter prepare_dump_filter(const vmcore::ElfVmcore& core, const format::PageSet& pages, int level);

}  // namespace kdf::pipeline
