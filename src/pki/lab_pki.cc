// SPDX-License-Identifier: Apache-2.0
#include "pki/lab_pki.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/errors.h"

namespace xfed::pki {
namespace {

namespace fs = std::filesystem;

constexpr int kCaValidityDays = 3650;    // 10 years
constexpr int kLeafValidityDays = 730;   // 2 years; also within Apple's 825-day TLS limit
constexpr long kBackdateSeconds = 3600;  // notBefore an hour back, for peers with slow clocks
constexpr int kSerialBits = 128;
constexpr std::size_t kMaxCommonNameLength = 64;  // ub-common-name (RFC 5280 Appendix A)
constexpr mode_t kDirMode = 0700;
constexpr mode_t kKeyMode = 0600;
constexpr mode_t kCertMode = 0644;
constexpr const char* kLockFileName = ".lab_pki.lock";
constexpr const char* kCurve = "P-256";

// ---- RAII --------------------------------------------------------------------------------------

template <auto FreeFn>
struct OpensslDeleter {
  template <class T>
  void operator()(T* object) const {
    FreeFn(object);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpensslDeleter<X509_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpensslDeleter<X509_EXTENSION_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpensslDeleter<X509_NAME_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslDeleter<BIO_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpensslDeleter<BN_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpensslDeleter<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpensslDeleter<GENERAL_NAMES_free>>;
using OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OpensslDeleter<ASN1_OCTET_STRING_free>>;
using Ia5StringPtr = std::unique_ptr<ASN1_IA5STRING, OpensslDeleter<ASN1_IA5STRING_free>>;

/** An owned file descriptor. */
class UniqueFd {
public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) {
        ::close(fd_);
      }
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }

  int get() const { return fd_; }
  bool isValid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }

private:
  int fd_;
};

/** Removes a temporary file on scope exit unless dismissed. */
class TempFileGuard {
public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  ~TempFileGuard() {
    if (!path_.empty()) {
      ::unlink(path_.c_str());
    }
  }
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;

  void dismiss() { path_.clear(); }

private:
  std::string path_;
};

// ---- errors ------------------------------------------------------------------------------------

/** Drains this thread's OpenSSL error queue into one line. */
std::string opensslErrors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!out.empty()) {
      out += "; ";
    }
    out += buffer.data();
  }
  return out.empty() ? std::string("no OpenSSL error reported") : out;
}

core::Error opensslFail(core::Errc errc, std::string_view what) {
  return core::fail(errc, std::string(what) + ": " + opensslErrors());
}

core::Error internalFail(std::string_view what) { return opensslFail(core::Errc::Internal, what); }

core::Error ioFail(std::string_view what, const fs::path& path, int error_number) {
  return core::fail(core::Errc::IoFailure,
                    std::string(what) + " " + path.string() + ": " +
                        std::error_code(error_number, std::generic_category()).message());
}

// ---- files -------------------------------------------------------------------------------------

core::Result<bool> fileExists(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    return true;
  }
  if (errno == ENOENT) {
    return false;
  }
  return ioFail("cannot stat", path, errno);
}

core::Result<void> ensureDirectory(const fs::path& dir) {
  if (dir.empty()) {
    return core::fail(core::Errc::InvalidArgument, "the lab PKI directory path is empty");
  }
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    return core::ok();
  }
  // Parents get the default mode; only the PKI directory itself must be private.
  fs::path target = dir.has_filename() ? dir : dir.parent_path();
  const fs::path parent = target.parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) {
      return core::fail(core::Errc::IoFailure,
                        "cannot create directory " + parent.string() + ": " + ec.message());
    }
  }
  if (::mkdir(target.c_str(), kDirMode) != 0 && errno != EEXIST) {
    return ioFail("cannot create directory", target, errno);
  }
  if (!fs::is_directory(target, ec)) {
    return core::fail(core::Errc::IoFailure, target.string() + " exists but is not a directory");
  }
  return core::ok();
}

/** Takes an exclusive lock on dir that serializes ensureLabPki() callers, in any process. */
core::Result<UniqueFd> lockDirectory(const fs::path& dir) {
  const fs::path lock_path = dir / kLockFileName;
  UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kKeyMode));
  if (!fd.isValid()) {
    return ioFail("cannot open lock file", lock_path, errno);
  }
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) {
      return ioFail("cannot lock", lock_path, errno);
    }
  }
  return fd;
}

