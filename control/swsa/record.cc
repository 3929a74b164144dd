#include "control/swsa/record.h"

#include <sodium.h>

#include <cstring>

namespace sysplex::swsa {

namespace {

using channel::SecretBytes;
namespace esp = dp::esp;

constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr uint8_t kFlagEncap = 1, kFlagEsn = 2;

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

size_t key_len_for(config::EspAlg a) { return a == config::EspAlg::kAes128Gcm ? 20 : 36; }

struct Writer {
  SecretBytes out;
  void u8(uint8_t v) { out.push_back(v); }
  void be(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(uint8_t(v >> (8 * i)));
  }
  void bytes(std::span<const uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); }
  void text(const std::string& s) {
    u8(uint8_t(s.size()));
    bytes({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  }
  void addr(const IpAddr& a) {
    u8(a.v6 ? 6 : 4);
    bytes({a.bytes.data(), size_t(a.v6 ? 16 : 4)});
  }
};

// Reads fields in order; the first failure sticks and names the field.
struct Reader {
  std::span<const uint8_t> in;
  size_t at = 0;
  std::string error;
  bool need(size_t n, const char* field) {
    if (!error.empty()) return false;
    if (in.size() - at >= n) return true;
    error = std::string("truncated at ") + field + " (byte " + std::to_string(at) + " of " + std::to_string(in.size()) + ")";
    return false;
  }
  void fail(const std::string& why) {
    if (error.empty()) error = why;
  }
  uint64_t be(int bytes, const char* field) {
    if (!need(size_t(bytes), field)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | in[at++];
    return v;
  }
  std::string text(size_t min, size_t max, const char* field) {
    size_t n = size_t(be(1, field));
    if (!error.empty()) return {};
    if (n < min || n > max) {
      fail(std::string(field) + " length " + std::to_string(n) + " is outside " + std::to_string(min) + "-" + std::to_string(max));
      return {};
    }
    if (!need(n, field)) return {};
    std::string s(reinterpret_cast<const char*>(in.data() + at), n);
    at += n;
    for (char c : s)
      if (!name_char(c)) fail(std::string(field) + " has a character outside A-Z a-z 0-9 _ -");
    return s;
  }
  IpAddr addr(const char* field) {
    uint8_t fam = uint8_t(be(1, field));
    if (!error.empty()) return {};
    if (fam != 4 && fam != 6) {
      fail(std::string(field) + " family " + std::to_string(fam) + " is neither 4 nor 6");
      return {};
    }
    size_t n = fam == 6 ? 16 : 4;
    if (!need(n, field)) return {};
    IpAddr a = fam == 6 ? IpAddr::v6_from_bytes(in.data() + at) : IpAddr::v4_from_be([&] {
      uint32_t be32;
      std::memcpy(&be32, in.data() + at, 4);
      return be32;
    }());
    at += n;
    return a;
  }
  template <typename E>
  E enum_of(uint8_t max, const char* field) {
    uint8_t v = uint8_t(be(1, field));
    if (error.empty() && v > max) fail(std::string(field) + " value " + std::to_string(v) + " is unknown");
    return E(v);
  }
};

void write_lifetime(Writer& w, const esp::Lifetime& l) {
  for (uint64_t v : {l.soft_bytes, l.hard_bytes, l.soft_packets, l.hard_packets, l.soft_secs, l.hard_secs}) w.be(v, 8);
}

esp::Lifetime read_lifetime(Reader& r) {
  esp::Lifetime l;
  l.soft_bytes = r.be(8, "soft bytes");
  l.hard_bytes = r.be(8, "hard bytes");
  l.soft_packets = r.be(8, "soft packets");
  l.hard_packets = r.be(8, "hard packets");
  l.soft_secs = r.be(8, "soft secs");
  l.hard_secs = r.be(8, "hard secs");
  return l;
}

Status check(const SaRecord& r) {
  auto bad_name = [](const std::string& s, size_t min, size_t max) {
    if (s.size() < min || s.size() > max) return true;
    for (char c : s)
      if (!name_char(c)) return true;
    return false;
  };
  if (bad_name(r.name, 1, kMaxSaName)) return make_error(Errc::kInvalidArgument, "SA name '" + r.name + "' is not 1-32 of A-Z a-z 0-9 _ -");
  if (bad_name(r.owner, 0, 8) || bad_name(r.target, 0, 8))
    return make_error(Errc::kInvalidArgument, "SA " + r.name + ": owner or target is not a node name");
  if (r.control.key.size() != key_len_for(r.control.alg))
    return make_error(Errc::kInvalidArgument, "SA " + r.name + ": key length does not fit its algorithm");
  if (r.control.spi == 0) return make_error(Errc::kInvalidArgument, "SA " + r.name + ": SPI 0");
  return ok_status();
}

}  // namespace

Result<SecretBytes> encode(const SaRecord& r) {
  if (Status st = check(r); !st) return st.error();
  const esp::SaControl& c = r.control;
  Writer w;
  w.u8(kRecordVersion);
  w.text(r.name);
  w.addr(r.dvipa);
  w.text(r.owner);
  w.text(r.target);
  w.be(r.version, 8);
  w.u8(uint8_t(c.dir));
  w.u8(uint8_t(c.mode));
  w.u8(uint8_t(c.alg));
  w.u8(uint8_t(c.engine));
  w.be(c.spi, 4);
  w.u8(uint8_t(c.key.size()));
  w.bytes(c.key.bytes());
  w.addr(c.local);
  w.addr(c.remote);
  w.u8(uint8_t((c.udp_encap ? kFlagEncap : 0) | (c.esn ? kFlagEsn : 0)));
  w.be(c.encap_sport, 2);
  w.be(c.encap_dport, 2);
  w.be(c.replay_window, 4);
  w.be(c.replay_top, 8);
  write_lifetime(w, c.lifetime);
  return std::move(w.out);
}

Result<SaRecord> decode(std::span<const uint8_t> bytes) {
  Reader rd{bytes};
  uint8_t version = uint8_t(rd.be(1, "record version"));
  if (rd.error.empty() && version != kRecordVersion)
    return make_error(Errc::kInvalidArgument, "SA record version " + std::to_string(version) + " is not 1 (a newer sysplexd wrote it?)");
  SaRecord r;
  r.name = rd.text(1, kMaxSaName, "name");
  r.dvipa = rd.addr("dvipa");
  r.owner = rd.text(0, 8, "owner");
  r.target = rd.text(0, 8, "target");
  r.version = rd.be(8, "version");
  esp::SaControl& c = r.control;
  c.dir = rd.enum_of<esp::SaDir>(1, "direction");
  c.mode = rd.enum_of<config::EspMode>(1, "mode");
  c.alg = rd.enum_of<config::EspAlg>(2, "algorithm");
  c.engine = rd.enum_of<config::CryptoEngine>(3, "engine");
  c.spi = uint32_t(rd.be(4, "spi"));
  size_t klen = size_t(rd.be(1, "key length"));
  if (rd.error.empty() && klen != key_len_for(c.alg)) rd.fail("key length " + std::to_string(klen) + " does not fit the algorithm");
  if (rd.need(klen, "key")) {
    c.key = esp::KeyBytes(bytes.subspan(rd.at, klen));
    rd.at += klen;
  }
  c.local = rd.addr("local");
  c.remote = rd.addr("remote");
  uint8_t flags = uint8_t(rd.be(1, "flags"));
  if (rd.error.empty() && (flags & ~(kFlagEncap | kFlagEsn))) rd.fail("reserved flag bits set");
  c.udp_encap = flags & kFlagEncap;
  c.esn = flags & kFlagEsn;
  c.encap_sport = uint16_t(rd.be(2, "encap sport"));
  c.encap_dport = uint16_t(rd.be(2, "encap dport"));
  c.replay_window = uint32_t(rd.be(4, "replay window"));
  c.replay_top = rd.be(8, "replay top");
  c.lifetime = read_lifetime(rd);
  if (rd.error.empty() && rd.at != bytes.size()) rd.fail(std::to_string(bytes.size() - rd.at) + " trailing bytes");
  if (!rd.error.empty()) return make_error(Errc::kInvalidArgument, "SA record: " + rd.error);
  if (Status st = check(r); !st) return st.error();
  return r;
}

Result<RecordSealer> RecordSealer::from_group_key(const channel::SecretKey& group_key) {
  auto k = channel::derive_subkey(group_key, channel::KeyPurpose::kStoreRecords);
  if (!k) return k.error();
  return RecordSealer(std::move(*k));
}

Result<RecordSealer> RecordSealer::load(const std::string& key_file) {
  auto g = channel::load_group_key(key_file);
  if (!g) return g.error();
  return from_group_key(*g);
}

Result<std::string> RecordSealer::seal(const SaRecord& r, const std::string& store_key) const {
  auto plain = encode(r);
  if (!plain) return plain.error();
  std::string out(kNonce + plain->size() + kTag, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  randombytes_buf(o, kNonce);
  unsigned long long n = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(o + kNonce, &n, plain->data(), plain->size(),
                                             reinterpret_cast<const uint8_t*>(store_key.data()), store_key.size(), nullptr, o,
                                             key_->data());
  return out;
}

Result<SaRecord> RecordSealer::open(const std::string& sealed, const std::string& store_key) const {
  if (sealed.size() < kNonce + kTag + 1)
    return make_error(Errc::kInvalidArgument, "sealed SA record at " + store_key + " is too short (" + std::to_string(sealed.size()) + " bytes)");
  const auto* s = reinterpret_cast<const uint8_t*>(sealed.data());
  SecretBytes plain(sealed.size() - kNonce - kTag);
  unsigned long long n = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &n, nullptr, s + kNonce, sealed.size() - kNonce,
                                                 reinterpret_cast<const uint8_t*>(store_key.data()), store_key.size(), s,
                                                 key_->data()) != 0)
    return make_error(Errc::kFailedPrecondition, "SA record at " + store_key +
                                                   " does not open with the group key (another group's key, or altered)");
  return decode({plain.data(), size_t(n)});
}

std::string record_key(const std::string& group, const std::string& sa_name) { return "/sysplex/" + group + "/sas/" + sa_name; }
std::string sequence_key(const std::string& group, const std::string& sa_name) { return "/sysplex/" + group + "/seq/" + sa_name; }

}  // namespace sysplex::swsa
