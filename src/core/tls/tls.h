/*
 * tls.h - TLS (OpenSSL 3) behind the transport's ops: STARTTLS (RFC 3207)
 * and implicit TLS (RFC 8314, port 465) both call tls_start() on a connected
 * transport.  After success, transport reads and writes go through TLS; the
 * transport owns the TLS state and frees it in transport_close().
 *
 * Verification is on by default (TV-01..TV-05): the chain against the
 * system CA store or o->cafile, the name the user typed against the
 * certificate (SSL_set1_host; an IP literal against an IP SAN), validity
 * dates; SNI carries that name (never an IP literal, RFC 6066 section 3)
 * unless o->sni names another.  TLS 1.2 is the minimum (RFC 8997); o can
 * raise it to 1.3, restrict the ciphers and present a client certificate.  Every failed check is recorded, so the
 * reason names each one (untrusted chain, self-signed, host name mismatch,
 * expired, not yet valid).  Without o->insecure a failed verification closes
 * the connection (nothing is sent on it) and returns SMTP_ERR_TLS; with it,
 * the session goes on and *info still says what verification found.
 *
 * The handshake runs on the non-blocking fd with poll(), one deadline for
 * the whole handshake (o->timeout_ms) and t->cancel_fd watched, as in
 * transport.c: SMTP_ERR_TIMEOUT, SMTP_ERR_CANCELLED, SMTP_ERR_CLOSED (the
 * peer hung up), SMTP_ERR_TLS (handshake or verification failed),
 * SMTP_ERR_FILE (o->cafile, o->cert_file or o->key_file unreadable, or the
 * key not the certificate's), SMTP_ERR_USAGE (a cipher list OpenSSL does
 * not know), SMTP_ERR_STATE (not connected, or
 * TLS already active: RFC 3207 section 4.2), SMTP_ERR_NOMEM.  On any error
 * the transport is closed.
 *
 * Certificate fields in tls_info are untrusted text: control bytes are
 * already escaped as \xNN here, but sinks still pass them through escape.h.
 */
#ifndef SMTPSH_TLS_H
#define SMTPSH_TLS_H

#include <stdbool.h>

#include "error.h"
#include "smtp_limits.h"
#include "strbuf.h"
#include "transport.h"

/* Protocol versions, by their wire values (RFC 8446 4.2.1). */
#define TLS_VERSION_1_0 0x0301u  /* only for tls_options.probe (RFC 8996) */
#define TLS_VERSION_1_1 0x0302u
#define TLS_VERSION_1_2 0x0303u
#define TLS_VERSION_1_3 0x0304u

/* One TLSA record (RFC 6698 2.1): a DANE handshake checks the chain
 * against these (RFC 7672).  Association data longer than the room (a
 * whole certificate, matching type 0) is not kept: len 0. */
#define TLS_TLSA_DATA_MAX 1024
struct tls_tlsa {
	unsigned char usage, selector, mtype;
	unsigned char data[TLS_TLSA_DATA_MAX];
	size_t len;
};

struct tls_options {
	const char *host;       /* the name (or address) the user typed: checked
	                         * against the certificate and sent as SNI */
	const char *cafile;     /* PEM trust anchors; NULL: the system store */
	bool insecure;          /* continue even if verification fails */
	unsigned timeout_ms;    /* whole handshake; 0: 30 s */
	const char *sni;        /* send this as SNI instead of host (also for an
	                         * IP host); NULL: host, none for an address */
	unsigned min_version;   /* TLS_VERSION_1_2 (also 0) or TLS_VERSION_1_3 */
	const char *ciphers;    /* OpenSSL cipher list (TLS 1.2), or TLS 1.3
	                         * suite names (TLS_AES_...); NULL: defaults */
	const char *cert_file;  /* client certificate chain (PEM); NULL: none */
	const char *key_file;   /* its private key (PEM); NULL: in cert_file */
	/* One more trust anchor as PEM text, asked for when a handshake
	 * starts (--demo's own certificate, made only then); NULL, or NULL
	 * returned: none. */
	const char *(*anchor_pem)(void *ctx);
	void *anchor_ctx;
	/* The audit's probes (audit_tls.c), never a session the user drives:
	 * security level 0, min_version may be TLS_VERSION_1_0 or 1_1 and
	 * max_version (0: none) caps the version, so that what a server still
	 * accepts can be asked.  Use with insecure. */
	bool probe;
	unsigned max_version;
	/* DANE (RFC 7672, the audit's dane check): the chain is verified
	 * against these TLSA records (SSL_dane_enable) instead of the CAs;
	 * tls_info.dane says whether one matched.  ntlsa 0: no DANE. */
	const struct tls_tlsa *tlsa;
	size_t ntlsa;
};

