/*
 * mtasts.h - a domain's MTA-STS policy (RFC 8461): fetched over HTTPS from
 * https://mta-sts.DOMAIN/.well-known/mta-sts.txt (3.3: the certificate
 * verified for that name, no redirect followed, 200 only, text/plain, at
 * most MTASTS_POLICY_MAX octets), parsed (3.2), and an MX host matched
 * against its mx: patterns (4.1).  The fetch uses libcurl, loaded on first
 * use (libs.h); the policy host's address comes from dnsq.h, so the DNS
 * server the run uses (SMTPSH_DNS_SERVER) answers for it too.  The body
 * is the server's text, untrusted: escaped by every sink.
 */
#ifndef SMTPSH_MTASTS_H
#define SMTPSH_MTASTS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "mx.h"
#include "strbuf.h"

/* RFC 8461 3.3: a sender may refuse a larger policy; 64 KB is its example. */
#define MTASTS_POLICY_MAX 65536
/* mx: lines kept (more are counted). */
#define MTASTS_MX_MAX 16
/* RFC 8461 3.2: max_age at most a year. */
#define MTASTS_MAX_AGE_MAX 31557600L

enum mtasts_mode { MTASTS_ENFORCE, MTASTS_TESTING, MTASTS_NONE };
const char *mtasts_mode_name(enum mtasts_mode m);     /* "enforce", ... */

struct mtasts_policy {
	enum mtasts_mode mode;
	char mx[MTASTS_MX_MAX][MX_NAME_MAX];
	size_t nmx;
	size_t mx_dropped;
	long max_age;
};

struct mtasts_fetch_options {
	const struct mx_options *mx;  /* the resolver for mta-sts.DOMAIN */
	const char *cafile;           /* trust anchors (PEM); NULL: the system's */
	unsigned port;                /* 0: 443 (a test's server: another) */
	unsigned timeout_s;           /* the whole fetch; 0: 30 s */
};

/* The policy's text into body (strbuf of MTASTS_POLICY_MAX).  SMTP_OK
 * with a 200 text/plain answer; SMTP_ERR_STATE when libcurl cannot be
 * loaded; SMTP_ERR_RESOLVE when mta-sts.DOMAIN has no address;
 * SMTP_ERR_CONNECT or SMTP_ERR_TIMEOUT (not reached), SMTP_ERR_TLS (the
 * certificate), SMTP_ERR_REFUSED (an answer that is not a policy: not
 * 200, or not text/plain), SMTP_ERR_LIMIT (too large), each with one line
 * saying why. */
enum smtp_errkind mtasts_fetch(const char *domain, const struct mtasts_fetch_options *o,
    struct strbuf *body, struct smtp_error *err);

/* Parse a policy (RFC 8461 3.2): false, and why, when it is not one
 * (version not STSv1, no or an unknown mode, no mx: under enforce or
 * testing, max_age missing or out of range). */
bool mtasts_parse(const char *text, size_t len, struct mtasts_policy *p, char *why,
    size_t cap);

/* RFC 8461 4.1: host (no trailing dot) matches one of p's mx patterns,
 * "mail.example.com" or "*.example.com" (one leftmost label). */
bool mtasts_mx_matches(const struct mtasts_policy *p, const char *host);

#endif
