/*
 * recipe_auth.c - the connection recipe's AUTH step (recipe.h, RFC 4954):
 * the command with its initial response, each 334 challenge answered by
 * the mechanism (auth.h), "*" when one cannot be answered, and every line
 * sent masked should the server echo it.  Protocol only, like recipe.c.
 */
#include <stdio.h>
#include <string.h>

#include "recipe_int.h"
#include "secret_mask.h"

/* Mask what the exchange puts on the wire, should the server echo it:
 * the initial response of "AUTH MECH IR", or a whole response line. */
static void recipe_auth_mask(struct session *s, const struct strbuf *line, bool first)
{
	const char *p = strbuf_str(line);
	size_t n = line->len;
	if (first) {
		const char *sp = n > 5 ? memchr(p + 5, ' ', n - 5) : NULL;
		if (sp == NULL)
			return;
		n -= (size_t)(sp + 1 - p);
		p = sp + 1;
	}
	struct smtp_error err;
	(void)session_mask_add(s, p, n, false, &err);
}

/* A challenge, decoded, told with the secrets masked. */
static void recipe_auth_challenge(struct session *s, const struct recipe_observer *obs,
    const struct strbuf *challenge)
{
	struct strbuf shown;
	strbuf_init(&shown, AUTH_CHALLENGE_B64_MAX * 2);
	size_t used = 0;
	if (secret_mask_feed(session_mask(s), challenge->data, challenge->len, true, &shown,
	    &used, NULL) == SMTP_OK) {
		struct recipe_event e = { .kind = RECIPE_EV_CHALLENGE,
		    .text = shown.data != NULL ? shown.data : "", .len = shown.len };
		recipe_event(obs, &e);
	}
	auth_wipe(&shown);
	strbuf_free(&shown);
}

enum smtp_errkind recipe_auth(struct session *s, struct recipe *rc, enum auth_mech mech,
    const char *user, const char *secret, const struct recipe_observer *obs,
    struct recipe_auth_result *res, struct smtp_error *err)
{
	*res = (struct recipe_auth_result){ .closed = RECIPE_AUTH_OPEN };
	int *code = &res->code;
	/* OAUTHBEARER names the server it talks to (RFC 7628 3.1). */
	const char *host = transport_is_unix(session_host(s)) ? NULL : session_host(s);
	const struct verb *v = verb_by_id(VERB_AUTH);
	struct auth_exchange ax;
	struct strbuf line, challenge;
	strbuf_init(&line, 16384);
	strbuf_init(&challenge, AUTH_CHALLENGE_B64_MAX);
	struct session_reply r;
	session_reply_init(&r);
	/* With an initial response where the mechanism has one (auth.c). */
	enum smtp_errkind k = auth_begin_at(&ax, mech, NULL, user, secret, host, session_port(s),
	    true, &line, err);
	bool first = true;
	/* Local trouble answering a challenge is kept for the report; the
	 * exchange is then cancelled with "*" and its last reply read. */
	struct smtp_error local;
	bool local_failed = false;
	while (k == SMTP_OK) {
		recipe_auth_mask(s, &line, first);
		bool cancel = ax.cancelled;
		k = recipe_exchange(s, v, strbuf_str(&line), line.len, obs, &r, err);
		auth_wipe(&line);
		first = false;
		if (k != SMTP_OK)
			break;
		*code = r.reply.code;
		if (*code != 334 || cancel) {
			if (*code != 334 && auth_check_final(&ax, *code, err) != SMTP_OK)
				r.verdict = VERDICT_FAILURE;
			recipe_reply(obs, &r, false);
			break;
		}
		recipe_reply(obs, &r, false);
		strbuf_reset(&challenge);
		if (auth_step(&ax, &r.reply, &line, &challenge, &local) != SMTP_OK) {
			local_failed = true;
			if (!ax.cancelled) {                 /* cancel (RFC 4954 4) */
				auth_wipe(&line);
				(void)strbuf_appendc(&line, '*');
				ax.cancelled = true;
			}
		}
		if (challenge.len > 0)
			recipe_auth_challenge(s, obs, &challenge);
	}
	if (k == SMTP_OK && ax.cancelled && *code == 334 && session_is_open(s)) {
		session_close(s);
		res->closed = RECIPE_AUTH_NO_END;
		k = smtp_error_set(err, SMTP_ERR_REFUSED, 0, "the server went on with the AUTH exchange "
		    "after it was cancelled with \"*\"; the connection was closed");
	} else if (k == SMTP_OK && local_failed) {
		*err = local;
		k = SMTP_ERR_REFUSED;
	} else if (k == SMTP_OK && *code == 235 && auth_check_final(&ax, *code, err) != SMTP_OK) {
		/* The server broke the protocol: nothing more goes to a server
		 * that may not be the one we meant. */
		if (session_is_open(s))
			session_close(s);
		res->closed = RECIPE_AUTH_NO_PROOF;
		k = SMTP_ERR_REFUSED;
	} else if (k == SMTP_OK && *code != 235) {
		res->refused = true;
		const struct reply_line *l = r.reply.nlines > 0 ? &r.reply.lines[0] : NULL;
		k = smtp_error_set(err, SMTP_ERR_REFUSED, 0, "AUTH got %03d %.*s", *code,
		    l != NULL ? (int)(l->len > 160 ? 160 : l->len) : 0, l != NULL ? l->text : "");
	}
	if (k == SMTP_OK) {
		rc->auth = true;
		rc->mech = mech;
		snprintf(rc->user, sizeof rc->user, "%s", user);
	}
	auth_wipe(&line);
	strbuf_free(&line);
	strbuf_free(&challenge);
	session_reply_free(&r);
	return k;
}

