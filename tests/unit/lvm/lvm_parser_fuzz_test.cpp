// lvm_parser_fuzz_test.cpp - the metadata parser and extent map against mutated real metadata.
//
// Seeds are texts lvm2 wrote (the shared image's metadata area, its vgcfgbackup file, and a VG
// with linear, two-segment and striped LVs made here). Each round mutates a seed (flipped bytes,
// deleted or duplicated runs, inserted syntax characters, truncation, changed numbers) and runs
// parse_volume_group() and, when it succeeds, map_logical_volume() on every LV and map() on a few
// ranges. The round must end in a clean Status or a map whose every piece lies inside its PV's
// data area; run under ASan, any out-of-bounds access or leak fails the test.
//
// Rounds default to a bound that keeps CI short; a long run:
//   KDF_LVM_FUZZ_ROUNDS=2000000 KDF_LVM_FUZZ_SEED=$RANDOM build-asan/bin/lvm_tests --gtest_filter='LvmParserFuzz.*'
#include <gtest/gtest.h>

#include <fcntl.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "kdf/unique_fd.h"
#include "lv_extent_map.h"
#include "lvm_lab.h"
#include "metadata_area.h"
#include "pv_label.h"
#include "volume_group.h"

namespace kdf::lvm {
namespace {

uint64_t env_number(const char* name, uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

std::string current_text(const std::string& device) {
    UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return {};
    Result<std::optional<PvLabel>> label = read_pv_label(fd.get(), device);
    if (!label.is_ok() || !label.value() || label.value()->metadata_areas.empty()) return {};
    Result<std::optional<std::string>> text = read_metadata_text(fd.get(), device, label.value()->metadata_areas[0]);
    return text.is_ok() && text.value() ? *text.value() : std::string();
}

std::string mutate(std::string s, std::mt19937_64& rng) {
    static const char syntax[] = "{}[]=,\"'#\\\n -0123456789";
    auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
        const size_t at = pick(s.size());
        switch (rng() % 7) {
        case 0: s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8))); break;
        case 1: s.erase(at, 1 + pick(32)); break;
        case 2: s.insert(at, 1, syntax[pick(sizeof syntax - 1)]); break;
        case 3: s.insert(at, s.substr(pick(s.size()), 1 + pick(200))); break;
        case 4: s.resize(at); break;
        case 5: {  // a number swapped for an extreme one
            static const char* numbers[] = {"0", "-1", "18446744073709551615", "9223372036854775807", "4294967296",
                                            "1e999", "99999999999999999999999"};
            size_t digit = s.find_first_of("0123456789", at);
            if (digit == std::string::npos) break;
            size_t end = s.find_first_not_of("0123456789", digit);
            s.replace(digit, (end == std::string::npos ? s.size() : end) - digit, numbers[pick(7)]);
            break;
        }
        default: s.insert(at, std::string(1 + pick(40), '{')); break;  // deep nesting
        }
    }
    return s;
}

struct Tally {
    uint64_t parsed = 0;  // rounds whose text still parsed
    uint64_t mapped = 0;  // LVs that still mapped
};

void check_round(const std::string& text, Tally& tally) {
    Result<VolumeGroup> vg = parse_volume_group(text);
    if (!vg.is_ok()) {
        Status s = vg.take_status();
        ASSERT_FALSE(s.message().empty());
        return;
    }
    ++tally.parsed;
    for (const LogicalVolume& lv : vg->lvs) {
        Result<LvExtentMap> map = map_logical_volume(vg.value(), lv.name);
        if (!map.is_ok()) {
            ASSERT_FALSE(map.take_status().message().empty());
            continue;
        }
        ++tally.mapped;
        const uint64_t size = map->size();
        for (uint64_t off : {uint64_t{0}, size / 3, size > 4096 ? size - 4096 : 0}) {
            const uint64_t len = std::min<uint64_t>(size - off, 1 << 20);
            uint64_t total = 0;
            for (const MappedPiece& p : map->map(off, len)) {
                ASSERT_LT(p.pv, vg->pvs.size());
                const PhysicalVolume& pv = vg->pvs[p.pv];
                const uint64_t area_begin = pv.pe_start * 512;
                const uint64_t area_end = area_begin + pv.pe_count * vg->extent_size * 512;
                ASSERT_GE(p.pv_offset, area_begin);
                ASSERT_LE(p.pv_offset + p.length, area_end);
                total += p.length;
            }
            ASSERT_EQ(total, len);
        }
    }
}

TEST(LvmParserFuzz, MutatedRealMetadataNeverMisbehaves) {
    std::vector<std::string> seeds;
    {
        std::ifstream in(KDF_SHARED_DIR "/fixtures/lvm/vgkdump.vgcfg");
        std::stringstream ss;
        ss << in.rdbuf();
        seeds.push_back(ss.str());
    }
    test::LvmLab lab(2, 64ull << 20);
    ASSERT_TRUE(lab.ready()) << lab.error();
    const std::string d0 = lab.device(0), d1 = lab.device(1);
    lab.must("pvcreate -y " + d0 + " " + d1);
    lab.must("vgcreate -s 4M vg-fuzz " + d0 + " " + d1);
    lab.must("lvcreate -l 2 -n lv-a vg-fuzz " + d0);
    lab.must("lvextend -l +2 vg-fuzz/lv-a " + d1);
    lab.must("lvcreate -i 2 -I 64k -l 4 -n lv-s vg-fuzz");
    seeds.push_back(current_text(d0));
    ASSERT_FALSE(seeds.back().empty());
    for (const std::string& s : seeds) ASSERT_TRUE(parse_volume_group(s).is_ok()) << s;

    const uint64_t rounds = env_number("KDF_LVM_FUZZ_ROUNDS", 20000);
    const uint64_t seed = env_number("KDF_LVM_FUZZ_SEED", 19);
    std::mt19937_64 rng(seed);
    Tally tally;
    for (uint64_t i = 0; i < rounds; ++i) {
        std::string text = mutate(seeds[i % seeds.size()], rng);
        check_round(text, tally);
        if (::testing::Test::HasFatalFailure()) {
            ADD_FAILURE() << "round " << i << " (seed " << seed << ") on text:\n" << text;
            return;
        }
    }
    // Mutations must leave enough texts valid for the map to be exercised, not just the parser.
    EXPECT_GT(tally.parsed, rounds / 20);
    EXPECT_GT(tally.mapped, rounds / 20);
    std::cout << "fuzz: " << rounds << " rounds, " << tally.parsed << " parsed, " << tally.mapped << " LV maps\n";
}

}  // namespace
}  // namespace kdf::lvm
