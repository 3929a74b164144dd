// The stream runs on curl's multi interface so the destructor can wake it at once
// (curl_multi_wakeup) instead of waiting for the server to send something.
#include "control/store/etcd_watch.h"

#include "control/store/etcd_curl.h"
#include "control/store/validate.h"

#include <algorithm>
#include <utility>

namespace sysplex::store {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kMaxLineBytes = size_t{64} << 20;  // one watch response; etcd's own are far smaller
constexpr size_t kMaxErrorBytes = 64 << 10;         // a non-200 reply kept for its etcd error
constexpr int kPollMs = 200;                         // wakes to check the creation timeout

struct StreamContext {
  EtcdWatch* watch;
  CURL* easy;
  const std::string* endpoint;
  bool (EtcdWatch::*feed)(std::string_view, const std::string&);
  std::string error_body;  // a non-200 reply, kept aside (an etcd error, not stream messages)
};

size_t on_stream_bytes(char* data, size_t size, size_t count, void* user) {
  auto* ctx = static_cast<StreamContext*>(user);
  const size_t n = size * count;
  if (curl::response_code(ctx->easy) != 200) {
    ctx->error_body.append(data, std::min(n, kMaxErrorBytes - std::min(kMaxErrorBytes, ctx->error_body.size())));
    return n;
  }
  return (ctx->watch->*ctx->feed)(std::string_view(data, n), *ctx->endpoint) ? n : 0;
}

}  // namespace

EtcdWatch::EtcdWatch(EtcdOptions options, size_t first_endpoint, std::string prefix, Revision start_revision)
    : options_(std::move(options)),
      prefix_(std::move(prefix)),
      start_revision_(start_revision),
      endpoint_(first_endpoint % options_.endpoints.size()),
      next_(start_revision),
      multi_(nullptr) {
  curl::global_init();
  multi_ = curl_multi_init();
}

EtcdWatch::~EtcdWatch() {
  stop_ = true;
  if (multi_) curl_multi_wakeup(static_cast<CURLM*>(multi_));
  {
    std::lock_guard lock(mu_);
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  if (multi_) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

std::string EtcdWatch::describe() const {
  return "watch " + key_text(prefix_) +
         (start_revision_ == 0 ? std::string(" from now") : " from revision " + std::to_string(start_revision_));
}

Status EtcdWatch::start() {
  if (!multi_) return make_error(Errc::kResourceExhausted, "etcd store: curl_multi_init failed");
  thread_ = std::thread([this] { run(); });
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, options_.call_deadline, [&] { return created_ || failure_.has_value(); });
  if (created_) return ok_status();  // a compaction notice that followed is reported by poll()
  if (failure_) return *failure_;
  return make_error(Errc::kUnavailable, "etcd " + options_.endpoints[endpoint_] + ": " + describe() +
                                            ": not confirmed within " + std::to_string(options_.call_deadline.count()) +
                                            " ms (" + (last_error_.empty() ? "no reply" : last_error_) + ")");
}

void EtcdWatch::run() {
  milliseconds backoff = options_.backoff_initial;
  while (!stop_) {
    const std::string endpoint = options_.endpoints[endpoint_];
    if (stream(endpoint) != End::kLost) return;
    ++reconnects_;
    bool was_created = false;
    {
      std::lock_guard lock(mu_);
      was_created = stream_created_;
    }
    endpoint_ = (endpoint_ + 1) % options_.endpoints.size();
    backoff = was_created ? options_.backoff_initial : std::min(backoff * 2, options_.backoff_max);
    pause(backoff);
  }
}

EtcdWatch::End EtcdWatch::stream(const std::string& endpoint) {
  std::string body;
  {
    std::lock_guard lock(mu_);
    stream_created_ = false;
    stream_reason_.clear();
    body = etcd::watch_create_request(prefix_, next_);
  }
  line_.clear();
  CURL* easy = curl_easy_init();
  if (!easy) return End::kLost;
  const std::string url = endpoint + "/v3/watch";
  StreamContext ctx{this, easy, &endpoint, &EtcdWatch::on_bytes, {}};
  char error_text[CURL_ERROR_SIZE];
  curl::JsonHeaders headers;
  curl::set_json_post(easy, url, body, headers, on_stream_bytes, &ctx, error_text);
  curl::set_timeouts(easy, options_.attempt_timeout, /*whole=*/false);
  std::string ended = transfer(easy);
  if (error_text[0]) ended = error_text;  // curl's detailed words, when it has them
  if (ended.empty()) ended = "the stream ended";
  const long status = curl::response_code(easy);
  curl_easy_cleanup(easy);
  if (status != 200 && status != 0) {
    etcd::ReplyError e = etcd::classify_error_reply(status, ctx.error_body);
    ended = "HTTP " + std::to_string(status) + ": " + e.message;
    if (e.delivery == etcd::Delivery::kRejected)
      fail(make_error(e.code, "etcd " + endpoint + ": " + describe() + ": " + ended));
  }
  std::lock_guard lock(mu_);
  if (stop_) return End::kStopped;
  if (failure_) return End::kFailed;
  last_error_ = stream_reason_.empty() ? "etcd " + endpoint + ": " + ended : stream_reason_;
  return End::kLost;
}

std::string EtcdWatch::transfer(void* handle) {
  CURL* easy = static_cast<CURL*>(handle);
  CURLM* multi = static_cast<CURLM*>(multi_);
  curl_multi_add_handle(multi, easy);
  const auto started = Clock::now();
  std::string ended;
  for (int running = 1; running && !stop_;) {
    curl_multi_perform(multi, &running);
    if (!running) break;
    bool confirmed = false;
    {
      std::lock_guard lock(mu_);
      confirmed = stream_created_ || failure_.has_value();
    }
    if (!confirmed && Clock::now() - started > options_.attempt_timeout) {
      ended = "not confirmed within " + std::to_string(options_.attempt_timeout.count()) + " ms";
      break;
    }
    curl_multi_poll(multi, nullptr, 0, kPollMs, nullptr);
  }
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg == CURLMSG_DONE && msg->data.result != CURLE_OK && ended.empty())
      ended = curl_easy_strerror(msg->data.result);
  }
  curl_multi_remove_handle(multi, easy);
  return ended;
}

