/*
 * libs_openssl.h - OpenSSL 3's functions the core calls, through the table libs.c fills
 * when TLS, SCRAM or CRAM-MD5 is first used (libs.h), also the teaching
 * server's (its throw-away certificate and STARTTLS).  Include it after
 * any OpenSSL header and before the code that calls them; call
 * libs_need_openssl() before the first of them.
 */
#ifndef SMTPSH_LIBS_OPENSSL_H
#define SMTPSH_LIBS_OPENSSL_H

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "libs.h"

#define LIBS_OPENSSL_FUNCS(X) \
	X(ASN1_INTEGER_set) \
	X(ASN1_STRING_get0_data) \
	X(ASN1_STRING_length) \
	X(ASN1_TIME_diff) \
	X(ASN1_TIME_to_tm) \
	X(BIO_ctrl) \
	X(BIO_free) \
	X(BIO_new) \
	X(BIO_new_mem_buf) \
	X(BIO_s_mem) \
	X(ERR_clear_error) \
	X(ERR_peek_error) \
	X(ERR_peek_last_error) \
	X(ERR_reason_error_string) \
	X(EVP_Digest) \
	X(EVP_PKEY_Q_keygen) \
	X(EVP_PKEY_free) \
	X(EVP_PKEY_get_base_id) \
	X(EVP_PKEY_get_bits) \
	X(EVP_Q_mac) \
	X(EVP_sha256) \
	X(GENERAL_NAMES_free) \
	X(OBJ_nid2sn) \
	X(OPENSSL_sk_free) \
	X(OPENSSL_sk_num) \
	X(OPENSSL_sk_value) \
	X(PEM_read_bio_X509) \
	X(PEM_write_bio_X509) \
	X(PKCS5_PBKDF2_HMAC) \
	X(RAND_bytes) \
	X(SSL_CIPHER_get_name) \
	X(SSL_CTX_check_private_key) \
	X(SSL_CTX_ctrl) \
	X(SSL_CTX_dane_enable) \
	X(SSL_CTX_free) \
	X(SSL_CTX_get_cert_store) \
	X(SSL_CTX_load_verify_locations) \
	X(SSL_CTX_new) \
	X(SSL_CTX_set_cipher_list) \
	X(SSL_CTX_set_ciphersuites) \
	X(SSL_CTX_set_default_passwd_cb) \
	X(SSL_CTX_set_default_verify_paths) \
	X(SSL_CTX_set_options) \
	X(SSL_CTX_set_security_level) \
	X(SSL_CTX_set_verify) \
	X(SSL_CTX_use_PrivateKey) \
	X(SSL_CTX_use_PrivateKey_file) \
	X(SSL_CTX_use_certificate) \
	X(SSL_CTX_use_certificate_chain_file) \
	X(SSL_connect) \
	X(SSL_ctrl) \
	X(SSL_dane_enable) \
	X(SSL_dane_set_flags) \
	X(SSL_dane_tlsa_add) \
	X(SSL_do_handshake) \
	X(SSL_free) \
	X(SSL_get0_dane_tlsa) \
	X(SSL_get0_param) \
	X(SSL_get0_peer_certificate) \
	X(SSL_get1_supported_ciphers) \
	X(SSL_get_current_cipher) \
	X(SSL_get_error) \
	X(SSL_get_ex_data) \
	X(SSL_get_ex_data_X509_STORE_CTX_idx) \
	X(SSL_get_peer_cert_chain) \
	X(SSL_get_verify_result) \
	X(SSL_get_version) \
	X(SSL_new) \
	X(SSL_pending) \
	X(SSL_read_ex) \
	X(SSL_set1_host) \
	X(SSL_set_accept_state) \
	X(SSL_set_ex_data) \
	X(SSL_set_fd) \
	X(SSL_set_hostflags) \
	X(SSL_shutdown) \
	X(SSL_write_ex) \
	X(TLS_client_method) \
	X(TLS_server_method) \
	X(X509V3_EXT_conf_nid) \
	X(X509V3_set_ctx) \
	X(X509_EXTENSION_free) \
	X(X509_NAME_add_entry_by_txt) \
	X(X509_NAME_print_ex) \
	X(X509_STORE_CTX_get_error) \
	X(X509_STORE_CTX_get_ex_data) \
	X(X509_STORE_add_cert) \
	X(X509_VERIFY_PARAM_set1_ip_asc) \
	X(X509_add_ext) \
	X(X509_cmp_current_time) \
	X(X509_digest) \
	X(X509_free) \
	X(X509_get0_notAfter) \
	X(X509_get0_notBefore) \
	X(X509_get0_pubkey) \
	X(X509_get_ext_d2i) \
	X(X509_get_issuer_name) \
	X(X509_get_serialNumber) \
	X(X509_get_signature_nid) \
	X(X509_get_subject_name) \
	X(X509_getm_notAfter) \
	X(X509_getm_notBefore) \
	X(X509_gmtime_adj) \
	X(X509_new) \
	X(X509_set_issuer_name) \
	X(X509_set_pubkey) \
	X(X509_set_version) \
	X(X509_sign) \
	X(X509_verify_cert_error_string)

