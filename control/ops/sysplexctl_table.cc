#include "control/ops/sysplexctl_table.h"

#include <algorithm>

namespace sysplex::ops {
namespace {

constexpr std::string_view kGap = "  ";

}  // namespace

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

std::vector<size_t> Table::widths() const {
  std::vector<size_t> w;
  for (const Column& c : columns_) w.push_back(c.header.size());
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], row[i].size());
  return w;
}

std::string Table::line(const std::vector<std::string>& cells, const std::vector<size_t>& widths) const {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    std::string pad(widths[i] - cells[i].size(), ' ');
    if (i > 0) out += kGap;
    out += columns_[i].align == Align::kRight ? pad + cells[i] : cells[i] + pad;
  }
  out.erase(out.find_last_not_of(' ') + 1);
  return out + "\n";
}

std::string comma_list(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::string Table::render() const {
  std::vector<size_t> w = widths();
  std::vector<std::string> headers;
  for (const Column& c : columns_) headers.push_back(c.header);
  std::string out = line(headers, w);
  for (const auto& row : rows_) out += line(row, w);
  return out;
}

}  // namespace sysplex::ops
