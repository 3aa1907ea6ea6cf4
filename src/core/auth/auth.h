/*
 * auth.h - SMTP AUTH (RFC 4954) client side, as pure functions: base64
 * (RFC 4648 section 4, bounded and strict), and the PLAIN (RFC 4616), LOGIN
 * (draft-murchison-sasl-login), CRAM-MD5 (RFC 2195), XOAUTH2 (Google's),
 * OAUTHBEARER (RFC 7628) and SCRAM-SHA-256 (RFC 5802, RFC 7677) exchanges
 * (the last three in auth_sasl.c).  Nothing
 * here does I/O: the caller sends the lines these functions produce (without
 * CRLF) and feeds back each 334 reply it reads.
 *
 * Secrets: the user name and secret are borrowed, never copied into the
 * exchange; output lines are written to a caller-owned strbuf which the
 * caller should wipe (auth_wipe) after sending.  Every line from the AUTH
 * command up to the final 2xx/4xx/5xx is sensitive: auth_line_display()
 * gives the form that may be shown, logged or written to a transcript.
 *
 * Errors: SMTP_ERR_USAGE (unknown mechanism, NUL in a credential),
 * SMTP_ERR_REFUSED (the server's challenge is unusable: the exchange must be
 * cancelled by sending the line "*" (RFC 4954 section 4), which auth_step
 * then puts in *line), SMTP_ERR_NOMEM (an output buffer's maximum).
 */
#ifndef SMTPSH_AUTH_H
#define SMTPSH_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "reply.h"
#include "strbuf.h"

/* What stands in for a secret on every sink (screen, history, transcript). */
#define AUTH_PLACEHOLDER "<secret>"
/* RL-03: a server that answers every response with another 334 is cut off
 * after this many challenges. */
#define AUTH_MAX_ROUNDS 8
/* RL-04: the largest challenge we decode (base64 text, bytes).  RFC 4954
 * section 4 puts no limit; 12288 base64 characters is far beyond any real
 * mechanism's first message and keeps memory bounded. */
#define AUTH_CHALLENGE_B64_MAX 12288
/* The largest credential (user name or password) accepted, bytes. */
#define AUTH_CREDENTIAL_MAX 1024
/* The largest OAuth bearer token accepted (XOAUTH2, OAUTHBEARER), bytes:
 * real access tokens (JWTs included) stay well under it. */
#define AUTH_TOKEN_MAX 4096
/* RFC 4954 4: an AUTH response line may be up to 12288 octets; an AUTH
 * command with its initial response must still fit RFC 5321's 512, or the
 * initial response goes after the first 334 instead. */
#define AUTH_RESPONSE_LINE_MAX 12288
/* SCRAM (RFC 5802 5.1): the iteration count a server may ask for.  A
 * hostile server asking for billions would pin the CPU; RFC 7677 wants at
 * least 4096, and no server asks for more than a few hundred thousand. */
#define AUTH_SCRAM_ITER_MAX 1000000

/* ---- base64 (RFC 4648 section 4, standard alphabet, padded) ---- */

/* Compile-time forms, for array sizes. */
#define base64_encoded_len_const(n) (((n) + 2) / 3 * 4)
#define base64_decoded_max_const(n) ((n) / 4 * 3)

/* Encoded length of n bytes, without the NUL. */
size_t base64_encoded_len(size_t n);
/* Largest decoded length of n base64 characters. */
size_t base64_decoded_max(size_t n);
/* Encode len bytes into out (cap bytes, room for the NUL included).
 * SMTP_ERR_NOMEM when cap is too small (nothing written beyond cap). */
enum smtp_errkind base64_encode(const void *in, size_t len, char *out,
    size_t cap, size_t *outlen);
/* Decode strictly: only the alphabet, length a multiple of 4, '=' only as
 * the last one or two characters; no whitespace.  The empty string (and
 * "=", RFC 4954's empty initial response) decodes to zero bytes.  Checks
 * the length against cap before writing anything.  Errors:
 * SMTP_ERR_REFUSED (invalid input, err says where), SMTP_ERR_NOMEM (cap). */
