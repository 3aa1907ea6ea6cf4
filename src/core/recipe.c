/*
 * recipe.c - the connection recipe (recipe.h): connect and greeting, the
 * hello with its one HELO fallback, the STARTTLS handshake with the EHLO
 * after it (AUTH is recipe_auth.c's, XCLIENT recipe_xclient.c's, and
 * doing them all again recipe_replay.c's).  Protocol only: what the user sees is the observer's; every
 * failure is an error value, reported by the caller once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "recipe_int.h"

static const char *const recipe_step_names[] = {
	[RECIPE_STEP_MX] = "mx", [RECIPE_STEP_CONNECT] = "connect",
	[RECIPE_STEP_GREETING] = "greeting", [RECIPE_STEP_HELLO] = "ehlo",
	[RECIPE_STEP_TLS] = "tls", [RECIPE_STEP_XCLIENT] = "xclient", [RECIPE_STEP_AUTH] = "auth",
};
_Static_assert(sizeof recipe_step_names / sizeof recipe_step_names[0] == RECIPE_STEP__COUNT,
    "a name for every recipe step");

const char *recipe_step_name(enum recipe_step step)
{
	return recipe_step_names[step];
}

void recipe_event(const struct recipe_observer *obs, const struct recipe_event *e)
{
	if (obs != NULL && obs->event != NULL)
		obs->event(obs->ctx, e);
}

void recipe_reply(const struct recipe_observer *obs, const struct session_reply *r,
    bool tentative)
{
	if (obs != NULL && obs->reply != NULL)
		obs->reply(obs->ctx, r, tentative);
}

/* Send one line and read its own reply; replies to no command (or late
 * ones) that come first are shown too. */
enum smtp_errkind recipe_exchange(struct session *s, const struct verb *v, const char *line,
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

/* One host's addresses in turn until one accepts the connection (*done);
 * a refused or silent address is told and the next one tried (SMTP_OK,
 * not done, when none answered); anything else (Ctrl-C, implicit TLS)
 * is returned.  *tried counts the addresses tried. */
static enum smtp_errkind recipe_connect_host(struct session *s, const struct mx_host *h,
    const char *port, const struct recipe_observer *obs, size_t *tried, bool *done,
    struct smtp_error *err)
{
	*done = false;
	for (size_t j = 0; j < h->naddr; j++) {
		struct recipe_event e = { .kind = RECIPE_EV_CONNECTING, .host = h->name };
		recipe_event(obs, &e);
		(*tried)++;
		enum smtp_errkind k = session_open_at(s, h->name, h->addr[j].text, port, err);
		if (k == SMTP_OK) {
			*done = true;
			return k;
		}
		if (k != SMTP_ERR_CONNECT && k != SMTP_ERR_TIMEOUT)
			return k;
		e = (struct recipe_event){ .kind = j + 1 < h->naddr ? RECIPE_EV_NEXT_ADDRESS :
		    RECIPE_EV_NEXT_HOST, .host = h->name, .text = err->msg };
		recipe_event(obs, &e);
	}
	return SMTP_OK;
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
	bool done = false;
	for (size_t i = 0; k == SMTP_OK && !done && i < r->nhost; i++) {
		k = recipe_connect_host(s, &r->host[i], port, obs, &tried, &done, err);
		if (k == SMTP_OK && done) {
			via->via_domain = rc->host;
			via->via_preference = r->host[i].preference;
			via->via_implicit = r->kind == MX_ROUTE_IMPLICIT;
		}
	}
	if (tried > 0)
		*failed = RECIPE_STEP_CONNECT;
	if (k == SMTP_OK && !done)
		k = smtp_error_set(err, SMTP_ERR_CONNECT, 0, "no MX host of %.200s answered (%zu "
		    "address%s tried)", rc->host, tried, tried == 1 ? "" : "es");
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
	/* A new connection: none of the last one's steps stand on it. */
	rc->greeted = rc->starttls = rc->auth = false;
	rc->nxclient = 0;
	if (rc->pin != NULL) {
		/* One MX host, found before (an audit of a domain's hosts). */
		size_t tried = 0;
		bool done = false;
		*failed = RECIPE_STEP_CONNECT;
		const char *port = rc->port[0] != '\0' ? rc->port : SMTP_DEFAULT_PORT;
		k = recipe_connect_host(s, rc->pin, port, obs, &tried, &done, err);
		if (k == SMTP_OK && !done)
			k = smtp_error_set(err, SMTP_ERR_CONNECT, 0, "%.200s did not answer (%zu "
			    "address%s tried)", rc->pin->name, tried, tried == 1 ? "" : "es");
		via.via_preference = rc->pin->preference;
	} else if (rc->by_route) {
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
	via.text = session_proxy_shown(s)[0] != '\0' ? session_proxy_shown(s) : NULL;
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
