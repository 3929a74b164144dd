#include "config/profile_lexer.h"

#include <gtest/gtest.h>

namespace sysplex::config {
namespace {

std::vector<std::string> texts(const LexResult& r) {
  std::vector<std::string> out;
  for (const Token& t : r.tokens) out.push_back(t.text);
  return out;
}

TEST(ProfileLexer, TokensCarryOneBasedLineAndColumn) {
  LexResult r = lex_profile("NODENAME SYS1\n  NODEADDR\t198.18.0.1\n", "p");
  ASSERT_EQ(r.tokens.size(), 4u);
  EXPECT_EQ(r.tokens[0].line, 1u);
  EXPECT_EQ(r.tokens[0].column, 1u);
  EXPECT_EQ(r.tokens[1].column, 10u);
  EXPECT_EQ(r.tokens[2].line, 2u);
  EXPECT_EQ(r.tokens[2].column, 3u);
  EXPECT_EQ(r.tokens[3].column, 12u);
  EXPECT_TRUE(r.errors.empty());
}

TEST(ProfileLexer, SemicolonAndHashStartComments) {
  LexResult r = lex_profile("; whole line\nA B;C\n# hash line\nD # tail\nSYS#1 E\n", "p");
  EXPECT_EQ(texts(r), (std::vector<std::string>{"A", "B", "D", "SYS#1", "E"}));
}

TEST(ProfileLexer, QuotedTokensKeepBlanksSemicolonsAndEscapes) {
  LexResult r = lex_profile(R"(DEVICE "net_pcap0,rx_pcap=a b;c" "q\"x\\y" "")", "p");
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(texts(r), (std::vector<std::string>{"DEVICE", "net_pcap0,rx_pcap=a b;c", "q\"x\\y", ""}));
  EXPECT_FALSE(r.tokens[0].quoted);
  EXPECT_TRUE(r.tokens[1].quoted);
  EXPECT_EQ(r.tokens[2].column, 34u);
}

TEST(ProfileLexer, TrailingBackslashContinuesTheLogicalLine) {
  LexResult r = lex_profile("PORT lan0 \\ ; comment\n  DEVICE x\\\n MTU 9000\nWORKERS 2\n", "p");
  EXPECT_EQ(texts(r), (std::vector<std::string>{"PORT", "lan0", "DEVICE", "x", "MTU", "9000", "WORKERS", "2"}));
  EXPECT_EQ(r.tokens[2].line, 2u);
  EXPECT_EQ(r.tokens[2].logical_line, 1u);
  EXPECT_EQ(r.tokens[4].logical_line, 1u);
  EXPECT_EQ(r.tokens[6].logical_line, 4u);
}

TEST(ProfileLexer, CarriageReturnsAreBlanks) {
  LexResult r = lex_profile("WORKERS 2\r\nTAP sp0\r\n", "p");
  EXPECT_EQ(texts(r), (std::vector<std::string>{"WORKERS", "2", "TAP", "sp0"}));
}

TEST(ProfileLexer, ReportsQuoteErrorsAtTheirColumn) {
  LexResult r = lex_profile("A \"open\nB iface=\"v0\"\nC \"x\"y\nD \"a\\nb\"\n", "p");
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0].to_string(), "p:1:3: unterminated quoted string; a quoted token must end on its own line");
  EXPECT_EQ(r.errors[1].to_string(), "p:2:9: a double quote may only start a token; quote the whole value");
  EXPECT_EQ(r.errors[2].to_string(), "p:3:6: expected a blank after the closing quote, found 'y'");
  EXPECT_EQ(r.errors[3].to_string(), "p:4:5: unknown escape '\\n' in quoted string; only \\\" and \\\\ are escapes");
}

TEST(ProfileLexer, EndPositionFollowsTheLastCharacter) {
  EXPECT_EQ(lex_profile("A\nBCD", "p").end.line, 2u);
  EXPECT_EQ(lex_profile("A\nBCD", "p").end.column, 4u);
  EXPECT_EQ(lex_profile("", "p").end.line, 1u);
}

}  // namespace
}  // namespace sysplex::config
