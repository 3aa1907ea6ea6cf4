/*
 * recipe_view.c - the shell's side of the connection recipe (the core's
 * recipe.h): the observer that shows each step (what was sent, each reply
 * with what it means for the exit status, the MX route, TLS, notes), the
 * quiet one a lookup's reconnect uses (implicit TLS armed, the transcript
 * told, nothing on screen), and what every step takes from the command
 * line: the MX and TLS options (implicit TLS armed before a connect and
 * reported after it), this machine's name for HELO/EHLO (RFC 5321 4.1.1.1
 * wants a fully qualified one), and the secret for AUTH.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"
#include "server.h"
#include "shell.h"
#include "smtp_limits.h"
#include "unused.h"

static void view_sent(void *ctx, const char *shown, size_t len)
{
	struct shell_view *v = ctx;
	if (!v->sh->quiet_echo)
		out_sent(&v->sh->out, shown, len);
	if (v->unqualified != NULL) {
		out_warning(&v->sh->out, N_("no fully qualified name for this machine; sent \"%s\" "
		    "(give one: %s DOMAIN)"), v->unqualified, v->unqualified_verb);
		v->unqualified = NULL;
	}
}

static void view_reply(void *ctx, const struct session_reply *r, bool tentative)
{
	struct shell_view *v = ctx;
	v->last_code = r->reply.code;
	/* EHLO's 500 before HELO: HELO's reply decides. */
	shell_show_reply_counted(v->sh, r, !tentative);
}

static void view_connected(struct shell *sh, const struct recipe_event *e)
{
	struct out_via via = { e->via_domain, e->via_preference, e->via_implicit };
	out_connected(&sh->out, e->host, e->port, e->address, e->via_domain != NULL ? &via : NULL);
	shell_transcript_note(sh, "connected to %s port %s (%s)", e->host, e->port, e->address);
	if (e->text != NULL && !sh->quiet_echo)
		out_sent(&sh->out, e->text, strlen(e->text));    /* the PROXY header */
	shell_report_implicit_tls(sh);
}

static void view_tls(struct shell *sh, const struct recipe_event *e, bool shown)
{
	const struct tls_info *info = e->tls;
	if (info->version[0] != '\0') {
		sh->tls.info = *info;
		sh->tls.known = true;
	}
	if (e->code == 0)
		return;                 /* the failure is reported by the caller */
	shell_transcript_note(sh, "TLS started: %s %s, verification: %s", info->version,
	    info->cipher, info->verified ? "ok" : info->verify_text);
	if (shown)
		out_tls(&sh->out, "starttls", info);
}

static void view_event(void *ctx, const struct recipe_event *e)
{
	struct shell_view *v = ctx;
	struct shell *sh = v->sh;
	struct output *o = &sh->out;
	switch (e->kind) {
	case RECIPE_EV_CONNECTING:
		shell_prepare_connect(sh, e->host);
		break;
	case RECIPE_EV_MX_ROUTE:
		out_mx(o, e->route);
		break;
	case RECIPE_EV_NEXT_ADDRESS:
		out_note(o, N_("%s: %s; trying the next address"), e->host, e->text);
		break;
	case RECIPE_EV_NEXT_HOST:
		out_note(o, N_("%s: %s; trying the next MX host"), e->host, e->text);
		break;
	case RECIPE_EV_CONNECTED:
		view_connected(sh, e);
		break;
	case RECIPE_EV_GREETING_SLOW:
		if (!sh->tls.implicit)
			out_warning(o, N_("no greeting from %s port %s after %d s; still waiting "
			    "(Ctrl-C to stop).  If this port expects TLS from the first byte (SMTPS, "
			    "usually port 465), connect with --tls"), e->host, e->port,
			    SMTP_GREETING_HINT_S);
		else
			out_warning(o, N_("no greeting from %s port %s after %d s; still waiting "
			    "(Ctrl-C to stop)"), e->host, e->port, SMTP_GREETING_HINT_S);
		break;
	case RECIPE_EV_HELO_FALLBACK:
		out_note(o, N_("the server does not know EHLO (%d): it is not ESMTP; trying HELO "
		    "with the same domain"), e->code);
		break;
	case RECIPE_EV_INJECTED:
		out_warning(o, N_("bytes the server sent after its 220 and before the TLS "
		    "handshake were discarded, never read as replies (STARTTLS injection, RFC 3207 5; "
		    "%zu bytes): %.*s"), e->count, (int)e->len, e->text);
		shell_transcript_note(sh, "%zu bytes after the 220 to STARTTLS discarded", e->count);
		break;
	case RECIPE_EV_TLS:
		view_tls(sh, e, true);
		break;
	case RECIPE_EV_EHLO_AGAIN:
		out_note(o, N_("what the server said before TLS is forgotten (RFC 3207 4.2): "
		    "asking again with EHLO"));
		break;
	case RECIPE_EV_CHALLENGE:
		out_challenge(o, e->text, e->len);
		break;
	case RECIPE_EV_XCLIENT_AGAIN:
		out_note(o, N_("XCLIENT accepted: the session starts over as the client named; "
		    "saying hello again"));
		break;
	}
}

