/*
 * proxy.c - the PROXY protocol header (proxy.h): endpoints parsed and
 * formatted, version 1's text line and version 2's binary block built
 * (haproxy's proxy-protocol.txt, sections 2.1 and 2.2).  Pure.
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* proxy-protocol.txt 2.2: the twelve bytes that open a version 2 header. */
static const uint8_t proxy_v2_signature[12] = {
	0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
};

enum smtp_errkind proxy_endpoint_parse(const char *text, struct proxy_endpoint *out,
    struct smtp_error *err)
{
	*out = (struct proxy_endpoint){ 0 };
	char host[INET6_ADDRSTRLEN + 1];
	const char *port;
	size_t n;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':')
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.80s: an IPv6 end is "
			    "written [ADDRESS]:PORT", text);
		n = (size_t)(close - text - 1);
		text++;
		port = close + 2;
	} else {
		const char *colon = strrchr(text, ':');
		if (colon == NULL)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.80s: give ADDRESS:PORT", text);
		if (memchr(text, ':', (size_t)(colon - text)) != NULL)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.80s: an IPv6 end is "
			    "written [ADDRESS]:PORT", text);
		n = (size_t)(colon - text);
		port = colon + 1;
	}
	if (n == 0 || n >= sizeof host)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.80s: no address", text);
	memcpy(host, text, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = AF_INET6;
	else
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.80s is no numeric IPv4 or IPv6 "
		    "address", host);
	char *end;
	unsigned long p = port[0] >= '0' && port[0] <= '9' ? strtoul(port, &end, 10) : 70000;
	if (p > 65535 || *end != '\0' || strlen(port) > 5) {
		*out = (struct proxy_endpoint){ 0 };
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%.20s is no port (0-65535)", port);
	}
	out->port = (uint16_t)p;
	return SMTP_OK;
}

bool proxy_endpoint_from_sockaddr(const void *sa, size_t len, struct proxy_endpoint *out)
{
	*out = (struct proxy_endpoint){ 0 };
	struct sockaddr_storage ss;
	if (len > sizeof ss || len < sizeof(sa_family_t))
		return false;
	memcpy(&ss, sa, len);
	if (ss.ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
		out->family = AF_INET;
		memcpy(out->addr, &in->sin_addr, 4);
		out->port = ntohs(in->sin_port);
		return true;
	}
	if (ss.ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
		out->port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			out->family = AF_INET;
			memcpy(out->addr, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			out->family = AF_INET6;
			memcpy(out->addr, in6->sin6_addr.s6_addr, 16);
		}
		return true;
	}
	return false;
}

static void proxy_address_text(const struct proxy_endpoint *e, char *buf, size_t cap)
{
	char text[INET6_ADDRSTRLEN];
	if (inet_ntop(e->family, e->addr, text, sizeof text) == NULL)
		snprintf(text, sizeof text, "?");
	snprintf(buf, cap, "%s", text);
}

void proxy_endpoint_format(const struct proxy_endpoint *e, char *buf, size_t cap)
{
	char text[INET6_ADDRSTRLEN];
	proxy_address_text(e, text, sizeof text);
	snprintf(buf, cap, e->family == AF_INET6 ? "[%s]:%u" : "%s:%u", text, (unsigned)e->port);
}

static size_t proxy_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

enum smtp_errkind proxy_header_build(int version, const struct proxy_endpoint *src,
    const struct proxy_endpoint *dst, uint8_t *buf, size_t *len, char *shown,
    size_t shown_cap, struct smtp_error *err)
{
	*len = 0;
	if (version != 1 && version != 2)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "PROXY version %d: 1 or 2", version);
	bool known = src != NULL && dst != NULL;
	if (known && (src->family != dst->family ||
	    (src->family != AF_INET && src->family != AF_INET6)))
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "the PROXY source and destination "
		    "must both be IPv4 or both IPv6");
	bool v6 = known && src->family == AF_INET6;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	if (known) {
		proxy_address_text(src, s, sizeof s);
		proxy_address_text(dst, d, sizeof d);
	}
	if (version == 1) {
		int n = known ? snprintf((char *)buf, PROXY_HEADER_MAX, "PROXY %s %s %s %u %u\r\n",
		    v6 ? "TCP6" : "TCP4", s, d, (unsigned)src->port, (unsigned)dst->port) :
		    snprintf((char *)buf, PROXY_HEADER_MAX, "PROXY UNKNOWN\r\n");
		if (n < 0 || (size_t)n >= PROXY_HEADER_MAX)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "PROXY line too long");
		*len = (size_t)n;
		snprintf(shown, shown_cap, "%.*s", n - 2, (const char *)buf);
		return SMTP_OK;
	}
	uint8_t *p = buf;
	memcpy(p, proxy_v2_signature, sizeof proxy_v2_signature);
	p += sizeof proxy_v2_signature;
	*p++ = known ? 0x21 : 0x20;              /* version 2; PROXY or LOCAL */
	*p++ = !known ? 0x00 : v6 ? 0x21 : 0x11; /* TCP over IPv4/IPv6, or UNSPEC */
	size_t alen = !known ? 0 : v6 ? 36 : 12;
	p += proxy_put16(p, (uint16_t)alen);
	if (known) {
		size_t al = v6 ? 16 : 4;
		memcpy(p, src->addr, al);
		p += al;
		memcpy(p, dst->addr, al);
		p += al;
		p += proxy_put16(p, src->port);
		p += proxy_put16(p, dst->port);
		snprintf(shown, shown_cap, "PROXY v2 %s %s %s %u %u (%zu bytes)", v6 ? "TCP6" : "TCP4",
		    s, d, (unsigned)src->port, (unsigned)dst->port, (size_t)(p - buf));
	} else {
		snprintf(shown, shown_cap, "PROXY v2 LOCAL (%zu bytes)", (size_t)(p - buf));
	}
	*len = (size_t)(p - buf);
	return SMTP_OK;
}
