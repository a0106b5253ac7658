// kdf-delay-relay: a TCP relay that adds a round-trip delay, for the bench's link lab.
//
//   kdf-delay-relay --rtt-ms MS [--max-queue-mib N] LISTEN_ADDR:PORT=TARGET_ADDR:PORT ...
//
// Every connection accepted on a LISTEN address is relayed to its TARGET, each direction held for
// half the round trip (see delayed_pipe.h), so a client sees MS more round-trip time on top of the
// path's own. The kernel here has no netem qdisc, which is the usual way to add delay. Prints
// "ready" on stdout once every listener is bound, then runs until killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "delayed_pipe.h"
#include "unique_fd.h"

namespace kdf::bench {
namespace {

struct Endpoint {
  sockaddr_in address{};
  std::string text;
};

Endpoint parse_endpoint(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("expected ADDR:PORT, got '" + text + "'");
  Endpoint e;
  e.text = text;
  e.address.sin_family = AF_INET;
  if (::inet_pton(AF_INET, text.substr(0, colon).c_str(), &e.address.sin_addr) != 1)
    throw std::invalid_argument("not an IPv4 address in '" + text + "'");
  unsigned long port = std::stoul(text.substr(colon + 1));
  if (port == 0 || port > 65535) throw std::invalid_argument("bad port in '" + text + "'");
  e.address.sin_port = htons(static_cast<uint16_t>(port));
  return e;
}

void set_nodelay(int fd) {
  // The relay decides when bytes leave; Nagle's algorithm would add its own, unmeasured delay.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

UniqueFd listen_on(const Endpoint& e) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&e.address), sizeof e.address) != 0 ||
      ::listen(fd.get(), 64) != 0)
    throw std::runtime_error("cannot listen on " + e.text + ": " + std::strerror(errno));
  return fd;
}

struct Settings {
  std::chrono::steady_clock::duration one_way{};
  std::size_t max_queue = 0;
};

// One relayed connection: both sockets and the four threads that move its bytes. The threads are
// joined before the sockets close (members are destroyed in reverse order).
class Connection {
 public:
  Connection(UniqueFd client, UniqueFd server, const Settings& s)
      : client_(std::move(client)),
        server_(std::move(server)),
        upstream_(client_.get(), server_.get(), s.one_way, s.max_queue),
        downstream_(server_.get(), client_.get(), s.one_way, s.max_queue) {
    threads_.emplace_back([this] { upstream_.read_side(); });
    threads_.emplace_back([this] { upstream_.write_side(); });
    threads_.emplace_back([this] { downstream_.read_side(); });
    threads_.emplace_back([this] { downstream_.write_side(); });
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

 private:
  UniqueFd client_;
  UniqueFd server_;
  DelayedPipe upstream_;
  DelayedPipe downstream_;
  std::vector<std::jthread> threads_;
};

// Runs one connection to its end on the calling thread's behalf: the Connection's destructor
// joins its threads, so this returns when both directions are finished.
void relay_one(UniqueFd client, const Endpoint& target, const Settings& s) {
  UniqueFd server(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!server.valid() ||
      ::connect(server.get(), reinterpret_cast<const sockaddr*>(&target.address), sizeof target.address) != 0) {
    std::fprintf(stderr, "kdf-delay-relay: cannot connect to %s: %s\n", target.text.c_str(), std::strerror(errno));
    return;  // closing the client tells it the far end is not there
  }
  set_nodelay(client.get());
  set_nodelay(server.get());
  Connection connection(std::move(client), std::move(server), s);
}

void serve(UniqueFd listener, Endpoint target, Settings s) {
  for (;;) {
    UniqueFd client(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      std::fprintf(stderr, "kdf-delay-relay: accept on %s: %s\n", target.text.c_str(), std::strerror(errno));
      return;
    }
    // Each connection lives on its own thread until both directions end; nobody waits for it,
    // because the relay itself only ever ends by being killed, which ends them all.
    std::thread([c = std::move(client), target, s]() mutable { relay_one(std::move(c), target, s); }).detach();
  }
}

int run(int argc, char** argv) {
  Settings settings;
  double rtt_ms = -1;
  settings.max_queue = std::size_t{64} << 20;
  std::vector<std::pair<Endpoint, Endpoint>> routes;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--rtt-ms" && i + 1 < argc) {
      rtt_ms = std::stod(argv[++i]);
    } else if (arg == "--max-queue-mib" && i + 1 < argc) {
      settings.max_queue = std::stoul(argv[++i]) << 20;
    } else if (auto eq = arg.find('='); eq != std::string::npos) {
      routes.emplace_back(parse_endpoint(arg.substr(0, eq)), parse_endpoint(arg.substr(eq + 1)));
    } else {
      throw std::invalid_argument("unknown argument '" + arg + "'");
    }
  }
  if (rtt_ms < 0 || routes.empty())
    throw std::invalid_argument("usage: kdf-delay-relay --rtt-ms MS [--max-queue-mib N] LISTEN=TARGET ...");
  settings.one_way = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double, std::milli>(rtt_ms / 2));

  std::vector<std::jthread> listeners;
  std::vector<UniqueFd> bound;
  for (auto& [listen, target] : routes) bound.push_back(listen_on(listen));
  for (std::size_t i = 0; i < routes.size(); ++i)
    listeners.emplace_back(serve, std::move(bound[i]), routes[i].second, settings);
  std::cout << "ready" << std::endl;
  return 0;  // the listeners' jthreads are joined here: they run until the process is killed
}

}  // namespace
}  // namespace kdf::bench

int main(int argc, char** argv) {
  try {
    return kdf::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdf-delay-relay: %s\n", e.what());
    return 2;
  }
}
