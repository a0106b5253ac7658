// core/config/target_validation.cpp
#include "core/config/target_validation.h"

#include "core/config/nearest_word.h"

namespace kdf::chain {

namespace {

std::string choices_text(std::string_view choices) {
    std::string out;
    for (char c : choices) out += c == '|' ? std::string(", ") : std::string(1, c);
    return out;
}

}  // namespace

std::string check_option_value(kdf::OptionType type, std::string_view text, std::string_view choices) {
    switch (type) {
    case kdf::OptionType::string:
        return {};
    case kdf::OptionType::path:
        return !text.empty() && text.front() == '/' ? std::string() : "expected an absolute path such as /var/crash";
    case kdf::OptionType::integer:
        return kdf::parse_integer(text) ? std::string() : "expected an integer";
    case kdf::OptionType::size:
        return kdf::parse_size(text) ? std::string() : "expected a size such as 512M, 10G or 4096 (bytes)";
    case kdf::OptionType::duration:
        return kdf::parse_duration_ms(text) ? std::string() : "expected a duration such as 30s, 5m or none";
    case kdf::OptionType::boolean:
        return kdf::parse_bool(text) ? std::string() : "expected yes or no";
    case kdf::OptionType::choice:
        return kdf::is_choice(text, choices) ? std::string() : "expected one of " + choices_text(choices);
    }
    return "unknown option type";
}

std::vector<std::string> validate_target(const TargetSpec& spec, const kdf::Description& plugin,
                                         kdf::TargetConfig& out) {
    std::vector<std::string> errors;
    const std::string who = "target '" + spec.name + "': ";

    std::vector<std::string> known;
    known.reserve(plugin.options.size());
    for (const kdf::OptionSpec& o : plugin.options) known.push_back(o.key);

    kdf::TargetConfig result;
    result.name = spec.name;
    result.type = spec.type;
    result.where = spec.where;

    for (const auto& [key, value] : spec.plugin_options) {
        const kdf::OptionSpec* option = nullptr;
        for (const kdf::OptionSpec& o : plugin.options)
            if (o.key == key) option = &o;
        if (!option) {
            std::string hint = did_you_mean(key, known);
            // A misspelt host key ("stal_timeout") lands here too: suggest those as well.
            if (hint.empty()) hint = did_you_mean(key, kdf::chain_target_keys());
            if (hint.empty()) {
                hint = known.empty() ? " (it takes no options)" : " (options:";
                for (size_t i = 0; i < known.size(); ++i) hint += (i ? ", " : " ") + known[i];
                if (!known.empty()) hint += ")";
            }
            errors.push_back(value.where + ": " + who + "unknown option '" + key + "' for plugin '" + plugin.name +
                             "'" + hint);
            continue;
        }
        std::string problem = check_option_value(option->type, value.text, option->choices);
        if (!problem.empty()) {
            errors.push_back(value.where + ": " + who + key + " = " + value.text + ": " + problem);
            continue;
        }
        result.options[key] = value;
    }

    for (const kdf::OptionSpec& o : plugin.options) {
        if (spec.plugin_options.count(o.key)) continue;
        if (auto inherited = spec.inherited_defaults.find(o.key); inherited != spec.inherited_defaults.end()) {
            const kdf::OptionValue& value = inherited->second;
            std::string problem = check_option_value(o.type, value.text, o.choices);
            if (problem.empty()) result.options[o.key] = value;
            else errors.push_back(value.where + ": " + who + o.key + " = " + value.text + ": " + problem);
            continue;
        }
        if (o.required) {
            errors.push_back(spec.where + ": " + who + "missing required option '" + o.key + "' (plugin '" +
                             plugin.name + "': " + o.help + ")");
        } else if (!o.default_value.empty()) {
            result.options[o.key] = kdf::OptionValue{o.default_value, ""};
        }
    }

    if (errors.empty()) out = std::move(result);
    return errors;
}

}  // namespace kdf::chain
