#include "config/net.h"

#include <gtest/gtest.h>

namespace sysplex {
namespace {

TEST(Net, ParsesAndFormatsBothFamilies) {
  auto a = parse_ip("198.18.1.7");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->v6);
  EXPECT_EQ(a->v4_host(), 0xc6120107u);
  EXPECT_EQ(to_string(*a), "198.18.1.7");
  auto b = parse_ip("2001:db8::1");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->v6);
  EXPECT_EQ(to_string(*b), "2001:db8::1");
  EXPECT_FALSE(parse_ip("198.18.1"));
  EXPECT_FALSE(parse_ip("198.18.1.256"));
  EXPECT_FALSE(parse_ip(""));
}

TEST(Net, PrefixClearsHostBitsAndContains) {
  auto p = parse_prefix("198.18.1.77/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(to_string(*p), "198.18.1.0/24");
  EXPECT_TRUE(p->contains(*parse_ip("198.18.1.200")));
  EXPECT_FALSE(p->contains(*parse_ip("198.18.2.1")));
  EXPECT_FALSE(p->contains(*parse_ip("2001:db8::1")));
  auto q = parse_prefix("2001:db8:1::5/64");
  ASSERT_TRUE(q);
  EXPECT_EQ(to_string(*q), "2001:db8:1::/64");
  EXPECT_FALSE(parse_prefix("198.18.1.0/33"));
  EXPECT_FALSE(parse_prefix("198.18.1.0/"));
  EXPECT_EQ(parse_prefix("198.18.1.9")->len, 32);
}

TEST(Net, MaskToLen) {
  EXPECT_EQ(mask_to_len(*parse_ip("255.255.255.0")), 24);
  EXPECT_EQ(mask_to_len(*parse_ip("255.255.255.255")), 32);
  EXPECT_EQ(mask_to_len(*parse_ip("0.0.0.0")), 0);
  EXPECT_FALSE(mask_to_len(*parse_ip("255.0.255.0")));
}

TEST(Net, Mac) {
  auto m = parse_mac("02:00:5E:10:00:01");
  ASSERT_TRUE(m);
  EXPECT_EQ(to_string(*m), "02:00:5e:10:00:01");
  EXPECT_FALSE(parse_mac("02:00:5e:10:00"));
  EXPECT_FALSE(parse_mac("02:00:5e:10:00:zz"));
}

}  // namespace
}  // namespace sysplex
