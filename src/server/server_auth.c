/*
 * server_auth.c - AUTH in the teaching server (RFC 4954), server side of
 * the core's mechanisms: PLAIN (RFC 4616), LOGIN
 * (draft-murchison-sasl-login) and CRAM-MD5 (RFC 2195), against the demo
 * accounts below (docs/teaching-server.md lists them).  Offered only after
 * STARTTLS: before it AUTH gets 538.  The codes, each on demand: 334 (a
 * challenge), 235 (signed in), 535 (wrong name or password), 501 (not
 * base64, or "*": cancelled), 504 (a mechanism not offered), 503 (AUTH
 * twice; inside a transaction the verb table's state check answers 503).
 *
 * base64 and CRAM-MD5's HMAC are the core's (auth.h); passwords are
 * compared in constant time and every decoded copy is wiped.  The lines
 * of an exchange are secret: server_conn.c shows the teacher's log only
 * auth_line_display()'s form of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "libs_openssl.h"
#include "server_int.h"

/* The demo accounts: documented passwords, for practice only. */
static const struct srv_account {
	const char *user, *password;
} srv_accounts[] = {
	{ "alice", "wonderland" },
	{ "bob", "builder" },
};

static const struct srv_account *srv_account(const char *user, size_t len)
{
	for (size_t i = 0; i < sizeof srv_accounts / sizeof srv_accounts[0]; i++)
		if (strlen(srv_accounts[i].user) == len && strncmp(srv_accounts[i].user, user, len) == 0)
			return &srv_accounts[i];
	return NULL;
}

/* True when user/password (lengths given: a PLAIN message is not NUL
 * terminated where they end) is a demo account. */
static bool srv_password_ok(const char *user, size_t ulen, const char *pw, size_t plen)
{
	const struct srv_account *a = srv_account(user, ulen);
	const char *want = a != NULL ? a->password : "";
	size_t wlen = strlen(want);
	bool same = libs_ct_compare(pw, want, plen < wlen ? plen : wlen) == 0;
	return a != NULL && plen == wlen && same;
}

static void srv_auth_end(struct srv_conn *c, bool ok, const char *user, size_t ulen)
{
	c->auth = SRV_AUTH_NONE;
	c->auth_challenge[0] = '\0';
	if (!ok) {
		c->auth_user[0] = '\0';
		srv_reply_stdf(c, 535, " (the demo accounts are alice/wonderland and bob/builder)");
		return;
	}
	snprintf(c->auth_user, sizeof c->auth_user, "%.*s", (int)ulen, user);
	c->authed = true;
	srv_reply_stdf(c, 235, " (signed in as %s)", c->auth_user);
}

static void srv_auth_cancel(struct srv_conn *c, const char *why)
{
	c->auth = SRV_AUTH_NONE;
	c->auth_user[0] = '\0';
	srv_reply(c, 501, "%s", why);
}

/* 334 with text as base64 (RFC 4954 4: the challenge is base64). */
static void srv_auth_challenge(struct srv_conn *c, const char *text, enum srv_auth_step next)
{
	char enc[base64_encoded_len_const(sizeof c->auth_challenge) + 1];
	size_t n = 0;
	if (base64_encode(text, strlen(text), enc, sizeof enc, &n) != SMTP_OK)
		enc[0] = '\0';
	c->auth = next;
	srv_reply(c, 334, "%s", enc);
}

/* PLAIN's message: authzid NUL authcid NUL passwd (RFC 4616 2).  An
 * authzid other than empty or the user's own is refused. */
static void srv_auth_plain(struct srv_conn *c, const unsigned char *m, size_t n)
{
	const char *p = (const char *)m;
	const char *nul1 = memchr(p, '\0', n);
	const char *nul2 = nul1 != NULL ? memchr(nul1 + 1, '\0', n - (size_t)(nul1 + 1 - p)) : NULL;
	if (nul2 == NULL) {
		srv_auth_cancel(c, "Syntax error: PLAIN wants base64 of authzid NUL user NUL password (RFC 4616 2)");
		return;
	}
	const char *user = nul1 + 1;
	size_t ulen = (size_t)(nul2 - user), zlen = (size_t)(nul1 - p);
	bool ok = srv_password_ok(user, ulen, nul2 + 1, n - (size_t)(nul2 + 1 - p)) &&
	    (zlen == 0 || (zlen == ulen && memcmp(p, user, ulen) == 0));
	srv_auth_end(c, ok, user, ulen);
}

/* CRAM-MD5's answer "user hexdigest" (RFC 2195 2): the core computes what
 * the right password would have given, and the two are compared. */
static void srv_auth_cram(struct srv_conn *c, const unsigned char *m, size_t n)
{
	const unsigned char *sp = NULL;
	for (size_t i = n; i > 0; i--)
		if (m[i - 1] == ' ') {
			sp = m + i - 1;
			break;
		}
	if (sp == NULL || sp == m) {
		srv_auth_cancel(c, "Syntax error: CRAM-MD5 wants base64 of \"user digest\" (RFC 2195 2)");
		return;
	}
	size_t ulen = (size_t)(sp - m);
	const struct srv_account *a = srv_account((const char *)m, ulen);
	bool ok = false;
	if (a != NULL) {
		struct strbuf want;
		struct smtp_error err;
		unsigned char dec[SRV_AUTH_USER_MAX + 64];
		size_t dlen = 0;
		strbuf_init(&want, 1024);
		ok = auth_cram_md5_response(a->user, a->password,
		    (const unsigned char *)c->auth_challenge, strlen(c->auth_challenge), &want,
		    &err) == SMTP_OK &&
		    base64_decode(want.data, want.len, dec, sizeof dec, &dlen, &err) == SMTP_OK &&
		    dlen == n && libs_ct_compare(dec, m, n) == 0;
		libs_wipe(dec, sizeof dec);
		auth_wipe(&want);
		strbuf_free(&want);
	}
	srv_auth_end(c, ok, (const char *)m, ulen);
}

