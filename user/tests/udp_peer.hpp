// SPDX-License-Identifier: GPL-2.0
// UDP peers on the loopback for the traffic tests (proto 17: no kp_dgram
// needed): a bound socket, and an echo server.
#pragma once

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

namespace udp_peer {

// A bound UDP socket on 127.0.0.1, ephemeral port.
struct UdpSocket {
    int fd = -1;
    uint16_t port = 0;

    UdpSocket() {
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
        sockaddr_in sin = {};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(sin);
        if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&sin), len) < 0 ||
            getsockname(fd, reinterpret_cast<sockaddr *>(&sin), &len) < 0)
            ADD_FAILURE() << "udp socket: " << std::strerror(errno);
        port = ntohs(sin.sin_port);
    }
    ~UdpSocket() {
        if (fd >= 0)
            close(fd);
    }
    UdpSocket(const UdpSocket &) = delete;
    UdpSocket &operator=(const UdpSocket &) = delete;

    // To 127.0.0.1:port.
    void send_to(uint16_t to_port, const std::vector<uint8_t> &d) {
        sockaddr_in to = {};
        to.sin_family = AF_INET;
        to.sin_port = htons(to_port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof(to)) < 0)
            ADD_FAILURE() << "sendto: " << std::strerror(errno);
    }

    // The next datagram, or nothing within timeout_ms.
    std::optional<std::vector<uint8_t>> recv(int timeout_ms = 2000) {
        pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, timeout_ms) != 1)
            return std::nullopt;
        std::vector<uint8_t> buf(65536);
        ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n < 0)
            return std::nullopt;
        buf.resize(static_cast<size_t>(n));
        return buf;
    }
};

// Echoes what comes in until stopped: `copies` times, the last byte
// flipped when `corrupt`.
class Echo {
public:
    explicit Echo(int copies = 1, bool corrupt = false)
        : copies_(copies), corrupt_(corrupt), thread_([this] { run(); }) {}
    ~Echo() {
        stop_ = true;
        thread_.join();
    }
    uint16_t port() const { return sock_.port; }

private:
    void run() {
        std::vector<uint8_t> buf(65536);
        while (!stop_) {
            pollfd pfd = {sock_.fd, POLLIN, 0};
            if (poll(&pfd, 1, 20) != 1)
                continue;
            sockaddr_storage from{};
            socklen_t len = sizeof(from);
            ssize_t n = recvfrom(sock_.fd, buf.data(), buf.size(), 0,
                                 reinterpret_cast<sockaddr *>(&from), &len);
            if (n < 0)
                continue;
            if (corrupt_ && n > 0)
                buf[static_cast<size_t>(n) - 1] ^= 1;
            for (int i = 0; i < copies_; i++)
                sendto(sock_.fd, buf.data(), static_cast<size_t>(n), 0,
                       reinterpret_cast<sockaddr *>(&from), len);
        }
    }

    UdpSocket sock_;
    const int copies_;
    const bool corrupt_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

} // namespace udp_peer
