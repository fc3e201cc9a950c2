// A self-signed certificate made at run time with OpenSSL, for loopback TLS
// in tests and in the sandbox. Nothing is written to disk unless asked.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace sandbox {

struct certificate {
    std::string cert_pem; ///< also the CA to trust: it signs itself
    std::string key_pem;
};

namespace detail {
inline std::string bio_string(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}
inline void add_ext(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) throw std::runtime_error("X509V3_EXT_conf_nid failed");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}
} // namespace detail

/// A P-256 key and a one-day certificate for localhost and 127.0.0.1.
inline certificate make_self_signed(const char* common_name = "localhost") {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    if (!key) throw std::runtime_error("EVP_EC_gen failed");
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);
    detail::add_ext(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    detail::add_ext(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    detail::add_ext(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    if (!X509_sign(cert.get(), key.get(), EVP_sha256())) throw std::runtime_error("X509_sign failed");

    certificate out;
    std::unique_ptr<BIO, decltype(&BIO_free)> cb(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(cb.get(), cert.get());
    out.cert_pem = detail::bio_string(cb.get());
    std::unique_ptr<BIO, decltype(&BIO_free)> kb(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    out.key_pem = detail::bio_string(kb.get());
    return out;
}

} // namespace sandbox