core::Result<std::string> readFile(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.isValid()) {
    return ioFail("cannot open", path, errno);
  }
  std::string contents;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ioFail("cannot read", path, errno);
    }
    if (n == 0) {
      return contents;
    }
    contents.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

/**
 * Writes contents to path with the given mode so that no reader ever sees a partial file: the
 * data goes to a temporary file in the same directory, is flushed, and is renamed over path.
 */
core::Result<void> writeFileAtomically(const fs::path& path, std::string_view contents,
                                       mode_t mode) {
  std::string temp_path = path.string() + ".tmp.XXXXXX";
  UniqueFd fd(::mkostemp(temp_path.data(), O_CLOEXEC));
  if (!fd.isValid()) {
    return ioFail("cannot create a temporary file for", path, errno);
  }
  TempFileGuard guard(temp_path);
  if (::fchmod(fd.get(), mode) != 0) {
    return ioFail("cannot set the mode of", temp_path, errno);
  }
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ioFail("cannot write", temp_path, errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    return ioFail("cannot flush", temp_path, errno);
  }
  if (::close(fd.release()) != 0) {
    return ioFail("cannot close", temp_path, errno);
  }
  if (::rename(temp_path.c_str(), path.c_str()) != 0) {
    return ioFail("cannot rename " + temp_path + " to", path, errno);
  }
  guard.dismiss();
  return core::ok();
}

/** Makes the renames in dir durable. Filesystems that cannot sync a directory are tolerated. */
core::Result<void> syncDirectory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.isValid()) {
    return ioFail("cannot open directory", dir, errno);
  }
  if (::fsync(fd.get()) != 0 && errno != EINVAL && errno != ENOTSUP) {
    return ioFail("cannot flush directory", dir, errno);
  }
  return core::ok();
}

// ---- PEM ---------------------------------------------------------------------------------------

/** Never prompts: an encrypted key is an error, not a question on the terminal. */
int noPassword(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

core::Result<std::string> bioContents(BIO& bio, std::string_view what) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(&bio, &data);
  if (size < 0 || (size > 0 && data == nullptr)) {
    return internalFail(std::string("cannot read the PEM buffer of ") + std::string(what));
  }
  return std::string(data, static_cast<std::size_t>(size));
}

core::Result<std::string> certToPem(X509& cert, std::string_view what) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), &cert) != 1) {
    return internalFail(std::string("cannot encode certificate ") + std::string(what));
  }
  return bioContents(*bio, what);
}

core::Result<std::string> keyToPem(EVP_PKEY& key, std::string_view what) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return internalFail(std::string("cannot encode private key ") + std::string(what));
  }
  return bioContents(*bio, what);
}

core::Result<X509Ptr> loadCert(const fs::path& path) {
  XFED_ASSIGN_OR_RETURN(const std::string pem, readFile(path));
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return internalFail("cannot allocate a PEM buffer for " + path.string());
  }
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, noPassword, nullptr));
  if (!cert) {
    return opensslFail(core::Errc::IoFailure, "cannot parse certificate " + path.string());
  }
  return cert;
}

core::Result<PkeyPtr> loadKey(const fs::path& path) {
  XFED_ASSIGN_OR_RETURN(const std::string pem, readFile(path));
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return internalFail("cannot allocate a PEM buffer for " + path.string());
  }
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassword, nullptr));
  if (!key) {
    return opensslFail(core::Errc::IoFailure, "cannot parse private key " + path.string());
  }
  return key;
}

/** Writes the key first: a certificate on disk means its key is already there. */
core::Result<void> writePair(const fs::path& cert_path, X509& cert, const fs::path& key_path,
                             EVP_PKEY& key) {
  XFED_ASSIGN_OR_RETURN(const std::string key_pem, keyToPem(key, key_path.string()));
  XFED_ASSIGN_OR_RETURN(const std::string cert_pem, certToPem(cert, cert_path.string()));
  XFED_TRY(writeFileAtomically(key_path, key_pem, kKeyMode));
  XFED_TRY(writeFileAtomically(cert_path, cert_pem, kCertMode));
  return core::ok();
}

// ---- certificates ------------------------------------------------------------------------------

struct Ca {
  X509Ptr cert;
  PkeyPtr key;
};

core::Result<PkeyPtr> generateKey() {
  PkeyPtr key(EVP_EC_gen(kCurve));
  if (!key) {
    return internalFail(std::string("cannot generate an EC ") + kCurve + " key");
  }
  return key;
}

