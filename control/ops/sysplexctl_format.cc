// The display plumbing and helpers; the displays themselves and their registry are in
// sysplexctl_displays.cc.
#include "control/ops/sysplexctl_format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <utility>
#include <vector>

namespace sysplex::ops {
namespace {

std::optional<uint64_t> counter_of(const Json& v) {
  // nlohmann keeps non-negative literals as signed integers; DPDK's counters are never negative.
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return uint64_t(v.get<int64_t>());
  return std::nullopt;
}

std::string rate_text(const Json& before, const Json& after, double seconds) {
  std::optional<uint64_t> b = counter_of(before), a = counter_of(after);
  if (!a || !b || *a < *b || seconds <= 0) return "-";
  char text[32];
  std::snprintf(text, sizeof(text), "%.0f", double(*a - *b) / seconds);
  return text;
}

}  // namespace

const Display* find_display(std::string_view name) {
  for (const Display& d : displays())
    if (d.name == name) return &d;
  return nullptr;
}

std::string telemetry_command(std::string_view name, const std::string& node, const std::vector<std::string>& args) {
  std::string command = "/sysplexd/" + std::string(name);
  if (!node.empty()) command += "," + node;
  for (const std::string& a : args) command += "," + a;
  return command;
}

// Invalid UTF-8 in a string is replaced, not thrown: a display must not die on one bad name.
std::string pretty_json(const Json& data) { return data.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"; }

std::string compact_json(const Json& data) { return data.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n"; }

Result<std::string> format_display(const Display* display, const Json& data) {
  if (display == nullptr || display->format == nullptr) return pretty_json(data);
  Result<std::string> text = display->format(data);
  if (!text)
    return make_error(Errc::kInternal, "/sysplexd/" + std::string(display->name) + " replied in an unexpected shape: " +
                                           text.error().message +
                                           " (are sysplexd and sysplexctl from different releases? --json shows the reply)");
  return text;
}

std::string rates_table(const Json& before, const Json& after, double seconds,
                        std::span<const std::string_view> keys) {
  Table t({{"COUNTER"}, {"PER-SEC", Align::kRight}});
  for (std::string_view key : keys)
    t.add_row({std::string(key), rate_text(member(before, key), member(after, key), seconds)});
  return t.render();
}

const Json& member(const Json& object, std::string_view key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(std::string(key));
  return it == object.end() ? kNull : *it;
}

std::optional<double> number_of(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::string cell_text(const Json& v) {
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) return v.get_ref<const std::string&>().empty() ? "-" : v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

std::string rows_table(const Json& rows, std::span<const Field> fields) {
  std::vector<Column> columns;
  for (const Field& f : fields) columns.push_back({std::string(f.header), f.align});
  Table t(std::move(columns));
  for (const Json& row : rows) {
    std::vector<std::string> cells;
    for (const Field& f : fields) cells.push_back(f.cell ? f.cell(row) : cell_text(member(row, f.key)));
    t.add_row(std::move(cells));
  }
  return t.render();
}

Result<const Json*> array_member(const Json& data, std::string_view key) {
  const Json& v = member(data, key);
  if (!v.is_array()) return make_error(Errc::kInternal, "no '" + std::string(key) + "' list");
  return &v;
}

Result<Json> indexed_rows(const Json& data, std::string_view kind) {
  if (!data.is_object()) return make_error(Errc::kInternal, "the reply is not an object of " + std::string(kind) + "N rows");
  std::vector<std::pair<unsigned long, const Json*>> rows;
  for (const auto& [key, value] : data.items()) {
    std::string_view k = key;
    bool numbered = k.size() > kind.size() && k.substr(0, kind.size()) == kind &&
                    k.find_first_not_of("0123456789", kind.size()) == std::string_view::npos && k.size() - kind.size() < 10;
    if (!numbered && (value.is_number() || value.is_string())) continue;  // a summary beside the rows
    if (!numbered || !value.is_object())
      return make_error(Errc::kInternal, "member '" + key + "' is not a " + std::string(kind) + "N object");
    rows.emplace_back(std::stoul(key.substr(kind.size())), &value);
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Json out = Json::array();
  for (const auto& [index, row] : rows) out.push_back(*row);
  return out;
}

}  // namespace sysplex::ops
