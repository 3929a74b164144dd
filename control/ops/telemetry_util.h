#pragma once
#include "control/layer_guard.h"
// Shared pieces of the /sysplexd/... telemetry commands: the node registry, parameter parsing
// ("NODE[,key=value...]") and helpers to build DPDK 22.11 telemetry replies, whose lists of
// objects are dictionaries keyed "<kind>0", "<kind>1", ... (dicts nest only inside dicts).

#include <rte_telemetry.h>

#include <map>
#include <string>
#include <vector>

namespace sysplex::node {
class Node;
}

namespace sysplex::ops {

std::vector<node::Node*>& telemetry_nodes();

struct Params {
  node::Node* node = nullptr;
  std::map<std::string, std::string> args;  // key=value after the node name
  std::vector<std::string> words;           // plain words after the node name
};
// The node the parameter names (or the only one), with what follows it.
Params parse_params(const char* params);

inline void put_u64(rte_tel_data* d, const char* k, uint64_t v) { rte_tel_data_add_dict_u64(d, k, v); }
inline void put_str(rte_tel_data* d, const char* k, const std::string& v) { rte_tel_data_add_dict_string(d, k, v.c_str()); }
// A fresh dictionary added to `d` as "<kind><index>"; at most RTE_TEL_MAX_DICT_ENTRIES per reply.
rte_tel_data* add_row(rte_tel_data* d, const char* kind, unsigned index);

}  // namespace sysplex::ops
