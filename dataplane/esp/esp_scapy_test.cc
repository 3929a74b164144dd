// scapy cross-check: scapy (python3-scapy via /usr/bin/python3 and esp_scapy.py) decrypts what the
// library produced, and the library decrypts what scapy produced, for AES-128-GCM, AES-256-GCM and
// ChaCha20-Poly1305 x tunnel/transport x plain/NAT-T, with ESN and with IPv6.
// usage: esp_scapy_test PYTHON esp_scapy.py
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "dataplane/esp/esp.h"
#include "dataplane/esp/esp_test_util.h"

namespace sysplex::dp::esp {
namespace {

using testutil::Buf;
using testutil::Bytes;
using testutil::SaSpec;

std::string g_python, g_script;

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/esp_scapy.XXXXXX";
    if (mkdtemp(tmpl)) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

struct Case {
  std::string name;
  SaSpec spec;
  bool inner_v6 = false;
  Bytes key;
  Bytes inner;
  Bytes ours;
};

std::vector<Case> cases() {
  std::vector<Case> v;
  auto add = [&](EspAlg alg, EspMode mode, bool v6, bool natt, bool esn, bool inner_v6) {
    Case c;
    c.spec.alg = alg, c.spec.mode = mode, c.spec.v6 = v6, c.spec.udp = natt, c.spec.esn = esn;
    c.spec.spi = 0x5000 + uint32_t(v.size());
    c.spec.seq_first = esn ? 0x100000003ull : 7;  // ESN: high half 1 goes only into the AAD
    c.inner_v6 = inner_v6;
    c.name = std::string(alg_name(alg)) + (mode == EspMode::kTunnel ? "-tunnel" : "-transport") +
             (v6 ? "-v6" : "-v4") + (inner_v6 ? "in6" : "") + (natt ? "-natt" : "") +
             (esn ? "-esn" : "");
    v.push_back(c);
  };
  for (EspAlg alg : {EspAlg::kAes128Gcm, EspAlg::kAes256Gcm, EspAlg::kChaCha20Poly1305}) {
    for (EspMode mode : {EspMode::kTunnel, EspMode::kTransport})
      for (bool natt : {false, true}) add(alg, mode, false, natt, false, false);
    add(alg, EspMode::kTunnel, false, true, true, false);
  }
  add(EspAlg::kAes128Gcm, EspMode::kTransport, false, false, true, false);
  add(EspAlg::kAes128Gcm, EspMode::kTunnel, true, true, false, true);
  add(EspAlg::kChaCha20Poly1305, EspMode::kTransport, true, false, false, true);
  add(EspAlg::kAes256Gcm, EspMode::kTunnel, true, false, false, false);
  return v;
}

std::unique_ptr<SaRuntime> make(const Case& c, SaDir dir) {
  SaControl ctl = testutil::control(c.spec, dir);
  ctl.key = KeyBytes(c.key);
  auto r = make_sa(ctl, testutil::engines(), {});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(*r) : nullptr;
}

std::string line_for(const Case& c) {
  const bool v6 = c.spec.v6;
  std::ostringstream o;
  o << c.name << ' ' << alg_name(c.spec.alg) << ' '
    << (c.spec.mode == EspMode::kTunnel ? "tunnel" : "transport") << ' ' << (v6 ? 6 : 4) << ' '
    << c.spec.udp << ' ' << c.spec.esn << ' ' << (c.spec.seq_first >> 32) << ' '
    << uint32_t(c.spec.seq_first) << ' ' << std::hex << c.spec.spi << std::dec << ' '
    << testutil::to_hex(c.key) << ' ' << (v6 ? "2001:db8::1" : "198.18.0.1") << ' '
    << (v6 ? "2001:db8::2" : "198.18.0.2") << ' ' << testutil::to_hex(c.inner) << ' '
    << testutil::to_hex(c.ours) << '\n';
  return o.str();
}

// Runs the script over all cases at once (python and scapy start in about a second) and returns
// its output lines keyed by "name verb".
std::map<std::string, std::string> run_scapy(const std::vector<Case>& all) {
  TempDir dir;
  EXPECT_FALSE(dir.path.empty());
  const auto file = dir.path / "cases.txt";
  {
    std::ofstream f(file);
    for (const Case& c : all) f << line_for(c);
  }
  const std::string cmd = "'" + g_python + "' '" + g_script + "' '" + file.string() + "' 2>&1";
  std::map<std::string, std::string> out;
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr) << cmd;
  if (!p) return out;
  std::string text;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  const int rc = pclose(p);
  EXPECT_EQ(rc, 0) << cmd << "\n" << text;
  std::istringstream lines(text);
  for (std::string l; std::getline(lines, l);) {
    std::istringstream w(l);
    std::string name, verb, rest;
    w >> name >> verb;
    std::getline(w, rest);
    out[name + " " + verb] = rest.empty() ? rest : rest.substr(1);
  }
  return out;
}

TEST(EspScapy, BothWaysInEveryCombination) {
  ASSERT_FALSE(g_python.empty()) << "usage: esp_scapy_test PYTHON esp_scapy.py";
  std::vector<Case> all = cases();
  std::mt19937 rng(7634);
  for (Case& c : all) {
    c.key.resize(alg_key_len(c.spec.alg) + kSaltLen);
    for (auto& b : c.key) b = uint8_t(rng());
    c.inner = c.spec.mode == EspMode::kTunnel ? testutil::inner_udp(c.inner_v6, 50 + c.spec.spi % 7)
                                              : testutil::host_udp(c.spec.v6, 50 + c.spec.spi % 7);
    auto out = make(c, SaDir::kOutbound);
    ASSERT_TRUE(out);
    Buf b(c.inner);
    ASSERT_TRUE(esp_encrypt(*out, 0, b.pkt, 0).ok()) << c.name;
    c.ours = b.bytes();
  }
  const auto scapy = run_scapy(all);
  for (const Case& c : all) {
    SCOPED_TRACE(c.name);
    auto d = scapy.find(c.name + " decrypt");
    ASSERT_NE(d, scapy.end()) << "no answer from scapy";
    EXPECT_EQ(d->second, "ok") << "scapy could not decrypt the library's packet";
    auto w = scapy.find(c.name + " wire");
    ASSERT_NE(w, scapy.end());
    const Bytes wire = testutil::hex(w->second);
    auto in = make(c, SaDir::kInbound);
    ASSERT_TRUE(in);
    EspInput where;
    ASSERT_EQ(esp_locate(wire.data(), uint32_t(wire.size()), where), EspDrop::kNone);
    EXPECT_EQ(where.udp_encap, c.spec.udp);
    Buf tampered(wire);
    tampered.pkt.data()[tampered.pkt.len - 1] ^= 0x40;
    EXPECT_EQ(esp_decrypt(*in, 0, tampered.pkt, where, 0).drop, EspDrop::kAuthFailed);
    Buf b(wire);
    const EspStatus st = esp_decrypt(*in, 0, b.pkt, where, 0);
    ASSERT_TRUE(st.ok()) << "the library could not decrypt scapy's packet: "
                         << esp_drop_name(st.drop) << " " << w->second;
    EXPECT_EQ(b.bytes(), c.inner);
    EXPECT_EQ(in->replay.top(), c.spec.seq_first);
  }
}

}  // namespace
}  // namespace sysplex::dp::esp

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc >= 3) {
    sysplex::dp::esp::g_python = argv[1];
    sysplex::dp::esp::g_script = argv[2];
  }
  return RUN_ALL_TESTS();
}
