// SPDX-License-Identifier: Apache-2.0
// Test certificates built with OpenSSL, for the tls unit tests: CAs, intermediates and leaves
// with any subjectAltName (dNSName, otherName SRV-ID and XmppAddr, URI), CN, EKU and validity.
// Header-only (the unit_net binary compiles *_test.cc only). Failures abort: they are bugs here.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "net/tls/context.h"
#include "net/tls/peer_certificate.h"

namespace xfed::net::tls::testing {

template <auto FreeFn>
struct Deleter {
  template <class T>
  void operator()(T* object) const {
    FreeFn(object);
  }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test PKI: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    std::abort();
  }
}

struct San {
  enum class Kind { Dns, SrvName, XmppAddr, Uri };
  Kind kind;
  std::string value;  // may contain NUL bytes (for the spoofing tests)
};
inline San dnsSan(std::string value) { return {San::Kind::Dns, std::move(value)}; }
inline San srvSan(std::string value) { return {San::Kind::SrvName, std::move(value)}; }
inline San xmppSan(std::string value) { return {San::Kind::XmppAddr, std::move(value)}; }
inline San uriSan(std::string value) { return {San::Kind::Uri, std::move(value)}; }

struct CertSpec {
  std::string common_name;
  std::vector<San> sans;  // none: no subjectAltName extension at all
  std::string extended_key_usage = "serverAuth,clientAuth";  // empty: no EKU extension
  long valid_from_seconds = -3600;                           // relative to now
  long valid_until_seconds = 30L * 24 * 3600;
};

inline CertSpec spec(std::string common_name, std::vector<San> sans,
                     std::string extended_key_usage = "serverAuth,clientAuth",
                     long valid_from_seconds = -3600, long valid_until_seconds = 30L * 24 * 3600) {
  CertSpec out;
  out.common_name = std::move(common_name);
  out.sans = std::move(sans);
  out.extended_key_usage = std::move(extended_key_usage);
  out.valid_from_seconds = valid_from_seconds;
  out.valid_until_seconds = valid_until_seconds;
  return out;
}

struct Issued {
  X509Ptr cert;
  PkeyPtr key;
  std::vector<X509*> chain;  // intermediates to send after the leaf (borrowed from their CA)

  PeerCertificate peer() const { return PeerCertificate::share(*cert); }
};

inline PkeyPtr newKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EC key generation");
  return key;
}

inline void addExtension(X509& cert, X509& issuer, int nid, const std::string& value) {
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, &issuer, &cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(extension != nullptr && X509_add_ext(&cert, extension, -1) == 1, "add extension");
  X509_EXTENSION_free(extension);
}

inline GENERAL_NAME* generalName(const San& san) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  check(name != nullptr, "GENERAL_NAME_new");
  const auto set = [](ASN1_STRING* string, const std::string& value) {
    check(string != nullptr &&
              ASN1_STRING_set(string, value.data(), static_cast<int>(value.size())) == 1,
          "ASN1_STRING_set");
    return string;
  };
  switch (san.kind) {
    case San::Kind::Dns:
      GENERAL_NAME_set0_value(name, GEN_DNS, set(ASN1_IA5STRING_new(), san.value));
      break;
    case San::Kind::Uri:
      GENERAL_NAME_set0_value(name, GEN_URI, set(ASN1_IA5STRING_new(), san.value));
      break;
    case San::Kind::SrvName:
    case San::Kind::XmppAddr: {
      const bool xmpp = san.kind == San::Kind::XmppAddr;
      ASN1_TYPE* value = ASN1_TYPE_new();
      check(value != nullptr, "ASN1_TYPE_new");
      ASN1_TYPE_set(value, xmpp ? V_ASN1_UTF8STRING : V_ASN1_IA5STRING,
                    set(xmpp ? ASN1_UTF8STRING_new() : ASN1_IA5STRING_new(), san.value));
      ASN1_OBJECT* oid = OBJ_dup(OBJ_nid2obj(xmpp ? NID_XmppAddr : NID_SRVName));
      check(GENERAL_NAME_set0_othername(name, oid, value) == 1, "set0_othername");
      break;
    }
  }
  return name;
}

