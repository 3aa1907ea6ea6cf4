/*
 * connect.c - opening connections for the shell: a mail domain by its MX
 * route (RFC 5321 5.1: hosts by preference, each address in turn; the
 * lookup is the core's mx.c), or the host as given; implicit TLS armed
 * first with --tls; then the peer and the greeting, with a hint when a
 * server says nothing (a plain connection to an
 * SMTPS port hears nothing until it sends TLS: RFC 8314 3.3).  Also this
 * machine's name for HELO/EHLO (RFC 5321 4.1.1.1 wants a fully qualified
 * one), and the TLS deadline every handshake uses.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell.h"
#include "smtp_limits.h"

unsigned shell_tls_timeout_ms(const struct shell *sh)
{
	return (sh->timeout_s != 0 ? sh->timeout_s : SMTP_TIMEOUT_TLS) * 1000u;
}

void shell_tls_options(const struct shell *sh, const char *host, struct tls_options *o)
{
	*o = (struct tls_options){ .host = host, .cafile = sh->cafile, .insecure = sh->insecure,
	    .timeout_ms = shell_tls_timeout_ms(sh), .sni = sh->sni, .min_version = sh->tls_min,
	    .ciphers = sh->tls_cipher, .cert_file = sh->cert, .key_file = sh->key };
}

void shell_prepare_connect(struct shell *sh, const char *host)
{
	if (!sh->implicit_tls)
		return;
	memset(&sh->itls, 0, sizeof sh->itls);
	snprintf(sh->tls.checked_name, sizeof sh->tls.checked_name, "%s", host);
	shell_tls_options(sh, sh->tls.checked_name, &sh->itls.opt);
}

void shell_report_implicit_tls(struct shell *sh)
{
	if (!sh->implicit_tls || !sh->itls.done)
		return;
	sh->tls = sh->itls.info;
	sh->tls_known = true;
	shell_transcript_note(sh, "implicit TLS: %s %s, verification: %s", sh->tls.version,
	    sh->tls.cipher, sh->tls.verified ? "ok" : sh->tls.verify_text);
	out_tls(&sh->out, "implicit", &sh->tls);
}

/* Wait for the greeting; past SMTP_GREETING_HINT_S, say why it may not
 * come, and go on waiting until its deadline. */
static enum smtp_errkind shell_read_greeting(struct shell *sh, struct session_reply *r,
    struct smtp_error *err)
{
	long long hint_at = transport_now_ms() + SMTP_GREETING_HINT_S * 1000LL;
	enum smtp_errkind k = session_next_reply(sh->sess, hint_at, r, err);
	if (k != SMTP_ERR_AGAIN)
		return k;
	if (!sh->implicit_tls)
		out_warning(&sh->out, N_("no greeting from %s port %s after %d s; still waiting "
		    "(Ctrl-C to stop).  If this port expects TLS from the first byte (SMTPS, "
		    "usually port 465), connect with --tls"), session_host(sh->sess),
		    session_port(sh->sess), SMTP_GREETING_HINT_S);
	else
		out_warning(&sh->out, N_("no greeting from %s port %s after %d s; still waiting "
		    "(Ctrl-C to stop)"), session_host(sh->sess), session_port(sh->sess),
		    SMTP_GREETING_HINT_S);
	return session_next_reply(sh->sess, SESSION_WAIT_OWED, r, err);
}

/* After the connect: say where, then the greeting. */
static bool shell_greet(struct shell *sh, const struct out_via *via)
{
	struct smtp_error err;
	out_connected(&sh->out, session_host(sh->sess), session_port(sh->sess),
	    session_peer_address(sh->sess), via);
	shell_transcript_note(sh, "connected to %s port %s (%s)", session_host(sh->sess),
	    session_port(sh->sess), session_peer_address(sh->sess));
	shell_report_implicit_tls(sh);
	struct session_reply r;
	session_reply_init(&r);
	enum smtp_errkind k = shell_read_greeting(sh, &r, &err);
	if (k == SMTP_ERR_CANCELLED) {
		shell_cancelled(sh, "greeting");
		shell_close(sh, N_("connection closed: the greeting was not waited for"));
		session_reply_free(&r);
		return false;
	}
	if (k != SMTP_OK) {
		shell_fail(sh, "greeting", &err);
		session_reply_free(&r);
		return false;
	}
	shell_show_reply(sh, &r);
	shell_maybe_stop(sh, &r);
	session_reply_free(&r);
	return true;
}

