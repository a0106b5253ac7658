#include "tools/mkvmcore/kernel_vmcore_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "kdf/unique_fd.h"
#include "tools/mkvmcore/arm64_notes.h"
#include "tools/mkvmcore/kernel_model.h"
#include "tools/mkvmcore/manifest_writer.h"
#include "tools/mkvmcore/page_content.h"
#include "tools/mkvmcore/pfn_plan.h"
#include "tools/mkvmcore/sample_notes.h"
#include "tools/mkvmcore/struct_page_encoder.h"

namespace kdf::mkvmcore {
namespace {

constexpr uint64_t kChunkPages = 256;  // 4 KiB frames per write batch
constexpr uint64_t kFrame = 4096;

// Everything needed to produce the bytes of any pfn.
class PageSource {
public:
    PageSource(const MkvmcoreOptions& opts, const KernelModel& m)
        : m_(m), plan_(m.layout, opts.seed, opts.classes, m.fixed), enc_(m.layout), content_(opts.seed, data_mix(opts.mix)) {}

    PfnPlan& plan() noexcept { return plan_; }

    // Fills `frame` (the 4 KiB at paddr frame * 4096; a 16/64 KiB page is several frames); false
    // when it is all zero.
    bool fill(uint64_t frame, std::span<std::byte> page) {
        if (const std::byte* own = m_.mem.page(frame)) {
            std::memcpy(page.data(), own, kFrame);
            return true;
        }
        auto blk = m_.vmemmap_blocks.upper_bound(frame);
        if (blk != m_.vmemmap_blocks.begin()) {
            --blk;
            if (frame - blk->first < m_.vmemmap_block_bytes / kFrame) {
                // 64 struct pages per 4 KiB of the section's mem_map block.
                const uint64_t first = blk->second * m_.layout.section_pages() + (frame - blk->first) * (kFrame / kStructPageSize);
                for (uint64_t i = 0; i < kFrame / kStructPageSize; ++i)
                    enc_.encode(first + i, plan_.info(first + i), page.subspan(i * kStructPageSize, kStructPageSize));
                return true;
            }
        }
        const uint64_t pa = frame * kFrame;
        const PageClass c = plan_.info(pa / m_.layout.page_size).cls;
        const bool in_image = pa >= m_.layout.image_paddr && pa < m_.layout.image_paddr + m_.layout.image_size;
        const bool low = m_.layout.arch == Arch::x86_64 && pa < kLowRamEnd;
        switch (c) {
        case PageClass::free: case PageClass::pcp: case PageClass::zero: case PageClass::offline:
        case PageClass::hwpoison:
            return false;
        case PageClass::reserved: case PageClass::pagetable:
            if (!in_image && !low) return false;  // memblock memory nothing was written to
            [[fallthrough]];
        default:
            return content_.fill(frame, page);
        }
    }

private:
    static PageMix data_mix(PageMix mix) {
        mix.zero = 0;
        if (mix.total() == 0) mix = PageMix{0, 1, 1, 1};
        return mix;
    }

    const KernelModel& m_;
    PfnPlan plan_;
    StructPageEncoder enc_;
    PageContent content_;
};

Status write_segment(int fd, const SampleSegment& s, PageSource& src, std::vector<std::byte>& buf, WriteSummary& sum) {
    const uint64_t pages = s.size / kFrame;
    const uint64_t first_pfn = s.paddr / kFrame;
    for (uint64_t done = 0; done < pages; done += kChunkPages) {
        const uint64_t n = std::min(kChunkPages, pages - done);
        uint64_t run_start = 0, run_len = 0;
        auto flush = [&]() -> Status {
            if (run_len == 0) return Status::ok();
            Status st = pwrite_full(fd, buf.data() + run_start * kFrame, run_len * kFrame,
                                    s.file_offset + (done + run_start) * kFrame, "write");
            run_len = 0;
            return st;
        };
        for (uint64_t i = 0; i < n; ++i) {
            if (src.fill(first_pfn + done + i, std::span<std::byte>(buf.data() + i * kFrame, kFrame))) {
                if (run_len == 0) run_start = i;
                ++run_len;
            } else {
                ++sum.zero_pages;
                if (Status st = flush(); !st.is_ok()) return st;
            }
        }
        if (Status st = flush(); !st.is_ok()) return st;
    }
    sum.pages += pages;
    return Status::ok();
}

}  // namespace

Result<WriteSummary> write_kernel_vmcore(const MkvmcoreOptions& opts) {
    auto model = build_kernel_model(opts);
    if (!model.is_ok()) return model.take_status();
    const KernelModel& m = model.value();
    const KernelLayout& l = m.layout;

    WriteSummary sum;
    sum.layout.kerneloffset = l.kerneloffset;
    sum.layout.phys_base = l.phys_base;
    sum.layout.kernel_text = l.kernel_text;
    sum.layout.segments.push_back({l.kernel_text, l.image_paddr, l.image_size, 0, true});
    for (const PhysRange& r : l.ram) sum.layout.segments.push_back({l.direct(r.start), r.start, r.end - r.start, 0, false});
    const bool arm64 = l.arch == Arch::arm64;
    const std::vector<std::byte> notes = arm64 ? arm64_notes(opts, l, kernel_vmcoreinfo(opts, m))
                                               : sample_notes(opts, sum.layout, kernel_vmcoreinfo(opts, m));
    sum.note_bytes = notes.size();
    sum.file_size = sum.layout.assign_file_offsets(kNoteOffset + notes.size());

    PageSource src(opts, m);
    if (!opts.manifest.empty())
        if (Status st = write_manifest(opts.manifest, l, src.plan()); !st.is_ok()) return st;
    if (!opts.checks.empty())
        if (Status st = write_checks(opts.checks, m.checks); !st.is_ok()) return st;

    UniqueFd fd(::open(opts.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return Status::from_errno(errno, "create " + opts.out);
    auto failed = [&](Status st) {
        fd.reset();
        ::unlink(opts.out.c_str());
        return st.with_context(opts.out);
    };
    const std::vector<std::byte> head = vmcore_headers(sum.layout, notes, arm64 ? kEmAarch64 : kEmX86_64);
    if (Status st = pwrite_full(fd.get(), head.data(), head.size(), 0, "write"); !st.is_ok()) return failed(st);
    std::vector<std::byte> buf(kChunkPages * kFrame);
    for (const SampleSegment& s : sum.layout.segments)
        if (Status st = write_segment(fd.get(), s, src, buf, sum); !st.is_ok()) return failed(st);
    if (::ftruncate(fd.get(), static_cast<off_t>(sum.file_size)) != 0) return failed(Status::from_errno(errno, "truncate"));
    if (Status st = fd.close("close"); !st.is_ok()) return failed(st);
    return sum;
}

}  // namespace kdf::mkvmcore
