// core/plugin/plugin_sink.h - a Sink together with the Transport (and so the library) it came from.
//
// The core never holds a bare Sink: destroying one needs the plugin's code, so the handle keeps
// the Transport alive until the Sink is gone (members are destroyed in reverse order).
#pragma once

#include <memory>

#include "kdf/transport.h"

namespace kdf::plugin {

class PluginSink {
public:
    PluginSink(std::shared_ptr<Transport> transport, std::unique_ptr<Sink> sink)
        : transport_(std::move(transport)), sink_(std::move(sink)) {}
    PluginSink(PluginSink&&) noexcept = default;
    PluginSink& operator=(PluginSink&&) noexcept = default;
    ~PluginSink() { sink_.reset(); }  // explicit: the Sink goes first, then the Transport

    Sink& operator*() const { return *sink_; }
    Sink* operator->() const { return sink_.get(); }

private:
    std::shared_ptr<Transport> transport_;  // declared first: destroyed last
    std::unique_ptr<Sink> sink_;
};

}  // namespace kdf::plugin
