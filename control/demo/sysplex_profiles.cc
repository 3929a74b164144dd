// The demo sysplex's profiles and its group key file.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "control/demo/sysplex.h"

namespace sysplex::demo {

namespace {

// One shared segment, 198.18.0.0/24: the nodes at .1-.3, the DVIPA at .10, the client at .100.
constexpr const char* kProfile = R"(; The one-host sysplex demo: node %s of three on one switched segment, one embedded store.
NODENAME %s
NODEADDR 198.18.0.%zu
PORT lan0 DEVICE "wire:%slan:a"
PORTADDR lan0 198.18.0.%zu/24
ROUTESOURCE STATIC
STORE EMBEDDED
GROUP DEMOPLEX KEYFILE "%s" HEARTBEATMS 100 MISSCOUNT 3
MEMPOOL MBUFS 4095 CACHE 64
WORKERS 1
CONNTABLE ENTRIES 16384 SYNTIMEOUT 5 IDLETIMEOUT 60 FINTIMEOUT 5 RSTTIMEOUT 2
VIPADYNAMIC
  %s
  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN %s PORT %u DESTIP ALL
ENDVIPADYNAMIC
)";

}  // namespace

std::string sysplex_profile(size_t i, const std::string& key_file) {
  std::string name = "N" + std::to_string(i + 1);
  std::string own = i == 0   ? std::string("VIPADEFINE MOVEABLE IMMEDIATE 255.255.255.255 ") + kSysplexDvipa
                    : i == 1 ? std::string("VIPABACKUP 100 ") + kSysplexDvipa
                             : std::string("VIPABACKUP 90 ") + kSysplexDvipa;
  char text[2048];
  std::snprintf(text, sizeof text, kProfile, name.c_str(), name.c_str(), i + 1, name.c_str(), i + 1, key_file.c_str(),
                own.c_str(), kSysplexDvipa, unsigned(kSysplexServicePort));
  return text;
}

Result<GroupKeyFile> GroupKeyFile::create() {
  if (sodium_init() < 0) return make_error(Errc::kInternal, "libsodium did not initialise");
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/sysplex-demo-key-XXXXXX";
  int fd = mkstemp(path.data());  // mode 0600
  if (fd < 0) return make_error(Errc::kUnavailable, "cannot create the demo's group key file " + path + ": " + std::strerror(errno));
  GroupKeyFile file(path);
  unsigned char key[32];
  char hex[65];
  randombytes_buf(key, sizeof key);
  sodium_bin2hex(hex, sizeof hex, key, sizeof key);
  bool written = fchmod(fd, S_IRUSR | S_IWUSR) == 0 && write(fd, hex, 64) == 64;
  sodium_memzero(key, sizeof key);
  sodium_memzero(hex, sizeof hex);
  close(fd);
  if (!written) return make_error(Errc::kUnavailable, "cannot write the demo's group key file " + path);
  return file;
}

GroupKeyFile::~GroupKeyFile() {
  if (!path_.empty()) unlink(path_.c_str());
}

}  // namespace sysplex::demo
