/*
 * recipe.c - the connection recipe (recipe.h): connect and greeting, the
 * hello with its one HELO fallback, the STARTTLS handshake with the EHLO
 * after it, the AUTH exchange, and the replay of all of them on a new
 * connection.  Protocol only: what the user sees is the observer's; every
 * failure is an error value, reported by the caller once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "recipe.h"
#include "secret_mask.h"

static const char *const recipe_step_names[] = {
	[RECIPE_STEP_MX] = "mx", [RECIPE_STEP_CONNECT] = "connect",
	[RECIPE_STEP_GREETING] = "greeting", [RECIPE_STEP_HELLO] = "ehlo",
	[RECIPE_STEP_TLS] = "tls", [RECIPE_STEP_AUTH] = "auth",
};
_Static_assert(sizeof recipe_step_names / sizeof recipe_step_names[0] == RECIPE_STEP__COUNT,
    "a name for every recipe step");

const char *recipe_step_name(enum recipe_step step)
{
	return recipe_step_names[step];
}

static void recipe_event(const struct recipe_observer *obs, const struct recipe_event *e)
{
	if (obs != NULL && obs->event != NULL)
		obs->event(obs->ctx, e);
}

static void recipe_reply(const struct recipe_observer *obs, const struct session_reply *r,
    bool tentative)
{
	if (obs != NULL && obs->reply != NULL)
		obs->reply(obs->ctx, r, tentative);
}

/* Send one line and read its own reply; replies to no command (or late
 * ones) that come first are shown too. */
static enum smtp_errkind recipe_exchange(struct session *s, const struct verb *v, const char *line,
    size_t len, const struct recipe_observer *obs, struct session_reply *out,
    struct smtp_error *err)
{
	char shown[SESSION_SHOWN_MAX];
	unsigned long seq;
	enum smtp_errkind k = session_send(s, v, line, len, &seq, shown, err);
	if (k != SMTP_OK)
		return k;
	if (obs != NULL && obs->sent != NULL)
		obs->sent(obs->ctx, shown, strlen(shown));
	for (;;) {
		session_reply_free(out);
		session_reply_init(out);
		k = session_next_reply(s, SESSION_WAIT_OWED, out, err);
		if (k != SMTP_OK)
			return k;
		if (out->seq == seq)
			return SMTP_OK;
		recipe_reply(obs, out, false);
	}
}

/* The greeting: past SMTP_GREETING_HINT_S the observer hears that it is
 * late, and the wait goes on to its deadline. */
static enum smtp_errkind recipe_greeting(struct session *s, const struct recipe_observer *obs,
    struct session_reply *r, struct smtp_error *err)
{
	long long hint_at = clock_now_ms() + SMTP_GREETING_HINT_S * 1000LL;
	enum smtp_errkind k = session_next_reply(s, hint_at, r, err);
	if (k != SMTP_ERR_AGAIN)
		return k;
	struct recipe_event e = { .kind = RECIPE_EV_GREETING_SLOW, .host = session_host(s),
	    .port = session_port(s) };
	recipe_event(obs, &e);
	return session_next_reply(s, SESSION_WAIT_OWED, r, err);
}

/* RFC 5321 5.1: each MX host by preference, each of its addresses in turn,
 * until one accepts the connection.  A refused or silent address is told
 * and the next one tried; anything else (Ctrl-C, implicit TLS) stops. */
