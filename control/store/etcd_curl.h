// libcurl set-up shared by the etcd client's unary calls and watch streams (internal to the
// store's etcd backend): one JSON POST to the gateway, configured the same way for both.
#pragma once

#include "control/layer_guard.h"

#include <curl/curl.h>

#include <chrono>
#include <string>

namespace sysplex::store::curl {

// curl_global_init, once per process (thread-safe).
void global_init();

// The request headers: JSON, and no "Expect: 100-continue" round trip for larger bodies.
class JsonHeaders {
 public:
  JsonHeaders();
  ~JsonHeaders() { curl_slist_free_all(list_); }
  JsonHeaders(const JsonHeaders&) = delete;
  JsonHeaders& operator=(const JsonHeaders&) = delete;
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// Configures `easy` (after curl_easy_reset or init) to POST `body` to `url`, writing the reply to
// `write` with `user`, the error text to `error_text` (CURL_ERROR_SIZE bytes). `url`, `body`,
// `headers` and `error_text` must outlive the transfer.
void set_json_post(CURL* easy, const std::string& url, const std::string& body, const JsonHeaders& headers,
                   curl_write_callback write, void* user, char* error_text);

// `timeout` bounds the connection set-up and, when `whole` is set, the entire transfer.
void set_timeouts(CURL* easy, std::chrono::milliseconds timeout, bool whole);

// The HTTP status of the transfer so far (0 before the headers came).
long response_code(CURL* easy);

}  // namespace sysplex::store::curl
