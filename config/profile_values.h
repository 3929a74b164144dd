// Typed operand readers for the statement parsers: numbers, addresses, names and keyword choices,
// each failing with "expected X, found Y" or "X must be A-B, found N" at the offending token.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/net.h"
#include "config/profile.h"
#include "config/token_reader.h"

namespace sysplex::config {

// Any operand; an unquoted statement keyword is refused so a missing operand is reported where it
// is missing instead of swallowing the next statement.
std::string read_value(TokenReader& in, std::string_view what);
// The same check without consuming, for callers that validate the operand further first.
const std::string& peek_value(TokenReader& in, std::string_view what);

std::optional<uint64_t> parse_decimal(std::string_view text);
bool next_is_number(const TokenReader& in);
uint64_t read_number(TokenReader& in, std::string_view what, uint64_t min, uint64_t max);
template <typename T>
T read_uint(TokenReader& in, std::string_view what, uint64_t min, uint64_t max) {
  return static_cast<T>(read_number(in, what, min, max));
}
std::optional<uint64_t> parse_spi(std::string_view text);   // decimal or 0x-hex
uint32_t read_spi(TokenReader& in);   // 256 and up (0-255 are reserved)

std::optional<IpAddr> next_ip(const TokenReader& in);   // the next token, if it is an address
IpAddr read_ip(TokenReader& in, std::string_view what);
// A network (ROUTE destination, selector): host bits must be clear.
Prefix read_network(TokenReader& in, std::string_view what);
// An interface address with its length (PORTADDR 198.18.1.1/24): the address is kept whole.
Prefix read_interface_prefix(TokenReader& in, std::string_view what);
MacAddr read_unicast_mac(TokenReader& in, std::string_view what);

// Port, SA and other operator-chosen names: a letter, then up to 31 letters, digits, '_' '.' '-'.
std::string read_name(TokenReader& in, std::string_view what);
// z/OS system and XCF names: 1-8 of A-Z 0-9 @ # $, folded to upper case as z/OS does.
std::string read_system_name(TokenReader& in, std::string_view what);

std::optional<PortRange> parse_port_range(std::string_view text);   // "p" or "p-q", 1-65535
PortRange read_port_range(TokenReader& in, std::string_view what);

template <typename E>
struct Choice {
  std::string_view keyword;
  E value;
};

std::string join_alternatives(std::span<const std::string_view> words);  // "A, B or C"

template <typename E, size_t N>
E read_choice(TokenReader& in, std::string_view after, const Choice<E> (&choices)[N]) {
  for (const Choice<E>& c : choices)
    if (in.accept(c.keyword)) return c.value;
  std::vector<std::string_view> words;
  for (const Choice<E>& c : choices) words.push_back(c.keyword);
  in.fail("expected " + join_alternatives(words) + " after " + std::string(after) + ", found " + in.found());
}

template <typename E, size_t N>
std::string_view choice_keyword(const Choice<E> (&choices)[N], E value) {
  for (const Choice<E>& c : choices)
    if (c.value == value) return c.keyword;
  return "?";
}

}  // namespace sysplex::config
