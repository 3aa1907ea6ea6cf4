/*
 * auth_sasl.c - the AUTH mechanisms beyond RFC 4954's classics (auth.h):
 * XOAUTH2 (Google's bearer-token form), OAUTHBEARER (RFC 7628) and
 * SCRAM-SHA-256 (RFC 5802 with RFC 7677's hash), written on OpenSSL's
 * PBKDF2, HMAC, SHA-256 and RAND_bytes; SCRAM's SASLprep (RFC 4013) of a
 * non-ASCII user name or password through GNU libidn's stringprep (Unicode
 * normalisation and tables are not code to write by hand).
 *
 * Pure: no I/O, no globals.  The password or token is borrowed; every copy
 * made here (the messages that hold it, the salted password and the keys)
 * is wiped before returning.  SCRAM keeps only the client-first-bare
 * message, the nonce and the server signature it expects between steps.
 * Errors: SMTP_ERR_REFUSED (a challenge that cannot be answered: the
 * caller cancels with "*"), SMTP_ERR_USAGE, SMTP_ERR_NOMEM.
 */
#include "auth_int.h"
#include "unused.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "libs_idn.h"
#include "libs_openssl.h"

#define SCRAM_KEY 32                 /* SHA-256 */
#define SCRAM_SALT_MAX 256           /* decoded salt bytes accepted */
#define SASL_MESSAGE_MAX (AUTH_CHALLENGE_B64_MAX * 3)

/* RFC 5801 / 5802 saslname: ',' and '=' escaped as =2C and =3D. */
static enum smtp_errkind sasl_name(struct strbuf *sb, const char *name)
{
	enum smtp_errkind k = SMTP_OK;
	for (const char *p = name; *p != '\0' && k == SMTP_OK; p++)
		k = *p == ',' ? strbuf_append(sb, "=2C", 3) : *p == '=' ? strbuf_append(sb, "=3D", 3) :
		    strbuf_appendc(sb, *p);
	return k;
}

/* Base64 of a message that holds a secret, then the message wiped. */
static enum smtp_errkind sasl_finish(struct strbuf *msg, enum smtp_errkind k,
    struct strbuf *out, const char *what, struct smtp_error *err)
{
	if (k == SMTP_OK)
		k = auth_append_base64(out, msg->data != NULL ? msg->data : "", msg->len);
	auth_wipe(msg);
	strbuf_free(msg);
	if (k != SMTP_OK)
		return smtp_error_set(err, k, 0, "%s does not fit", what);
	return SMTP_OK;
}

enum smtp_errkind auth_xoauth2_response(const char *user, const char *token,
    struct strbuf *out, struct smtp_error *err)
{
	struct strbuf m;
	strbuf_init(&m, AUTH_TOKEN_MAX + AUTH_CREDENTIAL_MAX + 64);
	enum smtp_errkind k = strbuf_appendf(&m, "user=%s\001auth=Bearer %s\001\001", user, token);
	return sasl_finish(&m, k, out, "the XOAUTH2 response", err);
}

enum smtp_errkind auth_oauthbearer_response(const char *user, const char *token,
    const char *host, const char *port, struct strbuf *out, struct smtp_error *err)
{
	struct strbuf m;
	strbuf_init(&m, AUTH_TOKEN_MAX + 3 * AUTH_CREDENTIAL_MAX + 600);
	enum smtp_errkind k = strbuf_append(&m, "n,a=", 4);
	if (k == SMTP_OK)
		k = sasl_name(&m, user);
	if (k == SMTP_OK)
		k = strbuf_append(&m, ",\001", 2);
	if (k == SMTP_OK && host != NULL && host[0] != '\0')
		k = strbuf_appendf(&m, "host=%s\001", host);
	if (k == SMTP_OK && port != NULL && port[0] != '\0')
		k = strbuf_appendf(&m, "port=%s\001", port);
	if (k == SMTP_OK)
		k = strbuf_appendf(&m, "auth=Bearer %s\001\001", token);
	return sasl_finish(&m, k, out, "the OAUTHBEARER response", err);
}

