#include "tests/unit/format_reader/reader_fixtures.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "core/format/page_set.h"

namespace kdf::format::test {

std::string dump_fixture(const std::string& name) { return std::string(KDF_SHARED_DIR) + "/fixtures/dump/" + name; }

std::string unxz_fixture(const TempDir& dir, const std::string& name) {
    std::string out = dir / name;
    std::string cmd = "xz -dc '" + dump_fixture(name + ".xz") + "' > '" + out + "'";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "failed: " << cmd;
    return out;
}

std::string copy_fixture(const TempDir& dir, const std::string& name, const std::string& as) {
    std::string out = dir / as;
    std::error_code ec;
    std::filesystem::copy_file(dump_fixture(name), out, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) ADD_FAILURE() << "copy " << name << ": " << ec.message();
    std::filesystem::permissions(out, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    return out;
}

uint64_t get_le(const std::string& path, uint64_t offset, int width) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    uint8_t b[8] = {};
    if (!fd || ::pread(fd.get(), b, static_cast<size_t>(width), static_cast<off_t>(offset)) != width) {
        ADD_FAILURE() << "read " << path << " at " << offset;
        return 0;
    }
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; --i) v = (v << 8) | b[i];
    return v;
}

void put_le(const std::string& path, uint64_t offset, uint64_t value, int width) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    uint8_t b[8];
    for (int i = 0; i < width; ++i) b[i] = static_cast<uint8_t>(value >> (8 * i));
    if (!fd || ::pwrite(fd.get(), b, static_cast<size_t>(width), static_cast<off_t>(offset)) != width)
        ADD_FAILURE() << "write " << path << " at " << offset;
}

void fill_bytes(const std::string& path, uint64_t offset, uint64_t count, uint8_t byte) {
    std::vector<uint8_t> b(count, byte);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || ::pwrite(fd.get(), b.data(), b.size(), static_cast<off_t>(offset)) != static_cast<ssize_t>(count))
        ADD_FAILURE() << "write " << path << " at " << offset;
}

void truncate_file(const std::string& path, uint64_t size) {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) ADD_FAILURE() << "truncate " << path;
}

uint64_t file_size(const std::string& path) {
    std::error_code ec;
    auto n = std::filesystem::file_size(path, ec);
    if (ec) ADD_FAILURE() << "size of " << path << ": " << ec.message();
    return ec ? 0 : n;
}

vmcore::ElfVmcore open_source_elf(const TempDir& dir) {
    auto elf = vmcore::ElfVmcore::open(unxz_fixture(dir, "synthetic.elf"));
    if (!elf.is_ok()) {
        ADD_FAILURE() << elf.status().to_string();
        std::abort();  // every caller needs the source; nothing sensible can follow
    }
    return std::move(elf).value();
}

uint64_t expect_same_pages(KdumpReader& reader, const vmcore::ElfVmcore& elf) {
    PageSet pages(elf.phys_map(), 4096);
    std::vector<std::byte> want(4096), got(4096);
    uint64_t compared = 0;
    for (const auto& run : pages.runs()) {
        for (uint64_t pfn = run.first_pfn; pfn < run.end_pfn(); ++pfn) {
            Status st = elf.read_phys(pfn * 4096, want);
            EXPECT_TRUE(st.is_ok()) << st.to_string();
            st = reader.read_page(pfn, got);
            EXPECT_TRUE(st.is_ok()) << st.to_string();
            EXPECT_TRUE(want == got) << reader.path() << ": pfn 0x" << std::hex << pfn << " differs";
            ++compared;
        }
    }
    EXPECT_EQ(reader.num_dumpable(), pages.count()) << reader.path() << ": pages beyond the source's";
    return compared;
}

}  // namespace kdf::format::test
