#pragma once
#include "control/layer_guard.h"
// sysplexctl's displays: one registry row per sysplexd telemetry command saying how to ask for it and
// how to print its reply, plus the JSON-to-table helpers a new display is written with.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/result.h"
#include "control/ops/sysplexctl_table.h"
#include "control/ops/telemetry_client.h"

namespace sysplex::ops {

// Turns one reply's data into display text; fails when the data does not have the expected shape.
using Formatter = Result<std::string> (*)(const Json& data);

struct Display {
  std::string_view name;     // the sysplexctl COMMAND word; sysplexd serves it as /sysplexd/<name>
  bool per_node = true;      // the node name is the command's parameter
  Formatter format = nullptr;                    // nullptr: indented JSON
  std::span<const std::string_view> rate_keys;   // counters `watch` shows per-second rates of
  std::string_view args = {};  // what may follow the command ("[dvipa=A] [limit=N]"); empty: nothing
  bool op = false;             // an operator command: sent as /sysplexd/op,NODE,<name>[,args]; a
                               // reply of {"ok": "no"} makes sysplexctl fail
};

std::span<const Display> displays();
const Display* find_display(std::string_view name);   // nullptr when there is no such row
// "/sysplexd/<name>" and, when `node` is not empty, ",<node>", then ",<arg>" for each argument.
std::string telemetry_command(std::string_view name, const std::string& node, const std::vector<std::string>& args = {});

// The display text of a reply: the row's formatter, or indented JSON when it has none (or there is no
// row). A reply of an unexpected shape is an error naming the command.
Result<std::string> format_display(const Display* display, const Json& data);
std::string pretty_json(const Json& data);    // indented, for reading
std::string compact_json(const Json& data);   // one line, for scripts

// watch: per-second rates of the counters `keys` between two samples `seconds` apart. A counter
// that went backwards (sysplexd restarted) or is missing shows "-".
std::string rates_table(const Json& before, const Json& after, double seconds,
                        std::span<const std::string_view> keys);

// --- helpers for formatters ---

// The member `key` of `object`, or null when it is not an object or lacks the member.
const Json& member(const Json& object, std::string_view key);
// A number, or a string holding one (sysplexd sends some fractions as strings).
std::optional<double> number_of(const Json& v);
// A cell: numbers in decimal, booleans as yes/no, null, missing or "" as "-".
std::string cell_text(const Json& v);

// One column of a table drawn from an array of objects.
struct Field {
  std::string_view header;
  std::string_view key;
  Align align = Align::kLeft;
  std::string (*cell)(const Json& row) = nullptr;   // a computed cell; default cell_text(row[key])
};
// One row per object of `rows` (an array).
std::string rows_table(const Json& rows, std::span<const Field> fields);
// data[key], which must be an array; the error says what was missing.
Result<const Json*> array_member(const Json& data, std::string_view key);
// DPDK 22.11 telemetry cannot put dictionaries in an array, so sysplexd sends a list of objects as
// the members "<kind>0", "<kind>1", ... of the reply: this reads them back as an array, in index
// order. Numbers and strings beside them (a summary such as "total") are skipped; any other member
// is an error naming it.
Result<Json> indexed_rows(const Json& data, std::string_view kind);

}  // namespace sysplex::ops
