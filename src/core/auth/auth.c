/*
 * auth.c - the SMTP AUTH exchange (RFC 4954's 334 challenge/response
 * turns) over a table of mechanisms, one row each with its first message
 * and its step (auth_int.h): PLAIN (RFC 4616), LOGIN and CRAM-MD5 (RFC
 * 2195) here; XOAUTH2, OAUTHBEARER and SCRAM-SHA-256 are auth_sasl.c's.
 * base64 is base64.c's, below both.
 *
 * Pure: no I/O, no globals.  Credentials are borrowed from the caller;
 * temporary copies of secrets made here (the PLAIN message, the HMAC) are
 * wiped before returning.  Output goes to caller-owned strbufs.  See auth.h
 * for the error kinds.
 */
#include "auth_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "libs_openssl.h"

#include "smtp_limits.h"
#include "unused.h"


static enum smtp_errkind check_length(const char *what, const char *s, size_t max,
    struct smtp_error *err)
{
	if (s == NULL)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "no %s given", what);
	if (strlen(s) > max)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%s longer than %zu bytes", what, max);
	return SMTP_OK;
}

static enum smtp_errkind check_credential(const char *what, const char *s,
    struct smtp_error *err)
{
	return check_length(what, s, AUTH_CREDENTIAL_MAX, err);
}

enum smtp_errkind auth_plain_response(const char *authzid, const char *user,
    const char *secret, struct strbuf *out, struct smtp_error *err)
{
	/* authzid NUL authcid NUL passwd: at most 3 * AUTH_CREDENTIAL_MAX + 2. */
	char msg[3 * AUTH_CREDENTIAL_MAX + 2];
	size_t za, ua, sa, n = 0;
	enum smtp_errkind k;
	char enc[base64_encoded_len_const(sizeof msg) + 1];

	if (authzid == NULL)
		authzid = "";
	if ((k = check_credential("authorization identity", authzid, err)) != SMTP_OK ||
	    (k = check_credential("user name", user, err)) != SMTP_OK ||
	    (k = check_credential("password", secret, err)) != SMTP_OK)
		return k;
	za = strlen(authzid);
	ua = strlen(user);
	sa = strlen(secret);
	memcpy(msg + n, authzid, za);
	n += za;
	msg[n++] = '\0';
	memcpy(msg + n, user, ua);
	n += ua;
	msg[n++] = '\0';
	memcpy(msg + n, secret, sa);
	n += sa;
	size_t elen = 0;
	k = base64_encode(msg, n, enc, sizeof enc, &elen);
	if (k == SMTP_OK)
		k = strbuf_append(out, enc, elen);
	libs_wipe(msg, sizeof msg);
	libs_wipe(enc, sizeof enc);
	if (k != SMTP_OK)
		return smtp_error_set(err, k, 0, "AUTH PLAIN response does not fit");
	return SMTP_OK;
}

enum smtp_errkind auth_cram_md5_response(const char *user, const char *secret,
    const unsigned char *challenge, size_t challenge_len, struct strbuf *out,
    struct smtp_error *err)
{
	if (libs_need_openssl("CRAM-MD5", err) != SMTP_OK)
		return err->kind;
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;
	/* user SP 32 hex digits */
	char msg[AUTH_CREDENTIAL_MAX + 1 + 32 + 1];
	static const char hex[] = "0123456789abcdef";
	size_t ul, n;
	enum smtp_errkind k;

