/*
 * fuzz_auth.c - libFuzzer target for the AUTH client (RFC 4954): base64
 * decoding and the PLAIN / LOGIN / CRAM-MD5 / XOAUTH2 / OAUTHBEARER /
 * SCRAM-SHA-256 exchanges driven by the server's 334 challenges.
 *
 * Input: byte 0 picks the mechanism (bits 0-2, modulo the count), the
 * initial response (bit 3) and a small decode buffer (bits 4-7); byte 1 the
 * secret's length (x5, so past AUTH_CREDENTIAL_MAX too; x20 for a token,
 * past AUTH_TOKEN_MAX); then a line, up to the first LF, given
 * to base64_decode; the rest is what the server sends, read by the real
 * reply reader, each 334 reply answered with auth_step.
 *
 * Invariants: base64_decode accepts only the strict alphabet with '=' as
 * the last one or two characters, never writes past its buffer (a heap
 * buffer of exactly the capacity, so ASan sees one byte over), and what it
 * accepts re-encodes to the same length and decodes to the same bytes.
 * Every line the client would send is base64 or "*" (never a CR, LF, NUL
 * or space: it goes on the wire); a failed step leaves "*" and the exchange
 * cancelled; no mechanism takes more steps than it has (PLAIN and CRAM-MD5
 * one, LOGIN two, the OAuth ones their message then one acknowledgement,
 * SCRAM three, never more than AUTH_MAX_ROUNDS); each response decodes
 * to what the mechanism must send; the displayed form of every response
 * line is the placeholder, never the secret.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define USER "fuzz-user"
#define SECRET_CHAR 's'

static int is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Decode with a buffer of exactly cap bytes and check the result. */
static void check_decode(const char *in, size_t len, size_t cap)
{
	unsigned char *out = malloc(cap > 0 ? cap : 1);
	struct smtp_error err = { 0 };
	size_t n = 0;

	if (out == NULL)
		return;
	enum smtp_errkind k = base64_decode(in, len, out, cap, &n, &err);
	if (k == SMTP_OK) {
		if (n > cap || n > base64_decoded_max(len))
			abort();
		if (len > 1 || (len == 1 && in[0] != '=')) {
			/* Strict: the alphabet, '=' only at the end. */
			size_t pad = 0;
			while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
				pad++;
			for (size_t i = 0; i < len - pad; i++)
				if (!is_b64((unsigned char)in[i]))
					abort();
			char *enc = malloc(base64_encoded_len(n) + 1);
			unsigned char *back = malloc(n > 0 ? n : 1);
			size_t elen = 0, blen = 0;
			if (enc == NULL || back == NULL)
				abort();
			if (base64_encode(out, n, enc, base64_encoded_len(n) + 1, &elen) != SMTP_OK ||
			    elen != len)
				abort();
			if (base64_decode(enc, elen, back, n, &blen, &err) != SMTP_OK ||
			    blen != n || memcmp(back, out, n) != 0)
				abort();
			free(enc);
			free(back);
		} else if (n != 0) {
			abort();
		}
	} else if (k != SMTP_ERR_REFUSED && k != SMTP_ERR_NOMEM) {
		abort();
	}
	free(out);
}

/* What the response line of this round must decode to. */
static void check_response(const struct auth_exchange *ax, const struct strbuf *line,
    const char *secret)
{
	size_t cap = base64_decoded_max(line->len) + 1;
	unsigned char *dec = malloc(cap);
	size_t n = 0;
	struct smtp_error err = { 0 };
	struct strbuf shown;

	if (dec == NULL)
		return;
	for (size_t i = 0; i < line->len; i++)
		if (!is_b64((unsigned char)line->data[i]) && line->data[i] != '=')
			abort();
	if (base64_decode(line->data, line->len, dec, cap, &n, &err) != SMTP_OK)
		abort();
	size_t ul = strlen(USER), sl = strlen(secret);
	switch (ax->mech) {
	case AUTH_MECH_PLAIN:
		/* authzid NUL user NUL secret (RFC 4616 section 2) */
		if (ax->rounds != 1 || n != ul + sl + 2 || dec[0] != '\0' ||
		    memcmp(dec + 1, USER, ul) != 0 || dec[ul + 1] != '\0' ||
		    memcmp(dec + ul + 2, secret, sl) != 0)
			abort();
		break;
	case AUTH_MECH_LOGIN:
		if (ax->rounds == 1 ? (n != ul || memcmp(dec, USER, ul) != 0) :
		    ax->rounds == 2 ? (n != sl || memcmp(dec, secret, sl) != 0) : 1)
			abort();
		break;
	case AUTH_MECH_CRAM_MD5:
		/* user SP 32 lower-case hex digits (RFC 2195 section 2) */
		if (ax->rounds != 1 || n != ul + 33 || memcmp(dec, USER " ", ul + 1) != 0)
			abort();
		for (size_t i = ul + 1; i < n; i++)
			if (!((dec[i] >= '0' && dec[i] <= '9') || (dec[i] >= 'a' && dec[i] <= 'f')))
				abort();
		break;
	case AUTH_MECH_XOAUTH2:
	case AUTH_MECH_OAUTHBEARER:
		/* Step 1: the message, after an empty 334 (it ends with the
		 * token and ^A^A); step 2: the error acknowledged. */
		if (ax->step == 1) {
			if (ax->initial_sent || n < sl + 14 || memcmp(dec + n - sl - 2, secret, sl) != 0 ||
			    memcmp(dec + n - sl - 14, "auth=Bearer ", 12) != 0)
				abort();
		} else if (ax->step != 2 || n != (ax->mech == AUTH_MECH_OAUTHBEARER ? 1u : 0u) ||
		    (n == 1 && dec[0] != 1)) {
			abort();
		}
		break;
	case AUTH_MECH_SCRAM_SHA_256:
		if (ax->step == 1 ? (n < 17 || memcmp(dec, "n,,n=" USER ",r=", 17) != 0) :
		    ax->step == 2 ? (n < 9 || memcmp(dec, "c=biws,r=", 9) != 0 ||
		        memmem(dec, n, ",p=", 3) == NULL || memmem(dec, n, secret, sl) != NULL) :
		    ax->step == 3 ? n != 0 : 1)
			abort();
		break;
	default:
		abort();
	}
	free(dec);
	strbuf_init(&shown, 64);
	if (auth_line_display(line->data, line->len, &shown) != SMTP_OK ||
	    strcmp(strbuf_str(&shown), AUTH_PLACEHOLDER) != 0)
		abort();
	strbuf_free(&shown);
}

