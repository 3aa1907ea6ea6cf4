/*
 * mtasts.c - the MTA-STS policy (mtasts.h, RFC 8461): fetched with
 * libcurl (libs_curl.h, loaded on first use) from the policy host's
 * address as this run's resolver gives it (CURLOPT_RESOLVE pins it), parsed
 * line by line (3.2), and an MX host matched against its patterns (4.1).
 * Owns nothing after it returns; prints nothing.
 */
#include "mtasts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsq.h"
#include "libs_curl.h"

const char *mtasts_mode_name(enum mtasts_mode m)
{
	return m == MTASTS_ENFORCE ? "enforce" : m == MTASTS_TESTING ? "testing" : "none";
}

/* libcurl's write callback: into the strbuf, or stop when it is full. */
static size_t mtasts_write(char *data, size_t size, size_t n, void *ctx)
{
	struct strbuf *body = ctx;
	return strbuf_append(body, data, size * n) == SMTP_OK ? size * n : 0;
}

enum smtp_errkind mtasts_fetch(const char *domain, const struct mtasts_fetch_options *o,
    struct strbuf *body, struct smtp_error *err)
{
	if (libs_need_curl("the MTA-STS policy (HTTPS)", err) != SMTP_OK)
		return err->kind;
	char host[MX_NAME_MAX + 16];
	snprintf(host, sizeof host, "mta-sts.%s", domain);
	static struct mx_host h;            /* large: kept off the stack */
	enum smtp_errkind k = dnsq_addresses(host, o->mx, &h, err);
	if (k != SMTP_OK)
		return k;
	if (h.naddr == 0)
		return smtp_error_set(err, SMTP_ERR_RESOLVE, 0, "%.200s has no address (%s)", host,
		    mx_lookup_name(h.lookup));
	unsigned port = o->port != 0 ? o->port : 443;
	char url[MX_NAME_MAX + 64], pin[MX_NAME_MAX + 80];
	snprintf(url, sizeof url, "https://%.1000s:%u/.well-known/mta-sts.txt", host, port);
	snprintf(pin, sizeof pin, "%.1000s:%u:%s%s%s", host, port,
	    h.addr[0].family == AF_INET6 ? "[" : "", h.addr[0].text,
	    h.addr[0].family == AF_INET6 ? "]" : "");
	CURL *c = curl_easy_init();
	struct curl_slist *resolve = curl_slist_append(NULL, pin);
	if (c == NULL || resolve == NULL) {
		if (c != NULL)
			curl_easy_cleanup(c);
		curl_slist_free_all(resolve);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory for libcurl");
	}
	char why[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);      /* RFC 8461 3.3 */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(o->timeout_s != 0 ? o->timeout_s : 30));
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, why);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "smtpsh (MTA-STS audit)");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mtasts_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	if (o->cafile != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->cafile);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	char *type = NULL;
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	(void)curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
	if (rc == CURLE_WRITE_ERROR)
		k = smtp_error_set(err, SMTP_ERR_LIMIT, 0, "%.200s: the policy is larger than %d "
		    "octets", url, MTASTS_POLICY_MAX);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		k = smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "%.200s: %.200s", url, why);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
	    rc == CURLE_SSL_CACERT_BADFILE)
		k = smtp_error_set(err, SMTP_ERR_TLS, 0, "%.200s: %.200s", url,
		    why[0] != '\0' ? why : curl_easy_strerror(rc));
	else if (rc != CURLE_OK)
		k = smtp_error_set(err, SMTP_ERR_CONNECT, 0, "%.200s: %.200s", url,
		    why[0] != '\0' ? why : curl_easy_strerror(rc));
	else if (status != 200)
		k = smtp_error_set(err, SMTP_ERR_REFUSED, 0, "%.200s: HTTP status %ld, not 200",
		    url, status);
	else if (type == NULL || strncasecmp(type, "text/plain", 10) != 0)
		k = smtp_error_set(err, SMTP_ERR_REFUSED, 0, "%.200s: type %.60s, not text/plain",
		    url, type != NULL ? type : "(none)");
	curl_slist_free_all(resolve);
	curl_easy_cleanup(c);
	return k;
}

/* One "key: value" line of a policy: the key and the value trimmed. */
static bool mtasts_line(const char *l, size_t n, char *key, size_t kcap, char *val, size_t vcap)
{
	const char *colon = memchr(l, ':', n);
	if (colon == NULL)
		return false;
	size_t kl = (size_t)(colon - l);
	const char *v = colon + 1;
	size_t vl = n - kl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '\r'))
		vl--;
	snprintf(key, kcap, "%.*s", (int)kl, l);
	snprintf(val, vcap, "%.*s", (int)vl, v);
	return true;
}

bool mtasts_parse(const char *text, size_t len, struct mtasts_policy *p, char *why, size_t cap)
{
	memset(p, 0, sizeof *p);
	p->max_age = -1;
	bool version = false, mode = false;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (text + i)) : len - i;
		char key[32], val[MX_NAME_MAX];
		if (mtasts_line(text + i, n, key, sizeof key, val, sizeof val)) {
			if (strcmp(key, "version") == 0)
				version = strcmp(val, "STSv1") == 0;
			else if (strcmp(key, "mode") == 0) {
				mode = true;
				if (strcmp(val, "enforce") == 0)
					p->mode = MTASTS_ENFORCE;
				else if (strcmp(val, "testing") == 0)
					p->mode = MTASTS_TESTING;
				else if (strcmp(val, "none") == 0)
					p->mode = MTASTS_NONE;
				else
					mode = false;
			} else if (strcmp(key, "mx") == 0) {
				if (p->nmx < MTASTS_MX_MAX)
					snprintf(p->mx[p->nmx++], MX_NAME_MAX, "%s", val);
				else
					p->mx_dropped++;
			} else if (strcmp(key, "max_age") == 0) {
				char *end = NULL;
				long v = strtol(val, &end, 10);
				p->max_age = end != val && *end == '\0' && v >= 0 &&
				    v <= MTASTS_MAX_AGE_MAX ? v : -2;
			}
		}
		i += n + (nl != NULL);
	}
	const char *bad = !version ? "no \"version: STSv1\"" : !mode ?
	    "no mode (enforce, testing or none)" : p->mode != MTASTS_NONE && p->nmx == 0 ?
	    "no mx: line" : p->max_age == -1 ? "no max_age" : p->max_age < 0 ?
	    "max_age is not a number of seconds up to a year" : NULL;
	if (bad != NULL)
		snprintf(why, cap, "%s", bad);
	return bad == NULL;
}

bool mtasts_mx_matches(const struct mtasts_policy *p, const char *host)
{
	for (size_t i = 0; i < p->nmx; i++) {
		const char *pat = p->mx[i];
		if (strcasecmp(pat, host) == 0)
			return true;
		if (strncmp(pat, "*.", 2) == 0) {
			const char *dot = strchr(host, '.');
			if (dot != NULL && dot != host && strcasecmp(dot + 1, pat + 2) == 0)
				return true;
		}
	}
	return false;
}
