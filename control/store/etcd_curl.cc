// Options chosen once for every gateway request: http(s) only, no signals (threads), Nagle off
// (requests are small and latency-bound), TCP keep-alive so a vanished peer host is noticed.
#include "control/store/etcd_curl.h"

#include <algorithm>
#include <mutex>

namespace sysplex::store::curl {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

JsonHeaders::JsonHeaders() {
  list_ = curl_slist_append(nullptr, "Content-Type: application/json");
  list_ = curl_slist_append(list_, "Expect:");
}

void set_json_post(CURL* easy, const std::string& url, const std::string& body, const JsonHeaders& headers,
                   curl_write_callback write, void* user, char* error_text) {
  error_text[0] = '\0';
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 2L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, user);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_text);
}

void set_timeouts(CURL* easy, std::chrono::milliseconds timeout, bool whole) {
  const long ms = static_cast<long>(std::max<int64_t>(1, timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ms);
  if (whole) curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, ms);
}

long response_code(CURL* easy) {
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

}  // namespace sysplex::store::curl
