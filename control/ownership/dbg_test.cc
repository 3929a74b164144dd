#include "control/ownership/member_test_util.h"
namespace sysplex::ownership {
using namespace testing;
using namespace std::chrono_literals;
TEST(Dbg, Isolation) {
  Sim sim;
  sim.add(profile("SYS1", 1, {{"198.19.0.10"}}, {}));
  sim.add(profile("SYS2", 2, {}, {{"198.19.0.10", 100}}));
  sim.add(profile("SYS3", 3, {}, {{"198.19.0.10", 50}}));
  sim.run(500);
  sim.isolate_from_peers("SYS1");
  sim.cut_store("SYS1", true);
  uint64_t t0 = sim.now();
  size_t prev = 1;
  for (int i = 0; i < 500; ++i) {
    sim.clock.advance(10ms);
    sim.step_all();
    auto b = sim.believers("198.19.0.10");
    if (b.size() != prev) { printf("+%lu believers=%zu\n", sim.now() - t0, b.size()); prev = b.size(); }
  }
  for (auto& n : {"SYS1","SYS2"}) for (auto& a : sim.node(n).all) printf("%s %s\n", n, to_string(a).c_str());
  printf("fence_at=%lu\n", sim.node("SYS1").m->state().fence_at_ms - t0);
}
TEST(Dbg, Race) {
  Sim sim;
  sim.add(profile("SYS1", 1, {{"198.19.0.10"}}, {}));
  sim.add(profile("SYS2", 2, {}, {{"198.19.0.10", 100}}));
  sim.add(profile("SYS3", 3, {}, {{"198.19.0.10", 100}}));
  sim.run(500);
  sim.cut("SYS2", "SYS3");
  sim.kill("SYS1");
  sim.run(2000, 10);
  for (auto& n : {"SYS2","SYS3"}) { for (auto& a : sim.node(n).all) printf("%s %s\n", n, to_string(a).c_str());
    auto& c = sim.node(n).m->state().counters; printf("%s claims=%lu won=%lu lost=%lu\n", n, c.claims, c.claims_won, c.claims_lost);}
}
}
