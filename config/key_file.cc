// The file is read whole (key files are tiny), measured, and its buffer wiped before returning.
#include "config/key_file.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace sysplex::config {
namespace {

constexpr size_t kMaxKeyFileBytes = 4096;

// Clears key material so it does not linger in freed heap memory.
void wipe(std::string& s) {
  explicit_bzero(s.data(), s.size());
  s.clear();
}

Result<std::string> read_small_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) return make_error(errno == ENOENT ? Errc::kNotFound : Errc::kUnavailable,
                            "cannot read key file " + path + ": " + std::strerror(errno));
  std::string data(kMaxKeyFileBytes + 1, '\0');
  size_t n = std::fread(data.data(), 1, data.size(), f.get());
  int read_errno = errno;
  data.resize(n);
  if (std::ferror(f.get())) {
    wipe(data);
    return make_error(Errc::kUnavailable, "cannot read key file " + path + ": " + std::strerror(read_errno));
  }
  if (n > kMaxKeyFileBytes) {
    wipe(data);
    return make_error(Errc::kInvalidArgument, "key file " + path + " is larger than " +
                                                  std::to_string(kMaxKeyFileBytes) + " bytes; is it the right file?");
  }
  return data;
}

// Hex digits in the text, or -1 when anything other than hex digits and blanks appears.
long count_hex_digits(const std::string& text) {
  long digits = 0;
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c))) ++digits;
    else if (!std::isspace(static_cast<unsigned char>(c))) return -1;
  }
  return digits;
}

Result<size_t> measure(const std::string& path, const std::string& data, KeyText accepted) {
  long digits = count_hex_digits(data);
  if (digits < 0 && accepted == KeyText::kHexOrRaw) return data.size();
  if (digits < 0) return make_error(Errc::kInvalidArgument, "key file " + path + " is not hex text (0-9, a-f, blanks)");
  if (digits % 2 != 0) return make_error(Errc::kInvalidArgument, "key file " + path + " holds an odd number of hex digits");
  return size_t(digits / 2);
}

}  // namespace

Result<size_t> key_file_size(const std::string& path, KeyText accepted) {
  auto data = read_small_file(path);
  if (!data) return data.error();
  auto size = measure(path, *data, accepted);
  wipe(*data);
  return size;
}

}  // namespace sysplex::config