static enum smtp_errkind recipe_connect_route(struct session *s, const struct recipe *rc,
    const struct recipe_env *env, const struct recipe_observer *obs, struct recipe_event *via,
    enum recipe_step *failed, struct smtp_error *err)
{
	const char *port = rc->port[0] != '\0' ? rc->port : SMTP_DEFAULT_PORT;
	struct mx_route *r = malloc(sizeof *r);
	if (r == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	*failed = RECIPE_STEP_MX;
	enum smtp_errkind k = mx_resolve(rc->host, env->mx, r, err);
	if (k == SMTP_OK) {
		struct recipe_event e = { .kind = RECIPE_EV_MX_ROUTE, .route = r };
		recipe_event(obs, &e);
		k = mx_route_usable(r, err);
	}
	size_t tried = 0;
	for (size_t i = 0; k == SMTP_OK && i < r->nhost; i++) {
		const struct mx_host *h = &r->host[i];
		for (size_t j = 0; j < h->naddr; j++) {
			struct recipe_event e = { .kind = RECIPE_EV_CONNECTING, .host = h->name };
			recipe_event(obs, &e);
			tried++;
			*failed = RECIPE_STEP_CONNECT;
			k = session_open_at(s, h->name, h->addr[j].text, port, err);
			if (k == SMTP_OK) {
				via->via_domain = rc->host;
				via->via_preference = h->preference;
				via->via_implicit = r->kind == MX_ROUTE_IMPLICIT;
				goto out;
			}
			if (k != SMTP_ERR_CONNECT && k != SMTP_ERR_TIMEOUT)
				goto out;
			e = (struct recipe_event){ .kind = j + 1 < h->naddr ? RECIPE_EV_NEXT_ADDRESS :
			    RECIPE_EV_NEXT_HOST, .host = h->name, .text = err->msg };
			recipe_event(obs, &e);
			k = SMTP_OK;
		}
	}
	if (k == SMTP_OK) {
		*failed = RECIPE_STEP_CONNECT;
		k = smtp_error_set(err, SMTP_ERR_CONNECT, 0, "no MX host of %.200s answered (%zu "
		    "address%s tried)", rc->host, tried, tried == 1 ? "" : "es");
	}
out:
	free(r);
	return k;
}

enum smtp_errkind recipe_open(struct session *s, struct recipe *rc, const struct recipe_env *env,
    const struct recipe_observer *obs, enum recipe_step *failed, struct smtp_error *err)
{
	enum recipe_step step_unused;
	if (failed == NULL)
		failed = &step_unused;
	struct recipe_event via = { .kind = RECIPE_EV_CONNECTED };
	enum smtp_errkind k;
	rc->greeted = false;
	if (rc->by_route) {
		k = recipe_connect_route(s, rc, env, obs, &via, failed, err);
	} else {
		struct recipe_event e = { .kind = RECIPE_EV_CONNECTING, .host = rc->host };
		recipe_event(obs, &e);
		*failed = RECIPE_STEP_CONNECT;
		k = session_open(s, rc->host, rc->port[0] != '\0' ? rc->port : SMTP_DEFAULT_PORT, err);
	}
	if (k != SMTP_OK)
		return k;
	via.host = session_host(s);
	via.port = session_port(s);
	via.address = session_peer_address(s);
	recipe_event(obs, &via);
	*failed = RECIPE_STEP_GREETING;
	struct session_reply r;
	session_reply_init(&r);
	k = recipe_greeting(s, obs, &r, err);
	if (k == SMTP_OK) {
		recipe_reply(obs, &r, false);
		rc->greeted = session_state(s) == SMTP_ST_GREETED;
	}
	session_reply_free(&r);
	return k;
}

enum smtp_errkind recipe_hello(struct session *s, struct recipe *rc, enum verb_id verb,
    const char *domain, const struct recipe_observer *obs, int *code, struct smtp_error *err)
{
	*code = 0;
	struct session_reply r;
	session_reply_init(&r);
	enum smtp_errkind k = SMTP_OK;
	for (int round = 0; round < 2; round++) {
		const struct verb *v = verb_by_id(verb);
		char wire[SMTP_COMMAND_LINE_MAX];
		size_t wlen = 0;
		k = verb_format_command(v, domain, strlen(domain), wire, sizeof wire, &wlen, err);
		if (k == SMTP_OK)
			k = recipe_exchange(s, v, wire, wlen, obs, &r, err);
		if (k != SMTP_OK)
			break;
		*code = r.reply.code;
		/* Not ESMTP: HELO with the same domain (RFC 5321 4.1.1.1). */
		bool fallback = verb == VERB_EHLO && (*code == 500 || *code == 502) &&
		    session_is_open(s);
		recipe_reply(obs, &r, fallback);
		if (!fallback)
			break;
		struct recipe_event e = { .kind = RECIPE_EV_HELO_FALLBACK, .code = *code };
		recipe_event(obs, &e);
		verb = VERB_HELO;
	}
	if (k == SMTP_OK && *code == 250) {
		snprintf(rc->hello, sizeof rc->hello, "%s", domain);
		rc->hello_verb = verb;
	}
	session_reply_free(&r);
	return k;
}

enum smtp_errkind recipe_tls_handshake(struct session *s, struct recipe *rc,
    const struct tls_options *o, const char *fallback, const struct recipe_observer *obs,
    struct tls_info *info, struct smtp_error *err)
{
	char domain[SMTP_COMMAND_LINE_MAX];
	snprintf(domain, sizeof domain, "%s", session_helo_domain(s));
	memset(info, 0, sizeof *info);
	struct strbuf injected;
	strbuf_init(&injected, 64 * 1024);
	size_t discarded = 0;
	enum smtp_errkind k = session_start_tls(s, o, info, &discarded, &injected, err);
	if (discarded > 0) {
		struct recipe_event e = { .kind = RECIPE_EV_INJECTED, .count = discarded,
		    .text = strbuf_str(&injected), .len = injected.len > 200 ? 200 : injected.len };
		recipe_event(obs, &e);
	}
	strbuf_free(&injected);
	if (info->version[0] != '\0' || k == SMTP_OK) {
		struct recipe_event e = { .kind = RECIPE_EV_TLS, .tls = info, .code = k == SMTP_OK };
		recipe_event(obs, &e);
	}
	if (k != SMTP_OK)
		return k;
	rc->starttls = true;
	if (domain[0] == '\0')
		snprintf(domain, sizeof domain, "%s", fallback);
	struct recipe_event e = { .kind = RECIPE_EV_EHLO_AGAIN };
	recipe_event(obs, &e);
	int code;
	return recipe_hello(s, rc, session_lmtp(s) ? VERB_LHLO : VERB_EHLO, domain, obs, &code, err);
}

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
	if (want.starttls) {
		*failed = RECIPE_STEP_TLS;
		k = recipe_replay_starttls(s, rc, &want, env, obs, c, err);
	}
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
