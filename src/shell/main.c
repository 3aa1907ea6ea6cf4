/*
 * main.c - smtpsh's entry: options, then one of four modes -- the
 * interactive shell (stdin is a terminal), script mode (stdin is not),
 * -e commands, or the teaching server alone (--serve).  --demo starts the
 * teaching server in a thread on a private loopback port and connects the
 * shell to it.  The exit status is the worst outcome seen (shell.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "shell.h"
#include "smtp_limits.h"
#include "smtpsh_config.h"
#include "termcolor.h"

static void usage(FILE *to)
{
	fputs(
	    "usage: smtpsh [options] [HOST [PORT]]\n"
	    "       smtpsh --demo\n"
	    "       smtpsh --serve [ADDR:]PORT\n"
	    "\n"
	    "An interactive SMTP diagnostic shell: every reply line, what its code means,\n"
	    "the verdict for the command, and where the session stands.\n"
	    "\n"
	    "  -e CMD            run CMD (repeatable), then exit\n"
	    "  --json            one JSON object per reply on stdout\n"
	    "  --stop-on-error   at the first 4xx/5xx reply send QUIT and stop\n"
	    "  --timeout SECS    connect and reply timeout (default: RFC 5321 4.5.3.2's)\n"
	    "  -4, -6            IPv4 or IPv6 only\n"
	    "  --no-color        no colour (also when NO_COLOR is set or stdout is no tty)\n"
	    "  --tls             implicit TLS right after connecting (SMTPS, port 465)\n"
	    "  --insecure        go on when the certificate does not verify (still shown)\n"
	    "  --cafile FILE     trust these CA certificates instead of the system's\n"
	    "  --password-file FILE  the AUTH secret (else SMTPSH_PASSWORD, else a prompt)\n"
	    "  --allow-plaintext-auth  allow AUTH without TLS in scripts\n"
	    "  --transcript FILE every byte each way, timestamped, secrets replaced\n"
	    "  --demo            start the built-in teaching server and connect to it\n"
	    "  --serve [ADDR:]PORT  run the teaching server alone (127.0.0.1 by default)\n"
	    "  --disable VERB    the teaching server answers VERB with 502 (repeatable)\n"
	    "  -h, --help        this text;  -V, --version  the version\n"
	    "\n"
	    "Inside, type SMTP verbs (ehlo, vrfy alice, mail a@b, rcpt c@d, data, quit ...)\n"
	    "or shell commands (? for the list).  When stdin is not a terminal each line is\n"
	    "run as if typed.\n"
	    "\n"
	    "Exit status: 0 every reply positive; 4 a 4xx reply was seen; 5 a 5xx reply;\n"
	    "3 a local or connection error (timeout, refused, 600/621); 2 a usage error.\n"
	    "The worst wins: 3, then 2, then 5, then 4.\n", to);
}

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

static int run_serve(const char *spec, unsigned disabled)
{
	char host[256], port[32];
	if (!parse_listen(spec, host, sizeof host, port, sizeof port)) {
		fprintf(stderr, "smtpsh: --serve wants [ADDR:]PORT, not \"%s\"\n", spec);
		return SHELL_EXIT_USAGE;
	}
	struct server_config cfg = { .listen_host = host, .listen_port = port,
	    .disabled_verbs = disabled };
	struct demo_server *srv;
	struct smtp_error err;
	if (demo_server_create(&srv, &cfg, &err) != SMTP_OK) {
		fprintf(stderr, "smtpsh: %s\n", err.msg);
		return SHELL_EXIT_LOCAL;
	}
	repl_install_signals();
	fprintf(stderr, "smtpsh: teaching server listening on %s port %s (Ctrl-C stops it)\n",
	    demo_server_host(srv), demo_server_port(srv));
	enum smtp_errkind k = demo_server_run(srv, repl_signal_fd(), &err);
	demo_server_free(srv);
	if (k != SMTP_OK) {
		fprintf(stderr, "smtpsh: %s\n", err.msg);
		return SHELL_EXIT_LOCAL;
	}
	return SHELL_EXIT_OK;
}

static int smtpsh_main(int argc, char **argv, const char **cmds)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ "stop-on-error", no_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-color", no_argument, NULL, 'n' },
		{ "demo", no_argument, NULL, 'd' },
		{ "serve", required_argument, NULL, 'S' },
		{ "tls", no_argument, NULL, 'T' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "cafile", required_argument, NULL, 'C' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "transcript", required_argument, NULL, 'R' },
		{ "allow-plaintext-auth", no_argument, NULL, 'A' },
		{ "disable", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	static struct shell sh;
	shell_init(&sh);
	size_t ncmds = 0;
	bool no_color = false, demo = false;
	const char *serve = NULL;
	const char *transcript = NULL;
	unsigned disabled = 0;
	int family = 0;
	unsigned timeout = 0;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hV46e:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout); return SHELL_EXIT_OK;
		case 'V': printf("smtpsh %s\n", SMTPSH_VERSION); return SHELL_EXIT_OK;
		case '4': family = 4; break;
		case '6': family = 6; break;
		case 'e': cmds[ncmds++] = optarg; break;
		case 'j': sh.json = true; break;
		case 's': sh.stop_on_error = true; break;
		case 'n': no_color = true; break;
		case 'd': demo = true; break;
		case 'S': serve = optarg; break;
		case 'T': sh.implicit_tls = true; break;
		case 'k': sh.insecure = true; break;
		case 'C': sh.cafile = optarg; break;
		case 'P': sh.password_file = optarg; break;
		case 'R': transcript = optarg; break;
		case 'A': sh.allow_plain_auth = true; break;
		case 'D': {
			const struct verb *v = verb_lookup(optarg, strlen(optarg));
			if (v == NULL) {
				fprintf(stderr, "smtpsh: --disable wants an SMTP verb, not \"%s\"\n", optarg);
				return SHELL_EXIT_USAGE;
			}
			disabled |= 1u << v->id;
			break;
		}
		case 't': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v == 0 || v > 86400) {
				fprintf(stderr, "smtpsh: --timeout wants seconds (1..86400), not \"%s\"\n", optarg);
				return SHELL_EXIT_USAGE;
			}
			timeout = (unsigned)v;
			break;
		}
		default:
			fprintf(stderr, "smtpsh: unknown option \"%s\" (smtpsh --help lists them)\n",
			    argv[optind - 1]);
			return SHELL_EXIT_USAGE;
		}
	}
	int rest = argc - optind;
	if (rest > 2 || (demo && rest > 0) || (serve != NULL && (rest > 0 || demo))) {
		fprintf(stderr, "smtpsh: too many arguments (smtpsh --help)\n");
		return SHELL_EXIT_USAGE;
	}
	if (serve != NULL)
		return run_serve(serve, disabled);

	repl_install_signals();
	sh.sopt.family = family == 4 ? 2 /* AF_INET */ : family == 6 ? 10 /* AF_INET6 */ : 0;
	sh.sopt.reply_timeout_s = timeout;
	sh.sopt.connect_timeout_s = timeout;
	sh.sopt.cancel_fd = repl_signal_fd();
	transcript_init(&sh.transcript);
	if (transcript != NULL) {
		struct smtp_error err;
		if (transcript_open(&sh.transcript, transcript, false, &err) != SMTP_OK) {
			fprintf(stderr, "smtpsh: %s\n", err.msg);
			return SHELL_EXIT_USAGE;
		}
		sh.sopt.wire_hook = transcript_wire_hook;
		sh.sopt.wire_ctx = &sh.transcript;
	}
	session_init(&sh.sess, &sh.sopt);
	sh.interactive = ncmds == 0 && isatty(STDIN_FILENO);
	term_setup_colors(&sh, !no_color && !sh.json);

	bool ok = true;
	if (demo) {
		struct server_config cfg = { .disabled_verbs = disabled };
		struct smtp_error err;
		if (demo_server_create(&sh.demo, &cfg, &err) != SMTP_OK ||
		    demo_server_start_thread(sh.demo, &err) != SMTP_OK) {
			shell_error(&sh, &err);
			demo_server_free(sh.demo);
			return SHELL_EXIT_LOCAL;
		}
		if (!sh.json)
			fputs(demo_server_guide(), stdout);
		ok = shell_open(&sh, demo_server_host(sh.demo), demo_server_port(sh.demo));
	} else if (rest >= 1) {
		ok = shell_open(&sh, argv[optind], rest == 2 ? argv[optind + 1] : SMTP_DEFAULT_PORT);
	}

	if (ncmds > 0) {
		for (size_t i = 0; ok && i < ncmds && !sh.stop; i++)
			shell_run_line(&sh, cmds[i], strlen(cmds[i]));
		if (sh.in_body) {
			struct smtp_error err;
			smtp_error_set(&err, SMTP_ERR_USAGE, 0, "the commands ended inside a message body "
			    "(no lone \".\"); the connection was closed so nothing half-written is delivered");
			shell_error(&sh, &err);
		}
	} else if (!sh.interactive) {
		if (ok)
			script_run_stdin(&sh);
	} else {
		repl_run(&sh);
	}
	int status = sh.worst;
	shell_free(&sh);
	transcript_close(&sh.transcript);
	if (sh.demo != NULL)
		demo_server_free(sh.demo);
	return status;
}

int main(int argc, char **argv)
{
	/* The -e commands, at most one per argument. */
	const char **cmds = calloc((size_t)argc + 1, sizeof *cmds);
	if (cmds == NULL) {
		fputs("smtpsh: out of memory\n", stderr);
		return SHELL_EXIT_LOCAL;
	}
	int status = smtpsh_main(argc, argv, cmds);
	free(cmds);
	return status;
}
