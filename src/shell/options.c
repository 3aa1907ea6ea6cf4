/*
 * options.c - the command line (options.h): the --help text made from the
 * option table (options_table.c), and the parse (GNU getopt_long with permutation, so
 * `smtpsh HOST -e ehlo` works as the README shows).
 */
#include "options.h"
#include "options_int.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exit_status.h"
#include "lookup.h"
#include "tr.h"
#include "tls.h"
#include "verbs.h"



/* --help fits 80 columns: an option's text starts at column 33 and wraps
 * there, counted in characters (UTF-8: the Russian texts). */
#define OPTIONS_HELP_COLUMN 33
#define OPTIONS_HELP_WIDTH 79

static size_t options_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static void options_wrap(FILE *to, const char *text, size_t column, size_t width)
{
	size_t col = column;
	const char *p = text;
	while (*p != '\0') {
		size_t word = strcspn(p, " ");
		size_t wc = options_chars(p, word);
		if (col > column && col + 1 + wc > width) {
			fprintf(to, "\n%*s", (int)column, "");
			col = column;
		} else if (col > column) {
			fputc(' ', to);
			col++;
		}
		fwrite(p, 1, word, to);
		col += wc;
		p += word;
		p += strspn(p, " ");
	}
	fputc('\n', to);
}

void options_usage(FILE *to)
{
	fputs(_("usage: smtpsh [options] [DOMAIN | HOST [PORT] | HOST:PORT | [IPv6]:PORT |\n"
	    "                        unix:PATH | PROFILE]\n"
	    "       smtpsh [options] --lookup FILE HOST [PORT]\n"
	    "       smtpsh [options] --audit DOMAIN | HOST [PORT]\n"
	    "       smtpsh --demo\n"
	    "       smtpsh --serve [ADDR:]PORT\n"
	    "\n"
	    "An interactive SMTP diagnostic shell: every reply line, what its code means,\n"
	    "the verdict for the command it answers, and where the session stands.\n"
	    "A name given without a port is a mail domain: its MX hosts are tried by\n"
	    "preference (RFC 5321 5.1); with a port, or --no-mx, the name is the host.\n"
	    "\n"), to);
	for (size_t i = 0; i < options_count(); i++) {
		const struct smtpsh_option *o = options_at(i);
		char head[64];
		if (o->key < 256)
			snprintf(head, sizeof head, "-%c, --%s%s%s", o->key, o->name, o->arg ? " " : "",
			    o->arg ? o->arg : "");
		else
			snprintf(head, sizeof head, "    --%s%s%s", o->name, o->arg ? " " : "",
			    o->arg ? o->arg : "");
		fprintf(to, "  %-30s ", head);
		options_wrap(to, _(o->help), OPTIONS_HELP_COLUMN, OPTIONS_HELP_WIDTH);
	}
	fputs(_("\n"
	    "Inside, type SMTP verbs (ehlo, vrfy alice, mail a@b, rcpt c@d, data, quit ...)\n"
	    "or shell commands (? for the list).  When stdin is not a terminal each line is\n"
	    "run as if typed.\n"
	    "\n"
	    "Exit status (the worst seen wins, in this order, worst last):\n"), to);
	for (size_t i = 0; i < exit_status_count(); i++)
		fprintf(to, "  %3d  %s\n", exit_status_at(i)->code, _(exit_status_at(i)->summary));
	fputs(_("  128+N  a script ended by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP),\n"
	    "         after one QUIT\n"), to);
}

/* HOST:PORT, [IPv6]:PORT, or HOST alone (a bare IPv6 address has several
 * colons and no port). */
static bool options_split_host(const char *s, struct smtpsh_args *a)
{
	const char *colon = NULL;
	if (strncmp(s, "unix:", 5) == 0) {        /* a local socket: no port */
		snprintf(a->hostbuf, sizeof a->hostbuf, "%s", s);
		a->host = a->hostbuf;
		return s[5] != '\0';
	}
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return false;
		snprintf(a->hostbuf, sizeof a->hostbuf, "%.*s", (int)(end - s - 1), s + 1);
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		const char *first = strchr(s, ':');
		if (first != NULL && strchr(first + 1, ':') == NULL)
			colon = first;
		snprintf(a->hostbuf, sizeof a->hostbuf, "%.*s",
		    colon != NULL ? (int)(colon - s) : (int)strlen(s), s);
	}
	a->host = a->hostbuf;
	if (colon != NULL) {
		if (colon[1] == '\0')
			return false;
		snprintf(a->port, sizeof a->port, "%s", colon + 1);
	}
	return a->hostbuf[0] != '\0';
}

