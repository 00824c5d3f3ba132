// SPDX-License-Identifier: Apache-2.0
#include "pki/lab_pki.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "core/errors.h"

namespace xfed::pki {
namespace {

namespace fs = std::filesystem;

template <auto FreeFn>
struct Free {
  template <class T>
  void operator()(T* object) const {
    FreeFn(object);
  }
};

using X509Ptr = std::unique_ptr<X509, Free<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Free<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Free<X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Free<GENERAL_NAMES_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, Free<BASIC_CONSTRAINTS_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Free<BN_free>>;

/** A fresh directory under the system temp dir, removed with everything in it. */
class TempDir {
public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "xfed_lab_pki_test.XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
    }
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) {
      fs::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

X509Ptr loadCert(const fs::path& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

PkeyPtr loadKey(const fs::path& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  return PkeyPtr(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

unsigned permissions(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return 0xffff;
  }
  return info.st_mode & 07777;
}

/** "" when leaf chains to ca for the purpose, else OpenSSL's reason. */
std::string verifyAgainst(X509* ca, X509* leaf, int purpose) {
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), purpose) != 1) {
    return "setup failed";
  }
  if (X509_verify_cert(ctx.get()) == 1) {
    return "";
  }
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
}

/** The SANs in order: DNS names as is, IP addresses in inet_ntop form. */
std::vector<std::string> subjectAltNames(X509* cert) {
  std::vector<std::string> out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) {
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
    const auto* data = ASN1_STRING_get0_data(value);
    const int size = ASN1_STRING_length(value);
    if (type == GEN_DNS) {
      out.emplace_back(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
    } else if (type == GEN_IPADD) {
      char text[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(size == 4 ? AF_INET : AF_INET6, data, text, sizeof(text));
      out.emplace_back("IP:" + std::string(text));
    } else {
      out.emplace_back("other:" + std::to_string(type));
    }
  }
  return out;
}

std::string commonName(X509* cert) {
  char text[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, text, sizeof(text));
  return text;
}

/** basicConstraints: whether present, critical, and cA. */
struct Constraints {
  bool present = false;
  bool critical = false;
  bool ca = false;
};

Constraints basicConstraints(X509* cert) {
  int critical = -1;
  BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, &critical, nullptr)));
  if (!bc) {
    return {};
  }
  return {true, critical == 1, bc->ca != 0};
}

bool isCriticalExtension(X509* cert, int nid) {
  const int index = X509_get_ext_by_NID(cert, nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

int serialBits(X509* cert) {
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  return serial ? BN_num_bits(serial.get()) : -1;
}

std::string serialHex(X509* cert) {
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  char* hex = serial ? BN_bn2hex(serial.get()) : nullptr;
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return out;
}

/** Days from now until t (negative if past). */
int daysFromNow(const ASN1_TIME* t) {
  int days = 0;
  int seconds = 0;
  ASN1_TIME_diff(&days, &seconds, nullptr, t);
  return days;
}

struct Leaf {
  const char* label;
  fs::path cert;
  fs::path key;
  std::vector<std::string> names;      // as requested
  std::vector<std::string> san_texts;  // as subjectAltNames() renders them
};

class LabPkiTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(temp_.path().empty()) << "mkdtemp failed";
    dir_ = temp_.path() / "pki";
    request_.edge_external_names = {"edge.contoso.test", "contoso.test", "sip.contoso.test"};
    request_.internal_names = {"edge-int.contoso.test", "pool.contoso.test", "192.0.2.10"};
    request_.front_end_names = {"pool.contoso.test", "fe1.contoso.test", "2001:db8::5"};
    files_ = labPkiFiles(dir_);
  }

  std::vector<Leaf> leaves() const {
    return {
        {"edge external", files_.edge_external_cert, files_.edge_external_key,
         request_.edge_external_names, request_.edge_external_names},
        {"internal",
         files_.internal_cert,
         files_.internal_key,
         request_.internal_names,
         {"edge-int.contoso.test", "pool.contoso.test", "IP:192.0.2.10"}},
        {"front end",
         files_.front_end_cert,
         files_.front_end_key,
         request_.front_end_names,
         {"pool.contoso.test", "fe1.contoso.test", "IP:2001:db8::5"}},
    };
  }

  std::vector<fs::path> allFiles() const {
    return {
        files_.ca_cert,           files_.ca_key,        files_.edge_external_cert,
        files_.edge_external_key, files_.internal_cert, files_.internal_key,
        files_.front_end_cert,    files_.front_end_key,
    };
  }

  std::vector<std::string> readAllFiles() const {
    std::vector<std::string> out;
    for (const fs::path& path : allFiles()) {
      out.push_back(readAll(path));
    }
    return out;
  }

  void ensureOk() {
    const auto result = ensureLabPki(dir_, request_);
    ASSERT_TRUE(result.has_value()) << result.error().detail;
  }

  TempDir temp_;
  fs::path dir_;
  LabPkiRequest request_;
  LabPkiFiles files_;
};

