// Checks that a key file holds a key of the right size without keeping the key: profiles refer to
// keys by path only, and no message built here ever contains key material.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/result.h"

namespace sysplex::config {

enum class KeyText : uint8_t {
  kHex,        // hex digits, blanks and newlines allowed between them (IPSECSA keys)
  kHexOrRaw,   // hex text as above, or else the raw bytes (the group key)
};

// The number of key bytes the file holds, or an Error naming the file and what is wrong with it.
Result<size_t> key_file_size(const std::string& path, KeyText accepted);

}  // namespace sysplex::config