static const char *const stage_names[] = {
	[STAGE_NONE] = "none", [STAGE_CONNECT] = "connect", [STAGE_BANNER] = "banner",
	[STAGE_EHLO] = "ehlo", [STAGE_TLS] = "tls", [STAGE_XCLIENT] = "xclient", [STAGE_AUTH] = "auth",
	[STAGE_MAIL] = "mail", [STAGE_RCPT] = "rcpt", [STAGE_DATA] = "data",
};
_Static_assert(sizeof stage_names / sizeof stage_names[0] == STAGE__COUNT, "a name for every stage");

const char *seq_stage_name(enum seq_stage st)
{
	return (unsigned)st < STAGE__COUNT ? stage_names[st] : "none";
}

bool options_message_mode(const struct smtpsh_args *a)
{
	const struct message_opts *m = &a->msg;
	return m->from != NULL || m->nto > 0 || m->quit_after != STAGE_NONE || m->subject != NULL ||
	    m->body != NULL || m->body_file != NULL || m->nattach > 0 || m->nheaders > 0 ||
	    m->starttls || m->auth_mech != NULL || a->nxclient > 0;
}

void options_free(struct smtpsh_args *a)
{
	free(a->cmds);
	free(a->msg.to);
	free(a->msg.headers);
	free(a->msg.attach);
	free(a->xclient);
	a->cmds = a->msg.to = a->msg.headers = a->msg.attach = a->xclient = NULL;
}

/* "N", "N/s", "N/m": commands a second. */
static bool options_rate(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || !(v > 0) || v > 1e6)
		return false;
	if (*end == '\0' || strcmp(end, "/s") == 0)
		*out = v;
	else if (strcmp(end, "/m") == 0)
		*out = v / 60.0;
	else
		return false;
	return true;
}

