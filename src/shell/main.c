/*
 * main.c - smtpsh's entry: options (options.c), then one of four modes --
 * the interactive shell (stdin is a terminal), script mode (stdin is not),
 * -e commands, a lookup run (--lookup FILE HOST: lookupcmd.c; -e commands
 * first, when given, on the connection it then uses), an audit (--audit
 * HOST: auditcmd.c), or the teaching
 * server alone (--serve).  --demo starts the
 * teaching server in a thread on a private loopback port and connects the
 * shell to it.  The exit status is the worst outcome seen (shell.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "completion.h"
#include "exit_status.h"
#include "manpage.h"
#include "options.h"
#include "profile.h"
#include "secret.h"
#include "server.h"
#include "shell.h"
#include "signals.h"
#include "smtp_limits.h"
#include "smtpsh_config.h"
#include "termcolor.h"
#include "tui.h"

/* The lookup settings, and where results go (--output, opened after
 * --resume was read: they may be the same file). */
static bool smtpsh_lookup_setup(struct shell *sh, const struct smtpsh_args *a)
{
	sh->lookup.config = (struct lookup_config){
		.method = a->method, .from = a->msg.from, .domain = a->domain, .rate = a->rate,
		.per_connection = a->per_connection, .max_connections = a->max_connections,
		.retries = a->retries_given ? a->retries : LOOKUP_RETRIES_DEFAULT,
		.cancel_fd = signals_fd(), .no_pipelining = a->msg.no_pipelining,
	};
	sh->lookup.resume = a->resume;
	sh->out.csv = a->csv;
	sh->out.progress = isatty(STDERR_FILENO);
	if (a->output == NULL)
		return true;
	if (a->resume != NULL && a->lookup == NULL) {
		fputs("smtpsh: --resume with --output needs --lookup FILE\n", stderr);
		return false;
	}
	sh->out.results = NULL;
	return true;
}

/* --output FILE: a --resume of the same file is read first, whole, by
 * the run; so the file is emptied only when the run starts writing. */
static enum smtp_errkind smtpsh_open_output(struct shell *sh, const struct smtpsh_args *a)
{
	sh->out.results_name = a->output;
	sh->out.results = fopen(a->output, a->resume != NULL ? "r+" : "w");
	if (sh->out.results == NULL && a->resume != NULL)
		sh->out.results = fopen(a->output, "w");
	if (sh->out.results == NULL) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_USAGE, errno, "cannot write %.200s: %s", a->output,
		    strerror(errno));
		shell_fail(sh, "output", &err);
		return SMTP_ERR_USAGE;
	}
	return SMTP_OK;
}

/* The modes that cannot go together, said before anything is connected
 * (a test message with -e commands connected, read the 220, and only then
 * said so). */
static bool smtpsh_modes_agree(struct shell *sh, const struct smtpsh_args *a)
{
	if (a->replay != NULL && (a->host != NULL || a->demo || a->ncmds > 0 ||
	    options_message_mode(a) || a->lookup != NULL))
		shell_usage_error(sh, N_("--replay plays a transcript alone: no host, -e or message"));
	else if (a->tour && !a->demo)
		shell_usage_error(sh, N_("the tour runs against the teaching server: smtpsh --demo --tour"));
	else if (options_message_mode(a) && a->ncmds > 0 && a->lookup == NULL)
		shell_usage_error(sh, N_("a test message (--from, --to, --quit-after ...) and -e "
		    "commands do not mix; nothing was sent"));
	else if (options_message_mode(a) && a->host == NULL && !a->demo && a->lookup == NULL)
		shell_usage_error(sh, N_("a test message needs a HOST"));
	else if (a->stage_status && (!options_message_mode(a) || a->lookup != NULL))
		shell_usage_error(sh, N_("--stage-status goes with a one-shot run (--from/--to, "
		    "--quit-after, --starttls, --auth or --xclient)"));
	else
		return true;
	return false;
}

/* --stage-status: the first stage that failed decides, in swaks' numbers
 * (exit_status.h); no stage failed is 0, also when some recipients were
 * refused (swaks' 24 is "no recipient accepted"). */
static void smtpsh_stage_status(struct shell *sh)
{
	struct shell_outcome *o = &sh->outcome;
	if (!o->stage_status)
		return;
	o->stage_done = true;
	if (o->stage_exit != 0)
		o->worst = o->stage_exit;
	else if (o->worst == SHELL_EXIT_USAGE)
		o->worst = STAGE_EXIT_USAGE;
	else if (o->worst != SHELL_EXIT_LOCAL)
		o->worst = SHELL_EXIT_OK;
}

