/*
 * secret_mask.c - finding the secrets smtpsh holds in server text and
 * replacing them (secret_mask.h).  A plain scan: at each position the
 * longest form that matches; the forms are few and short, the text one
 * reply line or one read.
 */
#include "libs.h"
#include "secret_mask.h"

#include <stdlib.h>
#include <string.h>


#include "auth.h"

void secret_mask_init(struct secret_mask *m)
{
	memset(m, 0, sizeof *m);
}

void secret_mask_clear(struct secret_mask *m)
{
	for (size_t i = 0; i < m->count; i++) {
		libs_wipe(m->form[i].data, m->form[i].len);
		free(m->form[i].data);
	}
	secret_mask_init(m);
}

bool secret_mask_empty(const struct secret_mask *m)
{
	return m == NULL || m->count == 0;
}

static enum smtp_errkind secret_mask_keep(struct secret_mask *m, const char *p, size_t len,
    struct smtp_error *err)
{
	if (len < SECRET_MASK_MIN)
		return SMTP_OK;
	if (len > SECRET_MASK_FORM_MAX)
		return smtp_error_set(err, SMTP_ERR_LIMIT, 0, "a secret of %zu bytes is too long "
		    "to be masked in server text (at most %d)", len, SECRET_MASK_FORM_MAX);
	for (size_t i = 0; i < m->count; i++)
		if (m->form[i].len == len && memcmp(m->form[i].data, p, len) == 0)
			return SMTP_OK;
	if (m->count == SECRET_MASK_FORMS)
		return smtp_error_set(err, SMTP_ERR_LIMIT, 0, "more than %d secrets to mask",
		    SECRET_MASK_FORMS);
	char *copy = malloc(len);
	if (copy == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	memcpy(copy, p, len);
	m->form[m->count].data = copy;
	m->form[m->count].len = len;
	m->count++;
	return SMTP_OK;
}

enum smtp_errkind secret_mask_add(struct secret_mask *m, const void *secret, size_t len,
    bool with_base64, struct smtp_error *err)
{
	enum smtp_errkind k = secret_mask_keep(m, secret, len, err);
	if (k != SMTP_OK || !with_base64 || len < SECRET_MASK_MIN)
		return k;
	if (len > SECRET_MASK_FORM_MAX)
		return SMTP_OK;
	char enc[base64_encoded_len_const(SECRET_MASK_FORM_MAX) + 1];
	size_t n = 0;
	if (base64_encode(secret, len, enc, sizeof enc, &n) == SMTP_OK)
		k = secret_mask_keep(m, enc, n, err);
	libs_wipe(enc, sizeof enc);
	return k;
}

/* The longest form that matches at in (len bytes left), or -1.  *partial:
 * some longer form starts with all len bytes. */
static int secret_mask_match(const struct secret_mask *m, const char *in, size_t len,
    bool *partial)
{
	int best = -1;
	*partial = false;
	for (size_t i = 0; i < m->count; i++) {
		size_t fl = m->form[i].len;
		if (fl <= len) {
			if (memcmp(in, m->form[i].data, fl) == 0 &&
			    (best < 0 || fl > m->form[best].len))
				best = (int)i;
		} else if (memcmp(in, m->form[i].data, len) == 0) {
			*partial = true;
		}
	}
	return best;
}

enum smtp_errkind secret_mask_feed(const struct secret_mask *m, const char *in, size_t len,
    bool final, struct strbuf *out, size_t *consumed, size_t *replaced)
{
	size_t i = 0, start = 0;
	enum smtp_errkind k = SMTP_OK;
	while (m != NULL && m->count > 0 && i < len) {
		bool partial;
		int f = secret_mask_match(m, in + i, len - i, &partial);
		if (partial && !final)
			break;      /* a longer form may complete with the next bytes */
		if (f < 0) {
			i++;
			continue;
		}
		if ((k = strbuf_append(out, in + start, i - start)) != SMTP_OK ||
		    (k = strbuf_append(out, AUTH_PLACEHOLDER, strlen(AUTH_PLACEHOLDER))) != SMTP_OK)
			return k;
		i += m->form[f].len;
		start = i;
		if (replaced != NULL)
			(*replaced)++;
	}
	if (m == NULL || m->count == 0)
		i = len;
	if ((k = strbuf_append(out, in + start, i - start)) != SMTP_OK)
		return k;
	*consumed = i;
	return SMTP_OK;
}