enum smtp_errkind auth_saslprep(const char *in, bool stored, char *out, size_t cap,
    const char *what, struct smtp_error *err)
{
	size_t len = strlen(in);
	bool ascii = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c == 0x7f)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%s holds a control character, "
			    "which SASLprep (RFC 4013, required by SCRAM) prohibits", what);
		if (c >= 0x80)
			ascii = false;
	}
	if (ascii) {
		if (len >= cap)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0, "%s is too long", what);
		memcpy(out, in, len + 1);
		return SMTP_OK;
	}
	if (libs_need_idn("SASLprep of a non-ASCII name or password", err) != SMTP_OK)
		return err->kind;
	char *prepped = NULL;
	int rc = stringprep_profile(in, &prepped, "SASLprep", stored ? STRINGPREP_NO_UNASSIGNED : 0);
	enum smtp_errkind k = SMTP_OK;
	if (rc != STRINGPREP_OK)
		k = smtp_error_set(err, SMTP_ERR_USAGE, 0, "%s cannot be used with SCRAM: SASLprep "
		    "(RFC 4013) refuses it (%s)", what, stringprep_strerror((Stringprep_rc)rc));
	else if (strlen(prepped) >= cap)
		k = smtp_error_set(err, SMTP_ERR_USAGE, 0, "%s is too long", what);
	else
		memcpy(out, prepped, strlen(prepped) + 1);
	if (prepped != NULL) {
		libs_wipe(prepped, strlen(prepped));
		idn_free(prepped);
	}
	return k;
}

enum smtp_errkind auth_scram_client_first(struct auth_scram *sc, const char *user,
    const char *cnonce, struct strbuf *out, struct smtp_error *err)
{
	if (libs_need_openssl("SCRAM-SHA-256", err) != SMTP_OK)
		return err->kind;
	struct strbuf bare;
	char prepped[AUTH_CREDENTIAL_MAX + 1];
	memset(sc, 0, sizeof *sc);
	enum smtp_errkind k = auth_saslprep(user, false, prepped, sizeof prepped, "the user name",
	    err);
	if (k != SMTP_OK)
		return k;
	strbuf_init(&bare, sizeof sc->client_first_bare - 1);
	k = strbuf_append(&bare, "n=", 2);
	if (k == SMTP_OK)
		k = sasl_name(&bare, prepped);
	if (k == SMTP_OK)
		k = strbuf_appendf(&bare, ",r=%s", cnonce);
	if (k == SMTP_OK && strlen(cnonce) < sizeof sc->cnonce) {
		snprintf(sc->cnonce, sizeof sc->cnonce, "%s", cnonce);
		memcpy(sc->client_first_bare, strbuf_str(&bare), bare.len + 1);
		k = strbuf_appendf(out, "n,,%s", sc->client_first_bare);
	} else if (k == SMTP_OK) {
		k = SMTP_ERR_NOMEM;
	}
	strbuf_free(&bare);
	if (k != SMTP_OK)
		return smtp_error_set(err, k, 0, "the SCRAM first message does not fit");
	return SMTP_OK;
}

/* The value of attribute `name` ("r", "s", ...) in a SCRAM message. */
static bool scram_attr(const char *msg, char name, const char **val, size_t *len)
{
	for (const char *p = msg; *p != '\0';) {
		size_t w = strcspn(p, ",");
		if (w >= 2 && p[0] == name && p[1] == '=') {
			*val = p + 2;
			*len = w - 2;
			return true;
		}
		p += w;
		if (*p == ',')
			p++;
	}
	return false;
}

static bool hmac256(const void *key, size_t klen, const void *data, size_t dlen,
    unsigned char *out)
{
	size_t n = 0;
	return EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen, data, dlen, out,
	    SCRAM_KEY, &n) != NULL && n == SCRAM_KEY;
}

/* RFC 5802 3: the proof and the server signature for AuthMessage. */
static bool scram_keys(struct auth_scram *sc, const char *password, const unsigned char *salt,
    size_t saltlen, unsigned long iter, const struct strbuf *am, unsigned char *proof)
{
	unsigned char salted[SCRAM_KEY], ckey[SCRAM_KEY], stored[SCRAM_KEY], csig[SCRAM_KEY];
	unsigned char skey[SCRAM_KEY];
	unsigned slen = 0;
	bool ok = PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)saltlen, (int)iter,
	    EVP_sha256(), SCRAM_KEY, salted) == 1 &&
	    hmac256(salted, SCRAM_KEY, "Client Key", 10, ckey) &&
	    EVP_Digest(ckey, SCRAM_KEY, stored, &slen, EVP_sha256(), NULL) == 1 &&
	    hmac256(stored, SCRAM_KEY, am->data, am->len, csig) &&
	    hmac256(salted, SCRAM_KEY, "Server Key", 10, skey) &&
	    hmac256(skey, SCRAM_KEY, am->data, am->len, sc->server_signature);
	for (size_t i = 0; ok && i < SCRAM_KEY; i++)
		proof[i] = ckey[i] ^ csig[i];
	sc->have_signature = ok;
	libs_wipe(salted, sizeof salted);
	libs_wipe(ckey, sizeof ckey);
	libs_wipe(stored, sizeof stored);
	libs_wipe(csig, sizeof csig);
	libs_wipe(skey, sizeof skey);
	return ok;
}