enum smtp_errkind base64_decode(const char *in, size_t len, unsigned char *out,
    size_t cap, size_t *outlen, struct smtp_error *err);

/* ---- mechanisms ---- */

enum auth_mech {
	AUTH_MECH_PLAIN, AUTH_MECH_LOGIN, AUTH_MECH_CRAM_MD5,
	AUTH_MECH_XOAUTH2, AUTH_MECH_OAUTHBEARER, AUTH_MECH_SCRAM_SHA_256,
	AUTH_MECH__COUNT
};

/* "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-256". */
const char *auth_mech_name(enum auth_mech m);
/* Case-insensitive; false when unknown. */
bool auth_mech_parse(const char *name, enum auth_mech *out);
/* One line: what the mechanism reveals ("sends the password, only base64
 * encoded: use TLS"). */
const char *auth_mech_describe(enum auth_mech m);
/* True for XOAUTH2 and OAUTHBEARER: the secret is a bearer token. */
bool auth_mech_uses_token(enum auth_mech m);

/* SCRAM-SHA-256's state between its steps (RFC 5802 3). */
struct auth_scram {
	char client_first_bare[3 * AUTH_CREDENTIAL_MAX + 64]; /* n=USER,r=CNONCE */
	char cnonce[64];
	unsigned char server_signature[32];  /* what the server must prove */
	bool have_signature;
	bool server_verified;                /* its v= matched (server-final) */
};

struct auth_mech_ops;
struct auth_exchange {
	enum auth_mech mech;
	const struct auth_mech_ops *ops; /* its row of auth.c's mechanism table */
	const char *mech_name; /* auth_mech_name(mech), for messages */
	const char *authzid;   /* borrowed; PLAIN only; NULL or "" for none */
	const char *user;      /* borrowed */
	const char *secret;    /* borrowed: a password, or a token (OAuth) */
	const char *host;      /* borrowed; OAUTHBEARER's host= and port=; */
	const char *port;      /*   NULL: not sent (RFC 7628 3.1 optional) */
	unsigned rounds;       /* 334 challenges answered so far */
	bool cancelled;        /* "*" was produced */
	bool initial_sent;     /* the first client message went with AUTH */
	unsigned step;         /* client messages sent (XOAUTH2, OAUTHBEARER,
	                        * SCRAM) */
	struct auth_scram scram;
};

/* Start: checks the credentials (no NUL, length) and writes the AUTH command
 * line into *line: "AUTH MECH <initial response>" when initial_response is
 * true, the mechanism has one (PLAIN, XOAUTH2, OAUTHBEARER, SCRAM-SHA-256)
 * and the line fits 512 octets, else "AUTH MECH" (the first 334 then asks
 * for it).  SCRAM's client nonce is drawn here (RAND_bytes). */
enum smtp_errkind auth_begin(struct auth_exchange *ax, enum auth_mech mech,
    const char *authzid, const char *user, const char *secret,
    bool initial_response, struct strbuf *line, struct smtp_error *err);
/* The same, with the server's host and port for OAUTHBEARER (may be NULL). */
enum smtp_errkind auth_begin_at(struct auth_exchange *ax, enum auth_mech mech,
    const char *authzid, const char *user, const char *secret, const char *host,
    const char *port, bool initial_response, struct strbuf *line, struct smtp_error *err);

/* Answer one 334 reply: its text (the first line after "334 ") is decoded
 * into *challenge (the raw decoded bytes, for display after escaping; may be
 * NULL) and the response line is written into *line.  An invalid or
 * oversized challenge, or more than AUTH_MAX_ROUNDS of them, gives
 * SMTP_ERR_REFUSED with *line = "*" and ax->cancelled set. */
enum smtp_errkind auth_step(struct auth_exchange *ax, const struct smtp_reply *r334,
    struct strbuf *line, struct strbuf *challenge, struct smtp_error *err);

