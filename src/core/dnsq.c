/*
 * dnsq.c - single DNS queries (dnsq.h) through libresolv: the resolver
 * state (res_ninit; closed with res_nclose before each function returns),
 * one query with its failure told apart, and the record types the MX route
 * and the audit read (A, AAAA, TXT, PTR).  Owns nothing after it returns.
 *
 * res_nquery answers -1 for every failure and says which through
 * res_h_errno: HOST_NOT_FOUND (NXDOMAIN), NO_DATA (NOERROR, no answer),
 * NO_RECOVERY (FORMERR, REFUSED, NOTIMP), TRY_AGAIN (SERVFAIL, or no answer
 * at all).  The last two are told apart by the answer buffer: glibc leaves
 * the server's response there, so a header with QR set and SERVFAIL means
 * the server answered; an untouched buffer means nobody did.
 */
#include "dnsq.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <arpa/nameser_compat.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A resolver state; o->server replaces resolv.conf's servers. */
enum smtp_errkind dnsq_res_init(res_state res, const struct mx_options *o,
    struct smtp_error *err)
{
	memset(res, 0, sizeof *res);
	if (res_ninit(res) != 0)
		return smtp_error_set(err, SMTP_ERR_RESOLVE, 0,
		    "cannot start the system resolver (resolv.conf)");
	if (o == NULL || o->server == NULL || o->server[0] == '\0')
		return SMTP_OK;
	char addr[64];
	unsigned long port = NS_DEFAULTPORT;
	const char *colon = strchr(o->server, ':');
	snprintf(addr, sizeof addr, "%.*s",
	    colon != NULL ? (int)(colon - o->server) : (int)strlen(o->server), o->server);
	struct in_addr in;
	char *end = NULL;
	if (colon != NULL)
		port = strtoul(colon + 1, &end, 10);
	if (inet_pton(AF_INET, addr, &in) != 1 || port == 0 || port > 65535 ||
	    (colon != NULL && (end == colon + 1 || *end != '\0'))) {
		res_nclose(res);
		return smtp_error_set(err, SMTP_ERR_USAGE, 0,
		    "DNS server \"%.60s\" is not an IPv4 ADDR or ADDR:PORT", o->server);
	}
	res->nscount = 1;
	memset(&res->nsaddr_list[0], 0, sizeof res->nsaddr_list[0]);
	res->nsaddr_list[0].sin_family = AF_INET;
	res->nsaddr_list[0].sin_port = htons((uint16_t)port);
	res->nsaddr_list[0].sin_addr = in;
	return SMTP_OK;
}

/* One query.  *len gets the answer's length when MX_LOOKUP_OK. */
enum mx_lookup dnsq_query(res_state res, const char *name, int type,
    unsigned char *ans, int *len, int *sys_errno)
{
	memset(ans, 0, sizeof(HEADER));
	errno = 0;
	int n = res_nquery(res, name, ns_c_in, type, ans, DNSQ_ANSWER_MAX);
	*sys_errno = errno;
	if (n >= 0) {
		*len = n;
		return MX_LOOKUP_OK;
	}
	HEADER hd;
	memcpy(&hd, ans, sizeof hd);
	const HEADER *h = &hd;
	switch (res->res_h_errno) {
	case HOST_NOT_FOUND:
		return MX_LOOKUP_NXDOMAIN;
	case NO_DATA:
		return MX_LOOKUP_NODATA;
	case NO_RECOVERY:
		return MX_LOOKUP_REFUSED;
	case TRY_AGAIN:
		if (h->qr && h->rcode == ns_r_servfail)
			return MX_LOOKUP_SERVFAIL;
		if (h->qr && h->rcode != ns_r_noerror)
			return MX_LOOKUP_REFUSED;
		return MX_LOOKUP_TIMEOUT;
	default:
		return MX_LOOKUP_ERROR;
	}
}