enum smtp_errkind auth_scram_client_final(struct auth_scram *sc, const char *typed,
    const char *server_first, size_t len, struct strbuf *out, struct smtp_error *err)
{
	if (libs_need_openssl("SCRAM-SHA-256", err) != SMTP_OK)
		return err->kind;
	char password[AUTH_CREDENTIAL_MAX + 1];
	enum smtp_errkind pk = auth_saslprep(typed, true, password, sizeof password,
	    "the password", err);
	if (pk != SMTP_OK)
		return pk;
	char *msg = malloc(len + 1);
	if (msg == NULL) {
		libs_wipe(password, sizeof password);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	memcpy(msg, server_first, len);
	msg[len] = '\0';
	const char *r, *s, *i, *e;
	size_t rl, sl, il, el;
	unsigned char salt[SCRAM_SALT_MAX], proof[SCRAM_KEY];
	size_t saltlen = 0, cl = strlen(sc->cnonce);
	char *end = NULL;
	unsigned long iter = 0;
	enum smtp_errkind k = SMTP_ERR_REFUSED;
	struct strbuf am, fin;
	strbuf_init(&am, SASL_MESSAGE_MAX);
	strbuf_init(&fin, SASL_MESSAGE_MAX);

	if (memchr(server_first, '\0', len) != NULL || strncmp(msg, "m=", 2) == 0)
		smtp_error_set(err, k, 0, "SCRAM: the server's message has a NUL or a mandatory "
		    "extension (m=)");
	else if (scram_attr(msg, 'e', &e, &el))
		smtp_error_set(err, k, 0, "SCRAM: the server says %.*s", (int)(el > 100 ? 100 : el), e);
	else if (!scram_attr(msg, 'r', &r, &rl) || rl <= cl || memcmp(r, sc->cnonce, cl) != 0)
		smtp_error_set(err, k, 0, "SCRAM: the server's nonce does not extend ours");
	else if (!scram_attr(msg, 's', &s, &sl) ||
	    base64_decode(s, sl, salt, sizeof salt, &saltlen, NULL) != SMTP_OK || saltlen == 0)
		smtp_error_set(err, k, 0, "SCRAM: no usable salt (s=)");
	else if (!scram_attr(msg, 'i', &i, &il) || (iter = strtoul(i, &end, 10)) == 0 ||
	    end != i + il || iter > AUTH_SCRAM_ITER_MAX)
		smtp_error_set(err, k, 0, "SCRAM: the iteration count must be 1..%d",
		    AUTH_SCRAM_ITER_MAX);
	else if (strbuf_appendf(&fin, "c=biws,r=%.*s", (int)rl, r) != SMTP_OK ||
	    strbuf_appendf(&am, "%s,%s,%s", sc->client_first_bare, msg, strbuf_str(&fin)) != SMTP_OK)
		k = smtp_error_set(err, SMTP_ERR_NOMEM, 0, "SCRAM: the messages do not fit");
	else if (!scram_keys(sc, password, salt, saltlen, iter, &am, proof))
		k = smtp_error_set(err, SMTP_ERR_USAGE, 0, "SCRAM: PBKDF2/HMAC-SHA-256 failed");
	else if (strbuf_append(&fin, ",p=", 3) != SMTP_OK ||
	    auth_append_base64(&fin, proof, SCRAM_KEY) != SMTP_OK ||
	    strbuf_append(out, fin.data, fin.len) != SMTP_OK)
		k = smtp_error_set(err, SMTP_ERR_NOMEM, 0, "SCRAM: the final message does not fit");
	else
		k = SMTP_OK;
	libs_wipe(proof, sizeof proof);
	libs_wipe(password, sizeof password);
	auth_wipe(&fin);
	strbuf_free(&fin);
	strbuf_free(&am);
	free(msg);
	return k;
}

enum smtp_errkind auth_scram_verify_server(const struct auth_scram *sc,
    const char *server_final, size_t len, struct smtp_error *err)
{
	if (libs_need_openssl("SCRAM-SHA-256", err) != SMTP_OK)
		return err->kind;
	unsigned char sig[SCRAM_KEY];
	size_t n = 0;
	if (len >= 2 && memcmp(server_final, "e=", 2) == 0)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "SCRAM: the server says %.*s",
		    (int)(len > 100 ? 100 : len) - 2, server_final + 2);
	if (!sc->have_signature || len < 2 || memcmp(server_final, "v=", 2) != 0 ||
	    base64_decode(server_final + 2, len - 2, sig, sizeof sig, &n, NULL) != SMTP_OK ||
	    n != SCRAM_KEY || libs_ct_compare(sig, sc->server_signature, SCRAM_KEY) != 0)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "SCRAM: the server did not prove it "
		    "knows the password (its signature v= does not match): not trusted, cancelled");
	return SMTP_OK;
}

