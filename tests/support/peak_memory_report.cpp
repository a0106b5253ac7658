// tests/support/peak_memory_report.cpp - an LD_PRELOAD library that records a process's memory
// high-water marks when it exits: VmPeak (address space: what RLIMIT_AS limits) and VmHWM
// (resident memory: what a memory cgroup limits), in KiB, appended as one line
//   "<argv0> VmPeak <kib> VmHWM <kib>"
// to the file named by KDF_PEAK_FILE. Used by the memory-ceiling test and bench/memory_ceiling.sh
// to measure the real command as it runs, without changing it.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// The value in KiB of `key` ("VmPeak:") in /proc/self/status text, or -1.
long field_kib(const char* status, const char* key) {
    const char* at = std::strstr(status, key);
    return at == nullptr ? -1 : std::strtol(at + std::strlen(key), nullptr, 10);
}

__attribute__((destructor)) void report_peaks() {
    const char* out = std::getenv("KDF_PEAK_FILE");
    if (out == nullptr) return;
    char status[8192] = {};
    const int in = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (in < 0) return;
    const ssize_t n = ::read(in, status, sizeof status - 1);
    ::close(in);
    if (n <= 0) return;
    char exe[256] = {};
    const ssize_t e = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (e < 0) std::strcpy(exe, "?");
    char line[512];
    const int len = std::snprintf(line, sizeof line, "%s VmPeak %ld VmHWM %ld\n", exe, field_kib(status, "VmPeak:"),
                                  field_kib(status, "VmHWM:"));
    const int fd = ::open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    if (len > 0) (void)!::write(fd, line, static_cast<size_t>(len));
    ::close(fd);
}

}  // namespace