TEST_F(LabPkiTest, FilesMatchTheDocumentedLayout) {
  EXPECT_EQ(files_.ca_cert, dir_ / "ca.crt");
  EXPECT_EQ(files_.ca_key, dir_ / "ca.key");
  EXPECT_EQ(files_.edge_external_cert, dir_ / "edge-external.crt");
  EXPECT_EQ(files_.edge_external_key, dir_ / "edge-external.key");
  EXPECT_EQ(files_.internal_cert, dir_ / "internal.crt");
  EXPECT_EQ(files_.internal_key, dir_ / "internal.key");
  EXPECT_EQ(files_.front_end_cert, dir_ / "front-end.crt");
  EXPECT_EQ(files_.front_end_key, dir_ / "front-end.key");
}

TEST_F(LabPkiTest, CreatesAllFilesInAPrivateDirectory) {
  const auto result = ensureLabPki(dir_, request_);
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(result->ca_cert, files_.ca_cert);
  EXPECT_EQ(result->front_end_key, files_.front_end_key);
  EXPECT_EQ(permissions(dir_), 0700u);
  for (const fs::path& path : allFiles()) {
    EXPECT_TRUE(fs::is_regular_file(path)) << path;
    EXPECT_GT(fs::file_size(path), 0u) << path;
  }
  // No temporary file is left behind.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  }
}

TEST_F(LabPkiTest, KeysAreOwnerOnlyAndCertificatesReadable) {
  ensureOk();
  for (const fs::path& key :
       {files_.ca_key, files_.edge_external_key, files_.internal_key, files_.front_end_key}) {
    EXPECT_EQ(permissions(key), 0600u) << key;
  }
  for (const fs::path& cert :
       {files_.ca_cert, files_.edge_external_cert, files_.internal_cert, files_.front_end_cert}) {
    EXPECT_EQ(permissions(cert), 0644u) << cert;
  }
}