enum smtp_errkind auth_xoauth2_first(struct auth_exchange *ax, struct strbuf *out,
    struct smtp_error *err)
{
	return auth_xoauth2_response(ax->user, ax->secret, out, err);
}

enum smtp_errkind auth_oauthbearer_first(struct auth_exchange *ax, struct strbuf *out,
    struct smtp_error *err)
{
	return auth_oauthbearer_response(ax->user, ax->secret, ax->host, ax->port, out, err);
}

enum smtp_errkind auth_scram_first(struct auth_exchange *ax, struct strbuf *out,
    struct smtp_error *err)
{
	if (libs_need_openssl("SCRAM-SHA-256", err) != SMTP_OK)
		return err->kind;
	unsigned char raw[18];
	char nonce[32];
	size_t nl = 0;
	struct strbuf m;
	if (RAND_bytes(raw, sizeof raw) != 1 ||
	    base64_encode(raw, sizeof raw, nonce, sizeof nonce, &nl) != SMTP_OK)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "SCRAM: no random nonce");
	strbuf_init(&m, sizeof ax->scram.client_first_bare + 8);
	enum smtp_errkind k = auth_scram_client_first(&ax->scram, ax->user, nonce, &m, err);
	if (k == SMTP_OK && auth_append_base64(out, m.data, m.len) != SMTP_OK)
		k = smtp_error_set(err, SMTP_ERR_NOMEM, 0, "the SCRAM message does not fit");
	strbuf_free(&m);
	return k;
}

/* No initial response went with AUTH: the empty 334 asks for it. */
static enum smtp_errkind sasl_first_asked(struct auth_exchange *ax, size_t declen,
    struct strbuf *line, struct smtp_error *err)
{
	if (declen != 0)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "%s: the server spoke first; "
		    "cancelled", ax->mech_name);
	ax->step = 1;
	return ax->ops->first(ax, line, err);
}

static enum smtp_errkind sasl_no_more(const struct auth_exchange *ax, struct smtp_error *err)
{
	return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "%s has no more steps; the server asked "
	    "again: cancelled", ax->mech_name);
}

/* After the first message, an OAuth server's only challenge is its error
 * (JSON), acknowledged with ack (RFC 7628 3.2.3); the 5xx follows. */
static enum smtp_errkind oauth_step(struct auth_exchange *ax, size_t declen, const char *ack,
    size_t acklen, struct strbuf *line, struct smtp_error *err)
{
	if (ax->step == 0)
		return sasl_first_asked(ax, declen, line, err);
	if (ax->step != 1)
		return sasl_no_more(ax, err);
	ax->step = 2;
	return acklen > 0 ? auth_append_base64(line, ack, acklen) : SMTP_OK;
}

enum smtp_errkind auth_xoauth2_step(struct auth_exchange *ax,
    SMTPSH_UNUSED const unsigned char *dec, size_t declen, struct strbuf *line,
    struct smtp_error *err)
{
	return oauth_step(ax, declen, "", 0, line, err);        /* an empty line */
}

enum smtp_errkind auth_oauthbearer_step(struct auth_exchange *ax,
    SMTPSH_UNUSED const unsigned char *dec, size_t declen, struct strbuf *line,
    struct smtp_error *err)
{
	return oauth_step(ax, declen, "\001", 1, line, err);    /* one ^A */
}

enum smtp_errkind auth_scram_step(struct auth_exchange *ax, const unsigned char *dec,
    size_t declen, struct strbuf *line, struct smtp_error *err)
{
	if (ax->step == 0)
		return sasl_first_asked(ax, declen, line, err);
	if (ax->step == 1) {
		struct strbuf m;
		strbuf_init(&m, SASL_MESSAGE_MAX);
		enum smtp_errkind k = auth_scram_client_final(&ax->scram, ax->secret,
		    (const char *)dec, declen, &m, err);
		if (k == SMTP_OK && auth_append_base64(line, m.data, m.len) != SMTP_OK)
			k = smtp_error_set(err, SMTP_ERR_NOMEM, 0, "the SCRAM message does not fit");
		auth_wipe(&m);
		strbuf_free(&m);
		ax->step = 2;
		return k;
	}
	if (ax->step == 2) {
		/* RFC 4954 4: the server's final message comes as a 334; an empty
		 * line answers it once the signature has been checked. */
		ax->step = 3;
		enum smtp_errkind k = auth_scram_verify_server(&ax->scram, (const char *)dec,
		    declen, err);
		ax->scram.server_verified = k == SMTP_OK;
		return k;
	}
	return sasl_no_more(ax, err);
}
