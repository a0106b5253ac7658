// tests/fuzz/kdump_reader_fuzz.cpp - the kdump-compressed reader behind `verify`, `convert` and
// `dmesg` on arbitrary files.
//
// The input is a whole dump file. verify_dump() must report damage as problems (an error Result
// only when the file cannot be read at all, which a memory file always can); convert_dump() must
// either write a complete output or leave neither OUT nor OUT.incomplete behind; reading the
// kernel log must end in a log or a clean error.
// Seeds: the shared kdump-compressed fixtures (zlib, lzo, uncompressed) and their ELF twin.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/dmesg/kernel_log.h"
#include "core/format/convert.h"
#include "core/format/kdump_reader.h"
#include "core/format/verify.h"
#include "fuzz_files.h"

namespace {

void check_convert(const std::string& in) {
    const kdf::fuzz::ScratchDir dir;
    const std::string out = dir.path() + "/vmcore";
    const kdf::Status s = kdf::format::convert_dump(in, out, "zlib");
    if (std::filesystem::exists(out + ".incomplete")) kdf::fuzz::broken("convert left OUT.incomplete", s.to_string());
    if (!s.is_ok() && std::filesystem::exists(out)) kdf::fuzz::broken("a failed convert left OUT", s.to_string());
    if (s.is_ok()) {  // what convert wrote must verify clean
        auto again = kdf::format::verify_dump(out);
        if (!again.is_ok()) kdf::fuzz::broken("convert's output cannot be verified", again.status().to_string());
        if (!again.value().ok()) kdf::fuzz::broken("convert's output does not verify", kdf::format::to_text(again.value()));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)kdf::format::probe_kdump(kdf::fuzz::as_bytes(data, size));
    const kdf::fuzz::MemoryFile file({data, size});
    auto report = kdf::format::verify_dump(file.path());
    if (!report.is_ok())  // damage is a problem in the report, never an error
        kdf::fuzz::broken("verify failed on a readable file", report.status().to_string());
    (void)kdf::format::to_text(report.value());
    if (report.value().format == kdf::format::VerifyReport::Format::kdump) check_convert(file.path());
    kdf::dmesg::KernelLogLimits limits;
    limits.max_text_bytes = 1 << 20;
    (void)kdf::dmesg::read_kernel_log_file(file.path(), limits);
    return 0;
}
