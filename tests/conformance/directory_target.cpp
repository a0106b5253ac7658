// directory_target.cpp - reading back what a file transport left in a directory.
#include "tests/conformance/directory_target.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>

namespace kdf::conformance {

std::optional<Bytes> read_whole_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Bytes out(chars.size());
    for (size_t i = 0; i < chars.size(); ++i) out[i] = static_cast<std::byte>(chars[i]);
    return out;
}

std::optional<Bytes> DirectoryTarget::final_dump(const DumpInfo& dump) const {
    return read_whole_file(dump_dir(dump) + "/" + dump.final_name);
}

std::optional<Bytes> DirectoryTarget::incomplete_dump(const DumpInfo& dump, uint64_t size) const {
    auto bytes = read_whole_file(dump_dir(dump) + "/" + incomplete_name());
    if (bytes && bytes->size() > size) bytes->resize(size);
    return bytes;
}

std::optional<Bytes> DirectoryTarget::side_file(const DumpInfo& dump, const std::string& name) const {
    return read_whole_file(dump_dir(dump) + "/" + name);
}

}  // namespace kdf::conformance