TEST_F(LabPkiTest, CaIsASelfSignedP256Ca) {
  ensureOk();
  X509Ptr ca = loadCert(files_.ca_cert);
  PkeyPtr ca_key = loadKey(files_.ca_key);
  ASSERT_TRUE(ca && ca_key);
  EXPECT_EQ(X509_check_private_key(ca.get(), ca_key.get()), 1);
  EXPECT_EQ(EVP_PKEY_get_id(ca_key.get()), EVP_PKEY_EC);
  char group[64] = {};
  ASSERT_EQ(EVP_PKEY_get_group_name(ca_key.get(), group, sizeof(group), nullptr), 1);
  EXPECT_STREQ(group, "prime256v1");

  EXPECT_EQ(verifyAgainst(ca.get(), ca.get(), X509_PURPOSE_ANY), "");
  const Constraints bc = basicConstraints(ca.get());
  EXPECT_TRUE(bc.present && bc.critical && bc.ca);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_TRUE(isCriticalExtension(ca.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(ca.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  ASSERT_NE(X509_get0_subject_key_id(ca.get()), nullptr);
  ASSERT_NE(X509_get0_authority_key_id(ca.get()), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(ca.get()),
                                  X509_get0_authority_key_id(ca.get())),
            0);
  EXPECT_EQ(commonName(ca.get()), "xfed lab CA");
  EXPECT_GT(serialBits(ca.get()), 64);
  EXPECT_LE(serialBits(ca.get()), 128);
  EXPECT_GE(daysFromNow(X509_get0_notAfter(ca.get())), 3640);
  EXPECT_LE(daysFromNow(X509_get0_notBefore(ca.get())), 0);
}

TEST_F(LabPkiTest, EachLeafVerifiesAgainstTheCaForServerAndClient) {
  ensureOk();
  X509Ptr ca = loadCert(files_.ca_cert);
  ASSERT_TRUE(ca);
  for (const Leaf& leaf : leaves()) {
    X509Ptr cert = loadCert(leaf.cert);
    PkeyPtr key = loadKey(leaf.key);
    ASSERT_TRUE(cert && key) << leaf.label;
    EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1) << leaf.label;
    EXPECT_EQ(verifyAgainst(ca.get(), cert.get(), X509_PURPOSE_SSL_SERVER), "") << leaf.label;
    EXPECT_EQ(verifyAgainst(ca.get(), cert.get(), X509_PURPOSE_SSL_CLIENT), "") << leaf.label;
    EXPECT_EQ(X509_check_issued(ca.get(), cert.get()), X509_V_OK) << leaf.label;
  }
}

TEST_F(LabPkiTest, LeafSansAreExactlyTheRequestedNames) {
  ensureOk();
  for (const Leaf& leaf : leaves()) {
    X509Ptr cert = loadCert(leaf.cert);
    ASSERT_TRUE(cert) << leaf.label;
    EXPECT_EQ(subjectAltNames(cert.get()), leaf.san_texts) << leaf.label;
    EXPECT_EQ(commonName(cert.get()), leaf.names.front()) << leaf.label;
    for (const std::string& name : leaf.names) {
      const bool is_ip = name.find_first_not_of("0123456789.") == std::string::npos ||
                         name.find(':') != std::string::npos;
      if (is_ip) {
        EXPECT_EQ(X509_check_ip_asc(cert.get(), name.c_str(), 0), 1) << name;
      } else {
        EXPECT_EQ(X509_check_host(cert.get(), name.c_str(), name.size(), 0, nullptr), 1) << name;
      }
    }
    EXPECT_EQ(X509_check_host(cert.get(), "other.contoso.test", 0, 0, nullptr), 0) << leaf.label;
  }
}

TEST_F(LabPkiTest, DuplicateNamesAppearOnce) {
  request_.internal_names = {"pool.contoso.test", "edge-int.contoso.test", "pool.contoso.test"};
  ensureOk();
  X509Ptr cert = loadCert(files_.internal_cert);
  ASSERT_TRUE(cert);
  EXPECT_EQ(subjectAltNames(cert.get()),
            (std::vector<std::string>{"pool.contoso.test", "edge-int.contoso.test"}));
}

TEST_F(LabPkiTest, LeafIsAnEndEntityWithServerAndClientAuth) {
  ensureOk();
  X509Ptr ca = loadCert(files_.ca_cert);
  ASSERT_TRUE(ca);
  std::set<std::string> serials = {serialHex(ca.get())};
  for (const Leaf& leaf : leaves()) {
    X509Ptr cert = loadCert(leaf.cert);
    PkeyPtr key = loadKey(leaf.key);
    ASSERT_TRUE(cert && key) << leaf.label;
    const Constraints bc = basicConstraints(cert.get());
    EXPECT_TRUE(bc.present) << leaf.label;
    EXPECT_FALSE(bc.ca) << leaf.label;
    EXPECT_EQ(X509_check_ca(cert.get()), 0) << leaf.label;
    EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE))
        << leaf.label;
    const uint32_t eku = X509_get_extended_key_usage(cert.get());
    EXPECT_EQ(eku, static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT)) << leaf.label;
    ASSERT_NE(X509_get0_subject_key_id(cert.get()), nullptr) << leaf.label;
    ASSERT_NE(X509_get0_authority_key_id(cert.get()), nullptr) << leaf.label;
    EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(cert.get()),
                                    X509_get0_subject_key_id(ca.get())),
              0)
        << leaf.label;
    EXPECT_EQ(EVP_PKEY_get_id(key.get()), EVP_PKEY_EC) << leaf.label;
    EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 256) << leaf.label;
    EXPECT_GT(serialBits(cert.get()), 64) << leaf.label;
    EXPECT_LE(serialBits(cert.get()), 128) << leaf.label;
    EXPECT_TRUE(serials.insert(serialHex(cert.get())).second) << leaf.label;
    const int days = daysFromNow(X509_get0_notAfter(cert.get()));
    EXPECT_GE(days, 725) << leaf.label;
    EXPECT_LE(days, 730) << leaf.label;
    EXPECT_EQ(X509_cmp_time(X509_get0_notBefore(cert.get()), nullptr), -1) << leaf.label;
  }
}

TEST_F(LabPkiTest, SecondCallKeepsFilesByteIdentical) {
  ensureOk();
  const std::vector<std::string> before = readAllFiles();
  request_.internal_names = {"changed.contoso.test"};  // existing leaves are kept regardless
  ensureOk();
  EXPECT_EQ(readAllFiles(), before);
}

TEST_F(LabPkiTest, MissingLeafIsRecreatedWithTheExistingCa) {
  ensureOk();
  const std::vector<std::string> before = readAllFiles();
  const std::string old_internal = readAll(files_.internal_cert);
  fs::remove(files_.internal_cert);
  fs::remove(files_.internal_key);
  ensureOk();

  const std::vector<std::string> after = readAllFiles();
  const std::vector<fs::path> paths = allFiles();
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (paths[i] != files_.internal_cert && paths[i] != files_.internal_key) {
      EXPECT_EQ(after[i], before[i]) << paths[i];
    }
  }
  EXPECT_NE(readAll(files_.internal_cert), old_internal);
  EXPECT_EQ(permissions(files_.internal_key), 0600u);
  X509Ptr ca = loadCert(files_.ca_cert);
  X509Ptr cert = loadCert(files_.internal_cert);
  PkeyPtr key = loadKey(files_.internal_key);
  ASSERT_TRUE(ca && cert && key);
  EXPECT_EQ(verifyAgainst(ca.get(), cert.get(), X509_PURPOSE_SSL_SERVER), "");
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
}

