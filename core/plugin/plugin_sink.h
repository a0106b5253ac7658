// core/plugin/plugin_sink.h - a Sink together with the Transport (and so the library) it came from.
//
// The core never holds a bare Sink: destroying one needs the plugin's code, so the handle keeps
// the Transport alive until the Sink is gone. Every way a PluginSink lets go of a Sink (destructor,
// move assignment) destroys the Sink first and only then releases the Transport: releasing the
// last Transport unloads the library, and the Sink's destructor lives in that library.
#pragma once

#include <memory>

#include "kdf/transport.h"

namespace kdf::plugin {

class PluginSink {
public:
    PluginSink(std::shared_ptr<Transport> transport, std::unique_ptr<Sink> sink)
        : transport_(std::move(transport)), sink_(std::move(sink)) {}
    PluginSink(PluginSink&&) noexcept = default;
    // Not defaulted: a defaulted one assigns members in declaration order, so it would release the
    // old Transport (perhaps unloading its library) before destroying the old Sink.
    PluginSink& operator=(PluginSink&& other) noexcept {
        if (this != &other) {
            sink_.reset();
            sink_ = std::move(other.sink_);
            transport_ = std::move(other.transport_);
        }
        return *this;
    }
    PluginSink(const PluginSink&) = delete;
    PluginSink& operator=(const PluginSink&) = delete;
    ~PluginSink() { sink_.reset(); }  // explicit: the Sink goes first, then the Transport

    Sink& operator*() const { return *sink_; }
    Sink* operator->() const { return sink_.get(); }

private:
    std::shared_ptr<Transport> transport_;
    std::unique_ptr<Sink> sink_;
};

}  // namespace kdf::plugin
