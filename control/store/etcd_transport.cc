// One curl easy handle for all unary calls: curl keeps the connection to each endpoint alive, so a
// call costs one HTTP round trip. A timed-out attempt is only repeated when that cannot apply a
// write twice (Retry); the deadline bounds the whole call, pauses included.
#include "control/store/etcd_transport.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "control/store/etcd_codec.h"
#include "control/store/etcd_curl.h"

namespace sysplex::store {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kMaxReplyBytes = size_t{256} << 20;

struct Reply {
  std::string body;
  bool too_big = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* reply = static_cast<Reply*>(user);
  const size_t n = size * count;
  if (reply->body.size() + n > kMaxReplyBytes) {
    reply->too_big = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  reply->body.append(data, n);
  return n;
}

milliseconds left(Clock::time_point deadline) {
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

struct Attempt {
  enum class Kind : uint8_t { kOk, kNotApplied, kMaybeApplied, kRejected };
  Kind kind = Kind::kOk;
  std::string body;  // kOk: the reply
  Errc code = Errc::kUnavailable;
  std::string reason;  // "timed out after 1000 ms", "HTTP 503: etcdserver: no leader", ...
};

// A transfer that did not complete. `sent`: request bytes that left (0: etcd cannot have it).
Attempt transfer_failure(CURLcode rc, const char* error_text, long sent, bool too_big, milliseconds timeout) {
  using Kind = Attempt::Kind;
  const std::string detail = error_text[0] ? error_text : curl_easy_strerror(rc);
  const Kind unsent_or_maybe = sent == 0 ? Kind::kNotApplied : Kind::kMaybeApplied;
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return Attempt{Kind::kNotApplied, {}, Errc::kUnavailable, "cannot connect (" + detail + ")"};
    case CURLE_OPERATION_TIMEDOUT:
      return Attempt{unsent_or_maybe, {}, Errc::kUnavailable,
                     std::string(sent == 0 ? "connect timed out after " : "timed out after ") +
                         std::to_string(timeout.count()) + " ms"};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Attempt{Kind::kRejected, {}, Errc::kInvalidArgument, "bad endpoint URL (" + detail + ")"};
    default:
      if (too_big)
        return Attempt{Kind::kRejected, {}, Errc::kResourceExhausted,
                       "reply larger than " + std::to_string(kMaxReplyBytes >> 20) + " MiB"};
      return Attempt{unsent_or_maybe, {}, Errc::kUnavailable, "connection failed (" + detail + ")"};
  }
}

Attempt reply_failure(long status, const std::string& body) {
  using Kind = Attempt::Kind;
  etcd::ReplyError e = etcd::classify_error_reply(status, body);
  const Kind kind = e.delivery == etcd::Delivery::kNotApplied     ? Kind::kNotApplied
                    : e.delivery == etcd::Delivery::kMaybeApplied ? Kind::kMaybeApplied
                                                                  : Kind::kRejected;
  return Attempt{kind, {}, e.code, "HTTP " + std::to_string(status) + ": " + e.message};
}

Attempt attempt(CURL* easy, const std::string& url, const std::string& body, milliseconds timeout) {
  curl_easy_reset(easy);  // keeps the live connections
  Reply reply;
  char error_text[CURL_ERROR_SIZE];
  curl::JsonHeaders headers;
  curl::set_json_post(easy, url, body, headers, on_body, &reply, error_text);
  curl::set_timeouts(easy, timeout, /*whole=*/true);
  const CURLcode rc = curl_easy_perform(easy);
  if (rc != CURLE_OK) {
    long sent = 0;
    curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &sent);
    return transfer_failure(rc, error_text, sent, reply.too_big, timeout);
  }
  const long status = curl::response_code(easy);
  if (status == 200) return Attempt{Attempt::Kind::kOk, std::move(reply.body), Errc::kUnavailable, {}};
  return reply_failure(status, reply.body);
}

}  // namespace

struct EtcdTransport::Call {
  Clock::time_point start;
  Clock::time_point deadline;
  size_t index = 0;       // the endpoint to try next
  size_t last_tried = 0;
  int attempts = 0;
  size_t failed_in_round = 0;
  milliseconds backoff{0};
  std::string last_reason = "no attempt fitted in the deadline";
};

Result<EtcdOptions> normalize(EtcdOptions options) {
  if (options.endpoints.empty())
    return make_error(Errc::kInvalidArgument, "etcd store: no endpoints given (want http://HOST:PORT, ...)");
  for (std::string& ep : options.endpoints) {
    while (ep.size() > 1 && ep.back() == '/') ep.pop_back();
    if (!ep.starts_with("http://") && !ep.starts_with("https://"))
      return make_error(Errc::kInvalidArgument,
                        "etcd store: endpoint '" + ep + "' is not an http:// or https:// client URL");
  }
  if (options.attempt_timeout.count() <= 0 || options.call_deadline.count() <= 0 ||
      options.backoff_initial.count() < 0 || options.backoff_max < options.backoff_initial)
    return make_error(Errc::kInvalidArgument,
                      "etcd store: timeouts must be positive and backoff_max at least backoff_initial");
  if (options.watch_queue_limit == 0)
    return make_error(Errc::kInvalidArgument, "etcd store: watch_queue_limit must be positive");
  return options;
}