/* The end of a run: the results file closed, the summary, and every write
 * checked -- a result lost to a full disk, a closed pipe or a failed
 * transcript is said and makes the status 3, never 0. */
static int smtpsh_finish(struct shell *sh)
{
	out_close_results(&sh->out);
	smtpsh_stage_status(sh);
	out_summary(&sh->out, sh->outcome.worst,
	    sh->outcome.failed_stage[0] != '\0' ? sh->outcome.failed_stage : NULL);
	struct smtp_error terr;
	if (transcript_error(&sh->transcript, &terr)) {
		fprintf(stderr, "smtpsh: %s\n", terr.msg);
		shell_note_status(sh, SHELL_EXIT_LOCAL, "transcript");
	}
	if (!out_finish(&sh->out))
		shell_note_status(sh, SHELL_EXIT_LOCAL, "output");
	return sh->outcome.worst;
}

/* --demo for a run of its own (--lookup, --audit): the teaching server
 * started, *host and *port set to it; false when it could not start. */
static bool smtpsh_demo_target(struct shell *sh, const struct smtpsh_args *a, const char **host,
    const char **port)
{
	struct server_config cfg = { .disabled_verbs = a->disabled, .error_limit = a->error_limit };
	struct smtp_error err;
	if (demo_server_create(&sh->conn.demo, &cfg, &err) != SMTP_OK ||
	    demo_server_start_thread(sh->conn.demo, &err) != SMTP_OK) {
		shell_fail(sh, "demo", &err);
		return false;
	}
	*host = demo_server_host(sh->conn.demo);
	*port = demo_server_port(sh->conn.demo);
	return true;
}

/* --audit HOST [PORT] (or --demo --audit): the checks, then the end. */
static int smtpsh_audit_mode(struct shell *sh, const struct smtpsh_args *a)
{
	const char *host = a->host, *port = a->port[0] != '\0' ? a->port : NULL;
	if (a->demo && !smtpsh_demo_target(sh, a, &host, &port))
		return SHELL_EXIT_LOCAL;
	shell_audit(sh, host, port, a->msg.starttls, a->msg.nto > 0 ? a->msg.to[0] : NULL,
	    a->msg.from);
	if (sh->signal != 0)
		sh->outcome.worst = SHELL_EXIT_SIGNAL_BASE + sh->signal;
	return smtpsh_finish(sh);
}

/* --lookup FILE HOST [PORT]: -e commands first (shown), then the run. */
static int smtpsh_lookup_mode(struct shell *sh, const struct smtpsh_args *a)
{
	/* No port: the routing rule decides (a domain's MX hosts), as for
	 * `smtpsh DOMAIN`; every reconnect goes the same way. */
	const char *host = a->host, *port = a->port[0] != '\0' ? a->port : NULL;
	if (a->demo && !smtpsh_demo_target(sh, a, &host, &port))
		return SHELL_EXIT_LOCAL;
	/* A names file that cannot be read is a usage error, before anything
	 * is connected. */
	if (strcmp(a->lookup, "-") != 0 && access(a->lookup, R_OK) != 0) {
		shell_usage_error(sh, N_("cannot read %s: %s"), a->lookup, strerror(errno));
		return sh->outcome.worst;
	}
	/* The first connection: shown only when -e commands follow on it.  If
	 * it fails, the run still reports every name (untested, and why). */
	bool ok = a->ncmds > 0 ? shell_open(sh, host, port) : shell_open_quiet(sh, host, port);
	for (size_t i = 0; ok && i < a->ncmds && !sh->stop; i++)
		shell_run_line(sh, a->cmds[i], strlen(a->cmds[i]));
	if (!sh->stop)
		shell_lookup_file(sh, a->lookup, host, port, false, true);
	if (sh->signal != 0) {
		shell_quit_on_signal(sh);
	} else {
		shell_leave_quiet(sh);      /* the results stay rows only */
	}
	if (session_is_open(sh->sess))
		session_close(sh->sess);
	return smtpsh_finish(sh);
}