TEST_F(LabPkiTest, LeafWithoutItsKeyIsReplacedAsAPair) {
  ensureOk();
  const std::string old_cert = readAll(files_.front_end_cert);
  fs::remove(files_.front_end_key);
  ensureOk();
  EXPECT_NE(readAll(files_.front_end_cert), old_cert);
  X509Ptr ca = loadCert(files_.ca_cert);
  X509Ptr cert = loadCert(files_.front_end_cert);
  PkeyPtr key = loadKey(files_.front_end_key);
  ASSERT_TRUE(ca && cert && key);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(verifyAgainst(ca.get(), cert.get(), X509_PURPOSE_SSL_CLIENT), "");
}

TEST_F(LabPkiTest, ConcurrentCallersAgreeOnOneCa) {
  constexpr int kCallers = 4;
  std::vector<std::string> errors(kCallers);
  std::vector<std::thread> threads;
  threads.reserve(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([this, i, &errors] {
      const auto result = ensureLabPki(dir_, request_);
      errors[i] = result ? "" : result.error().detail;
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const std::string& error : errors) {
    EXPECT_EQ(error, "");
  }
  X509Ptr ca = loadCert(files_.ca_cert);
  PkeyPtr ca_key = loadKey(files_.ca_key);
  ASSERT_TRUE(ca && ca_key);
  EXPECT_EQ(X509_check_private_key(ca.get(), ca_key.get()), 1);
  for (const Leaf& leaf : leaves()) {
    X509Ptr cert = loadCert(leaf.cert);
    ASSERT_TRUE(cert) << leaf.label;
    EXPECT_EQ(verifyAgainst(ca.get(), cert.get(), X509_PURPOSE_SSL_SERVER), "") << leaf.label;
  }
}

TEST_F(LabPkiTest, UnwritableDirectoryIsAnIoFailure) {
  // A path below a regular file cannot be created, even by root.
  const fs::path file = temp_.path() / "plain-file";
  std::ofstream(file) << "not a directory";
  const auto result = ensureLabPki(file / "sub", request_);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, core::make_error_code(core::Errc::IoFailure));
  EXPECT_NE(result.error().detail.find("plain-file"), std::string::npos) << result.error().detail;
}

TEST_F(LabPkiTest, CorruptCaIsAnIoFailureNamingTheFile) {
  ensureOk();
  std::ofstream(files_.ca_cert, std::ios::trunc) << "garbage";
  fs::remove(files_.internal_cert);
  const auto result = ensureLabPki(dir_, request_);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, core::make_error_code(core::Errc::IoFailure));
  EXPECT_NE(result.error().detail.find("ca.crt"), std::string::npos) << result.error().detail;
}

TEST_F(LabPkiTest, IncompleteCaIsRefused) {
  ensureOk();
  fs::remove(files_.ca_key);
  fs::remove(files_.internal_cert);
  const auto result = ensureLabPki(dir_, request_);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, core::make_error_code(core::Errc::FailedPrecondition));
  EXPECT_NE(result.error().detail.find("ca.key"), std::string::npos) << result.error().detail;
  EXPECT_FALSE(fs::exists(files_.internal_cert));
}

TEST_F(LabPkiTest, LeafWithoutNamesIsAnInvalidArgument) {
  request_.front_end_names.clear();
  const auto result = ensureLabPki(dir_, request_);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, core::make_error_code(core::Errc::InvalidArgument));
  EXPECT_FALSE(fs::exists(files_.ca_cert));  // checked before anything is written
}

TEST_F(LabPkiTest, NameWithSpaceIsAnInvalidArgument) {
  request_.edge_external_names = {"edge contoso.test"};
  const auto result = ensureLabPki(dir_, request_);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, core::make_error_code(core::Errc::InvalidArgument));
  EXPECT_NE(result.error().detail.find("edge contoso.test"), std::string::npos);
}

TEST_F(LabPkiTest, ExistingLeavesNeedNoNames) {
  ensureOk();
  const std::vector<std::string> before = readAllFiles();
  const auto result = ensureLabPki(dir_, LabPkiRequest{});
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(readAllFiles(), before);
}

}  // namespace
}  // namespace xfed::pki