	if ((k = check_credential("user name", user, err)) != SMTP_OK ||
	    (k = check_credential("password", secret, err)) != SMTP_OK)
		return k;
	if (EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, secret, strlen(secret),
	        challenge, challenge_len, mac, sizeof mac, &maclen) == NULL || maclen != 16)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0,
		    "CRAM-MD5: HMAC-MD5 is not available in this OpenSSL");
	ul = strlen(user);
	memcpy(msg, user, ul);
	n = ul;
	msg[n++] = ' ';
	for (size_t i = 0; i < maclen; i++) {
		msg[n++] = hex[mac[i] >> 4];
		msg[n++] = hex[mac[i] & 15];
	}
	char enc[base64_encoded_len_const(sizeof msg) + 1];
	size_t elen = 0;
	k = base64_encode(msg, n, enc, sizeof enc, &elen);
	if (k == SMTP_OK)
		k = strbuf_append(out, enc, elen);
	libs_wipe(mac, sizeof mac);
	libs_wipe(msg, sizeof msg);
	libs_wipe(enc, sizeof enc);
	if (k != SMTP_OK)
		return smtp_error_set(err, k, 0, "AUTH CRAM-MD5 response does not fit");
	return SMTP_OK;
}

static enum smtp_errkind plain_first(struct auth_exchange *ax, struct strbuf *out,
    struct smtp_error *err)
{
	return auth_plain_response(ax->authzid, ax->user, ax->secret, out, err);
}

static enum smtp_errkind plain_step(struct auth_exchange *ax,
    SMTPSH_UNUSED const unsigned char *dec, SMTPSH_UNUSED size_t declen, struct strbuf *line,
    struct smtp_error *err)
{
	/* RFC 4616: the empty challenge asks for the message. */
	if (ax->rounds > 1)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "PLAIN takes one step; the server asked again: cancelled");
	return plain_first(ax, line, err);
}

static enum smtp_errkind login_step(struct auth_exchange *ax,
    SMTPSH_UNUSED const unsigned char *dec, SMTPSH_UNUSED size_t declen, struct strbuf *line,
    struct smtp_error *err)
{
	if (ax->rounds > 2)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "LOGIN takes two steps; the server asked again: cancelled");
	const char *v = ax->rounds == 1 ? ax->user : ax->secret;
	enum smtp_errkind k = auth_append_base64(line, v, strlen(v));
	if (k != SMTP_OK)
		smtp_error_set(err, k, 0, "AUTH LOGIN response does not fit");
	return k;
}

static enum smtp_errkind cram_md5_step(struct auth_exchange *ax, const unsigned char *dec,
    size_t declen, struct strbuf *line, struct smtp_error *err)
{
	if (ax->rounds > 1)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "CRAM-MD5 takes one step; the server asked again: cancelled");
	return auth_cram_md5_response(ax->user, ax->secret, dec, declen, line, err);
}

/* The mechanisms, one row each (auth_int.h). */
static const struct auth_mech_ops mech_table[] = {
	[AUTH_MECH_PLAIN] = { .name = "PLAIN",
	    .describe = "RFC 4616: user name and password in one message, only base64-encoded (readable without TLS)",
	    .first = plain_first, .step = plain_step },
	[AUTH_MECH_LOGIN] = { .name = "LOGIN",
	    .describe = "user name and password in two steps, only base64-encoded (readable without TLS)",
	    .first = NULL, .step = login_step },
	[AUTH_MECH_CRAM_MD5] = { .name = "CRAM-MD5",
	    .describe = "RFC 2195: HMAC-MD5 of the server's challenge; the password is not sent, but the exchange can be brute-forced offline",
	    .first = NULL, .step = cram_md5_step },
	[AUTH_MECH_XOAUTH2] = { .name = "XOAUTH2",
	    .describe = "Google/Microsoft: an OAuth 2.0 bearer token, only base64-encoded (anyone who reads it can use it until it expires: use TLS)",
	    .token = true, .first = auth_xoauth2_first, .step = auth_xoauth2_step },
	[AUTH_MECH_OAUTHBEARER] = { .name = "OAUTHBEARER",
	    .describe = "RFC 7628: an OAuth 2.0 bearer token, only base64-encoded (anyone who reads it can use it until it expires: use TLS)",
	    .token = true, .first = auth_oauthbearer_first, .step = auth_oauthbearer_step },
	[AUTH_MECH_SCRAM_SHA_256] = { .name = "SCRAM-SHA-256",
	    .describe = "RFC 7677: salted challenge-response; the password is not sent and the server proves it knows it too",
	    .proves_server = true, .saslprep = true, .first = auth_scram_first, .step = auth_scram_step },
};
_Static_assert(sizeof mech_table / sizeof mech_table[0] == AUTH_MECH__COUNT,
    "a row for every AUTH mechanism");

