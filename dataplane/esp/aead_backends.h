// Internal to the ESP library: the three AEAD back ends behind AeadContext. aead.cc probes and
// calibrates them; each .cc file holds one library's context type.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "dataplane/esp/aead.h"

namespace sysplex::dp::esp::backend {

// Each make_* returns nullptr when the library refused the key (wrong size) or is unavailable.
std::unique_ptr<AeadContext> make_openssl(EspAlg a, std::span<const uint8_t> key,
                                          std::span<const uint8_t> salt);
std::unique_ptr<AeadContext> make_sodium(EspAlg a, std::span<const uint8_t> key,
                                         std::span<const uint8_t> salt);
std::unique_ptr<AeadContext> make_ipsecmb(const IMB_MGR* mgr, EspAlg a,
                                          std::span<const uint8_t> key,
                                          std::span<const uint8_t> salt);

bool openssl_supports(EspAlg a);
bool sodium_init_once();  // sodium_init(); false if libsodium cannot initialise
bool sodium_supports(EspAlg a);

// Allocates and initialises the multi-buffer manager for this CPU. nullptr (with `status` saying
// why) when the library cannot run here; `status` names the architecture otherwise.
IMB_MGR* ipsecmb_open(uint64_t flags, std::string& status);
void ipsecmb_close(IMB_MGR* mgr);
// Whether this manager runs the algorithm with hardware support (AES-NI and PCLMULQDQ for GCM;
// the library's emulation without AES-NI does not count as available).
bool ipsecmb_supports(const IMB_MGR* mgr, EspAlg a);

}  // namespace sysplex::dp::esp::backend
