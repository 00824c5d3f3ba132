// SPDX-License-Identifier: Apache-2.0
#include "net/tls/peer_certificate.h"

#include <cstdint>
#include <ctime>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/errors.h"
#include "net/tls/openssl_util.h"

namespace xfed::net::tls {
namespace {

using BioPtr = std::unique_ptr<BIO, detail::OpensslDeleter<BIO_free>>;

std::string nameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::chrono::system_clock::time_point timePoint(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    ERR_clear_error();
    return {};
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

int noPassword(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

}  // namespace

void PeerCertificate::Free::operator()(X509* cert) const { X509_free(cert); }

PeerCertificate PeerCertificate::share(X509& cert) {
  X509_up_ref(&cert);
  return PeerCertificate(&cert);
}

core::Result<PeerCertificate> PeerCertificate::fromDer(std::string_view der) {
  ERR_clear_error();
  const auto* data = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = data;
  X509* cert = d2i_X509(nullptr, &end, static_cast<long>(der.size()));
  if (cert == nullptr) {
    return core::fail(core::Errc::InvalidArgument,
                      "cannot parse a DER certificate: " + detail::drainOpensslErrors());
  }
  return PeerCertificate(cert);
}

core::Result<PeerCertificate> PeerCertificate::fromPem(std::string_view pem) {
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509* cert = bio ? PEM_read_bio_X509(bio.get(), nullptr, noPassword, nullptr) : nullptr;
  if (cert == nullptr) {
    return core::fail(core::Errc::InvalidArgument,
                      "cannot parse a PEM certificate: " + detail::drainOpensslErrors());
  }
  return PeerCertificate(cert);
}

PeerCertificate::PeerCertificate(const PeerCertificate& other) { *this = other; }

PeerCertificate& PeerCertificate::operator=(const PeerCertificate& other) {
  if (this != &other) {
    if (other.cert_ != nullptr) {
      X509_up_ref(other.cert_.get());
    }
    cert_.reset(other.cert_.get());
  }
  return *this;
}

std::string PeerCertificate::der() const {
  const int size = i2d_X509(cert_.get(), nullptr);
  if (size <= 0) {
    ERR_clear_error();
    return {};
  }
  std::string out(static_cast<std::size_t>(size), '\0');
  auto* cursor = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509(cert_.get(), &cursor);
  return out;
}

std::string PeerCertificate::subject() const { return nameText(X509_get_subject_name(native())); }
std::string PeerCertificate::issuer() const { return nameText(X509_get_issuer_name(native())); }

std::chrono::system_clock::time_point PeerCertificate::notBefore() const {
  return timePoint(X509_get0_notBefore(native()));
}

std::chrono::system_clock::time_point PeerCertificate::notAfter() const {
  return timePoint(X509_get0_notAfter(native()));
}

bool operator==(const PeerCertificate& a, const PeerCertificate& b) {
  return X509_cmp(a.native(), b.native()) == 0;
}

}  // namespace xfed::net::tls