/* A lookup's reconnect: nothing on screen; implicit TLS armed and the
 * transcript told, as for a connection that is shown. */
static void quiet_event(void *ctx, const struct recipe_event *e)
{
	struct shell_view *v = ctx;
	struct shell *sh = v->sh;
	switch (e->kind) {
	case RECIPE_EV_CONNECTING:
		shell_prepare_connect(sh, e->host);
		break;
	case RECIPE_EV_CONNECTED:
		shell_transcript_note(sh, "connected to %s port %s (%s)", e->host, e->port, e->address);
		if (sh->tls.implicit && sh->tls.itls.done) {
			sh->tls.info = sh->tls.itls.info;
			sh->tls.known = true;
		}
		break;
	case RECIPE_EV_INJECTED:
		shell_transcript_note(sh, "%zu bytes after the 220 to STARTTLS discarded", e->count);
		break;
	case RECIPE_EV_TLS:
		view_tls(sh, e, false);
		break;
	default:
		break;
	}
}

static void quiet_reply(void *ctx, const struct session_reply *r, SMTPSH_UNUSED bool tentative)
{
	struct shell_view *v = ctx;
	v->last_code = r->reply.code;
}

void shell_view_init(struct shell_view *v, struct shell *sh, bool shown)
{
	*v = (struct shell_view){ .sh = sh };
	v->obs = shown ? (struct recipe_observer){ view_sent, view_reply, view_event, v } :
	    (struct recipe_observer){ NULL, quiet_reply, quiet_event, v };
}

/* AUTH in a replay: the secret as `auth` gets it (a lookup holds the one
 * typed at its first reconnect for the others). */
static enum smtp_errkind view_secret(void *ctx, const struct recipe *rc, char *buf, size_t cap,
    struct smtp_error *err)
{
	return shell_auth_secret(ctx, rc->mech, rc->user, buf, cap, err);
}

void shell_recipe_env(struct shell *sh, const struct recipe *replay, struct recipe_env *env,
    struct mx_options *mo)
{
	shell_mx_options(sh, mo);
	*env = (struct recipe_env){ .mx = mo, .secret = view_secret, .secret_ctx = sh };
	shell_tls_options(sh, NULL, &env->tls);
	/* This machine's name costs a resolver round (nsswitch, hosts, DNS):
	 * asked for only when a replay will need it (STARTTLS with no hello
	 * before it). */
	if (replay != NULL && replay->starttls && replay->hello[0] == '\0')
		(void)shell_local_domain(sh, env->local_domain, sizeof env->local_domain);
}

enum smtp_errkind shell_auth_secret(struct shell *sh, enum auth_mech mech, const char *user,
    char *buf, size_t cap, struct smtp_error *err)
{
	bool token = auth_mech_uses_token(mech);
	const struct secret_env *env = sh->auth.env_secrets;
	struct secret_source src = { .password_file = sh->auth.password_file, .allow_env = true,
	    .env_value = env != NULL ? &env->password : NULL, .allow_prompt = sh->interactive };
	if (token)
		src = (struct secret_source){ .password_file = sh->auth.token_file,
		    .allow_env = true, .env_value = env != NULL ? &env->token : NULL,
		    .allow_prompt = sh->interactive, .env = SECRET_TOKEN_ENV,
		    .file_option = "--token-file" };
	if (!token && cap > AUTH_CREDENTIAL_MAX + 2)
		cap = AUTH_CREDENTIAL_MAX + 2;
	char prompt[300];
	snprintf(prompt, sizeof prompt, "%s for %.200s: ", token ? "token" : "secret", user);
	const char *from = NULL;
	struct secret_held *held = sh->lookup.held_secret;
	enum smtp_errkind k = SMTP_OK;
	const char *demo = tour_secret(sh);
	if (demo != NULL && strlen(demo) < cap) {
		memcpy(buf, demo, strlen(demo) + 1);  /* `tour next`: the step's demo password */
	} else if (held != NULL && held->set && cap <= sizeof held->buf) {
		memcpy(buf, held->buf, cap);
	} else {
		if (sh->tui.suspend != NULL)
			sh->tui.suspend(sh->tui.suspend_ctx);
		k = secret_get(&src, prompt, buf, cap, &from, err);
		if (sh->tui.resume != NULL)
			sh->tui.resume(sh->tui.suspend_ctx);
		/* A lookup's reconnects use the secret typed for the first. */
		if (k == SMTP_OK && held != NULL && strcmp(from, "terminal") == 0 &&
		    cap <= sizeof held->buf) {
			memcpy(held->buf, buf, cap);
			held->set = true;
		}
	}
	if (k != SMTP_OK)
		return k;
	/* Masked in whatever the server says back, as typed and as LOGIN
	 * sends it (base64). */
	struct smtp_error merr;
	if (session_mask_add(sh->sess, buf, strlen(buf), true, &merr) != SMTP_OK)
		out_note(&sh->out, N_("%s: it may show unmasked if the server echoes it"), merr.msg);
	return SMTP_OK;
}

