// tests/fuzz/kernel_log_fuzz.cpp - the kernel log reader (vmcore-dmesg.txt) on arbitrary vmcores.
//
// The input is an ELF vmcore whose memory holds a kernel log; the ring's ids, positions, lengths
// and the VMCOREINFO keys describing it are all under the fuzzer's control. The reader must end in
// a log or a clean error, within the text limit, whatever the ring says.
// Seeds: small synthetic kernels holding a lockless printk ring and an older log_buf, written by
// the unit tests' own layout writers (tests/unit/dmesg), and the real fixtures' headers and notes.
#include <cstddef>
#include <cstdint>

#include "core/dmesg/kernel_log.h"
#include "fuzz_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const kdf::fuzz::MemoryFile file({data, size});
    kdf::dmesg::KernelLogLimits limits;
    limits.max_text_bytes = 256 * 1024;
    auto log = kdf::dmesg::read_kernel_log_file(file.path(), limits);
    if (log.is_ok() && log.value().text.size() > limits.max_text_bytes + 4096)
        kdf::fuzz::broken("the log went past its text limit");
    if (!log.is_ok() && log.status().message().empty()) kdf::fuzz::broken("a refusal without a message");
    return 0;
}
