/*
 * mx.c - the MX route of a domain (mx.h; RFC 5321 5.1, RFC 7505) through
 * the system resolver: one res_state per lookup (res_ninit, closed with
 * res_nclose), the MX query and the hosts' AAAA and A through dnsq.c
 * (which tells a query's failures apart), and ns_initparse/ns_parserr/
 * dn_expand to read the MX answer.  Owns nothing after it returns; prints
 * nothing.
 *
 * res_nquery can neither be bounded as a whole nor interrupted (its
 * timeouts are per try and per server, and it retries on EINTR), so with a
 * deadline or a cancel fd (mx_options) the lookup runs in a forked child
 * that sends its result back through a pipe and is killed when the
 * deadline passes or Ctrl-C comes.
 */
#include "mx.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <arpa/nameser_compat.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "dnsq.h"

/* MX records read from one answer before the sort (the rest are counted). */
#define MX_RECORDS_MAX 64

const char *mx_lookup_name(enum mx_lookup l)
{
	switch (l) {
	case MX_LOOKUP_OK: return "ok";
	case MX_LOOKUP_NODATA: return "nodata";
	case MX_LOOKUP_NXDOMAIN: return "nxdomain";
	case MX_LOOKUP_SERVFAIL: return "servfail";
	case MX_LOOKUP_REFUSED: return "refused";
	case MX_LOOKUP_TIMEOUT: return "timeout";
	case MX_LOOKUP_ERROR: break;
	}
	return "error";
}

bool mx_is_address(const char *s)
{
	unsigned char tmp[sizeof(struct in6_addr)];
	char bare[64];
	size_t len = strlen(s);
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']')
		snprintf(bare, sizeof bare, "%.*s", (int)(len - 2), s + 1);
	else if (len < sizeof bare)
		snprintf(bare, sizeof bare, "%s", s);
	else
		return false;
	return inet_pton(AF_INET, bare, tmp) == 1 || inet_pton(AF_INET6, bare, tmp) == 1;
}

static uint32_t mx_default_random(void *ctx, uint32_t bound)
{
	(void)ctx;
	return arc4random_uniform(bound);
}

void mx_order(struct mx_host *hosts, size_t n, mx_random_fn rnd, void *ctx)
{
	if (rnd == NULL)
		rnd = mx_default_random;
	/* Insertion sort: stable, and n is at most MX_HOSTS_MAX. */
	for (size_t i = 1; i < n; i++) {
		struct mx_host tmp = hosts[i];
		size_t j = i;
		while (j > 0 && hosts[j - 1].preference > tmp.preference) {
			hosts[j] = hosts[j - 1];
			j--;
		}
		hosts[j] = tmp;
	}
	for (size_t start = 0; start < n;) {
		size_t end = start + 1;
		while (end < n && hosts[end].preference == hosts[start].preference)
			end++;
		for (size_t i = end - 1; i > start; i--) {      /* Fisher-Yates */
			size_t j = start + rnd(ctx, (uint32_t)(i - start + 1));
			struct mx_host tmp = hosts[i];
			hosts[i] = hosts[j];
			hosts[j] = tmp;
		}
		for (size_t i = start; i < end; i++)
			hosts[i].tied = end - start > 1;
		start = end;
	}
}

static const char *mx_lookup_words(enum mx_lookup l)
{
	switch (l) {
	case MX_LOOKUP_OK: return "ok";
	case MX_LOOKUP_NODATA: return "no record of that type";
	case MX_LOOKUP_NXDOMAIN: return "no such domain (NXDOMAIN)";
	case MX_LOOKUP_SERVFAIL: return "the DNS server failed (SERVFAIL; temporary, try later)";
	case MX_LOOKUP_REFUSED: return "the DNS server refused to answer (REFUSED or FORMERR)";
	case MX_LOOKUP_TIMEOUT: return "no answer from the DNS server";
	case MX_LOOKUP_ERROR: break;
	}
	return "an answer the resolver could not read";
}

/* Read the MX records of an answer into out->host (unsorted).  A record
 * that cannot be read (RDATA too short, a name that does not expand: a
 * compression loop, a pointer out of the message) makes the answer an
 * error: RFC 5321 5.1's implicit MX is for an empty MX list only, so an
 * unreadable one must not send the client to the domain's A address. */
