// core/pipeline/thread_cpu_share.h - how much of a CPU the calling thread gets when it wants one.
//
// A compressor thread on a busy machine (other work, or the transport's own encryption, on the same
// CPUs) waits in the run queue between its slices; its CPU time then says less about its speed than
// it seems. The kernel counts both per thread in /proc/thread-self/schedstat: nanoseconds on a CPU
// and nanoseconds runnable but waiting for one. The share is cpu / (cpu + waited) between two
// readings; sleeping (waiting for work) counts in neither.
//
// Without schedstat (a kernel built without it), readings are not ok and callers fall back to
// their own CPU-over-wall measure. One object per thread, created and read by that thread; it owns
// the open file.
#pragma once

#include "kdf/unique_fd.h"

namespace kdf::pipeline {

class ThreadCpuShare {
public:
    struct Reading {
        bool ok = false;
        double cpu_seconds = 0;     // on a CPU, since the thread started
        double waited_seconds = 0;  // runnable but waiting for a CPU, since the thread started
    };

    ThreadCpuShare();  // opens the calling thread's schedstat
    Reading read() const;

private:
    UniqueFd fd_;
};

}  // namespace kdf::pipeline
