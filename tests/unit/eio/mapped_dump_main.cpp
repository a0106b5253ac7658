// kdf-mapped-dump VMCORE OUT: a level-1 zlib kdump-compressed dump of VMCORE read through mmap
// windows (as /proc/vmcore is read in the crash kernel), so a test can run it under the read
// fault layer and see SIGBUS in the middle of the file. Prints the console lines, then
// "unreadable N pages, mmap still on: yes|no". Exit 0 when the dump completed.
#include <fcntl.h>

#include <cstdio>
#include <string>

#include "core/format/file_output.h"
#include "core/pipeline/dump_job.h"
#include "core/vmcore/elf_reader.h"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: kdf-mapped-dump VMCORE OUT\n");
        return 2;
    }
    auto core = kdf::vmcore::ElfVmcore::open(argv[1], kdf::vmcore::ReadMode::mmap);
    if (!core.is_ok()) {
        std::fprintf(stderr, "%s\n", core.status().to_string().c_str());
        return 1;
    }
    kdf::UniqueFd fd(::open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) {
        std::perror(argv[2]);
        return 1;
    }
    kdf::format::FileOutput out(std::move(fd), argv[2]);
    kdf::pipeline::DumpJobOptions job;
    job.level = 1;
    job.codec = "zlib";
    job.threads = 2;
    job.warning = [](const std::string& line) { std::printf("%s\n", line.c_str()); };
    auto written = kdf::pipeline::write_dump(core.value(), out, job);
    if (!written.is_ok()) {
        std::fprintf(stderr, "%s\n", written.status().to_string().c_str());
        return 1;
    }
    if (kdf::Status s = out.sync(); !s.is_ok()) return 1;
    std::printf("unreadable %llu pages, mmap still on: %s\n",
                static_cast<unsigned long long>(written->stats.unreadable_pages),
                core->reads_through_mmap() ? "yes" : "no");
    return 0;
}