/* Judge the reply that ends the exchange (not a 334).  A 235 to
 * SCRAM-SHA-256 that came before the server-final message was verified
 * (the server skipped "v=" and answered the client-final with 235) is
 * SMTP_ERR_REFUSED: the server never proved it knows the password (RFC
 * 5802 3, RFC 7677), so its "success" is not trusted.  SMTP_OK otherwise. */
enum smtp_errkind auth_check_final(const struct auth_exchange *ax, int code,
    struct smtp_error *err);

/* The response parts, exposed for the RFC test vectors.
 * PLAIN message (RFC 4616 section 2): authzid NUL authcid NUL passwd, base64. */
enum smtp_errkind auth_plain_response(const char *authzid, const char *user,
    const char *secret, struct strbuf *out, struct smtp_error *err);
/* CRAM-MD5 (RFC 2195 section 2): base64(user SP hex(HMAC-MD5(secret, challenge))). */
enum smtp_errkind auth_cram_md5_response(const char *user, const char *secret,
    const unsigned char *challenge, size_t challenge_len, struct strbuf *out,
    struct smtp_error *err);

/* XOAUTH2: "user=U^Aauth=Bearer T^A^A"; OAUTHBEARER (RFC 7628 3.1):
 * "n,a=U,^Ahost=H^Aport=P^Aauth=Bearer T^A^A", base64 (^A is 0x01). */
enum smtp_errkind auth_xoauth2_response(const char *user, const char *token,
    struct strbuf *out, struct smtp_error *err);
enum smtp_errkind auth_oauthbearer_response(const char *user, const char *token,
    const char *host, const char *port, struct strbuf *out, struct smtp_error *err);

/* RFC 4013 SASLprep of in into out (cap bytes), as RFC 5802 2.2 asks of
 * SCRAM's user name (a query: unassigned code points allowed) and password
 * (stored: refused).  ASCII maps to itself, controls refused; anything else
 * goes through GNU libidn's stringprep, its copy wiped.  SMTP_ERR_USAGE,
 * naming `what`, for a string SASLprep prohibits (a control, a bidi mix,
 * an unassigned code point in a stored string, bad UTF-8). */
enum smtp_errkind auth_saslprep(const char *in, bool stored, char *out, size_t cap,
    const char *what, struct smtp_error *err);

/* SCRAM-SHA-256 (RFC 5802 3, RFC 7677), messages as text (not base64),
 * exposed for RFC 7677's test vector.  client-first: "n,,n=USER,r=CNONCE"
 * (USER SASLprep'd, then ',' and '=' escaped; the password is SASLprep'd
 * before the key is derived). */
enum smtp_errkind auth_scram_client_first(struct auth_scram *sc, const char *user,
    const char *cnonce, struct strbuf *out, struct smtp_error *err);
/* From the server-first message: client-final "c=biws,r=NONCE,p=PROOF",
 * and the server signature to expect.  SMTP_ERR_REFUSED for a nonce that
 * does not extend ours, a bad salt, an iteration count of 0 or above
 * AUTH_SCRAM_ITER_MAX, a mandatory extension (m=), or an error (e=). */
enum smtp_errkind auth_scram_client_final(struct auth_scram *sc, const char *typed,
    const char *server_first, size_t len, struct strbuf *out, struct smtp_error *err);
/* The server-final message: "v=SIGNATURE" must match (the server knows the
 * password), else SMTP_ERR_REFUSED; "e=..." is the server's error. */
enum smtp_errkind auth_scram_verify_server(const struct auth_scram *sc,
    const char *server_final, size_t len, struct smtp_error *err);

/* What may be displayed or logged for a line sent during AUTH: "AUTH PLAIN
 * <secret>" for a command with an initial response, "AUTH LOGIN" as is,
 * "*" as is, and AUTH_PLACEHOLDER for every other (response) line. */
enum smtp_errkind auth_line_display(const char *line, size_t len, struct strbuf *shown);

/* Overwrite a buffer that held a secret, then empty it. */
void auth_wipe(struct strbuf *sb);

#endif
