// tests/fuzz/seed_files.cpp - seeds that are made, not cut from a fixture:
//  - small synthetic vmcores holding a kernel log (a lockless printk ring that has wrapped, and a
//    3.5-5.9 log_buf), written by the unit tests' own layout writers;
//  - raw volumes as the local raw mode leaves them (header, dmesg side file, dump data) in each
//    state, encoded by the SDK's header code with a small data offset so the seeds stay small.
//   kdf_fuzz_seed_files KERNEL_LOG_DIR RAW_HEADER_DIR
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "kdf/raw_dump_header.h"
#include "tests/unit/dmesg/synthetic_kernel.h"

using namespace kdf::dmesg::test;

namespace {

bool write_raw_volumes(const std::string& out) {
    const std::string dmesg = "[    0.000000] Linux version 6.1.0\n";
    const std::string dump(4096, 'D');
    int n = 0;
    for (auto state : {kdf::raw::State::writing, kdf::raw::State::complete, kdf::raw::State::aborted,
                       kdf::raw::State::saved}) {
        kdf::raw::Header h;
        h.state = state;
        h.data_offset = 2 * kdf::raw::header_size;
        h.data_length = state == kdf::raw::State::writing ? dump.size() / 2 : dump.size();
        h.started = 1764950400;
        h.finished = state == kdf::raw::State::writing ? 0 : 1764950460;
        h.host = "node1";
        h.dump_name = "node1-2026-12-05-16:00:00";
        h.format = "kdump";
        h.side_files.push_back({"vmcore-dmesg.txt", kdf::raw::header_size, dmesg.size()});
        const std::vector<std::byte> header = kdf::raw::encode(h);
        std::string volume(reinterpret_cast<const char*>(header.data()), header.size());
        volume += dmesg;
        volume.resize(h.data_offset, '\0');
        volume += dump;
        std::ofstream f(out + "/volume-" + std::to_string(++n), std::ios::binary);
        if (!(f << volume)) return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: kdf_fuzz_seed_files KERNEL_LOG_DIR RAW_HEADER_DIR\n");
        return 2;
    }
    const std::string out = argv[1];
    // The ring writer puts its text ring at image offset 0x20000: the smallest image that holds it.
    constexpr size_t kImage = 0x20000 + 0x1000;

    SyntheticKernel ring(kImage);
    RingSpec spec;
    spec.first_id = 35;
    spec.first_lpos = 3 * 512 + 400;  // the tail's block starts late in the ring: later records wrap
    const std::vector<RingRecord> records = {
        {"Linux version 6.1.0", 0, 2, false, false, 0},
        {"a line\nwith a newline", 1'000'001'000, 2, false, false, 0},
        {"never shown: reserved", 2'000'000'000, 0, false, false, 0},
        {"wraps to the start of the ring", 3'000'000'000, 2, false, false, 0},
        {"stale: another id", 4'000'000'000, 2, true, false, 0},
        {"\x01\x7f high \xff", 5'000'000'000, 1, false, false, 0},
        {"cut", 6'000'000'000, 2, false, false, 100}};
    write_printk_ring(ring, spec, records);

    SyntheticKernel old(kImage);
    LogBufSpec buf;
    buf.buf_len = 256;
    buf.first_idx = 200;  // the second record wraps to offset 0
    write_log_buf(old, buf, {{"first", 1, ""}, {"second record, long enough to wrap", 2, "SUBSYSTEM=pci"}});

    if (!ring.write(out + "/printk-ring.vmcore") || !old.write(out + "/log-buf.vmcore") ||
        !write_raw_volumes(argv[2])) {
        std::fprintf(stderr, "kdf_fuzz_seed_files: cannot write into %s or %s\n", out.c_str(), argv[2]);
        return 1;
    }
    return 0;
}
