#include "control/ops/sysplexctl_table.h"

#include <gtest/gtest.h>

namespace sysplex::ops {
namespace {

TEST(SysplexctlTable, SizesColumnsToTheWidestCellAndAlignsNumbersRight) {
  Table t({{"PORT"}, {"RX-PKTS", Align::kRight}, {"LINK"}});
  t.add_row({"lan0", "5", "up"});
  t.add_row({"uplink1", "1234567890", "down"});
  EXPECT_EQ(t.render(),
            "PORT        RX-PKTS  LINK\n"
            "lan0              5  up\n"
            "uplink1  1234567890  down\n");
}

TEST(SysplexctlTable, NeverEndsALineInBlanks) {
  Table t({{"NAME"}, {"NOTE"}});
  t.add_row({"a", ""});
  t.add_row({"b"});
  EXPECT_EQ(t.render(), "NAME  NOTE\na\nb\n");
}

TEST(SysplexctlTable, DropsCellsBeyondTheColumns) {
  Table t({{"A", Align::kRight}});
  t.add_row({"1", "extra"});
  EXPECT_EQ(t.rows(), 1u);
  EXPECT_EQ(t.render(), "A\n1\n");
}

TEST(SysplexctlTable, WithoutRowsIsItsHeader) {
  EXPECT_EQ(Table({{"ADDRESS"}, {"AGE", Align::kRight}}).render(), "ADDRESS  AGE\n");
}

TEST(SysplexctlTable, CommaList) {
  EXPECT_EQ(comma_list({}), "");
  EXPECT_EQ(comma_list({"SYS1"}), "SYS1");
  EXPECT_EQ(comma_list({"SYS1", "SYS2", "SYS3"}), "SYS1, SYS2, SYS3");
}

}  // namespace
}  // namespace sysplex::ops