struct libs_openssl_table {
#define LIBS_OPENSSL_MEMBER(f) __typeof__(f) *f;
	LIBS_OPENSSL_FUNCS(LIBS_OPENSSL_MEMBER)
#undef LIBS_OPENSSL_MEMBER
};
extern struct libs_openssl_table libs_openssl;

/* The core's calls go through the table (libs.c fills it; it defines
 * LIBS_OPENSSL_TABLE_ONLY to see the real declarations). */
#ifndef LIBS_OPENSSL_TABLE_ONLY
#define ASN1_INTEGER_set (libs_openssl.ASN1_INTEGER_set)
#define ASN1_STRING_get0_data (libs_openssl.ASN1_STRING_get0_data)
#define ASN1_STRING_length (libs_openssl.ASN1_STRING_length)
#define ASN1_TIME_diff (libs_openssl.ASN1_TIME_diff)
#define ASN1_TIME_to_tm (libs_openssl.ASN1_TIME_to_tm)
#define BIO_ctrl (libs_openssl.BIO_ctrl)
#define BIO_free (libs_openssl.BIO_free)
#define BIO_new (libs_openssl.BIO_new)
#define BIO_new_mem_buf (libs_openssl.BIO_new_mem_buf)
#define BIO_s_mem (libs_openssl.BIO_s_mem)
#define ERR_clear_error (libs_openssl.ERR_clear_error)
#define ERR_peek_error (libs_openssl.ERR_peek_error)
#define ERR_peek_last_error (libs_openssl.ERR_peek_last_error)
#define ERR_reason_error_string (libs_openssl.ERR_reason_error_string)
#define EVP_Digest (libs_openssl.EVP_Digest)
#define EVP_PKEY_Q_keygen (libs_openssl.EVP_PKEY_Q_keygen)
#define EVP_PKEY_free (libs_openssl.EVP_PKEY_free)
#define EVP_PKEY_get_base_id (libs_openssl.EVP_PKEY_get_base_id)
#define EVP_PKEY_get_bits (libs_openssl.EVP_PKEY_get_bits)
#define EVP_Q_mac (libs_openssl.EVP_Q_mac)
#define EVP_sha256 (libs_openssl.EVP_sha256)
#define GENERAL_NAMES_free (libs_openssl.GENERAL_NAMES_free)
#define OBJ_nid2sn (libs_openssl.OBJ_nid2sn)
#define OPENSSL_sk_free (libs_openssl.OPENSSL_sk_free)
#define OPENSSL_sk_num (libs_openssl.OPENSSL_sk_num)
#define OPENSSL_sk_value (libs_openssl.OPENSSL_sk_value)
#define PEM_read_bio_X509 (libs_openssl.PEM_read_bio_X509)
#define PEM_write_bio_X509 (libs_openssl.PEM_write_bio_X509)
#define PKCS5_PBKDF2_HMAC (libs_openssl.PKCS5_PBKDF2_HMAC)
#define RAND_bytes (libs_openssl.RAND_bytes)
#define SSL_CIPHER_get_name (libs_openssl.SSL_CIPHER_get_name)
#define SSL_CTX_check_private_key (libs_openssl.SSL_CTX_check_private_key)
#define SSL_CTX_ctrl (libs_openssl.SSL_CTX_ctrl)
#define SSL_CTX_dane_enable (libs_openssl.SSL_CTX_dane_enable)
#define SSL_CTX_free (libs_openssl.SSL_CTX_free)
#define SSL_CTX_get_cert_store (libs_openssl.SSL_CTX_get_cert_store)
#define SSL_CTX_load_verify_locations (libs_openssl.SSL_CTX_load_verify_locations)
#define SSL_CTX_new (libs_openssl.SSL_CTX_new)
#define SSL_CTX_set_cipher_list (libs_openssl.SSL_CTX_set_cipher_list)
#define SSL_CTX_set_ciphersuites (libs_openssl.SSL_CTX_set_ciphersuites)
#define SSL_CTX_set_default_passwd_cb (libs_openssl.SSL_CTX_set_default_passwd_cb)
#define SSL_CTX_set_default_verify_paths (libs_openssl.SSL_CTX_set_default_verify_paths)
#define SSL_CTX_set_options (libs_openssl.SSL_CTX_set_options)
#define SSL_CTX_set_security_level (libs_openssl.SSL_CTX_set_security_level)
#define SSL_CTX_set_verify (libs_openssl.SSL_CTX_set_verify)
#define SSL_CTX_use_PrivateKey (libs_openssl.SSL_CTX_use_PrivateKey)
#define SSL_CTX_use_PrivateKey_file (libs_openssl.SSL_CTX_use_PrivateKey_file)
#define SSL_CTX_use_certificate (libs_openssl.SSL_CTX_use_certificate)
#define SSL_CTX_use_certificate_chain_file (libs_openssl.SSL_CTX_use_certificate_chain_file)
#define SSL_connect (libs_openssl.SSL_connect)
#define SSL_ctrl (libs_openssl.SSL_ctrl)
#define SSL_dane_enable (libs_openssl.SSL_dane_enable)
#define SSL_dane_set_flags (libs_openssl.SSL_dane_set_flags)
#define SSL_dane_tlsa_add (libs_openssl.SSL_dane_tlsa_add)
#define SSL_do_handshake (libs_openssl.SSL_do_handshake)
#define SSL_free (libs_openssl.SSL_free)
#define SSL_get0_dane_tlsa (libs_openssl.SSL_get0_dane_tlsa)
#define SSL_get0_param (libs_openssl.SSL_get0_param)
#define SSL_get0_peer_certificate (libs_openssl.SSL_get0_peer_certificate)
#define SSL_get1_supported_ciphers (libs_openssl.SSL_get1_supported_ciphers)
#define SSL_get_current_cipher (libs_openssl.SSL_get_current_cipher)
#define SSL_get_error (libs_openssl.SSL_get_error)
#define SSL_get_ex_data (libs_openssl.SSL_get_ex_data)
#define SSL_get_ex_data_X509_STORE_CTX_idx (libs_openssl.SSL_get_ex_data_X509_STORE_CTX_idx)
#define SSL_get_peer_cert_chain (libs_openssl.SSL_get_peer_cert_chain)
#define SSL_get_verify_result (libs_openssl.SSL_get_verify_result)
#define SSL_get_version (libs_openssl.SSL_get_version)
#define SSL_new (libs_openssl.SSL_new)
#define SSL_pending (libs_openssl.SSL_pending)
#define SSL_read_ex (libs_openssl.SSL_read_ex)
#define SSL_set1_host (libs_openssl.SSL_set1_host)
#define SSL_set_accept_state (libs_openssl.SSL_set_accept_state)
#define SSL_set_ex_data (libs_openssl.SSL_set_ex_data)
#define SSL_set_fd (libs_openssl.SSL_set_fd)
#define SSL_set_hostflags (libs_openssl.SSL_set_hostflags)
#define SSL_shutdown (libs_openssl.SSL_shutdown)
#define SSL_write_ex (libs_openssl.SSL_write_ex)
#define TLS_client_method (libs_openssl.TLS_client_method)
#define TLS_server_method (libs_openssl.TLS_server_method)
#define X509V3_EXT_conf_nid (libs_openssl.X509V3_EXT_conf_nid)
#define X509V3_set_ctx (libs_openssl.X509V3_set_ctx)
#define X509_EXTENSION_free (libs_openssl.X509_EXTENSION_free)
#define X509_NAME_add_entry_by_txt (libs_openssl.X509_NAME_add_entry_by_txt)
#define X509_NAME_print_ex (libs_openssl.X509_NAME_print_ex)
#define X509_STORE_CTX_get_error (libs_openssl.X509_STORE_CTX_get_error)
#define X509_STORE_CTX_get_ex_data (libs_openssl.X509_STORE_CTX_get_ex_data)
#define X509_STORE_add_cert (libs_openssl.X509_STORE_add_cert)
#define X509_VERIFY_PARAM_set1_ip_asc (libs_openssl.X509_VERIFY_PARAM_set1_ip_asc)
#define X509_add_ext (libs_openssl.X509_add_ext)
#define X509_cmp_current_time (libs_openssl.X509_cmp_current_time)
#define X509_digest (libs_openssl.X509_digest)
#define X509_free (libs_openssl.X509_free)
#define X509_get0_notAfter (libs_openssl.X509_get0_notAfter)
#define X509_get0_notBefore (libs_openssl.X509_get0_notBefore)
#define X509_get0_pubkey (libs_openssl.X509_get0_pubkey)
#define X509_get_ext_d2i (libs_openssl.X509_get_ext_d2i)
#define X509_get_issuer_name (libs_openssl.X509_get_issuer_name)
#define X509_get_serialNumber (libs_openssl.X509_get_serialNumber)
#define X509_get_signature_nid (libs_openssl.X509_get_signature_nid)
#define X509_get_subject_name (libs_openssl.X509_get_subject_name)
#define X509_getm_notAfter (libs_openssl.X509_getm_notAfter)
#define X509_getm_notBefore (libs_openssl.X509_getm_notBefore)
#define X509_gmtime_adj (libs_openssl.X509_gmtime_adj)
#define X509_new (libs_openssl.X509_new)
#define X509_set_issuer_name (libs_openssl.X509_set_issuer_name)
#define X509_set_pubkey (libs_openssl.X509_set_pubkey)
#define X509_set_version (libs_openssl.X509_set_version)
#define X509_sign (libs_openssl.X509_sign)
#define X509_verify_cert_error_string (libs_openssl.X509_verify_cert_error_string)
#endif

#endif
