// ESP capture by SPI (operator command `capture SPI [COUNT] [FILE]`, `capture stop`): the workers
// copy the SA's packets as they are on the wire, the control thread writes them to a pcapng file
// (one Ethernet interface, microsecond timestamps taken as it drains them) that tshark or scapy
// read; with the key-log level's keys (--log-level keylog) they decrypt it.
#include <fcntl.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "control/node/node.h"

namespace sysplex::node {

namespace {

constexpr uint64_t kDefaultCount = 1000, kMaxCount = 10'000'000;
constexpr unsigned kDrainPerPoll = 256;

void put32(std::vector<uint8_t>& b, uint32_t v) {
  uint8_t x[4];
  std::memcpy(x, &v, 4);  // pcapng is written in the host's byte order (the SHB's magic says which)
  b.insert(b.end(), x, x + 4);
}
void put16(std::vector<uint8_t>& b, uint16_t v) {
  uint8_t x[2];
  std::memcpy(x, &v, 2);
  b.insert(b.end(), x, x + 2);
}

std::vector<uint8_t> header_blocks() {
  std::vector<uint8_t> b;
  put32(b, 0x0A0D0D0A);  // section header block
  put32(b, 28);
  put32(b, 0x1A2B3C4D);
  put16(b, 1);
  put16(b, 0);
  put32(b, 0xffffffff);  // section length unknown
  put32(b, 0xffffffff);
  put32(b, 28);
  put32(b, 1);           // interface description block: Ethernet, no snap limit, microseconds
  put32(b, 20);
  put16(b, 1);
  put16(b, 0);
  put32(b, 0);
  put32(b, 20);
  return b;
}

std::optional<uint32_t> parse_spi(const std::string& s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long v = std::strtoul(s.c_str(), &end, s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0 ? 16 : 10);
  if (errno || *end || v == 0 || v > 0xffffffffUL) return std::nullopt;
  return uint32_t(v);
}

}  // namespace

Status Capture::open(const std::string& path) {
  fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::kInvalidArgument, "cannot write " + path + ": " + std::strerror(errno));
  std::vector<uint8_t> h = header_blocks();
  if (::write(fd, h.data(), h.size()) != ssize_t(h.size())) return make_error(Errc::kUnavailable, "cannot write " + path);
  return ok_status();
}

bool Capture::write_packet(const uint8_t* data, uint32_t len, uint64_t ts_us) {
  std::vector<uint8_t> b;
  uint32_t padded = (len + 3) & ~3u;
  uint32_t total = 32 + padded;
  put32(b, 6);  // enhanced packet block
  put32(b, total);
  put32(b, 0);  // interface 0
  put32(b, uint32_t(ts_us >> 32));
  put32(b, uint32_t(ts_us));
  put32(b, len);
  put32(b, len);
  b.insert(b.end(), data, data + len);
  b.resize(b.size() + (padded - len), 0);
  put32(b, total);
  return ::write(fd, b.data(), b.size()) == ssize_t(b.size());
}

void Capture::close() {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

Result<std::string> Node::capture_command(const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "stop") {
    if (!capture_.active()) return std::string("no capture running");
    return stop_capture("stopped by the operator");
  }
  if (args.empty() || args.size() > 3)
    return make_error(Errc::kInvalidArgument, "capture takes SPI [COUNT] [FILE], e.g. capture 0x1000 100 /tmp/esp.pcapng; or capture stop");
  std::optional<uint32_t> spi = parse_spi(args[0]);
  if (!spi) return make_error(Errc::kInvalidArgument, "'" + args[0] + "' is not an SPI (1-4294967295, decimal or 0x hex)");
  uint64_t count = kDefaultCount;
  if (args.size() >= 2) {
    char* end = nullptr;
    count = std::strtoull(args[1].c_str(), &end, 10);
    if (*end || count == 0 || count > kMaxCount) return make_error(Errc::kInvalidArgument, "COUNT is 1-10000000, found '" + args[1] + "'");
  }
  char hex[16];
  std::snprintf(hex, sizeof hex, "%08x", *spi);
  std::string path = args.size() == 3 ? args[2] : "/tmp/sysplexd-" + name() + "-" + hex + ".pcapng";
  if (capture_.active()) (void)stop_capture("replaced by a new capture");
  if (Status st = capture_.open(path); !st) {
    capture_.close();
    return st.error();
  }
  if (Status st = engine_->set_capture_spi(*spi); !st) {
    capture_.close();
    return st.error();
  }
  capture_.spi = *spi, capture_.remaining = count, capture_.written = 0, capture_.path = path;
  return "capturing SPI 0x" + std::string(hex) + ": up to " + std::to_string(count) + " packets into " + path;
}

Result<std::string> Node::stop_capture(const std::string& why) {
  (void)engine_->set_capture_spi(0);
  rte_mbuf* m[kDrainPerPoll];
  while (unsigned n = engine_->take_captured(m, kDrainPerPoll)) rte_pktmbuf_free_bulk(m, n);  // after the count
  capture_.close();
  std::string text = "capture of SPI " + std::to_string(capture_.spi) + " ended (" + why + "): " +
                     std::to_string(capture_.written) + " packets in " + capture_.path + ", " +
                     std::to_string(engine_->capture_dropped()) + " dropped so far";
  capture_.spi = 0;
  note(text);
  return text;
}

void Node::poll_capture() {
  if (!capture_.active()) return;
  rte_mbuf* m[kDrainPerPoll];
  unsigned n = engine_->take_captured(m, kDrainPerPoll);
  uint64_t now_us = uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count());
  bool failed = false;
  for (unsigned i = 0; i < n; ++i) {
    if (capture_.remaining && !failed) {
      failed = !capture_.write_packet(rte_pktmbuf_mtod(m[i], const uint8_t*), rte_pktmbuf_data_len(m[i]), now_us);
      if (!failed) ++capture_.written, --capture_.remaining;
    }
    rte_pktmbuf_free(m[i]);
  }
  if (failed) (void)stop_capture("the file could not be written");
  else if (capture_.remaining == 0) (void)stop_capture("count reached");
}

}  // namespace sysplex::node