bool auth_mech_uses_token(enum auth_mech m)
{
	return (unsigned)m < AUTH_MECH__COUNT && mech_table[m].token;
}

const char *auth_mech_name(enum auth_mech m)
{
	return (unsigned)m < AUTH_MECH__COUNT ? mech_table[m].name : "?";
}

const char *auth_mech_describe(enum auth_mech m)
{
	return (unsigned)m < AUTH_MECH__COUNT ? mech_table[m].describe : "";
}

bool auth_mech_parse(const char *name, enum auth_mech *out)
{
	for (size_t i = 0; i < AUTH_MECH__COUNT; i++) {
		if (strcasecmp(name, mech_table[i].name) == 0) {
			*out = (enum auth_mech)i;
			return true;
		}
	}
	return false;
}

enum smtp_errkind auth_begin(struct auth_exchange *ax, enum auth_mech mech,
    const char *authzid, const char *user, const char *secret,
    bool initial_response, struct strbuf *line, struct smtp_error *err)
{
	return auth_begin_at(ax, mech, authzid, user, secret, NULL, NULL, initial_response, line,
	    err);
}

enum smtp_errkind auth_begin_at(struct auth_exchange *ax, enum auth_mech mech,
    const char *authzid, const char *user, const char *secret, const char *host,
    const char *port, bool initial_response, struct strbuf *line, struct smtp_error *err)
{
	enum smtp_errkind k;

	memset(ax, 0, sizeof *ax);
	if ((unsigned)mech >= AUTH_MECH__COUNT)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "unknown AUTH mechanism");
	ax->mech = mech;
	ax->ops = &mech_table[mech];
	ax->mech_name = ax->ops->name;
	ax->authzid = authzid;
	ax->user = user;
	ax->secret = secret;
	ax->host = host;
	ax->port = port;
	bool token = auth_mech_uses_token(mech);
	if ((k = check_credential("user name", user, err)) != SMTP_OK ||
	    (k = check_length(token ? "token" : "password", secret,
	        token ? AUTH_TOKEN_MAX : AUTH_CREDENTIAL_MAX, err)) != SMTP_OK)
		return k;
	if (ax->ops->saslprep) {
		/* SASLprep refusals are the user's to hear before AUTH is sent. */
		char prepped[AUTH_CREDENTIAL_MAX + 1];
		k = auth_saslprep(secret, true, prepped, sizeof prepped, "the password", err);
		libs_wipe(prepped, sizeof prepped);
		if (k == SMTP_OK)
			k = auth_saslprep(user, false, prepped, sizeof prepped, "the user name", err);
		if (k != SMTP_OK)
			return k;
	}
	strbuf_reset(line);
	if (strbuf_appendf(line, "AUTH %s", mech_table[mech].name) != SMTP_OK)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "AUTH line does not fit");
	if (!initial_response || ax->ops->first == NULL)
		return SMTP_OK;
	size_t bare = line->len;
	if (strbuf_appendc(line, ' ') != SMTP_OK)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "AUTH line does not fit");
	k = ax->ops->first(ax, line, err);
	if (k != SMTP_OK)
		return k;
	if (line->len > SMTP_COMMAND_LINE_MAX - 2) {
		/* RFC 4954 4: too long for an SMTP command line, so no initial
		 * response: the first 334 asks for it (and the next nonce). */
		libs_wipe(line->data + bare, line->len - bare);
		line->len = bare;
		line->data[bare] = '\0';
		return SMTP_OK;
	}
	ax->initial_sent = true;
	ax->step = 1;
	return SMTP_OK;
}