Result<std::unique_ptr<EtcdTransport>> EtcdTransport::create(EtcdOptions options) {
  auto normal = normalize(std::move(options));
  if (!normal) return normal.error();
  curl::global_init();
  CURL* easy = curl_easy_init();
  if (!easy) return make_error(Errc::kResourceExhausted, "etcd store: curl_easy_init failed");
  return std::unique_ptr<EtcdTransport>(new EtcdTransport(std::move(normal).value(), easy));
}

EtcdTransport::EtcdTransport(EtcdOptions options, void* curl) : options_(std::move(options)), curl_(curl) {
  health_.endpoint = options_.endpoints.front();
}

EtcdTransport::~EtcdTransport() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<std::string> EtcdTransport::call(const std::string& what, const std::string& path, const std::string& body,
                                        Retry retry) {
  std::lock_guard call_lock(call_mu_);
  Call call;
  call.start = Clock::now();
  call.deadline = call.start + options_.call_deadline;
  call.index = current_endpoint();
  call.backoff = options_.backoff_initial;
  for (milliseconds remaining; (remaining = left(call.deadline)).count() > 0;) {
    const std::string& endpoint = options_.endpoints[call.index];
    call.last_tried = call.index;
    Attempt a = attempt(static_cast<CURL*>(curl_), endpoint + path, body, std::min(options_.attempt_timeout, remaining));
    ++call.attempts;
    if (a.kind == Attempt::Kind::kOk) {
      note_success(call.index);
      return std::move(a.body);
    }
    const bool unknown = a.kind == Attempt::Kind::kMaybeApplied && retry == Retry::kOnlyIfNotApplied;
    if (a.kind == Attempt::Kind::kRejected || unknown) {
      Error e = make_error(a.code, "etcd " + endpoint + ": " + what + ": " + a.reason +
                                       (unknown ? "; the outcome is unknown (re-read before retrying)" : ""));
      note_failure(call.index, call.index, e, /*reachable=*/a.kind == Attempt::Kind::kRejected);
      return e;
    }
    call.last_reason = a.reason;
    fail_over(call);
  }
  return give_up(what, call);
}

void EtcdTransport::fail_over(Call& call) {
  call.index = (call.index + 1) % options_.endpoints.size();
  {
    std::lock_guard lock(health_mu_);
    ++health_.retries;
    health_.endpoint = options_.endpoints[call.index];
  }
  if (++call.failed_in_round < options_.endpoints.size()) return;  // untried endpoints first, at once
  call.failed_in_round = 0;
  std::this_thread::sleep_for(std::min(call.backoff, left(call.deadline)));
  call.backoff = std::min(call.backoff * 2, options_.backoff_max);
}

Error EtcdTransport::give_up(const std::string& what, const Call& call) {
  const size_t n = options_.endpoints.size();
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - call.start).count();
  Error e = make_error(Errc::kUnavailable, "etcd " + options_.endpoints[call.last_tried] + ": " + what + ": " +
                                               call.last_reason + " (" + std::to_string(call.attempts) +
                                               " attempts over " + std::to_string(n) +
                                               (n == 1 ? " endpoint in " : " endpoints in ") + std::to_string(took) +
                                               " ms)");
  note_failure(call.last_tried, call.index, e, /*reachable=*/false);
  return e;
}

void EtcdTransport::note_success(size_t endpoint) {
  std::lock_guard lock(health_mu_);
  current_ = endpoint;
  health_.reachable = true;
  health_.last_error.clear();
  health_.endpoint = options_.endpoints[endpoint];
}

void EtcdTransport::note_failure(size_t endpoint, size_t next, const Error& error, bool reachable) {
  std::lock_guard lock(health_mu_);
  current_ = next;
  health_.endpoint = options_.endpoints[endpoint];
  health_.reachable = reachable;
  if (error.code == Errc::kUnavailable) ++health_.failed_calls;
  // A definite answer (not found, invalid argument) is the caller's business, not the store's.
  if (!reachable || error.code == Errc::kInternal) {
    health_.last_error = error.message;
  } else {
    health_.last_error.clear();
  }
}

void EtcdTransport::note_bad_reply(const Error& error) {
  std::lock_guard lock(health_mu_);
  health_.last_error = error.message;
}

StoreHealth EtcdTransport::health() const {
  std::lock_guard lock(health_mu_);
  return health_;
}

size_t EtcdTransport::current_endpoint() const {
  std::lock_guard lock(health_mu_);
  return current_;
}

}  // namespace sysplex::store
