/*
 * serve.c - `smtpsh --serve [ADDR:]PORT`: the teaching server alone, in
 * the foreground, and the teacher's view of the class: one line on stdout
 * per event -- the time, the session's number, the client's address, its
 * HELO name, the command it sent, the reply's code and where the session
 * now stands (--quiet: none; --json: one JSON object each).  A student's
 * line is untrusted bytes and is escaped before it reaches the teacher's
 * terminal; AUTH lines come already redacted from the server.  The
 * throw-away certificate STARTTLS presents is written to a file whose
 * path is printed, for the students' --cafile.  --tui: the same events
 * as a live table instead (view/class_view.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "class_view.h"
#include "escape.h"
#include "json.h"
#include "server.h"
#include "shell.h"
#include "signals.h"
#include "smtp_limits.h"
#include "strbuf.h"

/* "[::1]:2525", "127.0.0.1:2525", "2525" */
static bool parse_listen(const char *s, char *host, size_t hcap, char *port, size_t pcap)
{
	const char *colon;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			return false;
		snprintf(host, hcap, "%.*s", (int)(end - s - 1), s + 1);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			snprintf(host, hcap, "127.0.0.1");
			snprintf(port, pcap, "%s", s);
			return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
		}
		snprintf(host, hcap, "%.*s", (int)(colon - s), s);
	}
	snprintf(port, pcap, "%s", colon + 1);
	return port[0] != '\0' && strspn(port, "0123456789") == strlen(port);
}

/* Where the log goes, and whether it still can. */
struct serve_log {
	FILE *f;
	bool json;                /* --json: stdout stays JSON, one object a line */
	bool failed;
};

static const char *const serve_event_names[] = {
	[SERVER_EV_CONNECT] = "connect", [SERVER_EV_COMMAND] = "command",
	[SERVER_EV_TLS] = "tls", [SERVER_EV_REFUSED] = "refused", [SERVER_EV_CLOSE] = "left",
};
_Static_assert(sizeof serve_event_names / sizeof serve_event_names[0] == SERVER_EV_CLOSE + 1,
    "a name for every server event");

/* {"type":"serve-event",...}: the same facts for a program. */
static void serve_log_json(const struct server_event *e, const char *when, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "{\"type\":\"serve-event\",\"event\":\"%s\",\"time\":\"%s\","
	    "\"session\":%lu,\"peer\":", serve_event_names[e->kind], when, e->session);
	(void)json_cstring(sb, e->peer);
	(void)strbuf_appendf(sb, ",\"helo\":");
	(void)json_cstring(sb, e->helo != NULL && e->helo[0] != '\0' ? e->helo : NULL);
	(void)strbuf_appendf(sb, ",\"line\":");
	if (e->line != NULL)
		(void)json_string(sb, e->line, e->len);
	else
		(void)json_cstring(sb, NULL);
	(void)strbuf_appendf(sb, ",\"code\":%d,\"state\":\"%s\",\"errors\":%u}\n", e->code,
	    smtp_state_name(e->state), e->errors);
}

/* One line per event (server.h's server_event). */
static void serve_log_event(void *ctx, const struct server_event *e)
{
	struct serve_log *lg = ctx;
	if (lg->failed)
		return;
	char when[16] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm) != NULL)
		strftime(when, sizeof when, "%H:%M:%S", &tm);
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	if (lg->json) {
		serve_log_json(e, when, &sb);
		goto write;
	}
	if (e->session != 0)
		(void)strbuf_appendf(&sb, "%s #%lu %s", when, e->session, e->peer);
	else
		(void)strbuf_appendf(&sb, "%s - %s", when, e->peer);
	if (e->helo != NULL && e->helo[0] != '\0') {
		(void)strbuf_appendf(&sb, " (");
		(void)escape_terminal(&sb, e->helo, strlen(e->helo));
		(void)strbuf_appendf(&sb, ")");
	}
	switch (e->kind) {
	case SERVER_EV_CONNECT:
		(void)strbuf_appendf(&sb, " connected -> %03d, %s", e->code, smtp_state_name(e->state));
		break;
	case SERVER_EV_COMMAND:
		(void)strbuf_appendf(&sb, " ");
		(void)escape_terminal(&sb, e->line, e->len > 200 ? 200 : e->len);
		(void)strbuf_appendf(&sb, "%s -> %03d, %s", e->len > 200 ? "..." : "", e->code,
		    smtp_state_name(e->state));
		if (e->errors > 0)
			(void)strbuf_appendf(&sb, ", %u error%s", e->errors, e->errors == 1 ? "" : "s");
		break;
	case SERVER_EV_TLS:
		(void)strbuf_appendf(&sb, " TLS on (");
		(void)escape_terminal(&sb, e->line, e->len);
		(void)strbuf_appendf(&sb, ") -> %s: EHLO again", smtp_state_name(e->state));
		break;
	case SERVER_EV_REFUSED:
		(void)strbuf_appendf(&sb, " refused -> 421: ");
		(void)escape_terminal(&sb, e->line, e->len);
		break;
	case SERVER_EV_CLOSE:
		(void)strbuf_appendf(&sb, " left");
		if (e->errors > 0)
			(void)strbuf_appendf(&sb, " after %u error%s", e->errors, e->errors == 1 ? "" : "s");
		break;
	}
	(void)strbuf_appendc(&sb, '\n');
