// core/vmcore/sigbus_safe_copy.h - memcpy out of a file mapping that survives SIGBUS.
//
// Why: a page of /proc/vmcore that cannot be read (poisoned memory, memory a confidential guest
// never accepted, a file range that vanished) makes read() fail with EIO, but touching the same
// page through mmap raises SIGBUS, which would kill the dump. copy_from_mapping() turns that signal
// into a false return, so the caller can fall back to pread and learn which pages fail.
//
// How: a SIGBUS handler is installed once per process (the previous action is kept). While a copy
// runs, the copying thread has a jump target and the source range in a thread-local slot; a fault
// the kernel raised on that thread at an address inside the source jumps back and the copy reports
// failure. Any other SIGBUS (no copy running on the faulting thread, a fault outside the source,
// a signal sent with kill()) gets the previous action, as if the handler were not there: a
// previous handler is called, an ignored signal is ignored, and for the default action the handler
// re-installs it and either returns (a fault then repeats under it) or raises a sent signal again.
// This is the one piece of process-wide state the vmcore reader keeps: signal dispositions are
// per process by nature.
// Thread safety: any thread may copy at any time; each uses its own jump slot.
#pragma once

#include <cstddef>

namespace kdf::vmcore {

// Copies `size` bytes from `src` (inside a mapping) to `dst`. False when SIGBUS hit the copy
// (`dst` then holds some of the bytes; which ones is not promised).
bool copy_from_mapping(void* dst, const void* src, size_t size) noexcept;

}  // namespace kdf::vmcore