void shell_mx_options(const struct shell *sh, struct mx_options *o)
{
	memset(o, 0, sizeof *o);
	o->family = sh->sopt.family;
	o->server = sh->dns_server;
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

/* RFC 5321 5.1: each MX host by preference, each of its addresses in turn,
 * until one accepts the connection.  A refused or silent address is noted
 * and the next one tried; anything else (Ctrl-C, a TLS failure) stops. */
static bool shell_open_mx(struct shell *sh, const char *domain, const char *port)
{
	struct smtp_error err;
	struct mx_options mo;
	shell_mx_options(sh, &mo);
	struct mx_route *r = malloc(sizeof *r);
	if (r == NULL) {
		smtp_error_set(&err, SMTP_ERR_NOMEM, 0, "out of memory");
		shell_fail(sh, "mx", &err);
		return false;
	}
	bool ok = false;
	size_t tried = 0;
	if (mx_resolve(domain, &mo, r, &err) != SMTP_OK) {
		shell_fail_step(sh, "mx", &err);
		goto out;
	}
	out_mx(&sh->out, r);
	if (mx_route_usable(r, &err) != SMTP_OK) {
		shell_fail(sh, "mx", &err);
		goto out;
	}
	for (size_t i = 0; i < r->nhost; i++) {
		const struct mx_host *h = &r->host[i];
		for (size_t j = 0; j < h->naddr; j++) {
			shell_prepare_connect(sh, h->name);
			tried++;
			enum smtp_errkind k = session_open_at(sh->sess, h->name, h->addr[j].text, port,
			    &err);
			if (k == SMTP_OK) {
				struct out_via via = { domain, h->preference,
				    r->kind == MX_ROUTE_IMPLICIT };
				ok = shell_greet(sh, &via);
				goto out;
			}
			if (k != SMTP_ERR_CONNECT && k != SMTP_ERR_TIMEOUT) {
				shell_fail_step(sh, "connect", &err);
				goto out;
			}
			out_note(&sh->out, j + 1 < h->naddr ? N_("%s: %s; trying the next address") :
			    N_("%s: %s; trying the next MX host"), h->name, err.msg);
		}
	}
	smtp_error_set(&err, SMTP_ERR_CONNECT, 0, "no MX host of %.200s answered (%zu address%s "
	    "tried)", domain, tried, tried == 1 ? "" : "es");
	shell_fail(sh, "connect", &err);
out:
	free(r);
	return ok;
}

bool shell_open(struct shell *sh, const char *host, const char *port)
{
	struct smtp_error err;
	/* A typo is refused before the open connection is touched. */
	bool has_port = port != NULL && port[0] != '\0';
	if (transport_is_unix(host) && has_port) {
		shell_usage_error(sh, N_("a unix: socket takes no port; nothing was changed"));
		return false;
	}
	if (has_port && !transport_is_unix(host) && !session_port_ok(port)) {
		shell_usage_error(sh, N_("port \"%.20s\" is not a port number (1..65535): refused; "
		    "nothing was changed"), port);
		return false;
	}
	if (session_is_open(sh->sess))
		shell_close(sh, N_("previous connection closed (no QUIT)"));
	memset(&sh->recipe, 0, sizeof sh->recipe);    /* a new connection's own steps */
	bool mx = sh->route == SMTPSH_ROUTE_MX || (sh->route == SMTPSH_ROUTE_AUTO && port == NULL);
	if (port == NULL)
		port = SMTP_DEFAULT_PORT;
	if (mx && !mx_is_address(host) && !transport_is_unix(host))
		return shell_open_mx(sh, host, port);
	shell_prepare_connect(sh, host);
	if (session_open(sh->sess, host, port, &err) != SMTP_OK) {
		shell_fail_step(sh, "connect", &err);
		return false;
	}
	return shell_greet(sh, NULL);
}

bool shell_local_domain(const struct shell *sh, char *out, size_t cap)
{
	if (sh->helo != NULL) {
		snprintf(out, cap, "%s", sh->helo);
		return true;
	}
	char host[256] = "localhost";
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