inline void addSans(X509& cert, const std::vector<San>& sans) {
  GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
  for (const San& san : sans) {
    sk_GENERAL_NAME_push(names, generalName(san));
  }
  check(X509_add1_ext_i2d(&cert, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) == 1,
        "add subjectAltName");
  GENERAL_NAMES_free(names);
}

inline X509Ptr newCert(EVP_PKEY& key, const std::string& common_name, long from, long until) {
  X509Ptr cert(X509_new());
  check(cert != nullptr && X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_new");
  static long serial = 1000;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), from);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), until);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("xfed tests"), -1, -1, 0);
  if (!common_name.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
  }
  check(X509_set_pubkey(cert.get(), &key) == 1, "X509_set_pubkey");
  return cert;
}

/** A CA: a self-signed root, or an intermediate signed by a root (one level). */
class TestCa {
public:
  explicit TestCa(const std::string& name, const TestCa* parent = nullptr)
      : key_(newKey()), cert_(newCert(*key_, name, -7200, 3650L * 24 * 3600)) {
    X509& issuer = parent != nullptr ? *parent->cert_ : *cert_;
    check(X509_set_issuer_name(cert_.get(), X509_get_subject_name(&issuer)) == 1, "issuer");
    addExtension(*cert_, issuer, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(*cert_, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    check(X509_sign(cert_.get(), parent != nullptr ? parent->key_.get() : key_.get(),
                    EVP_sha256()) > 0,
          "sign CA");
    is_root_ = parent == nullptr;
  }

  Issued issue(const CertSpec& spec) const {
    Issued out;
    out.key = newKey();
    out.cert =
        newCert(*out.key, spec.common_name, spec.valid_from_seconds, spec.valid_until_seconds);
    check(X509_set_issuer_name(out.cert.get(), X509_get_subject_name(cert_.get())) == 1, "issuer");
    addExtension(*out.cert, *cert_, NID_basic_constraints, "critical,CA:FALSE");
    addExtension(*out.cert, *cert_, NID_key_usage, "critical,digitalSignature");
    if (!spec.extended_key_usage.empty()) {
      addExtension(*out.cert, *cert_, NID_ext_key_usage, spec.extended_key_usage);
    }
    if (!spec.sans.empty()) {
      addSans(*out.cert, spec.sans);
    }
    check(X509_sign(out.cert.get(), key_.get(), EVP_sha256()) > 0, "sign leaf");
    if (!is_root_) {
      out.chain.push_back(cert_.get());
    }
    return out;
  }

  X509& cert() const { return *cert_; }

private:
  PkeyPtr key_;
  X509Ptr cert_;
  bool is_root_ = true;
};

inline std::string toPem(X509& cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), &cert) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

inline std::string toPem(EVP_PKEY& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

inline void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  check(out.good(), "write a PEM file");
}

/** Writes <stem>.crt (leaf then intermediates) and <stem>.key into dir. */
inline CertificateFiles writePair(const std::filesystem::path& dir, const std::string& stem,
                                  const Issued& issued) {
  CertificateFiles files{dir / (stem + ".crt"), dir / (stem + ".key")};
  std::string chain = toPem(*issued.cert);
  for (X509* intermediate : issued.chain) {
    chain += toPem(*intermediate);
  }
  writeText(files.certificate_chain, chain);
  writeText(files.private_key, toPem(*issued.key));
  return files;
}

inline std::filesystem::path writeCa(const std::filesystem::path& dir, const std::string& stem,
                                     const TestCa& ca) {
  const std::filesystem::path path = dir / (stem + ".crt");
  writeText(path, toPem(ca.cert()));
  return path;
}

}  // namespace xfed::net::tls::testing