enum smtp_errkind auth_check_final(const struct auth_exchange *ax, int code,
    struct smtp_error *err)
{
	if (code == 235 && ax->ops != NULL && ax->ops->proves_server && !ax->scram.server_verified)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "SCRAM: the server answered 235 "
		    "without its final message (v=), so it did not prove it knows the password "
		    "(RFC 5802 3, RFC 7677): its success is not trusted");
	return SMTP_OK;
}

static enum smtp_errkind auth_cancel(struct auth_exchange *ax, struct strbuf *line)
{
	ax->cancelled = true;
	strbuf_reset(line);
	(void)strbuf_appendc(line, '*');
	return SMTP_ERR_REFUSED;
}

enum smtp_errkind auth_step(struct auth_exchange *ax, const struct smtp_reply *r334,
    struct strbuf *line, struct strbuf *challenge, struct smtp_error *err)
{
	unsigned char dec[base64_decoded_max_const(AUTH_CHALLENGE_B64_MAX)];
	size_t declen = 0;
	const char *text = "";
	size_t tlen = 0;
	enum smtp_errkind k;

	auth_wipe(line);
	if (challenge != NULL)
		strbuf_reset(challenge);
	if (r334 == NULL || r334->code != 334) {
		smtp_error_set(err, SMTP_ERR_STATE, 0, "not a 334 challenge");
		return auth_cancel(ax, line);
	}
	if (++ax->rounds > AUTH_MAX_ROUNDS) {
		smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "server sent more than %d AUTH challenges: cancelled", AUTH_MAX_ROUNDS);
		return auth_cancel(ax, line);
	}
	if (r334->nlines > 0) {
		text = r334->lines[0].text;
		tlen = r334->lines[0].len;
	}
	/* Tolerate trailing spaces ("334 \r\n" is a common empty challenge). */
	while (tlen > 0 && text[tlen - 1] == ' ')
		tlen--;
	if (r334->nlines > 1 || (r334->nlines > 0 && r334->lines[0].cut > 0) ||
	    tlen > AUTH_CHALLENGE_B64_MAX) {
		smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "challenge too large (more than %d base64 characters): cancelled",
		    AUTH_CHALLENGE_B64_MAX);
		return auth_cancel(ax, line);
	}
	k = base64_decode(text, tlen, dec, sizeof dec, &declen, err);
	if (k != SMTP_OK) {
		size_t ml = strlen(err ? err->msg : "");
		if (err != NULL && ml + 12 < sizeof err->msg)
			memcpy(err->msg + ml, ": cancelled", 12);
		if (err != NULL)
			err->kind = SMTP_ERR_REFUSED;
		return auth_cancel(ax, line);
	}
	if (challenge != NULL && strbuf_append(challenge, dec, declen) != SMTP_OK) {
		smtp_error_set(err, SMTP_ERR_NOMEM, 0, "challenge does not fit");
		return auth_cancel(ax, line);
	}

	k = ax->ops->step(ax, dec, declen, line, err);
	libs_wipe(dec, sizeof dec);
	if (k != SMTP_OK)
		return auth_cancel(ax, line);
	return SMTP_OK;
}

enum smtp_errkind auth_line_display(const char *line, size_t len, struct strbuf *shown)
{
	strbuf_reset(shown);
	if (len == 1 && line[0] == '*')
		return strbuf_appendc(shown, '*');
	if (len >= 5 && strncasecmp(line, "AUTH", 4) == 0 && line[4] == ' ') {
		/* "AUTH MECH [initial-response]": keep the verb and mechanism. */
		size_t i = 5;
		while (i < len && line[i] == ' ')
			i++;
		while (i < len && line[i] != ' ')
			i++;
		enum smtp_errkind k = strbuf_append(shown, line, i);
		if (k == SMTP_OK && i < len)
			k = strbuf_appendf(shown, " %s", AUTH_PLACEHOLDER);
		return k;
	}
	if (len == 4 && strncasecmp(line, "AUTH", 4) == 0)
		return strbuf_append(shown, line, len);
	return strbuf_append(shown, AUTH_PLACEHOLDER, strlen(AUTH_PLACEHOLDER));
}