static enum smtp_errkind mx_read_records(const unsigned char *ans, int len,
    struct mx_route *out, size_t *nnull, struct smtp_error *err)
{
	ns_msg msg;
	if (ns_initparse(ans, len, &msg) < 0)
		return smtp_error_set(err, SMTP_ERR_RESOLVE, 0,
		    "the MX answer for %.200s cannot be read", out->domain);
	size_t seen = 0;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && seen < MX_RECORDS_MAX; i++) {
		ns_rr rr;
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return smtp_error_set(err, SMTP_ERR_RESOLVE, 0, "the MX answer for %.200s "
			    "cannot be read (record %d is malformed); no implicit MX is assumed",
			    out->domain, i + 1);
		if (ns_rr_type(rr) != ns_t_mx || ns_rr_class(rr) != ns_c_in)
			continue;
		seen++;
		char name[MX_NAME_MAX];
		const unsigned char *rd = ns_rr_rdata(rr);
		if (ns_rr_rdlen(rr) < 3 ||
		    dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 2, name, sizeof name) < 0)
			return smtp_error_set(err, SMTP_ERR_RESOLVE, 0, "the MX answer for %.200s "
			    "cannot be read (MX record %zu: %s); no implicit MX is assumed", out->domain,
			    seen, ns_rr_rdlen(rr) < 3 ? "its data is too short" : "its host name does not expand");
		if (name[0] == '\0' || strcmp(name, ".") == 0) {
			(*nnull)++;
			continue;
		}
		if (out->nhost == MX_HOSTS_MAX) {
			out->host_dropped++;
			continue;
		}
		struct mx_host *h = &out->host[out->nhost++];
		memset(h, 0, sizeof *h);
		snprintf(h->name, sizeof h->name, "%s", name);
		h->preference = ns_get16(rd);
	}
	return SMTP_OK;
}

/* The lookup itself, in this process. */
static enum smtp_errkind mx_resolve_here(const char *domain, const struct mx_options *o,
    struct mx_route *out, struct smtp_error *err)
{
	memset(out, 0, sizeof *out);
	size_t dlen = strlen(domain);
	if (dlen == 0 || dlen >= MX_NAME_MAX || mx_is_address(domain) ||
	    strpbrk(domain, " \t\r\n") != NULL)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0,
		    "\"%.100s\" is not a domain name", domain);
	snprintf(out->domain, sizeof out->domain, "%s", domain);
	struct __res_state res;
	enum smtp_errkind k = dnsq_res_init(&res, o, err);
	if (k != SMTP_OK)
		return k;
	unsigned char *ans = malloc(DNSQ_ANSWER_MAX);
	if (ans == NULL) {
		res_nclose(&res);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	int len = 0, e = 0;
	size_t nnull = 0;
	enum mx_lookup l = dnsq_query(&res, domain, ns_t_mx, ans, &len, &e);
	if (l == MX_LOOKUP_OK)
		k = mx_read_records(ans, len, out, &nnull, err);
	if (l == MX_LOOKUP_OK || l == MX_LOOKUP_NODATA) {
		if (k != SMTP_OK) {
			/* already said */
		} else if (out->nhost == 0 && out->host_dropped == 0 && nnull > 0) {
			out->kind = MX_ROUTE_NULL;          /* RFC 7505 */
		} else if (out->nhost == 0 && out->host_dropped == 0) {
			/* RFC 5321 5.1: no MX, so the domain is its own MX, preference 0. */
			out->kind = MX_ROUTE_IMPLICIT;
			out->nhost = 1;
			snprintf(out->host[0].name, sizeof out->host[0].name, "%s", domain);
			dnsq_host_addresses(&res, o, ans, &out->host[0]);
		} else {
			out->kind = MX_ROUTE_MX;
			out->null_dropped = nnull;
			mx_order(out->host, out->nhost, o != NULL ? o->random : NULL,
			    o != NULL ? o->random_ctx : NULL);
			for (size_t i = 0; i < out->nhost; i++)
				dnsq_host_addresses(&res, o, ans, &out->host[i]);
		}
	} else if (l == MX_LOOKUP_TIMEOUT) {
		k = smtp_error_set(err, SMTP_ERR_RESOLVE, e,
		    "MX lookup for %.200s: no answer from the DNS server%s (%s)", domain,
		    res.nscount == 1 ? "" : "s",
		    e == ECONNREFUSED ? "nothing listens there" : "timed out");
	} else {
		k = smtp_error_set(err, SMTP_ERR_RESOLVE, 0, "MX lookup for %.200s: %s", domain,
		    mx_lookup_words(l));
	}
	free(ans);
	res_nclose(&res);
	return k;
}

/* What the child sends back through its pipe, whole. */
struct mx_child_result {
	enum smtp_errkind kind;
	struct smtp_error err;
	struct mx_route route;
};