static int smtpsh_run(struct shell *sh, const struct smtpsh_args *a)
{
	signals_install();
	out_init(&sh->out, a->json);
	sh->out.timing = a->timing;
	sh->outcome.stage_status = a->stage_status;
	if (!smtpsh_modes_agree(sh, a) || !smtpsh_lookup_setup(sh, a))
		return SHELL_EXIT_USAGE;
	sh->stop_on_error = a->stop_on_error;
	sh->tls.implicit = a->implicit_tls;
	sh->tls.insecure = a->insecure;
	sh->tls.cafile = a->cafile;
	sh->tls.sni = a->sni;
	sh->conn.helo = a->helo;
	sh->tls.min = a->tls_min;
	sh->tls.cipher = a->tls_cipher;
	sh->tls.cert = a->cert;
	sh->tls.key = a->key;
	if (a->tls_cipher != NULL || a->cert != NULL || a->tls_min != 0) {
		/* A bad cipher list or certificate is said now, not after a 220. */
		struct tls_options o;
		struct smtp_error err;
		shell_tls_options(sh, "-", &o);
		if (tls_check_options(&o, &err) != SMTP_OK) {
			shell_fail(sh, "tls", &err);
			return err.kind == SMTP_ERR_USAGE ? SHELL_EXIT_USAGE : SHELL_EXIT_LOCAL;
		}
	}
	sh->auth.password_file = a->password_file;
	sh->auth.token_file = a->token_file;
	sh->auth.allow_plain = a->allow_plain_auth;
	sh->conn.timeout_s = a->timeout_s;
	sh->conn.lmtp = a->lmtp;
	sh->tui.want_view = a->tui;
	sh->sopt.family = a->family == 4 ? AF_INET : a->family == 6 ? AF_INET6 : AF_UNSPEC;
	sh->conn.route = a->route;
	sh->conn.dns_server = getenv("SMTPSH_DNS_SERVER");
	if (a->bind != NULL) {
		unsigned char tmp[sizeof(struct in6_addr)];
		int bf = inet_pton(AF_INET, a->bind, tmp) == 1 ? AF_INET :
		    inet_pton(AF_INET6, a->bind, tmp) == 1 ? AF_INET6 : AF_UNSPEC;
		if (bf == AF_UNSPEC || (sh->sopt.family != AF_UNSPEC && sh->sopt.family != bf)) {
			shell_usage_error(sh, bf == AF_UNSPEC ? N_("--bind wants an IPv4 or IPv6 address "
			    "of this machine") : N_("--bind gives an address of the other family than -4/-6"));
			return SHELL_EXIT_USAGE;
		}
		sh->sopt.bind_address = a->bind;
	}
	sh->sopt.reply_timeout_s = a->timeout_s;
	sh->sopt.connect_timeout_s = a->timeout_s;
	sh->sopt.cancel_fd = signals_fd();
	if (a->proxy.version != 0)
		sh->sopt.proxy = &a->proxy;
	sh->tls.verify_name = a->verify_name;

	if (a->implicit_tls) {
		sh->sopt.after_connect = implicit_tls_after_connect;
		sh->sopt.after_connect_ctx = &sh->tls.itls;
	}
	if (a->transcript != NULL) {
		struct smtp_error err;
		if (transcript_open(&sh->transcript, a->transcript, a->transcript_overwrite ?
		    TRANSCRIPT_OVERWRITE : TRANSCRIPT_APPEND, &err) != SMTP_OK) {
			shell_fail(sh, "transcript", &err);
			return SHELL_EXIT_USAGE;
		}
		sh->sopt.wire_hook = transcript_wire_hook;
		sh->sopt.wire_redact = transcript_redact_hook;
		sh->sopt.wire_ctx = &sh->transcript;
	}
	sh->sess = session_new(&sh->sopt);
	if (sh->sess == NULL) {
		fputs("smtpsh: out of memory\n", stderr);
		return SHELL_EXIT_LOCAL;
	}
	/* A secret the server echoes is masked in the transcript as on the
	 * screen: one list, the session's. */
	transcript_set_mask(&sh->transcript, session_mask(sh->sess));
	shell_mask_standing(sh);
	sh->interactive = a->ncmds == 0 && a->lookup == NULL && !a->audit && isatty(STDIN_FILENO);
	sh->out.pager = sh->interactive && !a->no_pager && !a->json && isatty(STDOUT_FILENO);
	static struct strbuf backlog;
	if (sh->interactive && !a->json) {
		strbuf_init(&backlog, OUT_BACKLOG_MAX);
		sh->out.backlog = &backlog;
	}
	term_setup_colors(&sh->out, !a->no_color && !a->json && !a->csv);
	if (a->output != NULL && smtpsh_open_output(sh, a) != SMTP_OK)
		return sh->outcome.worst;
	if (a->lookup != NULL)
		return smtpsh_lookup_mode(sh, a);
	if (a->audit)
		return smtpsh_audit_mode(sh, a);

	bool ok = true;
	if (a->replay != NULL) {
		if (!a->tui || !tui_replay(sh, a->replay))
			shell_replay(sh, a->replay, a->step);
		out_summary(&sh->out, sh->outcome.worst,
		    sh->outcome.failed_stage[0] != '\0' ? sh->outcome.failed_stage : NULL);
		return sh->outcome.worst;
	}
	if (a->demo) {
		struct server_config cfg = { .disabled_verbs = a->disabled,
		    .error_limit = a->error_limit };
		struct smtp_error err;
		if (demo_server_create(&sh->conn.demo, &cfg, &err) != SMTP_OK ||
		    demo_server_start_thread(sh->conn.demo, &err) != SMTP_OK) {
			shell_fail(sh, "demo", &err);
			return SHELL_EXIT_LOCAL;
		}
		if (!a->json)
			out_guide(&sh->out, demo_server_guide());
		ok = shell_open(sh, demo_server_host(sh->conn.demo),
		    demo_server_port(sh->conn.demo));
		if (ok && a->tour)
			tour_start(sh);
	} else if (a->host != NULL) {
		ok = shell_open(sh, a->host, a->port[0] != '\0' ? a->port : NULL);
	}
	if (options_message_mode(a)) {
		shell_sequence(sh, a);
	} else if (a->ncmds > 0) {
		if (ok || sh->signal != 0)
			script_run_commands(sh, a->cmds, a->ncmds);
	} else if (!sh->interactive) {
		if (ok || sh->signal != 0)
			script_run_stdin(sh);
	} else {
		if (a->host == NULL && !a->demo)
			out_note(&sh->out, N_("not connected: open HOST [PORT] (or a profile's name; "
			    "profiles lists them), or ? for help; smtpsh --demo starts the teaching server"));
		repl_run(sh);
	}
	if (sh->signal == 0)
		shell_leave(sh);
	if (session_is_open(sh->sess))
		session_close(sh->sess);
	shell_transcript_note(sh, "smtpsh ends with status %d", sh->outcome.worst);
	return smtpsh_finish(sh);
}

