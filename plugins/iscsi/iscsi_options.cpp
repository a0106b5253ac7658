// iscsi_options.cpp - option table and cross-field rules of the `iscsi` transport.
#include "iscsi_options.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>

#include "kdf/target_options.h"

namespace kdf::iscsi {

std::vector<OptionSpec> iscsi_option_specs() {
    return {
        {"portal", OptionType::string, false, "",
         "HOST[:PORT] of the target, or several separated by spaces or commas, tried in order (port 3260)", ""},
        {"target", OptionType::string, false, "", "target IQN (default: SendTargets discovery on the portals)", ""},
        {"target_match", OptionType::string, false, "",
         "with discovery: a glob the discovered IQN must match (default: the portal must offer exactly one)", ""},
        {"lun", OptionType::integer, false, "1", "logical unit number (tgtd's first disk is LUN 1)", ""},
        {"url", OptionType::string, false, "",
         "iscsi://[USER@]HOST[:PORT]/IQN/LUN[?chap_secret_file=F&...] (instead of portal + target + lun)", ""},
        {"initiator", OptionType::string, false, "", "our initiator IQN (default iqn.2004-10.org.kdump-failover:HOSTNAME)", ""},
        {"chap_user", OptionType::string, false, "", "CHAP user name (needs chap_secret_file)", ""},
        {"chap_secret_file", OptionType::path, false, "",
         "file holding the CHAP secret on its first line; refused if group or world can read it", ""},
        {"mutual_chap_user", OptionType::string, false, "", "the name the target proves itself with (mutual CHAP)", ""},
        {"mutual_chap_secret_file", OptionType::path, false, "", "file holding the target's CHAP secret (mutual CHAP)", ""},
        {"header_digest", OptionType::choice, false, "none", "CRC32C digest on every PDU header", "none|crc32c"},
        {"data_digest", OptionType::choice, false, "none", "data digest (libiscsi supports none only)", "none"},
        {"inflight", OptionType::integer, false, "8", "WRITE(16) commands in flight at once (1-64)", ""},
        {"write_size", OptionType::size, false, "1M", "bytes per WRITE(16) (64K-16M)", ""},
        {"force", OptionType::boolean, false, "no",
         "write even over a LUN holding a partition table, filesystem, LVM/LUKS/swap, or another host's unsaved dump", ""},
    };
}

std::string IscsiOptions::display() const {
    return "iscsi://" + (portals.empty() ? std::string("?") : portals.front()) + "/" +
           (target.empty() ? std::string("?") : target) + "/" + std::to_string(lun);
}

std::string default_initiator() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || !host[0]) std::snprintf(host, sizeof host, "localhost");
    std::string name;
    for (const char* p = host; *p; ++p) {
        const unsigned char c = static_cast<unsigned char>(*p);
        name.push_back(std::isalnum(c) || c == '-' || c == '.' ? static_cast<char>(std::tolower(c)) : '-');
    }
    return "iqn.2004-10.org.kdump-failover:" + name;
}

namespace {

bool looks_like_iqn(const std::string& s) {
    return (s.starts_with("iqn.") || s.starts_with("eui.") || s.starts_with("naa.")) && s.size() < 224 &&
           s.find_first_of(" /\t") == std::string::npos;
}

// Shared by both forms: who we are, how we authenticate, digests.
Status check_identity(IscsiOptions& o, const auto& err) {
    if (o.initiator.empty()) o.initiator = default_initiator();
    if (!looks_like_iqn(o.initiator))
        return err("initiator", "initiator '" + o.initiator + "' is not an iqn./eui./naa. name");
    if (!o.chap_user.empty() && o.chap_secret_file.empty())
        return err("chap_secret_file", "chap_user needs chap_secret_file (the secret is never written in the config)");
    if (o.chap_user.empty() && !o.chap_secret_file.empty())
        return err("chap_user", "chap_secret_file needs chap_user");
    if (!o.mutual_chap_user.empty() != !o.mutual_chap_secret_file.empty())
        return err(o.mutual_chap_user.empty() ? "mutual_chap_user" : "mutual_chap_secret_file",
                   "mutual CHAP needs both mutual_chap_user and mutual_chap_secret_file");
    if (!o.mutual_chap_user.empty() && o.chap_user.empty())
        return err("mutual_chap_user", "mutual CHAP needs CHAP (chap_user and chap_secret_file) too");
    for (const std::string* f : {&o.chap_secret_file, &o.mutual_chap_secret_file})
        if (!f->empty() && f->front() != '/')
            return err(f == &o.chap_secret_file ? "chap_secret_file" : "mutual_chap_secret_file",
                       "secret file '" + *f + "' must be an absolute path");
    return Status::ok();
}

}  // namespace

