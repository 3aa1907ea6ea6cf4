/*
 * recipe_xclient.c - the connection recipe's XCLIENT step (recipe.h;
 * Postfix's XCLIENT_README): the attributes checked before anything is
 * sent (ATTR=VALUE words, values in xtext, RFC 3461 4), each one against
 * what the server's EHLO advertised, then "XCLIENT ...", and after its 220
 * the hello again, since the session starts over as the client named.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "recipe_int.h"

static bool xclient_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool xclient_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* One word's end (the next space or NUL). */
static const char *xclient_word_end(const char *p)
{
	while (*p != '\0' && *p != ' ')
		p++;
	return p;
}

enum smtp_errkind recipe_xclient_check(const char *arg, struct smtp_error *err)
{
	const char *p = arg;
	size_t words = 0;
	while (*p != '\0') {
		if (*p == ' ') {
			p++;
			continue;
		}
		const char *end = xclient_word_end(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		int wlen = (int)(end - p) > 60 ? 60 : (int)(end - p);
		if (eq == NULL || eq == p)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "XCLIENT \"%.*s\": each attribute "
			    "is NAME=VALUE (NAME, ADDR, PORT, PROTO, HELO, LOGIN, DESTADDR, DESTPORT)",
			    wlen, p);
		for (const char *q = p; q < eq; q++)
			if (!xclient_name_char(*q))
				return smtp_error_set(err, SMTP_ERR_USAGE, 0, "XCLIENT \"%.*s\": an "
				    "attribute name is letters and _", wlen, p);
		if (eq + 1 == end)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "XCLIENT \"%.*s\": no value "
			    "([UNAVAILABLE] says there is none)", wlen, p);
		for (const char *q = eq + 1; q < end; q++) {
			unsigned char c = (unsigned char)*q;
			bool ok = c > 32 && c < 127 && c != '=' &&
			    (c != '+' || (end - q >= 3 && xclient_hex(q[1]) && xclient_hex(q[2])));
			if (!ok)
				return smtp_error_set(err, SMTP_ERR_USAGE, 0, "XCLIENT \"%.*s\": a value is "
				    "xtext (RFC 3461 4): printable, no space; '+' and '=' are written +2B "
				    "and +3D", wlen, p);
		}
		words++;
		p = end;
	}
	if (words == 0)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "XCLIENT wants attributes: "
		    "NAME=VALUE ...");
	if (strlen(arg) + sizeof "XCLIENT " > SMTP_COMMAND_LINE_MAX - 2)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "XCLIENT line too long (RFC 5321 "
		    "4.5.3.1.4: 512 octets); split it over two --xclient");
	return SMTP_OK;
}

/* Whether the EHLO reply's XCLIENT line lists the attribute name p (n
 * bytes).  A server that lists none (Momentum) is taken at its word. */
static bool xclient_advertised(const char *params, const char *p, size_t n)
{
	const char *q = params;
	while (*q != '\0') {
		if (*q == ' ') {
			q++;
			continue;
		}
		const char *end = xclient_word_end(q);
		if ((size_t)(end - q) == n && strncasecmp(q, p, n) == 0)
			return true;
		q = end;
	}
	return false;
}

enum smtp_errkind recipe_xclient(struct session *s, struct recipe *rc, const char *arg,
    const struct recipe_observer *obs, struct recipe_xclient_result *res, struct smtp_error *err)
{
	*res = (struct recipe_xclient_result){ 0 };
	enum smtp_errkind k = recipe_xclient_check(arg, err);
	if (k != SMTP_OK)
		return k;
	const struct ehlo_ext *x = ehlo_find(session_extensions(s), "XCLIENT");
	if (x == NULL)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "the server does not advertise XCLIENT "
		    "to this client (Postfix: smtpd_authorized_xclient_hosts); nothing was sent");
	for (const char *p = arg; *p != '\0';) {
		if (*p == ' ') {
			p++;
			continue;
		}
		const char *eq = strchr(p, '=');
		if (!x->params_cut && x->params[0] != '\0' && !xclient_advertised(x->params, p, (size_t)(eq - p)))
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "the server's XCLIENT takes %.120s, "
			    "not %.*s; nothing was sent", x->params, (int)(eq - p > 40 ? 40 : eq - p), p);
		p = xclient_word_end(p);
	}
	char line[SMTP_COMMAND_LINE_MAX];
	int n = snprintf(line, sizeof line, "XCLIENT %s", arg);
	struct session_reply r;
	session_reply_init(&r);
	k = recipe_exchange(s, verb_by_id(VERB_XCLIENT), line, (size_t)n, obs, &r, err);
	if (k == SMTP_OK) {
		res->code = r.reply.code;
		recipe_reply(obs, &r, false);
	}
	session_reply_free(&r);
	if (k != SMTP_OK || res->code != 220 || !session_is_open(s))
		return k;
	if (rc->nxclient < RECIPE_XCLIENT_MAX) {
		snprintf(rc->xclient[rc->nxclient].arg, sizeof rc->xclient[0].arg, "%s", arg);
		rc->xclient[rc->nxclient++].under_tls = session_tls_active(s);
	}
	/* The session starts over as the client named: the hello again, with
	 * the name of the last one (XCLIENT_README: "the client must send
	 * EHLO or HELO"). */
	char domain[SMTP_COMMAND_LINE_MAX];
	snprintf(domain, sizeof domain, "%s", rc->hello[0] != '\0' ? rc->hello :
	    session_helo_domain(s));
	struct recipe_event e = { .kind = RECIPE_EV_XCLIENT_AGAIN };
	recipe_event(obs, &e);
	/* The same verb as before (LHLO under LMTP); EHLO when none is on
	 * record (XCLIENT is advertised by EHLO's reply). */
	return recipe_hello(s, rc, rc->hello[0] != '\0' ? rc->hello_verb : VERB_EHLO, domain,
	    obs, &res->hello_code, err);
}