bool EtcdWatch::on_bytes(std::string_view data, const std::string& endpoint) {
  line_.append(data);
  size_t begin = 0;
  for (size_t nl; (nl = line_.find('\n', begin)) != std::string::npos; begin = nl + 1) {
    std::string_view line(line_.data() + begin, nl - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto message = etcd::parse_watch_message(line);
    if (!message) {
      std::lock_guard lock(mu_);
      stream_reason_ = "etcd " + endpoint + ": " + message.error().message + " on the watch stream";
      return false;
    }
    if (!on_message(*message, endpoint)) return false;
  }
  line_.erase(0, begin);
  if (line_.size() > kMaxLineBytes) {
    fail(make_error(Errc::kResourceExhausted, "etcd " + endpoint + ": " + describe() + ": a stream message exceeds " +
                                                  std::to_string(kMaxLineBytes >> 20) + " MiB"));
    return false;
  }
  return true;
}

bool EtcdWatch::on_message(const etcd::WatchMessage& m, const std::string& endpoint) {
  std::unique_lock lock(mu_);
  if (m.stream_error) {
    stream_reason_ = "etcd " + endpoint + ": watch stream error: " + *m.stream_error;
    return false;
  }
  if (m.created) {
    stream_created_ = created_ = true;
    if (next_ == 0) next_ = m.header_revision + 1;  // "from now": after the revision it was created at
  }
  if (m.canceled) {
    std::string why = m.compact_revision != 0
                          ? "revision " + std::to_string(next_) + " is compacted (etcd keeps history from revision " +
                                std::to_string(m.compact_revision) + "); re-read and watch from the read revision + 1"
                          : "cancelled by etcd: " + (m.cancel_reason.empty() ? "no reason given" : m.cancel_reason);
    lock.unlock();
    fail(make_error(Errc::kFailedPrecondition, "etcd " + endpoint + ": " + describe() + ": " + why));
    return false;
  }
  for (const WatchEvent& ev : m.events) {
    if (ev.kv.mod_revision >= next_) queue_.push_back(ev);  // older: already delivered before a reconnect
  }
  if (!m.events.empty()) next_ = std::max(next_, m.events.back().kv.mod_revision + 1);
  if (queue_.size() > options_.watch_queue_limit) {
    lock.unlock();
    fail(make_error(Errc::kFailedPrecondition,
                    "etcd " + endpoint + ": " + describe() + ": more than " +
                        std::to_string(options_.watch_queue_limit) + " events left unread; re-read and watch again"));
    return false;
  }
  if (m.created || !m.events.empty()) cv_.notify_all();
  return true;
}

void EtcdWatch::fail(Error error) {
  std::lock_guard lock(mu_);
  if (!failure_) failure_ = std::move(error);
  cv_.notify_all();
}

void EtcdWatch::pause(milliseconds duration) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, duration, [&] { return stop_.load(); });
}

Result<std::vector<WatchEvent>> EtcdWatch::poll(milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return !queue_.empty() || failure_.has_value() || stop_.load(); });
  if (queue_.empty() && failure_) return *failure_;
  std::vector<WatchEvent> out(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  return out;
}

}  // namespace sysplex::store
