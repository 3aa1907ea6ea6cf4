/*
 * auth.c - the SMTP AUTH mechanisms PLAIN (RFC 4616), LOGIN and
 * CRAM-MD5 (RFC 2195), driven by RFC 4954's 334 challenge/response turns;
 * the exchange also steps XOAUTH2, OAUTHBEARER and SCRAM-SHA-256, whose
 * messages are auth_sasl.c's.
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

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "smtp_limits.h"

static const struct {
	const char *name;
	const char *describe;
} mech_table[] = {
	[AUTH_MECH_PLAIN] = { "PLAIN",
	    "RFC 4616: user name and password in one message, only base64-encoded (readable without TLS)" },
	[AUTH_MECH_LOGIN] = { "LOGIN",
	    "user name and password in two steps, only base64-encoded (readable without TLS)" },
	[AUTH_MECH_CRAM_MD5] = { "CRAM-MD5",
	    "RFC 2195: HMAC-MD5 of the server's challenge; the password is not sent, but the exchange can be brute-forced offline" },
	[AUTH_MECH_XOAUTH2] = { "XOAUTH2",
	    "Google/Microsoft: an OAuth 2.0 bearer token, only base64-encoded (anyone who reads it can use it until it expires: use TLS)" },
	[AUTH_MECH_OAUTHBEARER] = { "OAUTHBEARER",
	    "RFC 7628: an OAuth 2.0 bearer token, only base64-encoded (anyone who reads it can use it until it expires: use TLS)" },
	[AUTH_MECH_SCRAM_SHA_256] = { "SCRAM-SHA-256",
	    "RFC 7677: salted challenge-response; the password is not sent and the server proves it knows it too" },
};
_Static_assert(sizeof mech_table / sizeof mech_table[0] == AUTH_MECH__COUNT,
    "a row for every mechanism");

bool auth_mech_uses_token(enum auth_mech m)
{
	return m == AUTH_MECH_XOAUTH2 || m == AUTH_MECH_OAUTHBEARER;
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
	OPENSSL_cleanse(msg, sizeof msg);
	OPENSSL_cleanse(enc, sizeof enc);
	if (k != SMTP_OK)
		return smtp_error_set(err, k, 0, "AUTH PLAIN response does not fit");
	return SMTP_OK;
}

enum smtp_errkind auth_cram_md5_response(const char *user, const char *secret,
    const unsigned char *challenge, size_t challenge_len, struct strbuf *out,
    struct smtp_error *err)
{
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
	OPENSSL_cleanse(mac, sizeof mac);
	OPENSSL_cleanse(msg, sizeof msg);
	OPENSSL_cleanse(enc, sizeof enc);
	if (k != SMTP_OK)
		return smtp_error_set(err, k, 0, "AUTH CRAM-MD5 response does not fit");
	return SMTP_OK;
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
	ax->mech_name = auth_mech_name(mech);
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
	if (mech == AUTH_MECH_SCRAM_SHA_256) {
		/* SASLprep refusals are the user's to hear before AUTH is sent. */
		char prepped[AUTH_CREDENTIAL_MAX + 1];
		k = auth_saslprep(secret, true, prepped, sizeof prepped, "the password", err);
		OPENSSL_cleanse(prepped, sizeof prepped);
		if (k == SMTP_OK)
			k = auth_saslprep(user, false, prepped, sizeof prepped, "the user name", err);
		if (k != SMTP_OK)
			return k;
	}
	strbuf_reset(line);
	if (strbuf_appendf(line, "AUTH %s", mech_table[mech].name) != SMTP_OK)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "AUTH line does not fit");
	if (!initial_response || mech == AUTH_MECH_LOGIN || mech == AUTH_MECH_CRAM_MD5)
		return SMTP_OK;
	size_t bare = line->len;
	if (strbuf_appendc(line, ' ') != SMTP_OK)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "AUTH line does not fit");
	k = mech == AUTH_MECH_PLAIN ? auth_plain_response(authzid, user, secret, line, err) :
	    auth_sasl_first(ax, line, err);
	if (k != SMTP_OK)
		return k;
	if (line->len > SMTP_COMMAND_LINE_MAX - 2) {
		/* RFC 4954 4: too long for an SMTP command line, so no initial
		 * response: the first 334 asks for it (and the next nonce). */
		OPENSSL_cleanse(line->data + bare, line->len - bare);
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
	if (code == 235 && ax->mech == AUTH_MECH_SCRAM_SHA_256 && !ax->scram.server_verified)
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

	switch (ax->mech) {
	case AUTH_MECH_PLAIN:
		/* RFC 4616: the empty challenge asks for the message. */
		if (ax->rounds > 1) {
			smtp_error_set(err, SMTP_ERR_REFUSED, 0,
			    "PLAIN takes one step; the server asked again: cancelled");
			return auth_cancel(ax, line);
		}
		k = auth_plain_response(ax->authzid, ax->user, ax->secret, line, err);
		break;
	case AUTH_MECH_LOGIN: {
		const char *v = ax->rounds == 1 ? ax->user : ax->secret;
		if (ax->rounds > 2) {
			smtp_error_set(err, SMTP_ERR_REFUSED, 0,
			    "LOGIN takes two steps; the server asked again: cancelled");
			return auth_cancel(ax, line);
		}
		k = auth_append_base64(line, v, strlen(v));
		if (k != SMTP_OK)
			smtp_error_set(err, k, 0, "AUTH LOGIN response does not fit");
		break;
	}
	case AUTH_MECH_CRAM_MD5:
		if (ax->rounds > 1) {
			smtp_error_set(err, SMTP_ERR_REFUSED, 0,
			    "CRAM-MD5 takes one step; the server asked again: cancelled");
			return auth_cancel(ax, line);
		}
		k = auth_cram_md5_response(ax->user, ax->secret, dec, declen, line, err);
		break;
	case AUTH_MECH_XOAUTH2:
	case AUTH_MECH_OAUTHBEARER:
	case AUTH_MECH_SCRAM_SHA_256:
		k = auth_sasl_step(ax, dec, declen, line, err);
		break;
	default:
		k = smtp_error_set(err, SMTP_ERR_USAGE, 0, "unknown AUTH mechanism");
		break;
	}
	OPENSSL_cleanse(dec, sizeof dec);
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