/* The addresses of one host: AAAA then A, as the family allows. */
void dnsq_host_addresses(res_state res, const struct mx_options *o,
    unsigned char *ans, struct mx_host *h)
{
	static const int types[2] = { ns_t_aaaa, ns_t_a };
	int family = o != NULL ? o->family : AF_UNSPEC;
	enum mx_lookup worst = MX_LOOKUP_OK;
	h->naddr = h->addr_dropped = 0;
	for (size_t t = 0; t < 2; t++) {
		int af = types[t] == ns_t_aaaa ? AF_INET6 : AF_INET;
		if (family != AF_UNSPEC && family != af)
			continue;
		int len = 0, e = 0;
		enum mx_lookup l = dnsq_query(res, h->name, types[t], ans, &len, &e);
		ns_msg msg;
		if (l == MX_LOOKUP_OK && ns_initparse(ans, len, &msg) < 0)
			l = MX_LOOKUP_ERROR;
		if (l != MX_LOOKUP_OK) {
			/* NODATA for one family is normal; anything else is worse. */
			if (worst == MX_LOOKUP_OK || (worst == MX_LOOKUP_NODATA && l != MX_LOOKUP_NODATA))
				worst = l;
			continue;
		}
		for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
			ns_rr rr;
			if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
				break;
			if ((int)ns_rr_type(rr) != types[t] || ns_rr_class(rr) != ns_c_in ||
			    ns_rr_rdlen(rr) != (af == AF_INET6 ? 16 : 4))
				continue;   /* a CNAME on the way, or junk */
			if (h->naddr == MX_ADDRS_MAX) {
				h->addr_dropped++;
				continue;
			}
			struct mx_address *a = &h->addr[h->naddr];
			if (inet_ntop(af, ns_rr_rdata(rr), a->text, sizeof a->text) == NULL)
				continue;
			a->family = af;
			h->naddr++;
		}
	}
	h->lookup = h->naddr > 0 ? MX_LOOKUP_OK : worst == MX_LOOKUP_OK ? MX_LOOKUP_NODATA : worst;
}

/* A state and an answer buffer for one of the functions below. */
static enum smtp_errkind dnsq_begin(res_state res, const struct mx_options *o,
    unsigned char **ans, struct smtp_error *err)
{
	enum smtp_errkind k = dnsq_res_init(res, o, err);
	if (k != SMTP_OK)
		return k;
	*ans = malloc(DNSQ_ANSWER_MAX);
	if (*ans == NULL) {
		res_nclose(res);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	return SMTP_OK;
}

static void dnsq_end(res_state res, unsigned char *ans)
{
	free(ans);
	res_nclose(res);
}

/* One TXT record's character-strings (RFC 1035 3.3.14), joined. */
/* One question of type for name: the answer parsed into *msg and the
 * resolver's AD bit into *ad when it came. */
static enum mx_lookup dnsq_answer(res_state res, const char *name, int type,
    unsigned char *ans, ns_msg *msg, bool *ad)
{
	int len = 0, e = 0;
	enum mx_lookup l = dnsq_query(res, name, type, ans, &len, &e);
	if (l == MX_LOOKUP_OK && ns_initparse(ans, len, msg) < 0)
		l = MX_LOOKUP_ERROR;
	if (l == MX_LOOKUP_OK) {
		HEADER hd;
		memcpy(&hd, ans, sizeof hd);
		*ad = hd.ad;
	}
	return l;
}

static bool dnsq_txt_join(const unsigned char *rd, size_t rdlen, char *out, size_t cap)
{
	size_t o = 0, i = 0;
	bool cut = false;
	while (i < rdlen) {
		size_t n = rd[i++];
		if (n > rdlen - i)
			n = rdlen - i;
		for (size_t k = 0; k < n; k++) {
			if (o + 1 < cap)
				out[o++] = (char)rd[i + k];
			else
				cut = true;
		}
		i += n;
	}
	out[o] = '\0';
	return cut;
}

enum smtp_errkind dnsq_txt(const char *name, const struct mx_options *o,
    struct dnsq_txt *out, enum mx_lookup *l, struct smtp_error *err)
{
	memset(out, 0, sizeof *out);
	struct __res_state res;
	unsigned char *ans;
	enum smtp_errkind k = dnsq_begin(&res, o, &ans, err);
	if (k != SMTP_OK)
		return k;
	ns_msg msg;
	*l = dnsq_answer(&res, name, ns_t_txt, ans, &msg, &out->ad);
	if (*l == MX_LOOKUP_OK) {
		for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
			ns_rr rr;
			if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
				break;
			if (ns_rr_type(rr) != ns_t_txt || ns_rr_class(rr) != ns_c_in)
				continue;
			if (out->n == DNSQ_TXT_MAX) {
				out->cut = true;
				continue;
			}
			out->cut |= dnsq_txt_join(ns_rr_rdata(rr), ns_rr_rdlen(rr), out->text[out->n],
			    DNSQ_TXT_LEN);
			out->n++;
		}
		if (out->n == 0)
			*l = MX_LOOKUP_NODATA;
	}
	dnsq_end(&res, ans);
	return SMTP_OK;
}

