/*
 * mx.h - where mail for a domain goes (RFC 5321 5.1): its MX hosts by
 * preference, the addresses of each, the implicit MX when the domain has
 * none, and the null MX of RFC 7505 ("this domain accepts no mail").
 *
 * The system resolver does every query and every parse (libresolv:
 * res_ninit, res_nquery, ns_initparse, ns_parserr, dn_expand); nothing here
 * reads DNS wire format by hand.  res_nquery does not use the search list:
 * the name is taken as absolute.  The resolver's own timeout and attempts
 * apply (resolv.conf's "options timeout: attempts:", or RES_OPTIONS; glibc's
 * default is 5 s and 2 attempts per server).  Nothing is printed.
 *
 * Order (RFC 5321 5.1): hosts by ascending preference; hosts of equal
 * preference in random order (a fresh shuffle for every lookup, so that
 * load spreads as the RFC asks); each host's addresses IPv6 first, then
 * IPv4, each in the order the DNS gave them.  A route lists the hosts in
 * the order a client tries them.
 *
 * DNS names come back in presentation form (dn_expand escapes dots inside
 * labels and unprintable bytes as \DDD) but are still untrusted text:
 * every sink escapes them.
 *
 * Errors: SMTP_ERR_RESOLVE when the domain's own lookup gives no answer to
 * act on -- NXDOMAIN, SERVFAIL or another error code, no answer in time --
 * with a message naming which; SMTP_ERR_USAGE for a name that is not a
 * domain or a bad resolver address; SMTP_ERR_NOMEM.  A lookup that worked
 * gives SMTP_OK even when no host has an address or the domain has a null
 * MX: mx_route_usable() says whether mail can go anywhere.
 */
#ifndef SMTPSH_MX_H
#define SMTPSH_MX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* How many MX hosts and addresses per host a route keeps (more are counted
 * in *_dropped, never silently lost).  RFC 5321 5.1 asks a client to try at
 * least two addresses; no real domain lists more hosts than this. */
#define MX_HOSTS_MAX 16
#define MX_ADDRS_MAX 8
/* A domain name in presentation form with escapes (NS_MAXDNAME). */
#define MX_NAME_MAX 1025

/* What one query found. */
enum mx_lookup {
	MX_LOOKUP_OK,         /* records of the type asked for */
	MX_LOOKUP_NODATA,     /* the name exists, with no record of that type */
	MX_LOOKUP_NXDOMAIN,   /* the name does not exist */
	MX_LOOKUP_SERVFAIL,   /* the server failed (temporary: try later) */
	MX_LOOKUP_REFUSED,    /* REFUSED, FORMERR, NOTIMP: the server will not say */
	MX_LOOKUP_TIMEOUT,    /* no answer from any DNS server in time */
	MX_LOOKUP_ERROR,      /* an answer the resolver could not parse */
};

/* "ok", "nodata", "nxdomain", "servfail", "refused", "timeout", "error". */
const char *mx_lookup_name(enum mx_lookup l);

enum mx_kind {
	MX_ROUTE_MX,          /* MX records: the hosts they name */
	MX_ROUTE_IMPLICIT,    /* no MX record: the domain itself, preference 0 */
	MX_ROUTE_NULL,        /* RFC 7505 null MX: no mail for this domain */
	MX_ROUTE__COUNT
};

struct mx_address {
	int family;                   /* AF_INET6 or AF_INET */
	char text[46];                /* numeric (INET6_ADDRSTRLEN) */
};

struct mx_host {
	char name[MX_NAME_MAX];
	unsigned preference;
	struct mx_address addr[MX_ADDRS_MAX];
	size_t naddr;
	size_t addr_dropped;
	/* Why it has no address when naddr is 0 (the worse of the AAAA and A
	 * lookups); MX_LOOKUP_OK otherwise. */
	enum mx_lookup lookup;
	bool tied;                    /* shares its preference with another host */
};

struct mx_route {
	char domain[MX_NAME_MAX];
	enum mx_kind kind;
	struct mx_host host[MX_HOSTS_MAX];    /* in the order to try them */
	size_t nhost;
	size_t host_dropped;          /* MX records beyond MX_HOSTS_MAX */
	size_t null_dropped;          /* "." targets beside real hosts (RFC 7505 3) */
};

/* A number in [0, bound): the tie shuffle's source of randomness. */
typedef uint32_t (*mx_random_fn)(void *ctx, uint32_t bound);

struct mx_options {
	int family;            /* AF_UNSPEC; AF_INET: A only; AF_INET6: AAAA only */
	/* Ask this server ("ADDR" or "ADDR:PORT", IPv4) instead of the ones in
	 * resolv.conf; NULL: the system's.  The shell takes it from
	 * SMTPSH_DNS_SERVER (tests, or probing one resolver). */
	const char *server;
	mx_random_fn random;   /* NULL: arc4random_uniform */
	void *random_ctx;
	/* The whole lookup's deadline (0: the resolver's own timeouts, which
	 * can add up to minutes), and a fd that becomes readable on cancel
	 * (Ctrl-C), watched when watch_cancel.  With either, the queries run in
	 * a child process (res_nquery can be neither bounded nor interrupted)
	 * that is killed when the deadline passes or the cancel comes. */
	unsigned timeout_s;
	bool watch_cancel;
	int cancel_fd;
};

/* Look up domain's route as described above.  *out is always initialised.
 * Past o->timeout_s: SMTP_ERR_RESOLVE ("no answer ... within N s"); on
 * cancel: SMTP_ERR_CANCELLED. */
enum smtp_errkind mx_resolve(const char *domain, const struct mx_options *o,
    struct mx_route *out, struct smtp_error *err);

/* SMTP_OK when at least one host has an address; otherwise
 * SMTP_ERR_RESOLVE and one line saying why mail has nowhere to go (null MX,
 * no address for the domain, no address for any MX host). */
enum smtp_errkind mx_route_usable(const struct mx_route *r, struct smtp_error *err);

/* The ordering step, exposed for the unit tests: sort hosts[0..n) by
 * preference, keeping the given order, then shuffle each run of equal
 * preference with rnd (NULL: arc4random_uniform) and mark it tied. */
void mx_order(struct mx_host *hosts, size_t n, mx_random_fn rnd, void *ctx);

/* True when s is an IPv4 or IPv6 address literal (brackets allowed):
 * such a host has no MX records to look up. */
bool mx_is_address(const char *s);

#endif
