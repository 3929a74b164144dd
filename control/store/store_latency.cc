// Latency of put, txn (compare-and-swap) and get through the etcd backend: median and p90 of N
// calls each, against etcd members given with --endpoints or a local one it starts itself.
//   store_latency [--count N] [--endpoints http://127.0.0.1:2379,...]
// Ends with one line: store_latency put_us_p50=.. txn_us_p50=.. get_us_p50=.. (and p90s, count).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "control/store/etcd_process.h"
#include "control/store/etcd_store.h"

namespace {

using namespace sysplex;
using namespace sysplex::store;
using Clock = std::chrono::steady_clock;

struct Figures {
  double p50_us = 0;
  double p90_us = 0;
};

Figures measure(int count, const std::function<bool(int)>& call) {
  std::vector<double> us;
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    if (!call(i)) {
      std::fprintf(stderr, "store_latency: call %d failed\n", i);
      std::exit(1);
    }
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 9 / 10]};
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  for (size_t begin = 0; begin <= list.size();) {
    size_t end = std::min(list.find(',', begin), list.size());
    if (end > begin) out.push_back(list.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

int run(Store& store, int count) {
  const std::string key = "/bench/latency";
  Figures put = measure(count, [&](int i) { return store.put(key, "value-" + std::to_string(i)).ok(); });
  Revision last = 0;
  auto kvs = store.get(key);
  if (!kvs.ok() || kvs->empty()) return 1;
  last = kvs->front().mod_revision;
  Figures txn = measure(count, [&](int i) {
    auto r = store.txn(Txn{{Compare::mod_revision_is(key, last)}, {Op::put(key, "cas-" + std::to_string(i))}, {}});
    if (!r.ok() || !r->succeeded) return false;
    last = r->revision;
    return true;
  });
  Figures get = measure(count, [&](int) { return store.get(key).ok(); });
  std::printf("store_latency put_us_p50=%.0f put_us_p90=%.0f txn_us_p50=%.0f txn_us_p90=%.0f get_us_p50=%.0f "
              "get_us_p90=%.0f count=%d\n",
              put.p50_us, put.p90_us, txn.p50_us, txn.p90_us, get.p50_us, get.p90_us, count);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 300;
  std::vector<std::string> endpoints;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--count") == 0) count = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--endpoints") == 0) endpoints = split(argv[i + 1]);
  }
  std::unique_ptr<testing::EtcdCluster> local;
  if (endpoints.empty()) {
    auto cluster = testing::EtcdCluster::start();
    if (!cluster.ok()) {
      std::fprintf(stderr, "store_latency: %s\n", cluster.error().to_string().c_str());
      return 1;
    }
    local = std::move(cluster).value();
    endpoints = local->endpoints();
  }
  auto store = EtcdStore::connect(EtcdOptions{endpoints});
  if (!store.ok()) {
    std::fprintf(stderr, "store_latency: %s\n", store.error().to_string().c_str());
    return 1;
  }
  return run(**store, count);
}
