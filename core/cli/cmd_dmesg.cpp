// `kdump-failover dmesg VMCORE [-o FILE] [-f] [--caller-id]`: the kernel log held in a vmcore (ELF,
// or a kdump-compressed dump), as `makedumpfile --dump-dmesg` writes it; --caller-id adds the
// printk caller column ("[      T1] ") that makedumpfile 1.7.9 prints. Also the body of
// `collect --dump-dmesg VMCORE OUT` (makedumpfile's form: OUT is created 0600, O_EXCL unless -f).
// Exit status: 0 the whole log; 1 no log, or a log cut short by a corrupt ring (what could be read
// is still written, and the reason goes to stderr); 2 usage.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/cli/command.h"
#include "core/dmesg/kernel_log.h"
#include "kdf/unique_fd.h"

namespace kdf::cli {

namespace {

Status write_all(int fd, const std::string& text, const std::string& name) {
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Status::from_errno(errno, "write " + name);
        done += static_cast<size_t>(n);
    }
    return Status::ok();
}

}  // namespace

// Reads the log of `vmcore` and writes it to `out` ("-" or empty: stdout). `force` truncates an
// existing file; without it an existing file is an error, as in makedumpfile.
int write_kernel_log(const std::string& command, const std::string& vmcore, const std::string& out, bool force,
                     bool caller_id) {
    dmesg::KernelLogLimits limits;
    limits.print_caller_id = caller_id;
    auto log = dmesg::read_kernel_log_file(vmcore, limits);
    if (!log.is_ok()) {
        error_line(command + ": " + log.status().to_string());
        return 1;
    }
    Status written;
    if (out.empty() || out == "-") {
        written = write_all(STDOUT_FILENO, log->text, "stdout");
    } else {
        const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_TRUNC | (force ? 0 : O_EXCL);
        UniqueFd fd(::open(out.c_str(), flags, 0600));  // the log may hold secrets, as the dump does
        if (!fd) {
            written = Status::from_errno(errno, "create " + out + (errno == EEXIST ? " (use -f to overwrite)" : ""));
        } else {
            written = write_all(fd.get(), log->text, out);
            if (written.is_ok() && ::fsync(fd.get()) != 0) written = Status::from_errno(errno, "fsync " + out);
        }
    }
    if (!written.is_ok()) {
        error_line(command + ": " + written.to_string());
        return 1;
    }
    if (log->truncated()) {
        error_line(command + ": " + vmcore + ": " + log->note);
        return 1;
    }
    return 0;
}

int write_kernel_log(const std::string& command, const std::string& vmcore, const std::string& out, bool force) {
    return write_kernel_log(command, vmcore, out, force, false);
}

int cmd_dmesg(const Args& args) {
    ArgScanner scan(args, {"-o", "--output"}, {"-f", "--force", "--caller-id"});
    if (!scan.ok() || scan.positionals().size() != 1) {
        error_line(scan.ok() ? "usage: kdump-failover dmesg VMCORE [-o FILE] [-f] [--caller-id]" : "dmesg: " + scan.error());
        return 2;
    }
    std::string out = scan.value("-o").value_or(scan.value("--output").value_or(""));
    return write_kernel_log("dmesg", scan.positionals()[0], out, scan.flag("-f") || scan.flag("--force"),
                            scan.flag("--caller-id"));
}

}  // namespace kdf::cli