/* The certificates the server sent, first the leaf: at most this many are
 * kept (more are counted). */
#define TLS_CHAIN_MAX 8

/* What is kept of a certificate's subject or issuer (RFC 2253 text, cut). */
#define TLS_DN_TEXT_MAX 256

/* One certificate, as text (untrusted, see above). */
struct tls_cert_info {
	char subject[TLS_DN_TEXT_MAX]; /* RFC 2253 form */
	char issuer[TLS_DN_TEXT_MAX];
	char sans[512];          /* "DNS:mx.example.org, IP:192.0.2.1" */
	char not_before[32];     /* "2024-01-31 12:00:00 UTC" */
	char not_after[32];
	long days_left;          /* whole days until not_after; negative: expired */
	char sha256[96];         /* "AB:CD:..." of the DER certificate */
	char key_type[16];       /* "RSA", "EC", "ED25519", ... ("?" unknown) */
	int key_bits;            /* the key's size in bits (0 unknown) */
	char signature[48];      /* its signature algorithm, "RSA-SHA256" */
};

/* Verification findings, one bit per check that failed. */
enum tls_verify_fail {
	TLS_FAIL_UNTRUSTED   = 1u << 0, /* chain does not end at a trusted CA */
	TLS_FAIL_SELF_SIGNED = 1u << 1, /* leaf (or chain) is self-signed */
	TLS_FAIL_HOSTNAME    = 1u << 2, /* certificate is not for the host typed */
	TLS_FAIL_EXPIRED     = 1u << 3, /* a certificate's notAfter has passed */
	TLS_FAIL_NOT_YET     = 1u << 4, /* a certificate's notBefore is ahead */
	TLS_FAIL_OTHER       = 1u << 5, /* any other verification error */
	TLS_FAIL_NO_CERT     = 1u << 6, /* the server sent no certificate */
};

struct tls_info {
	char version[16];        /* "TLSv1.3" */
	char cipher[64];         /* "TLS_AES_256_GCM_SHA384" */
	char sni[SMTP_DOMAIN_MAX + 1]; /* the server name sent, "" when none */
	bool client_cert;        /* a client certificate was offered */
	struct tls_cert_info chain[TLS_CHAIN_MAX];  /* [0] is the leaf */
	size_t nchain;           /* 0: the server sent no certificate */
	size_t chain_dropped;
	char checked_name[SMTP_DOMAIN_MAX + 1]; /* the reference identifier that was checked */
	bool name_is_ip;         /* checked as an IP address (and no SNI sent) */
	bool verified;           /* every check passed */
	unsigned failures;       /* enum tls_verify_fail bits */
	char verify_text[256];   /* "ok", or every failed check in words */
	/* DANE, when tls_options.ntlsa: the records OpenSSL could use, and
	 * whether one matched the chain (-1: not asked or none usable; 0: no;
	 * 1: yes, the record's usage and the certificate's depth below). */
	size_t dane_usable;
	int dane;
	unsigned dane_usage;
	int dane_depth;
};

/* Handshake on t (connected, not yet TLS), as described above.  info may be
 * NULL.  Does not send or read any SMTP bytes. */
enum smtp_errkind tls_start(struct transport *t, const struct tls_options *o,
    struct tls_info *info, struct smtp_error *err);

/* "1.2", "1.3", "TLSv1.2", "tls1.3" (any case) into *version; false
 * otherwise (older versions are refused: RFC 8996). */
bool tls_version_parse(const char *s, unsigned *version);
/* The i-th version tls_version_parse accepts, oldest first ("1.2"), or
 * NULL past the last (the shell completion lists them). */
const char *tls_version_name_at(size_t i);

/* Apply o's version, ciphers and client certificate as a handshake would,
 * to report a bad setting before connecting: SMTP_ERR_USAGE (ciphers),
 * SMTP_ERR_FILE (certificate or key). */
enum smtp_errkind tls_check_options(const struct tls_options *o, struct smtp_error *err);

/* True when this OpenSSL can offer what o asks for (a probe's version
 * range and cipher list): a client hello with at least one suite.  False
 * also when OpenSSL cannot be loaded. */
bool tls_can_offer(const struct tls_options *o);

/* True when t's reads and writes go through TLS. */
bool tls_active(const struct transport *t);
/* The certificates the server sent on this TLS connection, leaf first, as
 * PEM appended to out; *count how many.  SMTP_ERR_STATE without TLS. */
enum smtp_errkind tls_chain_pem(const struct transport *t, struct strbuf *out, size_t *count,
    struct smtp_error *err);

#endif