Result<IscsiOptions> parse_iscsi_options(const TargetConfig& target) {
    const std::vector<OptionSpec> specs = iscsi_option_specs();
    auto value = [&](const char* key) { return option_value(target, specs, key); };
    auto err = [&](const std::string& key, const std::string& text) { return option_error(target, "iscsi", key, text); };
    IscsiOptions o;

    const std::string url_text = value("url");
    if (!url_text.empty()) {
        for (const char* key : {"portal", "target", "target_match"})
            if (target.find(key)) return err(key, std::string("give either url or ") + key + ", not both");
        if (target.find("lun")) return err("lun", "give the LUN in the url, not both");
        Result<IscsiUrl> url = parse_iscsi_url(url_text);
        if (!url.is_ok()) return err("url", url.status().message());
        if (!url->args.empty())
            return err("url", "url query keys (" + url->args.begin()->first +
                                  ") are for `save`; in a target section use the options of the same name");
        o.portals.push_back(url->portal);
        o.target = url->target;
        o.lun = url->lun;
        o.chap_user = url->user;
    } else {
        std::string list = value("portal");
        for (char& c : list)
            if (c == ',' || c == '\t') c = ' ';
        for (size_t i = 0; i < list.size();) {
            size_t j = list.find(' ', i);
            if (j == std::string::npos) j = list.size();
            if (j > i) {
                std::string portal = normalize_portal(std::string_view(list).substr(i, j - i));
                if (portal.empty())
                    return err("portal", "portal '" + list.substr(i, j - i) + "' is not HOST[:PORT] (port 1-65535)");
                o.portals.push_back(portal);
            }
            i = j + 1;
        }
        if (o.portals.empty()) return err("portal", "set portal (HOST[:PORT], several allowed) or url");
        o.target = value("target");
        o.target_match = value("target_match");
        if (!o.target.empty() && !o.target_match.empty())
            return err("target_match", "target_match is for discovery; with target set it would be ignored");
        if (!o.target.empty() && !looks_like_iqn(o.target))
            return err("target", "target '" + o.target + "' is not an iqn./eui./naa. name");
        auto lun = parse_integer(value("lun"));
        if (!lun || *lun < 0 || *lun > 16383) return err("lun", "lun '" + value("lun") + "' is not from 0 to 16383");
        o.lun = static_cast<int>(*lun);
    }
    o.initiator = value("initiator");
    if (o.chap_user.empty()) o.chap_user = value("chap_user");
    else if (target.find("chap_user")) return err("chap_user", "the url already names the CHAP user");
    o.chap_secret_file = value("chap_secret_file");
    o.mutual_chap_user = value("mutual_chap_user");
    o.mutual_chap_secret_file = value("mutual_chap_secret_file");
    o.header_digest = value("header_digest") == "crc32c";
    if (value("data_digest") != "none")
        return err("data_digest", "data_digest '" + value("data_digest") + "' is not supported by libiscsi (none only)");
    if (Status s = check_identity(o, err); !s.is_ok()) return s;

    auto inflight = parse_integer(value("inflight"));
    if (!inflight || *inflight < 1 || *inflight > 64) return err("inflight", "inflight must be from 1 to 64");
    o.inflight = static_cast<uint32_t>(*inflight);
    auto size = parse_size(value("write_size"));
    if (!size || *size < (64u << 10) || *size > (16u << 20) || *size % 4096 != 0)
        return err("write_size", "write_size must be a multiple of 4K from 64K to 16M");
    o.write_size = *size;
    auto force = parse_bool(value("force"));
    if (!force) return err("force", "force must be yes or no");
    o.force = *force;
    return o;
}

Result<IscsiOptions> options_from_url(const IscsiUrl& url) {
    IscsiOptions o;
    o.portals.push_back(url.portal);
    o.target = url.target;
    o.lun = url.lun;
    o.chap_user = url.user;
    for (const auto& [key, val] : url.args) {
        if (key == "initiator") o.initiator = val;
        else if (key == "chap_secret_file") o.chap_secret_file = val;
        else if (key == "mutual_chap_user") o.mutual_chap_user = val;
        else if (key == "mutual_chap_secret_file") o.mutual_chap_secret_file = val;
        else if (key == "header_digest" && (val == "none" || val == "crc32c")) o.header_digest = val == "crc32c";
        else
            return Status::error(Code::invalid_config, "iscsi: url query key '" + key + "=" + val +
                                                           "' is not one of initiator, chap_secret_file, "
                                                           "mutual_chap_user, mutual_chap_secret_file, "
                                                           "header_digest=none|crc32c");
    }
    auto err = [&](const std::string& key, const std::string& text) {
        return Status::error(Code::invalid_config, "iscsi: url " + key + ": " + text);
    };
    if (Status s = check_identity(o, err); !s.is_ok()) return s;
    return o;
}

}  // namespace kdf::iscsi
