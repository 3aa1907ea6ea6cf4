/*
 * base64.c - base64 (RFC 4648 section 4; declared in auth.h) and the two
 * helpers every AUTH file shares: base64 appended to a strbuf with the
 * temporary copy wiped, and wiping a strbuf that held a secret.  The
 * bottom of the auth module: auth.c and auth_sasl.c call down into it, it
 * calls nothing of theirs.
 */
#include "libs.h"
#include "auth_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>


static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

size_t base64_decoded_max(size_t n)
{
	return n / 4 * 3;
}

enum smtp_errkind base64_encode(const void *in, size_t len, char *out,
    size_t cap, size_t *outlen)
{
	const unsigned char *p = in;
	size_t need = base64_encoded_len(len);
	size_t o = 0;

	if (len > (SIZE_MAX - 3) / 4 * 3 || cap < need + 1) {
		if (cap > 0)
			out[0] = '\0';
		*outlen = 0;
		return SMTP_ERR_NOMEM;
	}
	for (size_t i = 0; i < len; i += 3) {
		size_t rest = len - i;
		unsigned v = (unsigned)p[i] << 16;
		if (rest > 1)
			v |= (unsigned)p[i + 1] << 8;
		if (rest > 2)
			v |= p[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = rest > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = rest > 2 ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	*outlen = o;
	return SMTP_OK;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

enum smtp_errkind base64_decode(const char *in, size_t len, unsigned char *out,
    size_t cap, size_t *outlen, struct smtp_error *err)
{
	size_t pad = 0, o = 0;

	*outlen = 0;
	if (len == 0 || (len == 1 && in[0] == '='))
		return SMTP_OK;
	if (len % 4 != 0)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "invalid base64: length %zu is not a multiple of 4", len);
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < len - pad; i++) {
		if (b64_value((unsigned char)in[i]) < 0)
			return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
			    "invalid base64: byte 0x%02x at offset %zu",
			    (unsigned char)in[i], i);
	}
	if (len / 4 * 3 - pad > cap)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0,
		    "base64 data too large (%zu bytes, at most %zu)", len / 4 * 3 - pad, cap);
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		size_t q = last ? 4 - pad : 4;   /* significant characters */
		unsigned v = 0;
		for (size_t k = 0; k < 4; k++)
			v = v << 6 | (k < q ? (unsigned)b64_value((unsigned char)in[i + k]) : 0);
		out[o++] = (unsigned char)(v >> 16);
		if (q > 2)
			out[o++] = (unsigned char)(v >> 8);
		if (q > 3)
			out[o++] = (unsigned char)v;
	}
	*outlen = o;
	return SMTP_OK;
}

enum smtp_errkind auth_append_base64(struct strbuf *sb, const void *p, size_t n)
{
	size_t cap = base64_encoded_len(n) + 1, got = 0;
	char *enc = malloc(cap);
	if (enc == NULL)
		return SMTP_ERR_NOMEM;
	enum smtp_errkind k = base64_encode(p, n, enc, cap, &got);
	if (k == SMTP_OK)
		k = strbuf_append(sb, enc, got);
	libs_wipe(enc, cap);
	free(enc);
	return k;
}

void auth_wipe(struct strbuf *sb)
{
	if (sb->data != NULL && sb->cap > 0)
		libs_wipe(sb->data, sb->cap);
	strbuf_reset(sb);
}
