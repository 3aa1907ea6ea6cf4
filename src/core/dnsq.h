/*
 * dnsq.h - single DNS queries through the system resolver (libresolv), for
 * the MX route (mx.c) and the audit's DNS checks (src/core/audit/): a
 * resolver state that honours mx_options.server (SMTPSH_DNS_SERVER), one
 * query and what its failure means, a host's addresses (AAAA then A), the
 * TXT strings of a name, the PTR names of an address, the TLSA records of
 * a service.  Every parse goes
 * through ns_initparse/ns_parserr/dn_expand; nothing reads DNS wire format
 * by hand.  Names and strings come back as the DNS gave them: untrusted
 * text, escaped by every sink.  The resolver's own timeouts apply (no
 * deadline of the whole, unlike mx_resolve's).  Prints nothing.
 */
#ifndef SMTPSH_DNSQ_H
#define SMTPSH_DNSQ_H

#include <resolv.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "mx.h"
#include "tls.h"

/* The largest DNS message over TCP; res_nquery retries a truncated UDP
 * answer over TCP by itself. */
#define DNSQ_ANSWER_MAX 65535
/* TXT records kept per name, and the octets kept of each (its
 * character-strings joined, RFC 7208 3.3's way). */
#define DNSQ_TXT_MAX 8
#define DNSQ_TXT_LEN 512
/* PTR names kept per address. */
#define DNSQ_PTR_MAX 4

/* A resolver state; o->server ("ADDR[:PORT]") replaces resolv.conf's
 * servers.  SMTP_ERR_RESOLVE, or SMTP_ERR_USAGE for a bad server. */
enum smtp_errkind dnsq_res_init(res_state res, const struct mx_options *o,
    struct smtp_error *err);

/* One query of type into ans (DNSQ_ANSWER_MAX octets); *len the answer's
 * length when MX_LOOKUP_OK; *sys_errno errno after it. */
enum mx_lookup dnsq_query(res_state res, const char *name, int type,
    unsigned char *ans, int *len, int *sys_errno);

/* h->name's addresses, AAAA then A as o->family allows, into h (ans: a
 * buffer of DNSQ_ANSWER_MAX). */
void dnsq_host_addresses(res_state res, const struct mx_options *o,
    unsigned char *ans, struct mx_host *h);

struct dnsq_txt {
	char text[DNSQ_TXT_MAX][DNSQ_TXT_LEN];
	size_t n;
	bool cut;                 /* a record was longer, or more records came */
	bool ad;                  /* the resolver set AD (authenticated data) */
};

struct dnsq_ptr {
	char name[DNSQ_PTR_MAX][MX_NAME_MAX];
	size_t n;
};

/* name's TXT records (the query's outcome; out filled when OK).  Errors
 * (SMTP_ERR_RESOLVE, SMTP_ERR_NOMEM, SMTP_ERR_USAGE) are about the
 * resolver itself; what the DNS said is the mx_lookup. */
enum smtp_errkind dnsq_txt(const char *name, const struct mx_options *o,
    struct dnsq_txt *out, enum mx_lookup *l, struct smtp_error *err);

/* The PTR names of address (IPv4 or IPv6, numeric), as dnsq_txt. */
enum smtp_errkind dnsq_ptr(const char *address, const struct mx_options *o,
    struct dnsq_ptr *out, enum mx_lookup *l, struct smtp_error *err);

/* TLSA records kept per name (RFC 6698). */
#define DNSQ_TLSA_MAX 8

struct dnsq_tlsa {
	struct tls_tlsa rr[DNSQ_TLSA_MAX];
	size_t n;
	size_t dropped;           /* more records, or data too long to keep */
	bool ad;                  /* the resolver set AD (it validated them) */
};

/* name's TLSA records ("_25._tcp.HOST"), as dnsq_txt; asked with the DO
 * bit, and the AD bit of the answer trusted (RES_TRUSTAD): only a
 * validating resolver sets it. */
enum smtp_errkind dnsq_tlsa(const char *name, const struct mx_options *o,
    struct dnsq_tlsa *out, enum mx_lookup *l, struct smtp_error *err);

/* name's addresses (AAAA and A) into h, as dnsq_txt. */
enum smtp_errkind dnsq_addresses(const char *name, const struct mx_options *o,
    struct mx_host *h, struct smtp_error *err);

#endif