int main(int argc, char **argv)
{
	/* Build time: the man page from its template and the tables. */
	if (argc == 3 && strcmp(argv[1], "--man-page") == 0)
		return manpage_write(argv[2], stdout, stderr);
	/* Build time (bash, zsh: the completion scripts) and completion time
	 * (profiles: their names, for those scripts). */
	if (argc == 3 && strcmp(argv[1], "--completion") == 0)
		return completion_write(argv[2], stdout, stderr);
	/* Before anything else can start a child or read the environment. */
	static struct secret_env env_secrets;
	secret_env_take(&env_secrets);
	shell_locale_init();
	struct smtpsh_args a;
	int status;
	/* The config file's profiles go first, so the command line wins. */
	static struct profiles profiles;
	int pargc = 0;
	char **pargv = NULL;
	memset(&a, 0, sizeof a);
	if (!profiles_load(&profiles, stderr) ||
	    !profiles_argv(&profiles, argc, argv, &pargc, &pargv, stderr) ||
	    !options_parse(pargc, pargv, &a, stderr)) {
		status = a.stage_status ? STAGE_EXIT_USAGE : SHELL_EXIT_USAGE;
	} else if (a.help) {
		options_usage(stdout);
		status = SHELL_EXIT_OK;
	} else if (a.version) {
		printf("smtpsh %s\n", SMTPSH_VERSION);
		status = SHELL_EXIT_OK;
	} else if (a.serve != NULL) {
		status = run_serve(a.serve, a.disabled, a.quiet, a.error_limit, a.json, a.tui);
	} else {
		static struct shell sh;
		shell_init(&sh);
		sh.auth.env_secrets = &env_secrets;
		sh.conn.profiles = &profiles;
		status = smtpsh_run(&sh, &a);
		/* A usage error said before the run's end: --stage-status's 1. */
		if (a.stage_status && !sh.outcome.stage_done && status == SHELL_EXIT_USAGE)
			status = STAGE_EXIT_USAGE;
		shell_free(&sh);
		transcript_close(&sh.transcript);
		if (sh.conn.demo != NULL)
			demo_server_free(sh.conn.demo);
	}
	options_free(&a);
	profiles_argv_free(pargc, pargv);
	profiles_free(&profiles);
	secret_env_release(&env_secrets);
	return status;
}
