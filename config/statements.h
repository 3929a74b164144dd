// Internal to config/: the top-level statement parsers, one function per statement, each called
// with the statement keyword consumed and Parse::at pointing at it.
#pragma once

#include "config/profile_parse.h"

namespace sysplex::config {

// statements_node.cc
void parse_nodename(Parse& p);
void parse_nodeaddr(Parse& p);
void parse_port(Parse& p);
void parse_portaddr(Parse& p);
void parse_route(Parse& p);
void parse_neighbor(Parse& p);
void parse_tap(Parse& p);
void parse_store(Parse& p);
void parse_group(Parse& p);
void parse_mempool(Parse& p);
void parse_workers(Parse& p);
void parse_adjustdvipamss(Parse& p);
void parse_targetcache(Parse& p);
void parse_conntable(Parse& p);
void parse_routesource(Parse& p);
// statements_global.cc
void parse_globalconfig(Parse& p);
// statements_vipa.cc
void parse_vipadynamic(Parse& p);
// statements_ipsec.cc
void parse_ipsec(Parse& p);

}  // namespace sysplex::config