write:
	/* The teacher watches it live: written and flushed line by line. */
	if (fwrite(sb.data, 1, sb.len, lg->f) != sb.len || fflush(lg->f) != 0) {
		lg->failed = true;
		fprintf(stderr, "smtpsh: --serve: the log could not be written; the server goes on "
		    "without it\n");
	}
	strbuf_free(&sb);
}

/* The throw-away certificate STARTTLS presents, written where the
 * teacher can hand it out (students: --cafile FILE): a new file in
 * $TMPDIR (mkstemps, so no one can plant it), removed when the server
 * stops.  path gets "" when there is none (then STARTTLS answers 454, and
 * the reason is said). */
static void serve_write_cert(struct demo_server *srv, char *path, size_t cap)
{
	path[0] = '\0';
	const char *pem;
	struct smtp_error err;
	if (demo_server_cert_pem(srv, &pem, &err) != SMTP_OK) {
		fprintf(stderr, "smtpsh: --serve: STARTTLS will get 454: %s\n", err.msg);
		return;
	}
	const char *dir = getenv("TMPDIR");
	snprintf(path, cap, "%s/smtpsh-serve-cert-XXXXXX.pem", dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	int fd = mkstemps(path, 4);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	bool ok = f != NULL && fputs(pem, f) >= 0;
	if (f != NULL)
		ok = fclose(f) == 0 && ok;
	else if (fd >= 0)
		close(fd);
	if (!ok) {
		fprintf(stderr, "smtpsh: --serve: the certificate could not be written to %s: %s\n",
		    path, strerror(errno));
		if (fd >= 0)
			unlink(path);
		path[0] = '\0';
		return;
	}
	(void)chmod(path, 0644);       /* a certificate is public: hand it out */
}

/* --tui: the class as a live table (class_view.h) instead of the log. */
static int serve_tui(struct demo_server *srv, struct class_view *view, const char *cert)
{
	char listening[256], certline[4200] = "";
	snprintf(listening, sizeof listening, _("teaching server on %s port %s"),
	    demo_server_host(srv), demo_server_port(srv));
	if (cert[0] != '\0')
		snprintf(certline, sizeof certline, _("STARTTLS certificate (students: --cafile %s)"), cert);
	else
		snprintf(certline, sizeof certline, _("no STARTTLS certificate: STARTTLS gets 454"));
	if (!class_view_run(view, srv, signals_fd(), listening, certline))
		return SHELL_EXIT_LOCAL;
	fprintf(stderr, _("smtpsh: teaching server stopped (sessions in all: %lu)\n"),
	    class_view_sessions(view));
	return SHELL_EXIT_OK;
}

int run_serve(const char *spec, unsigned disabled, bool quiet, unsigned error_limit, bool json,
    bool tui)
{
	char host[SMTP_DOMAIN_MAX + 1], port[32];
	if (!parse_listen(spec, host, sizeof host, port, sizeof port)) {
		fprintf(stderr, "smtpsh: --serve wants [ADDR:]PORT, not \"%s\"\n", spec);
		return SHELL_EXIT_USAGE;
	}
	if (tui && !class_view_terminal_ok())
		return SHELL_EXIT_USAGE;
	struct class_view *view = tui ? class_view_new() : NULL;
	if (tui && view == NULL) {
		fprintf(stderr, "smtpsh: --serve --tui: %s\n", strerror(errno));
		return SHELL_EXIT_LOCAL;
	}
	struct serve_log log = { .f = stdout, .json = json };
	struct server_config cfg = { .listen_host = host, .listen_port = port,
	    .disabled_verbs = disabled, .error_limit = error_limit,
	    .on_event = quiet ? NULL : serve_log_event, .event_ctx = &log };
	if (tui) {
		cfg.on_event = class_view_event;
		cfg.event_ctx = view;
	}
	struct demo_server *srv;
	struct smtp_error err;
	if (demo_server_create(&srv, &cfg, &err) != SMTP_OK) {
		fprintf(stderr, "smtpsh: %s\n", err.msg);
		class_view_free(view);
		return SHELL_EXIT_LOCAL;
	}
	signals_install();
	if (!tui)
		fprintf(stderr, "smtpsh: teaching server listening on %s port %s (Ctrl-C stops it)\n",
		    demo_server_host(srv), demo_server_port(srv));
	char cert[4096];
	serve_write_cert(srv, cert, sizeof cert);
	if (cert[0] != '\0' && !tui)
		fprintf(stderr, "smtpsh: STARTTLS certificate (students: --cafile %s)\n", cert);
	enum smtp_errkind k = SMTP_OK;
	int status = SHELL_EXIT_OK;
	if (tui)
		status = serve_tui(srv, view, cert);
	else
		k = demo_server_run(srv, signals_fd(), &err);
	demo_server_free(srv);
	class_view_free(view);
	if (cert[0] != '\0')
		unlink(cert);
	if (k != SMTP_OK) {
		fprintf(stderr, "smtpsh: %s\n", err.msg);
		return SHELL_EXIT_LOCAL;
	}
	return status;
}
