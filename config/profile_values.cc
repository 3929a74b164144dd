// Operands are checked before they are consumed, so every message points at the operand itself.
#include "config/profile_values.h"

#include <cctype>
#include <charconv>

namespace sysplex::config {
namespace {

std::string range_text(uint64_t min, uint64_t max) { return std::to_string(min) + "-" + std::to_string(max); }

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

bool is_system_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '@' || c == '#' || c == '$';
}

std::string upper(std::string s) {
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// The next operand, not yet consumed, so a check on it can still fail at its position.
const std::string& peek_value(TokenReader& in, std::string_view what) {
  if (in.at_end() || in.at_statement_start()) in.fail_expected(what);
  return in.peek().text;
}

std::string read_value(TokenReader& in, std::string_view what) {
  peek_value(in, what);
  return in.next().text;
}

std::optional<uint64_t> parse_decimal(std::string_view text) {
  uint64_t n = 0;
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front()))) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (end != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) return UINT64_MAX;  // reported as out of range
  return n;
}

bool next_is_number(const TokenReader& in) { return !in.at_end() && parse_decimal(in.peek().text).has_value(); }

uint64_t read_number(TokenReader& in, std::string_view what, uint64_t min, uint64_t max) {
  if (!next_is_number(in)) in.fail_expected(std::string(what) + " (" + range_text(min, max) + ")");
  uint64_t n = *parse_decimal(in.peek().text);
  if (n < min || n > max)
    in.fail(std::string(what) + " must be " + range_text(min, max) + ", found " + in.peek().text);
  in.next();
  return n;
}

std::optional<uint64_t> parse_spi(std::string_view text) {
  bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  if (!hex) return parse_decimal(text);
  uint64_t spi = 0;
  auto [end, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), spi, 16);
  if (end != text.data() + text.size()) return std::nullopt;
  return ec == std::errc::result_out_of_range ? UINT64_MAX : spi;
}

uint32_t read_spi(TokenReader& in) {
  auto spi = in.at_end() ? std::nullopt : parse_spi(in.peek().text);
  if (!spi) in.fail_expected("an SPI (decimal or 0x-hex)");
  if (*spi < 256 || *spi > UINT32_MAX) in.fail("SPI must be 256-4294967295 (0-255 are reserved), found " + in.peek().text);
  in.next();
  return uint32_t(*spi);
}

std::optional<IpAddr> next_ip(const TokenReader& in) {
  return in.at_end() ? std::nullopt : parse_ip(in.peek().text);
}

IpAddr read_ip(TokenReader& in, std::string_view what) {
  auto ip = next_ip(in);
  if (!ip) in.fail_expected(what);
  in.next();
  return *ip;
}

Prefix read_network(TokenReader& in, std::string_view what) {
  auto net = in.at_end() ? std::nullopt : parse_prefix(in.peek().text);
  if (!net) in.fail_expected(what);
  const std::string& text = in.peek().text;
  if (parse_ip(text.substr(0, text.find('/'))) != net->addr)
    in.fail(std::string(what) + " " + text + " has host bits set; did you mean " + to_string(*net) + "?");
  in.next();
  return *net;
}

Prefix read_interface_prefix(TokenReader& in, std::string_view what) {
  const std::string text = in.at_end() ? "" : in.peek().text;
  auto net = parse_prefix(text);
  if (!net || text.find('/') == std::string::npos) in.fail_expected(what);
  IpAddr addr = *parse_ip(text.substr(0, text.find('/')));
  if (addr.is_unspecified()) in.fail(std::string(what) + " must not be the unspecified address");
  in.next();
  return Prefix{addr, net->len};
}

MacAddr read_unicast_mac(TokenReader& in, std::string_view what) {
  auto mac = in.at_end() ? std::nullopt : parse_mac(in.peek().text);
  if (!mac) in.fail_expected(std::string(what) + " (xx:xx:xx:xx:xx:xx)");
  if (mac->is_zero() || (mac->bytes[0] & 1))
    in.fail(std::string(what) + " must be a unicast address, found " + in.peek().text);
  in.next();
  return *mac;
}

std::string read_name(TokenReader& in, std::string_view what) {
  const std::string& name = peek_value(in, what);
  bool ok = !name.empty() && name.size() <= 32 && std::isalpha(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && is_name_char(c);
  if (!ok)
    in.fail(std::string(what) + " must be a letter then up to 31 letters, digits, '_', '.' or '-', found '" +
            name + "'");
  return in.next().text;
}

std::string read_system_name(TokenReader& in, std::string_view what) {
  const std::string& name = peek_value(in, what);
  bool ok = !name.empty() && name.size() <= 8;
  for (char c : name) ok = ok && is_system_name_char(c);
  if (!ok) in.fail(std::string(what) + " must be 1-8 of A-Z, 0-9, @, # and $, found '" + name + "'");
  return upper(in.next().text);
}

std::optional<PortRange> parse_port_range(std::string_view text) {
  size_t dash = text.find('-');
  auto first = parse_decimal(text.substr(0, dash));
  auto last = dash == std::string_view::npos ? first : parse_decimal(text.substr(dash + 1));
  if (!first || !last || *first < 1 || *first > 65535 || *last < 1 || *last > 65535) return std::nullopt;
  return PortRange{uint16_t(*first), uint16_t(*last)};
}

PortRange read_port_range(TokenReader& in, std::string_view what) {
  auto range = in.at_end() ? std::nullopt : parse_port_range(in.peek().text);
  if (!range) in.fail_expected(std::string(what) + " (a port 1-65535 or a range p-q)");
  if (range->first > range->last)
    in.fail("port range " + in.peek().text + " must not run backwards (first <= last)");
  in.next();
  return *range;
}

std::string join_alternatives(std::span<const std::string_view> words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace sysplex::config