/* The reverse name of a numeric address (RFC 1035 3.5, RFC 3596 2.5). */
static bool dnsq_reverse_name(const char *address, char *out, size_t cap)
{
	unsigned char b[16];
	if (inet_pton(AF_INET, address, b) == 1) {
		snprintf(out, cap, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
		return true;
	}
	if (inet_pton(AF_INET6, address, b) != 1 || cap < 16 * 4 + sizeof "ip6.arpa")
		return false;
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 15; i >= 0; i--) {
		out[o++] = hex[b[i] & 0xF];
		out[o++] = '.';
		out[o++] = hex[b[i] >> 4];
		out[o++] = '.';
	}
	snprintf(out + o, cap - o, "ip6.arpa");
	return true;
}

enum smtp_errkind dnsq_ptr(const char *address, const struct mx_options *o,
    struct dnsq_ptr *out, enum mx_lookup *l, struct smtp_error *err)
{
	memset(out, 0, sizeof *out);
	char rev[128];
	if (!dnsq_reverse_name(address, rev, sizeof rev))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "\"%.60s\" is not an address",
		    address);
	struct __res_state res;
	unsigned char *ans;
	enum smtp_errkind k = dnsq_begin(&res, o, &ans, err);
	if (k != SMTP_OK)
		return k;
	int len = 0, e = 0;
	ns_msg msg;
	*l = dnsq_query(&res, rev, ns_t_ptr, ans, &len, &e);
	if (*l == MX_LOOKUP_OK && ns_initparse(ans, len, &msg) < 0)
		*l = MX_LOOKUP_ERROR;
	for (int i = 0; *l == MX_LOOKUP_OK && i < ns_msg_count(msg, ns_s_an) &&
	    out->n < DNSQ_PTR_MAX; i++) {
		ns_rr rr;
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			break;
		if (ns_rr_type(rr) != ns_t_ptr || ns_rr_class(rr) != ns_c_in)
			continue;
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), ns_rr_rdata(rr), out->name[out->n],
		    MX_NAME_MAX) >= 0)
			out->n++;
	}
	if (*l == MX_LOOKUP_OK && out->n == 0)
		*l = MX_LOOKUP_NODATA;
	dnsq_end(&res, ans);
	return SMTP_OK;
}

enum smtp_errkind dnsq_addresses(const char *name, const struct mx_options *o,
    struct mx_host *h, struct smtp_error *err)
{
	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s", name);
	struct __res_state res;
	unsigned char *ans;
	enum smtp_errkind k = dnsq_begin(&res, o, &ans, err);
	if (k != SMTP_OK)
		return k;
	dnsq_host_addresses(&res, o, ans, h);
	dnsq_end(&res, ans);
	return SMTP_OK;
}

enum smtp_errkind dnsq_tlsa(const char *name, const struct mx_options *o,
    struct dnsq_tlsa *out, enum mx_lookup *l, struct smtp_error *err)
{
	memset(out, 0, sizeof *out);
	struct __res_state res;
	unsigned char *ans;
	enum smtp_errkind k = dnsq_begin(&res, o, &ans, err);
	if (k != SMTP_OK)
		return k;
	/* Ask for DNSSEC (the DO bit) and keep the answer's AD bit, which
	 * glibc clears unless told to trust the resolver. */
	res.options |= RES_USE_EDNS0 | RES_USE_DNSSEC;
#ifdef RES_TRUSTAD
	res.options |= RES_TRUSTAD;
#endif
	ns_msg msg;
	*l = dnsq_answer(&res, name, ns_t_tlsa, ans, &msg, &out->ad);
	if (*l == MX_LOOKUP_OK) {
		for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
			ns_rr rr;
			if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
				break;
			if (ns_rr_type(rr) != ns_t_tlsa || ns_rr_class(rr) != ns_c_in ||
			    ns_rr_rdlen(rr) < 4)
				continue;
			size_t dlen = ns_rr_rdlen(rr) - 3u;
			if (out->n == DNSQ_TLSA_MAX || dlen > TLS_TLSA_DATA_MAX) {
				out->dropped++;
				continue;
			}
			struct tls_tlsa *t = &out->rr[out->n++];
			const unsigned char *rd = ns_rr_rdata(rr);
			t->usage = rd[0];
			t->selector = rd[1];
			t->mtype = rd[2];
			memcpy(t->data, rd + 3, dlen);
			t->len = dlen;
		}
		if (out->n == 0 && out->dropped == 0)
			*l = MX_LOOKUP_NODATA;
	}
	dnsq_end(&res, ans);
	return SMTP_OK;
}
