/*
 * proxy.h - the HAProxy PROXY protocol header a client sends before
 * anything else, so that a server behind a load balancer (Postfix's
 * smtpd_upstream_proxy_protocol = haproxy, Exim's hosts_proxy) takes the
 * connection as coming from another address: version 1 (one text line,
 * "PROXY TCP4 src dst sport dport\r\n") and version 2 (a 12-byte
 * signature, then a binary address block), as haproxy's proxy-protocol.txt
 * defines them.  Pure: endpoints parsed from text, a header built into a
 * caller's buffer, and a line that may be shown.  Sending it is the
 * connection recipe's (recipe.h).
 */
#ifndef SMTPSH_PROXY_H
#define SMTPSH_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* v1's longest line (proxy-protocol.txt 2.1: 107 bytes); v2 with IPv6. */
#define PROXY_HEADER_MAX 108
/* "[ffff:...]:65535" and more, for what is shown. */
#define PROXY_SHOWN_MAX 160

/* One end of the proxied connection: an address and a port. */
struct proxy_endpoint {
	int family;                 /* AF_INET or AF_INET6; 0: not given */
	uint8_t addr[16];           /* network order; 4 bytes for AF_INET */
	uint16_t port;
};

/* What to send: the version, and the two ends (the client's as the server
 * should see it, and the address the client reached).  An end not given
 * (family 0) is the real connection's own (proxy_endpoint_from_sockaddr). */
struct proxy_config {
	int version;                /* 1 or 2; 0: no PROXY header */
	struct proxy_endpoint source, dest;
};

/* "ADDR:PORT", "[IPV6]:PORT" (an IPv6 address needs its brackets), the
 * port 0..65535.  SMTP_ERR_USAGE with a one-line reason otherwise. */
enum smtp_errkind proxy_endpoint_parse(const char *text, struct proxy_endpoint *out,
    struct smtp_error *err);
/* From a struct sockaddr (getsockname/getpeername); false for another
 * family (a unix: socket).  An IPv4-mapped IPv6 address becomes IPv4. */
bool proxy_endpoint_from_sockaddr(const void *sa, size_t len, struct proxy_endpoint *out);
/* "192.0.2.7:4321", "[2001:db8::7]:4321". */
void proxy_endpoint_format(const struct proxy_endpoint *e, char *buf, size_t cap);

/* The header for version, from src to dst, into buf (PROXY_HEADER_MAX
 * bytes).  The two ends must be of one family (SMTP_ERR_USAGE otherwise).
 * Either end NULL: the connection's ends are unknown (a unix: socket):
 * "PROXY UNKNOWN\r\n" (v1) or the LOCAL command (v2), which tell the
 * server to use the real connection's.  *shown gets a line that may be
 * displayed (v1: the line without CRLF; v2: its fields in words). */
enum smtp_errkind proxy_header_build(int version, const struct proxy_endpoint *src,
    const struct proxy_endpoint *dst, uint8_t *buf, size_t *len, char *shown,
    size_t shown_cap, struct smtp_error *err);

#endif
