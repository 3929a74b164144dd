#pragma once
#include "control/layer_guard.h"
// Plain-text tables for sysplexctl's displays: a header line, then one line per row, every column
// as wide as its widest cell, numbers right-aligned. Knows nothing of JSON or telemetry.

#include <cstdint>
#include <string>
#include <vector>

namespace sysplex::ops {

enum class Align : uint8_t { kLeft, kRight };

struct Column {
  std::string header;
  Align align = Align::kLeft;
};

class Table {
 public:
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // One cell per column: missing cells are blank, extra ones are dropped.
  void add_row(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }
  // Columns are two spaces apart; lines end in '\n' and never in a blank.
  std::string render() const;

 private:
  std::vector<size_t> widths() const;
  std::string line(const std::vector<std::string>& cells, const std::vector<size_t>& widths) const;

  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// "A, B, C": names in a message.
std::string comma_list(const std::vector<std::string>& words);

}  // namespace sysplex::ops
