#include "tools/mkvmcore/manifest_writer.h"

#include <fcntl.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>

#include "kdf/unique_fd.h"

namespace kdf::mkvmcore {

Status write_manifest(const std::string& path, const KernelLayout& layout, PfnPlan& plan) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return Status::from_errno(errno, "create " + path);
    std::string buf;
    uint64_t offset = 0;
    auto flush = [&](bool force) -> Status {
        if (buf.empty() || (!force && buf.size() < (1u << 20))) return Status::ok();
        Status st = pwrite_full(fd.get(), buf.data(), buf.size(), offset, "write");
        offset += buf.size();
        buf.clear();
        return st.is_ok() ? st : st.with_context(path);
    };
    for (const PhysRange& r : layout.ram) {
        const uint64_t ps = layout.page_size;
        uint64_t run_start = r.start / ps, run_len = 0;
        PageClass run_cls = PageClass::reserved;
        for (uint64_t pfn = r.start / ps; pfn < r.end / ps; ++pfn) {
            const PageClass c = plan.info(pfn).cls;
            if (run_len > 0 && c == run_cls) {
                ++run_len;
                continue;
            }
            if (run_len > 0) {
                char line[64];
                std::snprintf(line, sizeof line, "%" PRIu64 " %" PRIu64 " %s\n", run_start, run_len, class_name(run_cls));
                buf += line;
                if (Status st = flush(false); !st.is_ok()) return st;
            }
            run_start = pfn;
            run_len = 1;
            run_cls = c;
        }
        if (run_len > 0) {
            char line[64];
            std::snprintf(line, sizeof line, "%" PRIu64 " %" PRIu64 " %s\n", run_start, run_len, class_name(run_cls));
            buf += line;
        }
    }
    if (Status st = flush(true); !st.is_ok()) return st;
    return fd.close("close").with_context(path);
}

Status write_checks(const std::string& path, const std::vector<TranslationCheck>& checks) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return Status::from_errno(errno, "create " + path);
    std::string text;
    for (const TranslationCheck& c : checks) {
        char vaddr[24];
        std::snprintf(vaddr, sizeof vaddr, "0x%016" PRIx64, c.vaddr);
        text += c.name + " " + vaddr + " " + c.expect + "\n";
    }
    if (Status st = pwrite_full(fd.get(), text.data(), text.size(), 0, "write"); !st.is_ok()) return st.with_context(path);
    return fd.close("close").with_context(path);
}

}  // namespace kdf::mkvmcore
