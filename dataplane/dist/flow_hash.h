// Flow hashing for the distributor: an unkeyed CRC32C of a connection's 5-tuple, the same on every
// node and build, so a flow keeps its consistent-hash slot when another node takes the DVIPA over.
#pragma once

#include <cstdint>

#include "config/net.h"

namespace sysplex::dist {

// A connection as the client sent it. Direction matters: (a -> b) and (b -> a) hash differently.
struct FlowKey {
  IpAddr src;          // the client; src.v6 gives the family of both addresses
  IpAddr dst;          // the DVIPA
  uint16_t sport = 0;  // host order
  uint16_t dport = 0;  // host order
  uint8_t proto = 0;
};

// One CRC32C (Castagnoli, reflected) step over eight bytes taken least significant first, as the
// SSE4.2 crc32 instruction does. crc32c_u64 uses that instruction when the build enables SSE4.2;
// the portable one is the reference both must match, and the fallback elsewhere.
uint32_t crc32c_u64_portable(uint32_t crc, uint64_t word) noexcept;
#if defined(__SSE4_2__)
inline uint32_t crc32c_u64(uint32_t crc, uint64_t word) noexcept { return uint32_t(__builtin_ia32_crc32di(crc, word)); }
#else
inline uint32_t crc32c_u64(uint32_t crc, uint64_t word) noexcept { return crc32c_u64_portable(crc, word); }
#endif

// CRC32C of the 5-tuple and the address family. Unkeyed, since every distributor in the group must
// map a flow alike: no defence against chosen-tuple flooding (CRC collisions are easy to make).
uint32_t flow_hash(const FlowKey& flow) noexcept;

// CRC32C of one address with its family, for tables keyed by client address.
uint32_t address_hash(const IpAddr& addr) noexcept;

}  // namespace sysplex::dist
