// s3_commands.cpp - s3-save and s3-list (see s3_commands.h).
#include "s3_commands.h"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kdf/guard.h"
#include "kdf/size_text.h"
#include "object_download.h"
#include "object_listing.h"
#include "s3_client.h"
#include "s3_credentials.h"
#include "s3_options.h"
#include "s3_url.h"

extern char** environ;

namespace kdf::s3 {

namespace {

constexpr uint64_t kChunk = 16ull << 20;

void say_error(std::FILE* err, const Status& s) {
    char line[1024];
    s.render(line, sizeof line);
    std::fprintf(err, "%s\n", line);
}

// The target's client with the bucket of `url`.
Result<std::unique_ptr<S3Client>> client_for(const TargetConfig& target, const S3Url& url) {
    Result<S3Options> o = parse_s3_options(target);
    if (!o.is_ok()) return o.take_status();
    o.value().bucket = url.bucket;
    Result<S3Credentials> c = load_credentials(o->credentials_file);
    if (!c.is_ok()) return c.take_status();
    return std::make_unique<S3Client>(std::move(o).value(), std::move(c).value());
}

// `kdump-failover reassemble FLAT OUT`: the host process is kdump-failover itself. With
// `replace`, OUT is written under a temporary name and renamed over the old file only when
// complete, so a failed reassembly loses nothing.
Status reassemble_into(const std::string& flat, const std::string& out);

Status reassemble(const std::string& flat, const std::string& out, bool replace) {
    if (!replace) return reassemble_into(flat, out);
    const std::string fresh = out + ".reassembling";
    ::unlink(fresh.c_str());  // a leftover of an earlier forced run (or a link planted there)
    if (Status s = reassemble_into(flat, fresh); !s.is_ok()) return s;
    if (::rename(fresh.c_str(), out.c_str()) != 0) return Status::from_errno(errno, "s3: naming " + out);
    return Status::ok();
}

Status reassemble_into(const std::string& flat, const std::string& out) {
    std::vector<std::string> args = {"kdump-failover", "reassemble", flat, out};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (int e = ::posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ); e != 0)
        return Status::from_errno(e, "s3: starting kdump-failover reassemble");
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return Status::error(Code::system, "s3: kdump-failover reassemble " + flat + " " + out + " failed");
    return Status::ok();
}

}  // namespace

int run_s3_save(const TargetConfig* target, int argc, const char* const* argv, std::FILE* out, std::FILE* err) noexcept {
    try {
        const bool force = argc == 3 && std::string_view(argv[2]) == "--force";
        if (argc != 2 && !force) {
            std::fprintf(err, "usage: kdump-failover s3-save TARGET s3://BUCKET/KEY DIR [--force] [--config F]\n");
            return 2;
        }
        Result<S3Url> url = parse_s3_url(argv[0]);
        if (!url.is_ok() || url->key.empty() || url->key.back() == '/') {
            std::fprintf(err, "s3-save: '%s' does not name an object (s3://BUCKET/KEY)\n", argv[0]);
            return 2;
        }
        const std::string dir = argv[1];
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            std::fprintf(err, "s3-save: %s is not a directory\n", dir.c_str());
            return 2;
        }
        auto client = client_for(*target, url.value());
        if (!client.is_ok()) return say_error(err, client.status()), 1;
        const std::string key = url->key;
        const std::string name = key.substr(key.rfind('/') + 1);
        const std::string file = dir + "/" + name;
        auto got = download_object(*client.value(), key, file, kChunk, force);
        if (!got.is_ok()) return say_error(err, got.status()), 1;
        std::fprintf(out, "downloaded %s to %s (%s%s)\n", client.value()->object_name(key).c_str(), file.c_str(),
                     size_text(got->bytes).c_str(),
                     got->resumed ? (", resumed after " + size_text(got->resumed)).c_str() : "");
        // The kernel log beside it, when the dump has one.
        const std::string dmesg_key = key.substr(0, key.size() - name.size()) + "vmcore-dmesg.txt";
        if (name != "vmcore-dmesg.txt" && ::access((dir + "/vmcore-dmesg.txt").c_str(), F_OK) != 0) {
            auto dmesg = download_object(*client.value(), dmesg_key, dir + "/vmcore-dmesg.txt", kChunk);
            if (dmesg.is_ok()) std::fprintf(out, "downloaded %s\n", client.value()->object_name(dmesg_key).c_str());
        }
        if (name.size() > 5 && name.ends_with(".flat")) {
            const std::string dump = dir + "/" + name.substr(0, name.size() - 5);
            if (Status s = reassemble(file, dump, force); !s.is_ok()) return say_error(err, s), 1;
            ::unlink(file.c_str());
            std::fprintf(out, "saved %s\n", dump.c_str());
        }
        return 0;
    } catch (...) {
        say_error(err, detail::exception_status("s3-save"));
        return 1;
    }
}

int run_s3_list(const TargetConfig* target, int argc, const char* const* argv, std::FILE* out, std::FILE* err) noexcept {
    try {
        if (argc != 1) {
            std::fprintf(err, "usage: kdump-failover s3-list TARGET s3://BUCKET[/PREFIX] [--config F]\n");
            return 2;
        }
        Result<S3Url> url = parse_s3_url(argv[0]);
        if (!url.is_ok()) return say_error(err, url.status()), 2;
        auto client = client_for(*target, url.value());
        if (!client.is_ok()) return say_error(err, client.status()), 1;
        auto objects = list_objects(*client.value(), url->key);
        if (!objects.is_ok()) return say_error(err, objects.status()), 1;
        for (const ListedDump& d : group_dumps(objects.value())) {
            std::string line = "s3://" + url->bucket + "/" + d.dir + "  " + d.state();
            if (!d.dump_key.empty())
                line += "  " + d.dump_key.substr(d.dir.size()) + " " + size_text(d.dump_size);
            if (d.dmesg) line += "  vmcore-dmesg.txt";
            if (d.unreadable) line += "  vmcore-unreadable.txt";
            std::fprintf(out, "%s\n", line.c_str());
        }
        return 0;
    } catch (...) {
        say_error(err, detail::exception_status("s3-list"));
        return 1;
    }
}

}  // namespace kdf::s3