/** The byte form of a literal IPv4 or IPv6 address, or nothing for any other name. */
std::optional<std::vector<unsigned char>> ipAddressBytes(const std::string& name) {
  in_addr v4{};
  if (::inet_pton(AF_INET, name.c_str(), &v4) == 1) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&v4);
    return std::vector<unsigned char>(bytes, bytes + sizeof(v4));
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, name.c_str(), &v6) == 1) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&v6);
    return std::vector<unsigned char>(bytes, bytes + sizeof(v6));
  }
  return std::nullopt;
}

/** Names go into IA5String SANs: printable ASCII without spaces. */
core::Result<void> validateNames(std::string_view label, const std::vector<std::string>& names) {
  if (names.empty()) {
    return core::fail(core::Errc::InvalidArgument,
                      "the " + std::string(label) + " certificate needs at least one name");
  }
  for (const std::string& name : names) {
    bool printable = !name.empty();
    for (const char c : name) {
      printable = printable && c > ' ' && c < 0x7f;
    }
    if (!printable) {
      return core::fail(core::Errc::InvalidArgument,
                        "the " + std::string(label) + " certificate name '" + name +
                            "' is not a DNS name or IP address (printable ASCII, no spaces)");
    }
  }
  return core::ok();
}

/** names without repeats, first occurrence kept, so the SAN list has no duplicates. */
std::vector<std::string> uniqueNames(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    bool seen = false;
    for (const std::string& kept : out) {
      seen = seen || kept == name;
    }
    if (!seen) {
      out.push_back(name);
    }
  }
  return out;
}

core::Result<X509NamePtr> makeName(const std::string& organization,
                                   const std::string& common_name) {
  X509NamePtr name(X509_NAME_new());
  if (!name) {
    return internalFail("cannot allocate a certificate name");
  }
  const auto add = [&](int nid, const std::string& value) {
    return X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  if (!organization.empty() && !add(NID_organizationName, organization)) {
    return internalFail("cannot set organization '" + organization + "'");
  }
  if (!common_name.empty() && !add(NID_commonName, common_name)) {
    return internalFail("cannot set common name '" + common_name + "'");
  }
  return name;
}

/** A v3 certificate with a random serial, validity, subject and public key; not yet signed. */
core::Result<X509Ptr> newCertificate(EVP_PKEY& subject_key, X509_NAME& subject, int days) {
  X509Ptr cert(X509_new());
  if (!cert) {
    return internalFail("cannot allocate a certificate");
  }
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return internalFail("cannot set the certificate version");
  }
  BignumPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return internalFail("cannot set a random serial number");
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr) == nullptr) {
    return internalFail("cannot set the validity period");
  }
  if (X509_set_subject_name(cert.get(), &subject) != 1) {
    return internalFail("cannot set the subject name");
  }
  if (X509_set_pubkey(cert.get(), &subject_key) != 1) {
    return internalFail("cannot set the public key");
  }
  return cert;
}

/** Adds extensions given in openssl.cnf syntax; ctx names subject and issuer. */
core::Result<void> addExtensions(X509& cert, X509V3_CTX& ctx,
                                 const std::vector<std::pair<int, const char*>>& extensions) {
  for (const auto& [nid, value] : extensions) {
    X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
    if (!extension || X509_add_ext(&cert, extension.get(), -1) != 1) {
      return internalFail(std::string("cannot add extension ") + OBJ_nid2sn(nid) + " = " + value);
    }
  }
  return core::ok();
}

