/*
 * recipe_replay.c - the connection recipe done again (recipe_replay(),
 * recipe.h): a new connection brought to where the record says the last
 * one stood -- open, hello, XCLIENT sent in clear, STARTTLS with its EHLO,
 * XCLIENT sent under TLS, AUTH with the secret asked of the caller -- each
 * step the one recipe.c, recipe_xclient.c and recipe_auth.c do, stopped at
 * the first that does not end as it did before.
 */
#include <stdio.h>
#include <string.h>

#include "recipe_int.h"

/* The first line of a reply, for an error message. */
static enum smtp_errkind recipe_reply_error(struct smtp_error *err, const char *what,
    const struct session_reply *r)
{
	const struct reply_line *l = r->reply.nlines > 0 ? &r->reply.lines[0] : NULL;
	return smtp_error_set(err, r->reply.code / 100 == 5 ? SMTP_ERR_REFUSED : SMTP_ERR_CLOSED, 0,
	    "%s %03d %.*s", what, r->reply.code,
	    l != NULL ? (int)(l->len > 160 ? 160 : l->len) : 0, l != NULL ? l->text : "");
}

/* Observes for a replay and keeps the last reply, to say why it stopped. */
struct recipe_replay_ctx {
	const struct recipe_observer *obs;
	struct session_reply last;
};

static void recipe_replay_reply(void *ctx, const struct session_reply *r, bool tentative)
{
	struct recipe_replay_ctx *c = ctx;
	recipe_reply(c->obs, r, tentative);
	if (smtp_reply_copy(&c->last.reply, &r->reply) != SMTP_OK)
		c->last.reply.code = r->reply.code;
}

static void recipe_replay_sent(void *ctx, const char *shown, size_t len)
{
	struct recipe_replay_ctx *c = ctx;
	if (c->obs != NULL && c->obs->sent != NULL)
		c->obs->sent(c->obs->ctx, shown, len);
}

static void recipe_replay_event(void *ctx, const struct recipe_event *e)
{
	struct recipe_replay_ctx *c = ctx;
	recipe_event(c->obs, e);
}

/* STARTTLS again: its 220, the handshake, EHLO after it. */
static enum smtp_errkind recipe_replay_starttls(struct session *s, struct recipe *rc,
    const struct recipe *want, const struct recipe_env *env, const struct recipe_observer *obs,
    struct recipe_replay_ctx *c, struct smtp_error *err)
{
	enum smtp_errkind k;
	struct session_reply r;
	session_reply_init(&r);
	k = recipe_exchange(s, verb_by_id(VERB_STARTTLS), "STARTTLS", 8, obs, &r, err);
	if (k == SMTP_OK)
		recipe_replay_reply(c, &r, false);
	session_reply_free(&r);
	if (k == SMTP_OK && !session_tls_pending(s))
		return recipe_reply_error(err, "STARTTLS got", &c->last);
	if (k == SMTP_OK) {
		struct tls_options o = env->tls;
		o.host = session_host(s);
		struct tls_info info;
		k = recipe_tls_handshake(s, rc, &o, want->hello[0] != '\0' ? want->hello :
		    env->local_domain, obs, &info, err);
	}
	return k;
}

/* The XCLIENT commands sent before TLS (under_tls false) or after it. */
static enum smtp_errkind recipe_replay_xclient(struct session *s, struct recipe *rc,
    const struct recipe *want, bool under_tls, const struct recipe_observer *obs,
    struct recipe_replay_ctx *c, enum recipe_step *failed, struct smtp_error *err)
{
	for (size_t i = 0; i < want->nxclient; i++) {
		if (want->xclient[i].under_tls != under_tls)
			continue;
		*failed = RECIPE_STEP_XCLIENT;
		struct recipe_xclient_result res;
		enum smtp_errkind k = recipe_xclient(s, rc, want->xclient[i].arg, obs, &res, err);
		if (k != SMTP_OK)
			return k;
		if (res.code != 220)
			return recipe_reply_error(err, "XCLIENT got", &c->last);
		if (res.hello_code != 250)
			return recipe_reply_error(err, "the hello after XCLIENT got", &c->last);
	}
	return SMTP_OK;
}

static enum smtp_errkind recipe_replay_steps(struct session *s, struct recipe *rc,
    const struct recipe_env *env, const struct recipe_observer *obs, struct recipe_replay_ctx *c,
    enum recipe_step *failed, struct smtp_error *err)
{
	/* The steps to do again, before the record is rewritten by them. */
	struct recipe want = *rc;
	enum smtp_errkind k = recipe_open(s, rc, env, obs, failed, err);
	if (k != SMTP_OK)
		return k;
	if (!rc->greeted)
		return recipe_reply_error(err, "the greeting was", &c->last);
	if (want.hello[0] == '\0')
		return SMTP_OK;
	*failed = RECIPE_STEP_HELLO;
	int code;
	k = recipe_hello(s, rc, want.hello_verb, want.hello, obs, &code, err);
	if (k == SMTP_OK && code != 250)
		return recipe_reply_error(err, rc->hello_verb == VERB_HELO ? "HELO got" : "EHLO got",
		    &c->last);
	if (k != SMTP_OK)
		return k;
	k = recipe_replay_xclient(s, rc, &want, false, obs, c, failed, err);
	if (k == SMTP_OK && want.starttls) {
		*failed = RECIPE_STEP_TLS;
		k = recipe_replay_starttls(s, rc, &want, env, obs, c, err);
	}
	if (k == SMTP_OK)
		k = recipe_replay_xclient(s, rc, &want, true, obs, c, failed, err);
	if (k != SMTP_OK || !want.auth)
		return k;
	*failed = RECIPE_STEP_AUTH;
	if (env->secret == NULL)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "no secret for AUTH");
	char secret[AUTH_TOKEN_MAX + 2];
	k = env->secret(env->secret_ctx, &want, secret, sizeof secret, err);
	if (k == SMTP_OK) {
		struct recipe_auth_result res;
		k = recipe_auth(s, rc, want.mech, want.user, secret, obs, &res, err);
	}
	explicit_bzero(secret, sizeof secret);
	return k;
}

enum smtp_errkind recipe_replay(struct session *s, struct recipe *rc, const struct recipe_env *env,
    const struct recipe_observer *obs, enum recipe_step *failed, struct smtp_error *err)
{
	enum recipe_step step_unused;
	if (failed == NULL)
		failed = &step_unused;
	struct recipe_replay_ctx c = { .obs = obs };
	session_reply_init(&c.last);
	struct recipe_observer mine = { recipe_replay_sent, recipe_replay_reply, recipe_replay_event,
	    &c };
	enum smtp_errkind k = recipe_replay_steps(s, rc, env, &mine, &c, failed, err);
	session_reply_free(&c.last);
	if (k != SMTP_OK && session_is_open(s))
		session_close(s);
	return k;
}