unsigned shell_tls_timeout_ms(const struct shell *sh)
{
	return (sh->conn.timeout_s != 0 ? sh->conn.timeout_s : SMTP_TIMEOUT_TLS) * 1000u;
}

/* --demo: the teaching server's own certificate, trusted so `starttls`
 * works without --insecure (made when the first handshake asks, not at
 * start: OpenSSL stays unloaded until then). */
static const char *shell_demo_anchor(void *ctx)
{
	const char *pem = NULL;
	struct smtp_error err;
	return demo_server_cert_pem(ctx, &pem, &err) == SMTP_OK ? pem : NULL;
}

void shell_tls_options(const struct shell *sh, const char *host, struct tls_options *o)
{
	/* --verify-name: the certificate is checked against that name (and it
	 * goes as SNI), not the address or MX host connected to. */
	if (host != NULL && sh->tls.verify_name != NULL)
		host = sh->tls.verify_name;
	*o = (struct tls_options){ .host = host, .cafile = sh->tls.cafile,
	    .insecure = sh->tls.insecure, .timeout_ms = shell_tls_timeout_ms(sh),
	    .sni = sh->tls.sni, .min_version = sh->tls.min, .ciphers = sh->tls.cipher,
	    .cert_file = sh->tls.cert, .key_file = sh->tls.key };
	if (sh->conn.demo != NULL) {
		o->anchor_pem = shell_demo_anchor;
		o->anchor_ctx = sh->conn.demo;
	}
}

void shell_prepare_connect(struct shell *sh, const char *host)
{
	if (!sh->tls.implicit)
		return;
	memset(&sh->tls.itls, 0, sizeof sh->tls.itls);
	snprintf(sh->tls.info.checked_name, sizeof sh->tls.info.checked_name, "%s", host);
	shell_tls_options(sh, sh->tls.info.checked_name, &sh->tls.itls.opt);
}

void shell_report_implicit_tls(struct shell *sh)
{
	if (!sh->tls.implicit || !sh->tls.itls.done)
		return;
	sh->tls.info = sh->tls.itls.info;
	sh->tls.known = true;
	shell_transcript_note(sh, "implicit TLS: %s %s, verification: %s", sh->tls.info.version,
	    sh->tls.info.cipher, sh->tls.info.verified ? "ok" : sh->tls.info.verify_text);
	out_tls(&sh->out, "implicit", &sh->tls.info);
}

void shell_mx_options(const struct shell *sh, struct mx_options *o)
{
	memset(o, 0, sizeof *o);
	o->family = sh->sopt.family;
	o->server = sh->conn.dns_server;
	/* Bounded as a connect is (--timeout), and Ctrl-C stops it. */
	o->timeout_s = sh->sopt.connect_timeout_s > 0 ? sh->sopt.connect_timeout_s :
	    SMTP_TIMEOUT_CONNECT;
	o->watch_cancel = sh->sopt.cancel_fd >= 0;
	o->cancel_fd = sh->sopt.cancel_fd;
	/* With --bind, only addresses of its family can be reached. */
	unsigned char tmp[sizeof(struct in6_addr)];
	if (o->family == AF_UNSPEC && sh->sopt.bind_address != NULL)
		o->family = inet_pton(AF_INET, sh->sopt.bind_address, tmp) == 1 ? AF_INET : AF_INET6;
}

bool shell_local_domain(const struct shell *sh, char *out, size_t cap)
{
	if (sh->conn.helo != NULL) {
		snprintf(out, cap, "%s", sh->conn.helo);
		return true;
	}
	char host[SMTP_DOMAIN_MAX + 1] = "localhost";
	if (gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	struct addrinfo hints = { .ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC };
	struct addrinfo *res = NULL;
	bool qualified = false;
	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL && res->ai_canonname != NULL &&
	    strchr(res->ai_canonname, '.') != NULL) {
		snprintf(out, cap, "%s", res->ai_canonname);
		qualified = true;
	} else {
		snprintf(out, cap, "%s", host);
		qualified = strchr(host, '.') != NULL;
	}
	if (res != NULL)
		freeaddrinfo(res);
	return qualified;
}
