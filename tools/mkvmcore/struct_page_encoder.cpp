#include "tools/mkvmcore/struct_page_encoder.h"

#include <algorithm>

#include "tools/mkvmcore/sample_layout.h"

namespace kdf::mkvmcore {
namespace {

constexpr uint64_t kPoison1 = 0xdead000000000100ULL;  // LIST_POISON1
constexpr uint64_t kPoison2 = 0xdead000000000122ULL;  // LIST_POISON2
constexpr uint64_t kTailMapping = 0xdead000000000400ULL;
constexpr uint64_t kPageMappingAnon = 1;

uint64_t bit(int n) { return uint64_t{1} << n; }

// Upper flag bits: node 0, zone (DMA below 16 MiB, DMA32 below 4 GiB, Normal), LAST_CPUPID unset.
uint64_t zone_flags(uint64_t pfn) {
    const uint64_t zone = pfn < 4096 ? 0 : pfn < (1ULL << 20) ? 1 : 2;
    return 0x0007ffffc0000000ULL | (zone << 51);
}

struct Fields {
    uint64_t flags = 0, w8 = 0, w16 = 0, mapping = 0, index = 0, priv = 0, memcg = 0;
    int32_t mapcount = -1;
    uint32_t refcount = 0;
};

void store(std::span<std::byte> out, size_t off, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out[off + static_cast<size_t>(i)] = static_cast<std::byte>(v >> (8 * i));
}

}  // namespace

uint64_t StructPageEncoder::object(uint64_t kind, uint64_t n) const noexcept {
    // Pointers to kernel objects (address_space, anon_vma, kmem_cache, buffer_head, memcg): direct-map
    // addresses inside the kernel image's data, 64-byte aligned, so they are plausible and even.
    return layout_.direct(layout_.image_paddr + 0x280000 + (kind << 12) + (n % 64) * 64);
}

void StructPageEncoder::encode(uint64_t pfn, const PfnInfo& info, std::span<std::byte> out) const noexcept {
    Fields f;
    f.flags = zone_flags(pfn);
    const uint64_t self_lru = sp(pfn) + 8;
    const uint64_t h = mix64(pfn ^ 0x7370ULL);
    const uint64_t memcg = object(9, 0);
    auto lru_neighbours = [&] {
        f.w8 = sp(pfn + 1) + 8;
        f.w16 = pfn > 0 ? sp(pfn - 1) + 8 : self_lru;
    };

    if (!info.ram) {  // a hole inside a present section: init_unavailable_range() marks it reserved
        f.flags |= bit(kPgReserved);
        f.w8 = f.w16 = self_lru;
        f.refcount = 1;
    } else if (info.index > 0 && info.cls != PageClass::free) {
        // Tail page of a compound page (THP, hugetlb, compound slab).
        const uint64_t head = pfn - info.index;
        f.w8 = sp(head) | 1;  // compound_head
        f.mapcount = -1;
        f.refcount = 0;
        if (info.index == 1) {
            const uint8_t dtor = info.cls == PageClass::thp       ? kTranshugePageDtor
                                 : info.cls == PageClass::hugetlb ? kHugetlbPageDtor
                                                                  : kCompoundPageDtor;
            // @16 dtor, @17 order, @20 compound_mapcount (0: mapped once; -1 for kernel compound
            // pages), @24 compound_pincount 0, @28 compound_nr.
            const uint64_t mapcount = info.cls == PageClass::slab ? 0xffffffffULL : 0;
            f.w16 = dtor | (uint64_t{info.order} << 8) | (mapcount << 32);
            f.mapping = uint64_t{1} << (info.order + 32);
            if (info.cls == PageClass::hugetlb) f.priv = object(7, 1);  // hugetlb subpool
        } else if (info.index == 2 && info.cls == PageClass::thp) {
            f.w16 = kPoison2;
            f.mapping = f.index = sp(pfn) + 24;  // the empty deferred_list
        } else {
            f.w16 = kPoison2;
            f.mapping = kTailMapping;
        }
    } else {
        switch (info.cls) {
        case PageClass::free:
            if (info.index == 0) {  // buddy head: on a free_area list, order in private
                f.w8 = sp(pfn + (uint64_t{1} << info.order) * (1 + h % 7)) + 8;
                f.w16 = object(8, info.order);
                f.priv = info.order;
                f.mapcount = kBuddyMapcount;
            } else {
                f.w8 = f.w16 = self_lru;
            }
            f.refcount = 0;
            break;
        case PageClass::pcp:  // on a per-CPU free list; index holds the migratetype (MIGRATE_MOVABLE)
            lru_neighbours();
            f.index = 1;
            f.refcount = 0;
            break;
        case PageClass::cache:
            f.flags |= bit(kPgReferenced) | bit(kPgUptodate) | bit(kPgLru) | bit(kPgMappedtodisk);
            lru_neighbours();
            f.mapping = object(1, h % 5);
            f.index = h % 25600;
            f.mapcount = h % 4 == 0 ? 0 : -1;  // some are mapped by a process
            f.refcount = f.mapcount == 0 ? 2 : 1;
            f.memcg = memcg;
            break;
        case PageClass::cache_private:
            f.flags |= bit(kPgUptodate) | bit(kPgLru) | bit(kPgPrivate) | (h % 2 ? bit(kPgDirty) : 0);
            lru_neighbours();
            f.mapping = object(1, h % 5);
            f.index = h % 25600;
            f.priv = object(2, h);  // buffer_head list
            f.refcount = 2;
            f.memcg = memcg;
            break;
        case PageClass::swapcache:
            f.flags |= bit(kPgUptodate) | bit(kPgLru) | bit(kPgSwapcache) | bit(kPgSwapbacked);
            lru_neighbours();
            f.priv = (h % 0x40000) << 5;  // swp_entry_t: type 0, offset
            f.refcount = 1;
            f.memcg = memcg;
            break;
        case PageClass::user:
            f.flags |= bit(kPgUptodate) | bit(kPgLru) | bit(kPgMappedtodisk) | bit(kPgSwapbacked);
            lru_neighbours();
            f.mapping = object(3, h % 3) | kPageMappingAnon;
            f.index = 0x7f0000000ULL + h % 0x100000;
            f.mapcount = 0;
            f.refcount = 1;
            f.memcg = memcg;
            break;
        case PageClass::thp:
            f.flags |= bit(kPgUptodate) | bit(kPgLru) | bit(kPgHead) | bit(kPgMappedtodisk) | bit(kPgSwapbacked);
            lru_neighbours();
            f.mapping = object(3, h % 3) | kPageMappingAnon;
            f.index = 0x7f0000000ULL + (h % 0x1000) * 512;
            f.mapcount = -1;  // mapped by a PMD: the count is compound_mapcount in the first tail
            f.refcount = 1;
            f.memcg = memcg;
            break;
        case PageClass::hugetlb:
            f.flags |= bit(kPgUptodate) | bit(kPgHead);
            f.w8 = f.w16 = object(6, 0);  // on the hstate's active list
            f.mapping = object(4, 0);     // the hugetlbfs file
            f.index = (h % 64) * 512;
            f.priv = 2;                   // HPG_migratable (hugetlb flags live in the head's private)
            f.mapcount = -1;
            f.refcount = 1;
            break;
        case PageClass::kernel:
        case PageClass::zero:
            f.w16 = kPoison2;
            f.refcount = 1;
            break;
        case PageClass::slab:
            f.flags |= bit(kPgSlab) | (info.order > 0 ? bit(kPgHead) : 0);
            f.w8 = kPoison1;
            f.w16 = kPoison2;
            f.mapping = object(5, h % 40);                       // slab_cache
            f.index = h % 3 ? layout_.direct(pfn * layout_.page_size + (h % 32) * 128) : 0;  // freelist
            f.priv = 0x10 | (0x10ULL << 16);                      // inuse 16, objects 16
            f.refcount = 1;
            break;
        case PageClass::offline:  // balloon page: PageOffline, a reference held by the driver
            f.mapcount = kOfflineMapcount;
            f.refcount = 1;
            break;
        case PageClass::hwpoison:
            f.flags |= bit(layout_.pg_hwpoison);
            f.refcount = 1;
            break;
        case PageClass::reserved:
            f.flags |= bit(kPgReserved);
            f.w8 = f.w16 = self_lru;
            f.refcount = 1;
            break;
        case PageClass::pagetable:
            f.mapcount = kTableMapcount;
            f.refcount = 1;
            break;
        }
    }
    store(out, 0, f.flags, 8);
    store(out, 8, f.w8, 8);
    store(out, 16, f.w16, 8);
    store(out, 24, f.mapping, 8);
    store(out, 32, f.index, 8);
    store(out, 40, f.priv, 8);
    store(out, 48, static_cast<uint32_t>(f.mapcount), 4);
    store(out, 52, f.refcount, 4);
    store(out, 56, f.memcg, 8);
}

}  // namespace kdf::mkvmcore
