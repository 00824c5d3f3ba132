// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace xfed::pki {

/** What a lab PKI must name: built from the topology by the caller. */
struct LabPkiRequest {
  std::string organization = "xfed lab";
  /** SANs of the edge's external certificate: the edge external FQDN and each XMPP (= SIP)
   *  domain, plus "sip.<domain>" for each SIP domain (the seed's certificate wizard, steps 15-17). */
  std::vector<std::string> edge_external_names;
  /** SANs of the internal-link certificate (edge internal FQDN, front end pool FQDNs). */
  std::vector<std::string> internal_names;
  /** SANs of the front end's SIP TLS certificate (pool FQDN and its machines, SIP domains). */
  std::vector<std::string> front_end_names;
};

/** Paths of the files ensureLabPki() writes (PEM; keys are mode 0600). */
struct LabPkiFiles {
  std::filesystem::path ca_cert, ca_key;
  std::filesystem::path edge_external_cert, edge_external_key;
  std::filesystem::path internal_cert, internal_key;
  std::filesystem::path front_end_cert, front_end_key;
};

LabPkiFiles labPkiFiles(const std::filesystem::path& dir);

/**
 * Creates, if absent, a lab CA (ECDSA P-256, 10 years) and three leaf certificates signed by it
 * (ECDSA P-256, 2 years, serverAuth+clientAuth EKU, SANs from request) in dir. Files that exist
 * are kept. Safe against a concurrent caller: files are written to a temp name and renamed.
 * Errors: core::Errc::IoFailure (file) or Internal (OpenSSL), with the reason.
 */
core::Result<LabPkiFiles> ensureLabPki(const std::filesystem::path& dir, const LabPkiRequest& request);

}  // namespace xfed::pki
