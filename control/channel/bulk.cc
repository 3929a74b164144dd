// Greedy packing by the real encoded sizes: the fixed part of a message is measured by encoding
// it empty, each connection adds encoded_size(), and sealed_size() adds the frame's overhead.
#include "control/channel/bulk.h"

#include "control/channel/frame.h"

namespace sysplex::channel {
namespace {

constexpr size_t kLargestTuple = 38;  // an IPv6 connection

Result<size_t> body_size(const Message& m) {
  SecretBytes body;
  if (auto s = encode_body(m, body); !s) return s.error();
  return body.size();
}

// Groups of consecutive connections, each fitting `budget` once sealed with `fixed` body bytes.
Result<std::vector<std::vector<ConnTuple>>> pack(std::span<const ConnTuple> conns, size_t fixed, size_t budget) {
  size_t needed = sealed_size(fixed + kLargestTuple);
  if (budget < needed || budget > kMaxDatagram)
    return make_error(Errc::kInvalidArgument, "payload budget " + std::to_string(budget) + " outside " +
                                                  std::to_string(needed) + "-" + std::to_string(kMaxDatagram) +
                                                  " (one IPv6 connection must fit a datagram)");
  std::vector<std::vector<ConnTuple>> groups;
  std::vector<ConnTuple> cur;
  size_t cur_size = fixed;
  for (const ConnTuple& c : conns) {
    size_t add = encoded_size(c);
    if (cur.size() == kMaxConnections || sealed_size(cur_size + add) > budget) {
      groups.push_back(std::move(cur));
      cur.clear();
      cur_size = fixed;
    }
    cur.push_back(c);
    cur_size += add;
  }
  if (!cur.empty()) groups.push_back(std::move(cur));
  return groups;
}

}  // namespace

Result<std::vector<BulkConnectionReport>> split_bulk_report(uint64_t request_id, const IpAddr& dvipa,
                                                            std::span<const ConnTuple> connections, size_t budget) {
  // The largest chunk index a split could need, so the fixed part is measured at its widest.
  auto fixed = body_size(BulkConnectionReport{request_id, dvipa, UINT32_MAX, true, {}});
  if (!fixed) return fixed.error();
  auto groups = pack(connections, *fixed, budget);
  if (!groups) return groups.error();
  if (groups->empty()) groups->emplace_back();
  std::vector<BulkConnectionReport> out;
  out.reserve(groups->size());
  for (size_t i = 0; i < groups->size(); ++i) {
    BulkConnectionReport r{request_id, dvipa, uint32_t(i), i + 1 == groups->size(), std::move((*groups)[i])};
    if (auto s = validate(r); !s) return s.error();
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<ConnectionEnded>> split_connection_ended(const IpAddr& dvipa, std::span<const ConnTuple> connections,
                                                            size_t budget) {
  // Measured with one connection (the message needs at least one), less that connection's bytes.
  ConnTuple probe{dvipa, dvipa, 1, 1, kProtoTcp};
  auto one = body_size(ConnectionEnded{dvipa, {probe}});
  if (!one) return one.error();
  auto groups = pack(connections, *one - encoded_size(probe), budget);
  if (!groups) return groups.error();
  std::vector<ConnectionEnded> out;
  out.reserve(groups->size());
  for (auto& g : *groups) {
    ConnectionEnded m{dvipa, std::move(g)};
    if (auto s = validate(m); !s) return s.error();
    out.push_back(std::move(m));
  }
  return out;
}

BulkCollector::BulkCollector(uint64_t request_id, const IpAddr& dvipa, uint32_t max_chunks)
    : request_id_(request_id), dvipa_(dvipa), max_chunks_(max_chunks) {}

BulkCollector::Add BulkCollector::add(BulkConnectionReport chunk) {
  if (chunk.request_id != request_id_ || !(chunk.dvipa == dvipa_)) return Add::kMismatch;
  if (chunk.chunk_index >= max_chunks_) return Add::kTooManyChunks;
  if (chunks_.count(chunk.chunk_index)) return Add::kDuplicate;
  if (last_index_ && chunk.chunk_index > *last_index_) return Add::kBeyondLast;
  if (chunk.last_chunk && last_index_ && *last_index_ != chunk.chunk_index) return Add::kBeyondLast;
  if (chunk.last_chunk && !chunks_.empty() && chunks_.rbegin()->first > chunk.chunk_index) return Add::kBeyondLast;
  if (chunk.last_chunk) last_index_ = chunk.chunk_index;
  chunks_.emplace(chunk.chunk_index, std::move(chunk.connections));
  return Add::kAccepted;
}

bool BulkCollector::complete() const { return last_index_ && chunks_.size() == size_t(*last_index_) + 1; }

std::vector<ConnTuple> BulkCollector::connections() const {
  std::vector<ConnTuple> all;
  if (!complete()) return all;
  for (const auto& [index, conns] : chunks_) all.insert(all.end(), conns.begin(), conns.end());
  return all;
}

}  // namespace sysplex::channel
