// file_sink.h - the smallest real sink on kdf::SinkBase, for testing the base's call rules.
//
// It writes <dir>/vmcore-incomplete with pwrite and renames it on commit, like the local
// transport but without its options. It counts the hook calls it receives, in a Calls record that
// outlives it, so a test can see which hooks the base let through, also from the destructor.
#pragma once

#include <cstdint>
#include <string>

#include "kdf/sink_base.h"
#include "kdf/unique_fd.h"

namespace kdf::test {

struct Calls {
    int write_at = 0;
    int put_file = 0;
    int commit = 0;
    int abort = 0;
};

class FileSink final : public SinkBase {
public:
    // Throws from the next hook, to see the base turn it into a Status.
    enum class Throw { nothing, runtime_error, bad_alloc };

    // Creates <dir>/vmcore-incomplete; `read_only` opens it O_RDONLY, so every write fails with a
    // real EBADF from the kernel.
    FileSink(std::string dir, std::string final_name, Calls& calls, bool read_only = false);
    ~FileSink() override;

    void throw_next(Throw what) { throw_ = what; }
    // The next hook returns an error already labelled with `stage` (as a connect failure would be).
    void fail_next_with_stage(Stage stage) { fail_stage_ = stage; }

private:
    Status do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_commit(const CallOptions& opts) override;
    Status do_abort(const CallOptions& opts) override;
    // Throws or fails as asked, once.
    Status injected();

    std::string dir_;
    UniqueFd fd_;
    Calls& calls_;
    Throw throw_ = Throw::nothing;
    Stage fail_stage_ = Stage::none;
};

}  // namespace kdf::test