static bool mx_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* The child: its own signal dispositions (a Ctrl-C on the terminal reaches
 * the whole process group: the child simply dies, the parent hears it
 * through its cancel fd), the lookup, the result down the pipe, _exit
 * (no stdio flush, no atexit handler of the parent's). */
static void mx_child(int fd, const char *domain, const struct mx_options *o)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		(void)signal(sigs[i], SIG_DFL);
	(void)signal(SIGPIPE, SIG_IGN);
	struct mx_child_result *res = calloc(1, sizeof *res);
	if (res == NULL)
		_exit(1);
	res->kind = mx_resolve_here(domain, o, &res->route, &res->err);
	bool sent = mx_write_all(fd, res, sizeof *res);
	free(res);
	_exit(sent ? 0 : 1);
}

/* Wait for the child's result, the deadline or the cancel, whichever comes
 * first; the child is reaped in every case. */
static enum smtp_errkind mx_resolve_in_child(const char *domain, const struct mx_options *o,
    struct mx_route *out, struct smtp_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return smtp_error_set(err, SMTP_ERR_RESOLVE, errno, "MX lookup: pipe: %s",
		    strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return smtp_error_set(err, SMTP_ERR_RESOLVE, e, "MX lookup: fork: %s", strerror(e));
	}
	if (pid == 0) {
		close(p[0]);
		mx_child(p[1], domain, o);
	}
	close(p[1]);
	struct mx_child_result *res = malloc(sizeof *res);
	long long deadline = o->timeout_s > 0 ?
	    clock_now_ms() + (long long)o->timeout_s * 1000 : CLOCK_FOREVER;
	int cancel_fd = o->watch_cancel ? o->cancel_fd : -1;
	size_t got = 0;
	enum smtp_errkind k = SMTP_OK;
	if (res == NULL)
		k = smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	while (k == SMTP_OK && got < sizeof *res) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		enum clock_wait_result w = clock_wait(&pf, 1, deadline, cancel_fd);
		if (w == CLOCK_TIMEOUT) {
			k = smtp_error_set(err, SMTP_ERR_RESOLVE, 0, "MX lookup for %.200s: no answer "
			    "from the DNS server within %u s", domain, o->timeout_s);
		} else if (w == CLOCK_ERROR) {
			k = smtp_error_set(err, SMTP_ERR_RESOLVE, errno, "MX lookup: poll: %s",
			    strerror(errno));
		} else if (w == CLOCK_CANCELLED) {
			k = smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "MX lookup for %.200s: "
			    "cancelled; nothing was connected", domain);
		} else {
			ssize_t r = read(p[0], (char *)res + got, sizeof *res - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				k = smtp_error_set(err, SMTP_ERR_RESOLVE, r < 0 ? errno : 0,
				    "MX lookup for %.200s: the resolver process ended without an answer",
				    domain);
			else
				got += (size_t)r;
		}
	}
	close(p[0]);
	if (k != SMTP_OK)
		(void)kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* Ctrl-C reaches the whole process group: the child may die of it
	 * before this process has seen its own signal. */
	if (got < sizeof *res && k == SMTP_ERR_RESOLVE && WIFSIGNALED(status) &&
	    (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM ||
	    WTERMSIG(status) == SIGHUP || WTERMSIG(status) == SIGQUIT))
		k = smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "MX lookup for %.200s: "
		    "cancelled; nothing was connected", domain);
	if (k == SMTP_OK) {
		*out = res->route;
		k = res->kind;
		if (k != SMTP_OK)
			*err = res->err;
	} else {
		memset(out, 0, sizeof *out);
		snprintf(out->domain, sizeof out->domain, "%s", domain);
	}
	free(res);
	return k;
}

enum smtp_errkind mx_resolve(const char *domain, const struct mx_options *o,
    struct mx_route *out, struct smtp_error *err)
{
	if (o != NULL && (o->timeout_s > 0 || o->watch_cancel) && !mx_is_address(domain) &&
	    domain[0] != '\0')
		return mx_resolve_in_child(domain, o, out, err);
	return mx_resolve_here(domain, o, out, err);
}

enum smtp_errkind mx_route_usable(const struct mx_route *r, struct smtp_error *err)
{
	if (r->kind == MX_ROUTE_NULL)
		return smtp_error_set(err, SMTP_ERR_RESOLVE, 0,
		    "%.200s accepts no mail: its MX is the null MX \".\" (RFC 7505)", r->domain);
	for (size_t i = 0; i < r->nhost; i++)
		if (r->host[i].naddr > 0)
			return SMTP_OK;
	if (r->kind == MX_ROUTE_IMPLICIT)
		return smtp_error_set(err, SMTP_ERR_RESOLVE, 0,
		    "%.200s has no MX record and no address (%s): no mail route (RFC 5321 5.1)",
		    r->domain, r->nhost > 0 ? mx_lookup_words(r->host[0].lookup) : "none");
	return smtp_error_set(err, SMTP_ERR_RESOLVE, 0,
	    "none of the %zu MX hosts of %.200s has an address: no mail route (RFC 5321 5.1)",
	    r->nhost, r->domain);
}