core::Result<void> addSubjectAltNames(X509& cert, const std::vector<std::string>& names) {
  GeneralNamesPtr general_names(sk_GENERAL_NAME_new_null());
  if (!general_names) {
    return internalFail("cannot allocate subjectAltName");
  }
  for (const std::string& name : names) {
    GeneralNamePtr general_name(GENERAL_NAME_new());
    if (!general_name) {
      return internalFail("cannot allocate subjectAltName entry");
    }
    if (const auto ip = ipAddressBytes(name)) {
      OctetStringPtr value(ASN1_OCTET_STRING_new());
      if (!value ||
          ASN1_OCTET_STRING_set(value.get(), ip->data(), static_cast<int>(ip->size())) != 1) {
        return internalFail("cannot encode subjectAltName IP:" + name);
      }
      GENERAL_NAME_set0_value(general_name.get(), GEN_IPADD, value.release());
    } else {
      Ia5StringPtr value(ASN1_IA5STRING_new());
      if (!value || ASN1_STRING_set(value.get(), name.data(), static_cast<int>(name.size())) != 1) {
        return internalFail("cannot encode subjectAltName DNS:" + name);
      }
      GENERAL_NAME_set0_value(general_name.get(), GEN_DNS, value.release());
    }
    if (sk_GENERAL_NAME_push(general_names.get(), general_name.get()) <= 0) {
      return internalFail("cannot add subjectAltName entry " + name);
    }
    static_cast<void>(general_name.release());  // owned by general_names now
  }
  const int added =
      X509_add1_ext_i2d(&cert, NID_subject_alt_name, general_names.get(), 0, X509V3_ADD_DEFAULT);
  if (added != 1) {
    return internalFail("cannot add subjectAltName");
  }
  return core::ok();
}

core::Result<void> sign(X509& cert, EVP_PKEY& issuer_key, std::string_view what) {
  if (X509_sign(&cert, &issuer_key, EVP_sha256()) <= 0) {
    return internalFail(std::string("cannot sign ") + std::string(what));
  }
  return core::ok();
}

core::Result<Ca> createCa(const std::string& organization) {
  XFED_ASSIGN_OR_RETURN(PkeyPtr key, generateKey());
  const std::string common_name =
      (organization.empty() ? std::string("xfed lab") : organization) + " CA";
  XFED_ASSIGN_OR_RETURN(X509NamePtr name, makeName(organization, common_name));
  XFED_ASSIGN_OR_RETURN(X509Ptr cert, newCertificate(*key, *name, kCaValidityDays));
  if (X509_set_issuer_name(cert.get(), name.get()) != 1) {
    return internalFail("cannot set the CA issuer name");
  }
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  // The subject key identifier comes first: the authority key identifier copies it.
  XFED_TRY(addExtensions(*cert, ctx,
                         {{NID_basic_constraints, "critical,CA:TRUE"},
                          {NID_key_usage, "critical,keyCertSign,cRLSign"},
                          {NID_subject_key_identifier, "hash"},
                          {NID_authority_key_identifier, "keyid:always"}}));
  XFED_TRY(sign(*cert, *key, "the lab CA certificate"));
  return Ca{std::move(cert), std::move(key)};
}

core::Result<Ca> loadCa(const LabPkiFiles& files) {
  XFED_ASSIGN_OR_RETURN(X509Ptr cert, loadCert(files.ca_cert));
  XFED_ASSIGN_OR_RETURN(PkeyPtr key, loadKey(files.ca_key));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return opensslFail(core::Errc::FailedPrecondition,
                       files.ca_key.string() + " does not match " + files.ca_cert.string());
  }
  return Ca{std::move(cert), std::move(key)};
}

struct Leaf {
  X509Ptr cert;
  PkeyPtr key;
};

core::Result<Leaf> createLeaf(const Ca& ca, const std::string& organization,
                              const std::vector<std::string>& names, std::string_view label) {
  XFED_ASSIGN_OR_RETURN(PkeyPtr key, generateKey());
  // CN is informational (RFC 6125 matches on SANs); a name longer than ub-common-name is left
  // out of the CN rather than failing.
  const std::string common_name = names.front().size() <= kMaxCommonNameLength ? names.front() : "";
  XFED_ASSIGN_OR_RETURN(X509NamePtr name, makeName(organization, common_name));
  XFED_ASSIGN_OR_RETURN(X509Ptr cert, newCertificate(*key, *name, kLeafValidityDays));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.cert.get())) != 1) {
    return internalFail("cannot set the issuer name");
  }
  // A leaf never outlives its CA (a reused CA may be close to its end).
  const ASN1_TIME* ca_not_after = X509_get0_notAfter(ca.cert.get());
  if (ASN1_TIME_compare(X509_get0_notAfter(cert.get()), ca_not_after) > 0 &&
      X509_set1_notAfter(cert.get(), ca_not_after) != 1) {
    return internalFail("cannot limit the validity period to the CA's");
  }
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, ca.cert.get(), cert.get(), nullptr, nullptr, 0);
  XFED_TRY(addExtensions(*cert, ctx,
                         {{NID_basic_constraints, "critical,CA:FALSE"},
                          {NID_key_usage, "critical,digitalSignature"},
                          {NID_ext_key_usage, "serverAuth,clientAuth"},
                          {NID_subject_key_identifier, "hash"},
                          {NID_authority_key_identifier, "keyid:always"}}));
  XFED_TRY(addSubjectAltNames(*cert, names));
  XFED_TRY(sign(*cert, *ca.key, std::string("the ") + std::string(label) + " certificate"));
  return Leaf{std::move(cert), std::move(key)};
}

