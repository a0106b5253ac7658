// object_listing.cpp - ListObjectsV2 and grouping keys into dumps.
#include "object_listing.h"

#include <chrono>
#include <cstring>
#include <map>

#include "dump_claim.h"

namespace kdf::s3 {

namespace {

constexpr std::chrono::minutes kRequestBound{2};

// XML entity references S3 uses in keys.
std::string unescape(std::string s) {
    static const std::pair<const char*, const char*> entities[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
    for (const auto& [from, to] : entities)
        for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, std::strlen(from), to);
    return s;
}

}  // namespace

Result<std::vector<ListedObject>> list_objects(const S3Client& client, const std::string& prefix) {
    std::vector<ListedObject> out;
    std::string token;
    for (;;) {
        S3Request r;
        r.what = "listing " + client.object_name(prefix);
        r.method = "GET";
        r.query = {{"list-type", "2"}, {"prefix", prefix}};
        if (!token.empty()) r.query.emplace_back("continuation-token", token);
        CallOptions opts;
        opts.deadline = Clock::now() + kRequestBound;
        Result<S3Response> got = client.perform(std::move(r), opts);
        if (!got.is_ok()) return got.take_status();
        const std::string& xml = got->body;
        for (size_t at = xml.find("<Contents>"); at != std::string::npos; at = xml.find("<Contents>", at + 1)) {
            const size_t end = xml.find("</Contents>", at);
            const std::string item = xml.substr(at, end == std::string::npos ? std::string::npos : end - at);
            ListedObject o;
            o.key = unescape(xml_value(item, "Key"));
            try {
                o.size = std::stoull(xml_value(item, "Size"));
            } catch (...) {
                o.size = 0;
            }
            out.push_back(std::move(o));
        }
        if (xml_value(xml, "IsTruncated") != "true") break;
        token = unescape(xml_value(xml, "NextContinuationToken"));
        if (token.empty()) break;
    }
    return out;
}

std::string ListedDump::state() const {
    if (!dump_key.empty()) return "complete";
    if (incomplete_marker) return "incomplete";
    // Only the claim: the writer stopped (or is still) before its first visible object.
    if (claimed && !dmesg && !unreadable) return "claimed, nothing written";
    return "unfinished";
}

std::vector<ListedDump> group_dumps(const std::vector<ListedObject>& objects) {
    std::map<std::string, ListedDump> dirs;
    for (const ListedObject& o : objects) {
        const size_t slash = o.key.rfind('/');
        const std::string dir = slash == std::string::npos ? std::string() : o.key.substr(0, slash + 1);
        const std::string name = o.key.substr(dir.size());
        const bool dump = name == "vmcore.flat" || name == "vmcore";
        if (!dump && name != "vmcore-incomplete" && name != "vmcore-dmesg.txt" && name != "vmcore-unreadable.txt" &&
            name != dump_claim_name)
            continue;
        ListedDump& d = dirs[dir];
        d.dir = dir;
        if (dump) {
            d.dump_key = o.key;
            d.dump_size = o.size;
        } else if (name == "vmcore-incomplete") {
            d.incomplete_marker = true;
        } else if (name == "vmcore-unreadable.txt") {
            d.unreadable = true;
        } else if (name == dump_claim_name) {
            d.claimed = true;
        } else {
            d.dmesg = true;
        }
    }
    std::vector<ListedDump> out;
    for (auto& [dir, d] : dirs) out.push_back(std::move(d));
    return out;
}

}  // namespace kdf::s3
