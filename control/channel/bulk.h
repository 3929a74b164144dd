// Splitting long connection lists into messages that each seal to one datagram within a payload
// budget, and reassembling a target's bulk connection report from its chunks in any arrival order.
#pragma once

#include "control/layer_guard.h"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "config/net.h"
#include "config/result.h"
#include "control/channel/messages.h"

namespace sysplex::channel {

// The sealed datagram (UDP payload) each chunk must fit in: a 1500-byte MTU less IPv6 (40) and UDP
// (8) headers, with room left for encapsulation on the way.
inline constexpr size_t kDefaultPayloadBudget = 1400;

// The report chunks for one bulk request: chunk_index 0, 1, ...; last_chunk on the final one; each
// sealed datagram <= budget and <= kMaxConnections entries. An empty list gives one empty, last
// chunk. Fails (naming the smallest budget that works) if a budget cannot hold one IPv6 connection,
// or if a connection does not validate.
[[nodiscard]] Result<std::vector<BulkConnectionReport>> split_bulk_report(
    uint64_t request_id, const IpAddr& dvipa, std::span<const ConnTuple> connections,
    size_t budget = kDefaultPayloadBudget);

// The same for "connection ended" batches; an empty list gives no message.
[[nodiscard]] Result<std::vector<ConnectionEnded>> split_connection_ended(
    const IpAddr& dvipa, std::span<const ConnTuple> connections, size_t budget = kDefaultPayloadBudget);

// Collects the chunks one target sends for one request (the caller keys collectors by sender and
// request id). Accepts chunks in any order; complete() once the last chunk and every index below
// it are in; connections() then lists them in chunk-index order.
class BulkCollector {
 public:
  static constexpr uint32_t kDefaultMaxChunks = 65536;  // ~70 M connections at the default budget

  enum class Add : uint8_t {
    kAccepted,
    kDuplicate,     // this chunk index arrived before (ignored)
    kMismatch,      // another request id or DVIPA
    kBeyondLast,    // an index above the last chunk's, or a second, different last chunk
    kTooManyChunks, // index >= max_chunks
  };

  BulkCollector(uint64_t request_id, const IpAddr& dvipa, uint32_t max_chunks = kDefaultMaxChunks);

  Add add(BulkConnectionReport chunk);
  bool complete() const;
  size_t chunks_received() const { return chunks_.size(); }
  // All connections in chunk order; empty until complete().
  std::vector<ConnTuple> connections() const;

 private:
  uint64_t request_id_;
  IpAddr dvipa_;
  uint32_t max_chunks_;
  std::map<uint32_t, std::vector<ConnTuple>> chunks_;  // by index; only those received
  std::optional<uint32_t> last_index_;
};

}  // namespace sysplex::channel
