// Encode, check the size, write the header and nonce, encrypt in place behind them, wipe the
// plaintext. The sequence number is taken only once nothing can fail any more.
#include "control/channel/sealer.h"

#include <sodium.h>

#include "control/channel/wire.h"

namespace sysplex::channel {
namespace {

static_assert(kNonceSize == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kTagSize == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(SecretKey::kSize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

// Wipes the plaintext scratch however the seal ends.
struct WipeOnExit {
  SecretBytes& b;
  ~WipeOnExit() {
    wipe_bytes(b.data(), b.size());
    b.clear();
  }
};

}  // namespace

Result<Sealer> Sealer::create(std::shared_ptr<const ChannelKey> key, SealerOptions o) {
  if (auto s = ensure_sodium(); !s) return s.error();
  if (!key) return make_error(Errc::kInvalidArgument, "sealer: no channel key");
  if (!is_node_name(o.group)) return make_error(Errc::kInvalidArgument, "sealer: group name must be 1-8 of A-Z, 0-9, @, #, $");
  if (!is_node_name(o.node)) return make_error(Errc::kInvalidArgument, "sealer: node name must be 1-8 of A-Z, 0-9, @, #, $");
  if (o.max_datagram < kOverhead + 1 || o.max_datagram > kMaxDatagram)
    return make_error(Errc::kInvalidArgument, "sealer: max datagram " + std::to_string(o.max_datagram) +
                                                  " outside " + std::to_string(kOverhead + 1) + "-" +
                                                  std::to_string(kMaxDatagram));
  Sealer s;
  s.key_ = std::move(key);
  s.node_ = o.node;
  s.group_hash_ = group_hash(o.group);
  s.max_datagram_ = o.max_datagram;
  s.clock_ = o.clock ? std::move(o.clock) : Clock(system_clock_ms);
  s.random_ = o.random ? std::move(o.random) : RandomFill(system_random);
  s.boot_epoch_ = o.boot_epoch ? *o.boot_epoch : make_boot_epoch(s.clock_(), s.random_);
  s.body_.reserve(2048);
  return s;
}

Status Sealer::encode(const Message& m) {
  body_.clear();
  if (auto s = encode_body(m, body_); !s) return s;
  if (sealed_size(body_.size()) > max_datagram_)
    return make_error(Errc::kInvalidArgument, std::string(message_type_name(type_of(m))) + " of " +
                                                  std::to_string(sealed_size(body_.size())) +
                                                  " bytes sealed exceeds the datagram limit of " +
                                                  std::to_string(max_datagram_) + "; split it");
  if (sequence_ == UINT64_MAX)
    return make_error(Errc::kFailedPrecondition, "sealer: sequence numbers of this boot epoch are used up; restart");
  return ok_status();
}

Result<size_t> Sealer::finish(MessageType type, std::span<uint8_t> out) {
  size_t total = sealed_size(body_.size());
  if (out.size() < total)
    return make_error(Errc::kInvalidArgument, "sealer: buffer of " + std::to_string(out.size()) +
                                                  " bytes, the datagram needs " + std::to_string(total));
  FrameHeader h;
  h.type = uint8_t(type);
  h.body_len = uint16_t(body_.size());
  h.group_hash = group_hash_;
  h.sender = node_;
  h.boot_epoch = boot_epoch_;
  h.sequence = sequence_ + 1;
  h.timestamp_ms = clock_();
  write_header(h, out.first<kHeaderSize>());
  uint8_t* nonce = out.data() + kHeaderSize;
  random_(std::span(nonce, kNonceSize));
  unsigned long long clen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kAadSize, &clen, body_.data(), body_.size(),
                                                 out.data(), kAadSize, nullptr, nonce, key_->data()) != 0 ||
      kAadSize + clen != total)
    return make_error(Errc::kInternal, "sealer: encryption failed");
  sequence_ = h.sequence;
  return total;
}

Result<std::vector<uint8_t>> Sealer::seal(const Message& m) {
  WipeOnExit wipe{body_};
  if (auto s = encode(m); !s) return s.error();
  std::vector<uint8_t> out(sealed_size(body_.size()));
  auto n = finish(type_of(m), out);
  if (!n) return n.error();
  return out;
}

Result<size_t> Sealer::seal_into(const Message& m, std::span<uint8_t> out) {
  WipeOnExit wipe{body_};
  if (auto s = encode(m); !s) return s.error();
  return finish(type_of(m), out);
}

}  // namespace sysplex::channel