struct LeafSpec {
  std::string_view label;
  const fs::path* cert_path;
  const fs::path* key_path;
  const std::vector<std::string>* names;
};

core::Result<void> ensureLocked(const fs::path& dir, const LabPkiFiles& files,
                                const LabPkiRequest& request) {
  const std::array<LeafSpec, 3> leaves = {{
      {"edge external", &files.edge_external_cert, &files.edge_external_key,
       &request.edge_external_names},
      {"internal", &files.internal_cert, &files.internal_key, &request.internal_names},
      {"front end", &files.front_end_cert, &files.front_end_key, &request.front_end_names},
  }};

  // A leaf is kept only when both its files exist: one without the other is unusable.
  std::vector<const LeafSpec*> missing;
  for (const LeafSpec& leaf : leaves) {
    XFED_ASSIGN_OR_RETURN(const bool has_cert, fileExists(*leaf.cert_path));
    XFED_ASSIGN_OR_RETURN(const bool has_key, fileExists(*leaf.key_path));
    if (!has_cert || !has_key) {
      XFED_TRY(validateNames(leaf.label, *leaf.names));
      missing.push_back(&leaf);
    }
  }

  XFED_ASSIGN_OR_RETURN(const bool has_ca_cert, fileExists(files.ca_cert));
  XFED_ASSIGN_OR_RETURN(const bool has_ca_key, fileExists(files.ca_key));
  if (has_ca_cert != has_ca_key) {
    const fs::path& present = has_ca_cert ? files.ca_cert : files.ca_key;
    const fs::path& absent = has_ca_cert ? files.ca_key : files.ca_cert;
    return core::fail(core::Errc::FailedPrecondition,
                      "the lab CA is incomplete: " + present.string() + " exists but " +
                          absent.string() + " does not; remove the CA and the certificates it " +
                          "signed to create a new lab PKI");
  }

  bool wrote = false;
  std::optional<Ca> ca;
  if (!has_ca_cert) {
    XFED_ASSIGN_OR_RETURN(Ca created, createCa(request.organization));
    XFED_TRY(writePair(files.ca_cert, *created.cert, files.ca_key, *created.key));
    ca = std::move(created);
    wrote = true;
  }
  for (const LeafSpec* leaf : missing) {
    if (!ca) {
      XFED_ASSIGN_OR_RETURN(Ca loaded, loadCa(files));
      ca = std::move(loaded);
    }
    XFED_ASSIGN_OR_RETURN(Leaf created, createLeaf(*ca, request.organization,
                                                   uniqueNames(*leaf->names), leaf->label));
    XFED_TRY(writePair(*leaf->cert_path, *created.cert, *leaf->key_path, *created.key));
    wrote = true;
  }
  if (wrote) {
    XFED_TRY(syncDirectory(dir));
  }
  return core::ok();
}

}  // namespace

LabPkiFiles labPkiFiles(const std::filesystem::path& dir) {
  LabPkiFiles files;
  files.ca_cert = dir / "ca.crt";
  files.ca_key = dir / "ca.key";
  files.edge_external_cert = dir / "edge-external.crt";
  files.edge_external_key = dir / "edge-external.key";
  files.internal_cert = dir / "internal.crt";
  files.internal_key = dir / "internal.key";
  files.front_end_cert = dir / "front-end.crt";
  files.front_end_key = dir / "front-end.key";
  return files;
}

core::Result<LabPkiFiles> ensureLabPki(const std::filesystem::path& dir,
                                       const LabPkiRequest& request) {
  ERR_clear_error();  // so that error details name only this call's failures
  XFED_TRY(ensureDirectory(dir));
  XFED_ASSIGN_OR_RETURN(const UniqueFd lock, lockDirectory(dir));
  LabPkiFiles files = labPkiFiles(dir);
  const core::Result<void> result = ensureLocked(dir, files, request);
  ERR_clear_error();  // leave nothing behind for the next OpenSSL user on this thread
  if (!result) {
    return result.error();
  }
  return files;
}

}  // namespace xfed::pki
