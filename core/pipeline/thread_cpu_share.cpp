#include "core/pipeline/thread_cpu_share.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace kdf::pipeline {

ThreadCpuShare::ThreadCpuShare() : fd_(::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC)) {}

ThreadCpuShare::Reading ThreadCpuShare::read() const {
    Reading r;
    if (!fd_) return r;
    char buf[128];
    const ssize_t n = ::pread(fd_.get(), buf, sizeof buf - 1, 0);
    if (n <= 0) return r;
    buf[n] = '\0';
    unsigned long long cpu_ns = 0, wait_ns = 0;
    if (std::sscanf(buf, "%llu %llu", &cpu_ns, &wait_ns) != 2) return r;
    r.ok = true;
    r.cpu_seconds = static_cast<double>(cpu_ns) * 1e-9;
    r.waited_seconds = static_cast<double>(wait_ns) * 1e-9;
    return r;
}

}  // namespace kdf::pipeline