/* One decoded client message, for the step the exchange is at. */
static void srv_auth_message(struct srv_conn *c, const unsigned char *m, size_t n)
{
	switch (c->auth) {
	case SRV_AUTH_PLAIN:
		srv_auth_plain(c, m, n);
		return;
	case SRV_AUTH_LOGIN_USER:
		if (n == 0 || n >= sizeof c->auth_user || memchr(m, '\0', n) != NULL) {
			srv_auth_cancel(c, "Syntax error: LOGIN wants a user name");
			return;
		}
		memcpy(c->auth_user, m, n);
		c->auth_user[n] = '\0';
		srv_auth_challenge(c, "Password:", SRV_AUTH_LOGIN_PASS);
		return;
	case SRV_AUTH_LOGIN_PASS: {
		char user[sizeof c->auth_user];
		snprintf(user, sizeof user, "%s", c->auth_user);
		srv_auth_end(c, srv_password_ok(user, strlen(user), (const char *)m, n), user, strlen(user));
		return;
	}
	case SRV_AUTH_CRAM:
		srv_auth_cram(c, m, n);
		return;
	case SRV_AUTH_NONE:
		return;
	}
}

/* Decode one base64 text (an initial response or a response line) and
 * go on with it; 501 when it is not base64 (RFC 4954 4). */
static void srv_auth_decode(struct srv_conn *c, const char *b64, size_t len)
{
	unsigned char dec[base64_decoded_max_const(SMTP_TEXT_LINE_MAX) + 1];
	size_t n = 0;
	struct smtp_error err;
	if (base64_decode(b64, len, dec, sizeof dec, &n, &err) != SMTP_OK) {
		srv_auth_cancel(c, "Syntax error: the response is not base64 (RFC 4954 4); AUTH ended");
		return;
	}
	srv_auth_message(c, dec, n);
	libs_wipe(dec, sizeof dec);
}

void srv_auth_line(struct srv_conn *c, const char *line, size_t len, size_t cut)
{
	if (len == 1 && line[0] == '*') {          /* RFC 4954 4: the client cancels */
		srv_auth_cancel(c, "Authentication cancelled (\"*\", RFC 4954 4)");
		return;
	}
	if (cut > 0) {
		srv_auth_cancel(c, "Syntax error: the response line is too long; AUTH ended");
		return;
	}
	srv_auth_decode(c, line, len);
}

void srv_cmd_auth(const struct srv_cmd *cmd)
{
	struct srv *s = cmd->s;
	struct srv_conn *c = cmd->c;
	if (c->authed) {
		srv_reply_std_in(c, 503, VERB_AUTH, " (signed in as %s; RFC 4954 4)", c->auth_user);
		return;
	}
	if (c->tls != SRV_TLS_ON) {
		srv_reply_stdf(c, 538, " (STARTTLS first: here AUTH is offered only over TLS)");
		return;
	}
	char mech[32];
	const char *sp = strchr(cmd->arg, ' ');
	size_t mlen = sp != NULL ? (size_t)(sp - cmd->arg) : strlen(cmd->arg);
	snprintf(mech, sizeof mech, "%.*s", (int)(mlen < sizeof mech ? mlen : sizeof mech - 1), cmd->arg);
	const char *initial = sp != NULL ? sp + 1 : NULL;
	enum auth_mech m;
	if (!auth_mech_parse(mech, &m) || mlen >= sizeof mech ||
	    (m != AUTH_MECH_PLAIN && m != AUTH_MECH_LOGIN && m != AUTH_MECH_CRAM_MD5)) {
		srv_reply_std_in(c, 504, VERB_AUTH, " (%s; this server offers %s)", mech, SRV_AUTH_MECHS);
		return;
	}
	if (m == AUTH_MECH_CRAM_MD5) {
		if (initial != NULL) {
			srv_reply(c, 501, "Syntax error: CRAM-MD5 takes no initial response (RFC 2195)");
			return;
		}
		unsigned char r[8];
		unsigned long long v = 0;
		if (RAND_bytes(r, sizeof r) == 1)
			for (size_t i = 0; i < sizeof r; i++)
				v = (v << 8) | r[i];
		snprintf(c->auth_challenge, sizeof c->auth_challenge, "<%llu.%lld@%s>", v,
		    (long long)time(NULL), s->hostname);
		srv_auth_challenge(c, c->auth_challenge, SRV_AUTH_CRAM);
		return;
	}
	if (m == AUTH_MECH_LOGIN && initial == NULL) {
		srv_auth_challenge(c, "Username:", SRV_AUTH_LOGIN_USER);
		return;
	}
	c->auth = m == AUTH_MECH_PLAIN ? SRV_AUTH_PLAIN : SRV_AUTH_LOGIN_USER;
	if (initial == NULL) {
		srv_reply(c, 334, "%s", "");            /* PLAIN: an empty challenge */
		return;
	}
	srv_auth_decode(c, initial, strlen(initial));
}