/* Answer one reply; false when the exchange is over. */
static bool answer(struct auth_exchange *ax, const struct smtp_reply *r, struct strbuf *line,
    struct strbuf *challenge, const char *secret)
{
	struct smtp_error err = { 0 };

	if (r->code != 334)
		return false;                /* 235, 535, ...: the server decided */
	enum smtp_errkind k = auth_step(ax, r, line, challenge, &err);
	if (challenge->len > base64_decoded_max(AUTH_CHALLENGE_B64_MAX))
		abort();
	if (k != SMTP_OK) {
		if (line->len != 1 || line->data[0] != '*' || !ax->cancelled)
			abort();
		return false;                /* "*" sent; the server answers 501 */
	}
	/* An empty line is a valid response (LOGIN, empty secret; RFC 4954
	 * section 4): check_response checks what it stands for. */
	if (ax->cancelled || ax->rounds > AUTH_MAX_ROUNDS)
		abort();
	check_response(ax, line, secret);
	auth_wipe(line);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	enum auth_mech mech = (enum auth_mech)((data[0] & 7) % AUTH_MECH__COUNT);
	bool initial = (data[0] & 8) != 0;
	size_t small_cap = data[0] >> 4;
	bool token = auth_mech_uses_token(mech);
	size_t secret_len = (size_t)data[1] * (token ? 20 : 5);
	const char *in = (const char *)data + 2;
	size_t len = size - 2;

	/* base64: the first line of the input. */
	const char *lf = memchr(in, '\n', len);
	size_t blen = lf != NULL ? (size_t)(lf - in) : len;
	check_decode(in, blen, base64_decoded_max(blen));
	check_decode(in, blen, small_cap);
	if (lf == NULL)
		return 0;
	in += blen + 1;
	len -= blen + 1;

	/* The exchange: the rest is the server's side. */
	char *secret = malloc(secret_len + 1);
	if (secret == NULL)
		return 0;
	memset(secret, SECRET_CHAR, secret_len);
	secret[secret_len] = '\0';

	struct auth_exchange ax;
	struct strbuf line, challenge, shown;
	struct smtp_error err = { 0 };
	strbuf_init(&line, 16384);                    /* as the shell does */
	strbuf_init(&challenge, AUTH_CHALLENGE_B64_MAX);
	strbuf_init(&shown, 64);
	enum smtp_errkind k = auth_begin(&ax, mech, NULL, USER, secret, initial, &line, &err);
	if (k != SMTP_OK) {
		if (secret_len > 0 && secret_len <= (token ? AUTH_TOKEN_MAX : AUTH_CREDENTIAL_MAX))
			abort();                 /* a good credential was refused */
		goto out;
	}
	/* The command line shows no secret: "AUTH PLAIN <secret>" at most. */
	if (auth_line_display(line.data, line.len, &shown) != SMTP_OK ||
	    (secret_len > 0 && strstr(strbuf_str(&shown), secret) != NULL))
		abort();
	auth_wipe(&line);

	struct reply_parser p;
	struct smtp_reply r;
	smtp_reply_init(&r);
	if (reply_parser_init(&p) != SMTP_OK)
		goto out;
	bool going = true;
	while (going && len > 0) {
		size_t used = 0;
		if (reply_parser_feed(&p, in, len, &used, &r) == REPLY_COMPLETE)
			going = answer(&ax, &r, &line, &challenge, secret);
		in += used;
		len -= used;
	}
	if (going && reply_parser_eof(&p, &r))
		answer(&ax, &r, &line, &challenge, secret);
	smtp_reply_free(&r);
	reply_parser_free(&p);
out:
	auth_wipe(&line);
	strbuf_free(&line);
	strbuf_free(&challenge);
	strbuf_free(&shown);
	free(secret);
	return 0;
}