static bool options_count_arg(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return false;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool options_parse(int argc, char **argv, struct smtpsh_args *a, FILE *err)
{
	memset(a, 0, sizeof *a);
	a->cmds = calloc((size_t)argc + 1, sizeof *a->cmds);
	a->msg.to = calloc((size_t)argc + 1, sizeof *a->msg.to);
	a->msg.headers = calloc((size_t)argc + 1, sizeof *a->msg.headers);
	a->msg.attach = calloc((size_t)argc + 1, sizeof *a->msg.attach);
	a->xclient = calloc((size_t)argc + 1, sizeof *a->xclient);
	if (a->cmds == NULL || a->msg.to == NULL || a->msg.headers == NULL || a->msg.attach == NULL ||
	    a->xclient == NULL) {
		fputs("smtpsh: out of memory\n", err);
		return false;
	}
	struct option longopts[OPTIONS_MAX + 1];
	char shortopts[64] = "";
	size_t ns = 0;
	for (size_t i = 0; i < options_count(); i++) {
		const struct smtpsh_option *o = options_at(i);
		longopts[i] = (struct option){ o->name, o->arg ? required_argument : no_argument,
		    NULL, o->key };
		if (o->key < 256 && ns + 3 < sizeof shortopts) {
			shortopts[ns++] = (char)o->key;
			if (o->arg)
				shortopts[ns++] = ':';
		}
	}
	longopts[options_count()] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[ns] = '\0';
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'h': a->help = true; break;
		case 'V': a->version = true; break;
		case '4': a->family = 4; break;
		case '6': a->family = 6; break;
		case 'e': a->cmds[a->ncmds++] = optarg; break;
		case OPT_JSON: a->json = true; break;
		case OPT_STOP: a->stop_on_error = true; break;
		case OPT_NO_COLOR: a->no_color = true; break;
		case OPT_NO_PAGER: a->no_pager = true; break;
		case OPT_DEMO: a->demo = true; break;
		case OPT_SERVE: a->serve = optarg; break;
		case OPT_TLS: a->implicit_tls = true; break;
		case OPT_INSECURE: a->insecure = true; break;
		case OPT_CAFILE: a->cafile = optarg; break;
		case OPT_PASSWORD_FILE: a->password_file = optarg; break;
		case OPT_TOKEN_FILE: a->token_file = optarg; break;
		case OPT_TRANSCRIPT: a->transcript = optarg; break;
		case OPT_TRANSCRIPT_OVERWRITE: a->transcript_overwrite = true; break;
		case OPT_ALLOW_PLAIN: a->allow_plain_auth = true; break;
		case OPT_FROM: a->msg.from = optarg; break;
		case OPT_TO: a->msg.to[a->msg.nto++] = optarg; break;
		case OPT_SUBJECT: a->msg.subject = optarg; break;
		case OPT_HEADER: a->msg.headers[a->msg.nheaders++] = optarg; break;
		case OPT_BODY: a->msg.body = optarg; break;
		case OPT_BODY_FILE: a->msg.body_file = optarg; break;
		case OPT_ATTACH: a->msg.attach[a->msg.nattach++] = optarg; break;
		case OPT_NO_PIPELINING: a->msg.no_pipelining = true; break;
		case OPT_BDAT: a->msg.bdat = true; break;
		case OPT_LMTP: a->lmtp = true; break;
		case OPT_STARTTLS: a->msg.starttls = true; break;
		case OPT_AUTH: a->msg.auth_mech = optarg; break;
		case OPT_AUTH_USER: a->msg.auth_user = optarg; break;
		case OPT_NOTIFY: a->msg.notify = optarg; break;
		case OPT_RET: a->msg.ret = optarg; break;
		case OPT_ENVID: a->msg.envid = optarg; break;
		case OPT_ORCPT: a->msg.orcpt = true; break;
		case OPT_REQUIRETLS: a->msg.requiretls = true; break;
		case OPT_FORCE: a->msg.force = true; break;
		case OPT_HELO: a->helo = optarg; break;
		case OPT_TIMING: a->timing = true; break;
		case OPT_PROFILE: break;           /* profile.c took it already */
		case OPT_TUI: a->tui = true; break;
		case OPT_TOUR: a->tour = true; break;
		case OPT_REPLAY: a->replay = optarg; break;
		case OPT_STEP: a->step = true; break;
		case OPT_QUIT_AFTER: {
			size_t k = 1;
			while (k < STAGE__COUNT && strcasecmp(optarg, stage_names[k]) != 0)
				k++;
			if (k == STAGE__COUNT) {
				fprintf(err, _("smtpsh: --quit-after wants connect, banner, ehlo, tls, xclient, auth, "
				    "mail, rcpt or data, not \"%.40s\"\n"), optarg);
				return false;
			}
			a->msg.quit_after = (enum seq_stage)k;
			break;
		}
		case OPT_MX: a->route = SMTPSH_ROUTE_MX; break;
		case OPT_NO_MX: a->route = SMTPSH_ROUTE_DIRECT; break;
		case OPT_BIND: a->bind = optarg; break;
		case OPT_SNI: a->sni = optarg; break;
		case OPT_TLS_CIPHER: a->tls_cipher = optarg; break;
		case OPT_CERT: a->cert = optarg; break;
		case OPT_KEY: a->key = optarg; break;
		case OPT_TLS_PROTOCOL:
			if (!tls_version_parse(optarg, &a->tls_min)) {
				fprintf(err, _("smtpsh: --tls-protocol wants 1.2 or 1.3, not \"%.40s\" "
				    "(older versions are refused: RFC 8996)\n"), optarg);
				return false;
			}
			break;
		case OPT_DISABLE: {
			const struct verb *v = verb_lookup(optarg, strlen(optarg));
			if (v == NULL) {
				fprintf(err, _("smtpsh: --disable wants an SMTP verb, not \"%.40s\"\n"), optarg);
				return false;
			}
			a->disabled |= 1u << v->id;
			break;
		}
		case OPT_QUIET: a->quiet = true; break;
		case OPT_ERROR_LIMIT: {
			unsigned long v;
			if (!options_count_arg(optarg, 1, 100000, &v)) {
				fprintf(err, _("smtpsh: --error-limit wants a number (1..100000), not "
				    "\"%.40s\"\n"), optarg);
				return false;
			}
			a->error_limit = (unsigned)v;
			break;
		}
		case OPT_PROXY:
			if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0) {
				fprintf(err, _("smtpsh: --proxy wants 1 (the text line) or 2 (binary), not "
				    "\"%.40s\"\n"), optarg);
				return false;
			}
			a->proxy.version = optarg[0] - '0';
			break;
		case OPT_PROXY_SOURCE:
		case OPT_PROXY_DEST: {
			struct smtp_error perr;
			if (proxy_endpoint_parse(optarg, c == OPT_PROXY_SOURCE ? &a->proxy.source :
			    &a->proxy.dest, &perr) != SMTP_OK) {
				fprintf(err, "smtpsh: --%s: %s\n", c == OPT_PROXY_SOURCE ? "proxy-source" :
				    "proxy-dest", perr.msg);
				return false;
			}
			break;
		}
		case OPT_XCLIENT: a->xclient[a->nxclient++] = optarg; break;
		case OPT_STAGE_STATUS: a->stage_status = true; break;
		case OPT_VERIFY_NAME: a->verify_name = optarg; break;
		case OPT_LOOKUP: a->lookup = optarg; break;
		case OPT_AUDIT: a->audit = true; break;
		case OPT_DOMAIN: a->domain = optarg; break;
		case OPT_CSV: a->csv = true; break;
		case OPT_OUTPUT: a->output = optarg; break;
		case OPT_RESUME: a->resume = optarg; break;
		case OPT_METHOD:
			if (!lookup_method_parse(optarg, &a->method)) {
				fprintf(err, _("smtpsh: --method wants vrfy, expn, rcpt or auto, not \"%.40s\"\n"),
				    optarg);
				return false;
			}
			break;
		case OPT_RATE:
			if (!options_rate(optarg, &a->rate)) {
				fprintf(err, _("smtpsh: --rate wants N, N/s or N/m (N > 0), not \"%.40s\"\n"), optarg);
				return false;
			}
			break;
		case OPT_PER_CONNECTION:
		case OPT_MAX_CONNECTIONS:
		case OPT_RETRIES: {
			unsigned long v;
			unsigned long lo = c == OPT_RETRIES ? 0 : 1;
			if (!options_count_arg(optarg, lo, 1000000, &v)) {
				fprintf(err, _("smtpsh: --%s wants a number (%lu..1000000), not \"%.40s\"\n"),
				    c == OPT_RETRIES ? "retries" : c == OPT_PER_CONNECTION ? "per-connection" :
				    "max-connections", lo, optarg);
				return false;
			}
			if (c == OPT_RETRIES) {
				a->retries = (unsigned)v;
				a->retries_given = true;
			} else if (c == OPT_PER_CONNECTION) {
				a->per_connection = (unsigned)v;
			} else {
				a->max_connections = (unsigned)v;
			}
			break;
		}
		case OPT_TIMEOUT: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v == 0 || v > 86400) {
				fprintf(err, _("smtpsh: --timeout wants seconds (1..86400), not \"%.40s\"\n"), optarg);
				return false;
			}
			a->timeout_s = (unsigned)v;
			break;
		}
		default:
			fprintf(err, _("smtpsh: unknown option or missing argument \"%.60s\" "
			    "(smtpsh --help lists them)\n"), argv[optind - 1]);
			return false;
		}
	}
	if (a->key != NULL && a->cert == NULL) {
		fprintf(err, _("smtpsh: --key goes with --cert\n"));
		return false;
	}
	if (!options_check_values(a, err))
		return false;
	if (a->csv && a->json) {
		fprintf(err, _("smtpsh: --csv and --json: choose one\n"));
		return false;
	}
	if (a->proxy.version == 0 && (a->proxy.source.family != 0 || a->proxy.dest.family != 0)) {
		fprintf(err, _("smtpsh: --proxy-source and --proxy-dest go with --proxy 1|2\n"));
		return false;
	}
	if (a->proxy.source.family != 0 && a->proxy.dest.family != 0 &&
	    a->proxy.source.family != a->proxy.dest.family) {
		fprintf(err, _("smtpsh: --proxy-source and --proxy-dest must both be IPv4 or both "
		    "IPv6\n"));
		return false;
	}
	if ((a->proxy.version != 0 || a->nxclient > 0) && (a->demo || a->serve != NULL)) {
		fprintf(err, _("smtpsh: --proxy and --xclient are for a server behind a proxy or "
		    "trusting this client; the teaching server takes neither\n"));
		return false;
	}
	if (a->serve != NULL && a->demo) {
		fprintf(err, _("smtpsh: --serve runs the teaching server alone; --demo starts it and "
		    "connects the shell to it: choose one\n"));
		return false;
	}
	int rest = argc - optind;
	if (a->lookup != NULL && rest == 0 && !a->demo) {
		fprintf(err, _("smtpsh: --lookup FILE wants a HOST to ask (smtpsh --help)\n"));
		return false;
	}
	if (a->audit && rest == 0 && !a->demo) {
		fprintf(err, _("smtpsh: --audit wants a HOST to audit (smtpsh --help)\n"));
		return false;
	}
	/* --to (one, with --from) names the mailbox smtp-smuggling may send
	 * its probes to. */
	if (a->audit && (a->lookup != NULL || a->replay != NULL || a->ncmds > 0 || a->tui ||
	    a->msg.nto > 1)) {
		fprintf(err, _("smtpsh: --audit runs alone: no --lookup, --replay, -e, --tui or "
		    "message\n"));
		return false;
	}
	if (rest > 2 || (a->demo && rest > 0) || (a->serve != NULL && (rest > 0 || a->demo))) {
		fprintf(err, _("smtpsh: too many arguments (smtpsh --help)\n"));
		return false;
	}
	if (rest >= 1 && !options_split_host(argv[optind], a)) {
		fprintf(err, _("smtpsh: \"%.60s\" is not HOST, HOST:PORT or [IPv6]:PORT\n"), argv[optind]);
		return false;
	}
	if (rest == 2) {
		if (strncmp(a->hostbuf, "unix:", 5) == 0) {
			fprintf(err, _("smtpsh: a unix: socket takes no port\n"));
			return false;
		}
		if (a->port[0] != '\0') {
			fprintf(err, _("smtpsh: the port is given twice\n"));
			return false;
		}
		snprintf(a->port, sizeof a->port, "%.15s", argv[optind + 1]);
	}
	return true;
}
