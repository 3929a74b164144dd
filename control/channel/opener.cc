// open(): parse, verify, judge freshness, decode, and only then commit the sender's new state.
#include "control/channel/opener.h"

#include <sodium.h>

#include <algorithm>

#include "control/channel/wire.h"

namespace sysplex::channel {
namespace {

constexpr uint64_t kMaxWindowMs = 86'400'000;  // so age + skew cannot overflow, and stays sane

RxReason from_header(HeaderCheck c) {
  switch (c) {
    case HeaderCheck::kOk: return RxReason::kAccepted;
    case HeaderCheck::kTruncated: return RxReason::kTruncated;
    case HeaderCheck::kOversized: return RxReason::kOversized;
    case HeaderCheck::kForeign: return RxReason::kForeign;
    case HeaderCheck::kMalformed: return RxReason::kMalformed;
  }
  return RxReason::kMalformed;
}

struct WipeOnExit {
  SecretBytes& b;
  ~WipeOnExit() {
    wipe_bytes(b.data(), b.size());
    b.clear();
  }
};

std::string unpack_node_name(uint64_t packed) {
  uint8_t b[kMaxNodeName];
  store_be64(b, packed);
  size_t len = 0;
  while (len < kMaxNodeName && b[len] != 0) ++len;
  return std::string(reinterpret_cast<const char*>(b), len);
}

}  // namespace

Result<Opener> Opener::create(std::shared_ptr<const ChannelKey> key, OpenerOptions o) {
  if (auto s = ensure_sodium(); !s) return s.error();
  if (!key) return make_error(Errc::kInvalidArgument, "opener: no channel key");
  if (!is_node_name(o.group)) return make_error(Errc::kInvalidArgument, "opener: group name must be 1-8 of A-Z, 0-9, @, #, $");
  if (!is_node_name(o.node)) return make_error(Errc::kInvalidArgument, "opener: node name must be 1-8 of A-Z, 0-9, @, #, $");
  if (o.max_senders == 0) return make_error(Errc::kInvalidArgument, "opener: the sender table needs room for at least one sender");
  if (o.max_age_ms > kMaxWindowMs || o.max_skew_ms > kMaxWindowMs)
    return make_error(Errc::kInvalidArgument, "opener: max age and max skew must be at most a day (86400000 ms)");
  Opener op;
  op.key_ = std::move(key);
  op.group_hash_ = group_hash(o.group);
  op.self_ = pack_node_name(o.node);
  if (!o.clock) o.clock = system_clock_ms;
  op.options_ = std::move(o);
  op.body_.reserve(2048);
  return op;
}

OpenResult Opener::drop(RxReason r) {
  ++counters_[size_t(r)];
  return OpenResult{r, std::nullopt};
}

bool Opener::decrypt(std::span<const uint8_t> d, const FrameHeader& h) {
  body_.resize(h.body_len);
  unsigned long long mlen = 0;
  const uint8_t* nonce = d.data() + kHeaderSize;
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(body_.data(), &mlen, nullptr, d.data() + kAadSize,
                                                      h.body_len + kTagSize, d.data(), kAadSize, nonce,
                                                      key_->data());
  return rc == 0 && mlen == h.body_len;
}

RxReason Opener::freshness(const FrameHeader& h) const {
  uint64_t key = pack_node_name(h.sender);
  if (key == self_) return RxReason::kOwnMessage;
  auto it = senders_.find(key);
  if (it != senders_.end()) {
    const SenderState& s = it->second;
    if (h.boot_epoch < s.boot_epoch) return RxReason::kStaleEpoch;
    if (h.boot_epoch == s.boot_epoch && s.window.check(h.sequence) != ReplayWindow::Verdict::kFresh)
      return RxReason::kReplayed;
  }
  uint64_t now = options_.clock();
  if (h.timestamp_ms > now && h.timestamp_ms - now > options_.max_skew_ms) return RxReason::kFromFuture;
  if (now > h.timestamp_ms && now - h.timestamp_ms > options_.max_age_ms + options_.max_skew_ms)
    return RxReason::kTooOld;
  if (it == senders_.end() && senders_.size() >= options_.max_senders) return RxReason::kSenderTableFull;
  return RxReason::kAccepted;
}

RxReason Opener::decode(const FrameHeader& h, std::optional<Message>& out) const {
  if (!is_message_type(h.type)) return RxReason::kUnsupported;
  if (!body_.empty() && body_[0] != kBodyVersion) return RxReason::kUnsupported;
  auto m = decode_body(MessageType(h.type), body_);
  if (!m) return RxReason::kMalformed;
  std::string_view claimed = claimed_sender(*m);
  if (!claimed.empty() && claimed != h.sender) return RxReason::kMalformed;
  out = std::move(*m);
  return RxReason::kAccepted;
}

void Opener::commit(const FrameHeader& h) {
  SenderState& s = senders_[pack_node_name(h.sender)];
  if (s.accepted == 0 || h.boot_epoch > s.boot_epoch) s = SenderState{h.boot_epoch};
  s.window.accept(h.sequence);
  ++s.accepted;
  s.last_timestamp_ms = h.timestamp_ms;
}

OpenResult Opener::open(std::span<const uint8_t> datagram) {
  FrameHeader h;
  if (RxReason r = from_header(parse_header(datagram, group_hash_, h)); r != RxReason::kAccepted) return drop(r);
  WipeOnExit wipe{body_};
  if (!decrypt(datagram, h)) return drop(RxReason::kForged);
  if (RxReason r = freshness(h); r != RxReason::kAccepted) return drop(r);
  std::optional<Message> message;
  if (RxReason r = decode(h, message); r != RxReason::kAccepted) return drop(r);
  commit(h);
  ++counters_[size_t(RxReason::kAccepted)];
  return OpenResult{RxReason::kAccepted, Received{std::move(h), std::move(*message)}};
}

void Opener::forget(std::string_view node) {
  if (is_node_name(node)) senders_.erase(pack_node_name(node));
}

std::optional<SenderState> Opener::sender(std::string_view node) const {
  if (!is_node_name(node)) return std::nullopt;
  auto it = senders_.find(pack_node_name(node));
  if (it == senders_.end()) return std::nullopt;
  return it->second;
}

std::vector<SenderView> Opener::senders() const {
  std::vector<SenderView> v;
  v.reserve(senders_.size());
  for (const auto& [key, state] : senders_) v.push_back(SenderView{unpack_node_name(key), state});
  std::sort(v.begin(), v.end(), [](const SenderView& a, const SenderView& b) { return a.node < b.node; });
  return v;
}

}  // namespace sysplex::channel
