/*
 * auditcmd.c - the shell's front end to the audit (the core's audit.h):
 * `--audit HOST [PORT]` and `audit [HOST [PORT]]` in the shell; a mail
 * domain routed by MX (as `smtpsh DOMAIN` is) is audited over every MX
 * host (audit_run_domain), each host's results under a header of its own.  It hands
 * the core the connection recipe the command line describes (--helo,
 * --starttls, --tls, --timeout, the TLS options, a profile's), run
 * quietly on a session of the audit's own (the shell's connection is left
 * as it was), shows a progress line while the checks run, then writes
 * the results grouped -- findings, worst first, then passes, then the
 * checks skipped -- and the summary, through output.h.
 *
 * The exit status: SHELL_EXIT_AUDIT when a finding of medium or worse was
 * made, SHELL_EXIT_LOCAL when the server could not be audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "shell.h"
#include "termcolor.h"
#include "tokenize.h"
#include "tr.h"

struct audit_run_ctx {
	struct shell *sh;
	struct audit_finding rows[16];
	size_t nrows;
	/* A domain's audit: whose rows these are (audit.h's on_host). */
	char host[MX_NAME_MAX];
	char address[64];
	struct audit_host head;
};

static void audit_on_check(void *ctx, const char *check, size_t index, size_t of)
{
	struct audit_run_ctx *c = ctx;
	struct out_progress p = { .done = index, .total = of, .current = check, .eta_s = -1,
	    .steps_only = true };
	out_progress(&c->sh->out, &p);
}

static void audit_on_finding(void *ctx, const struct audit_finding *f)
{
	struct audit_run_ctx *c = ctx;
	shell_transcript_note(c->sh, "audit: %s %s", f->check, audit_result_name(f->result));
	if (c->nrows < sizeof c->rows / sizeof c->rows[0])
		c->rows[c->nrows++] = *f;
}

/* The order rows are shown in: findings by severity, worst first; then
 * passes; then the checks skipped (each group in the table's order). */
static int audit_row_rank(const struct audit_finding *f)
{
	if (f->result == AUDIT_FINDING)
		return AUDIT_SEVERITY__COUNT - 1 - (int)f->severity;
	return AUDIT_SEVERITY__COUNT + (f->result == AUDIT_SKIPPED);
}

static void audit_write_rows(struct audit_run_ctx *c)
{
	struct output *o = &c->sh->out;
	out_progress_clear(o);
	out_audit_begin(o);
	int group = -1;                   /* the result of the group being written */
	for (int rank = 0; rank <= AUDIT_SEVERITY__COUNT + 1; rank++) {
		for (size_t i = 0; i < c->nrows; i++) {
			if (audit_row_rank(&c->rows[i]) != rank)
				continue;
			out_audit_finding(o, &c->rows[i], (int)c->rows[i].result != group);
			group = (int)c->rows[i].result;
		}
	}
	c->nrows = 0;
}

/* A domain's audit: the rows that follow are this host's (or the
 * domain's own); they are written, under a header, at its end. */
static void audit_on_host(void *ctx, const struct audit_host *h)
{
	struct audit_run_ctx *c = ctx;
	snprintf(c->host, sizeof c->host, "%s", h->name);
	snprintf(c->address, sizeof c->address, "%s", h->address != NULL ? h->address : "");
	c->head = *h;
	c->head.name = c->host;
	c->head.address = h->address != NULL ? c->address : NULL;
	shell_transcript_note(c->sh, "audit: host %s", c->host);
}

static void audit_on_host_end(void *ctx)
{
	struct audit_run_ctx *c = ctx;
	out_progress_clear(&c->sh->out);
	out_audit_host(&c->sh->out, &c->head);
	audit_write_rows(c);
}

/* Audit host (port NULL: the routing rule decides, as for smtpsh HOST);
 * to (NULL: none) lets smtp-smuggling send its probes there, from from. */
void shell_audit(struct shell *sh, const char *host, const char *port, bool starttls,
    const char *to, const char *from)
{
	struct output *o = &sh->out;
	o->width = o->sink == NULL ? term_width(fileno(o->out)) : 0;
	o->err_width = term_width(fileno(o->err));
	struct session *s = session_new(&sh->sopt);
	if (s == NULL) {
		struct smtp_error e;
		smtp_error_set(&e, SMTP_ERR_NOMEM, 0, "out of memory for the audit's session");
		shell_fail(sh, "audit", &e);
		return;
	}
	transcript_set_mask(&sh->transcript, session_mask(s));
	struct audit_config cfg = { .starttls = starttls, .implicit_tls = sh->tls.implicit,
	    .sopt = &sh->sopt, .to = to, .from = from };
	/* The MTA-STS policy server's port: 443 unless a test's server is
	 * elsewhere (as SMTPSH_DNS_SERVER points at a test's DNS). */
	const char *sts_port = getenv("SMTPSH_MTA_STS_PORT");
	if (sts_port != NULL && session_port_ok(sts_port))
		cfg.mta_sts_port = (unsigned)strtoul(sts_port, NULL, 10);
	shell_recipe_target(sh, &cfg.target, host, port, true);
	(void)shell_local_domain(sh, cfg.target.hello, sizeof cfg.target.hello);
	cfg.target.hello_verb = VERB_EHLO;
	struct recipe_env env;
	struct mx_options mo;
	shell_recipe_env(sh, &cfg.target, &env, &mo);
	cfg.env = &env;
	struct shell_view v;
	shell_view_init(&v, sh, false);
	cfg.obs = &v.obs;
	cfg.stop = &sh->stop;
	static struct audit_run_ctx ctx;
	ctx = (struct audit_run_ctx){ .sh = sh };
	struct audit_hooks hooks = { audit_on_finding, audit_on_check, audit_on_host,
	    audit_on_host_end, &ctx };
	struct audit_summary sum;
	struct smtp_error err;
	/* A mail domain: every MX host, each under a header of its own. */
	bool domain = cfg.target.by_route;
	enum smtp_errkind k = domain ? audit_run_domain(s, &cfg, &hooks, &sum, &err) :
	    audit_run(s, &cfg, &hooks, &sum, &err);
	out_progress_clear(o);
	if (k == SMTP_ERR_CANCELLED)
		shell_cancelled(sh, "audit");
	else if (k != SMTP_OK && sum.checks == 0)
		shell_fail_step(sh, "audit", &err);
	if (sum.checks > 0) {
		if (!domain)
			audit_write_rows(&ctx);
		out_audit_summary(o, &sum);
		if (sum.findings_by_severity[AUDIT_MEDIUM] + sum.findings_by_severity[AUDIT_HIGH] > 0)
			shell_note_status(sh, SHELL_EXIT_AUDIT, "audit");
	}
	transcript_set_mask(&sh->transcript, session_mask(sh->sess));
	session_free(s);
}

/* `audit [--starttls] [--to ADDR] [HOST [PORT]]`: the open connection's
 * host when none is given. */
void cmd_audit(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	size_t k = 1;
	bool starttls = false;
	const char *to = NULL;
	for (; k < t->count && t->word[k][0] == '-'; k++) {
		if (strcmp(t->word[k], "--starttls") == 0)
			starttls = true;
		else if (strcmp(t->word[k], "--to") == 0 && k + 1 < t->count)
			to = t->word[++k];
		else
			break;
	}
	if (t->count - k > 2 || (k < t->count && t->word[k][0] == '-')) {
		shell_usage_error(sh, N_("usage: audit [--starttls] [--to ADDR] [HOST [PORT]]"));
		return;
	}
	char host[SMTP_DOMAIN_MAX + 1], port[16];
	if (k < t->count) {
		snprintf(host, sizeof host, "%s", t->word[k]);
		snprintf(port, sizeof port, "%s", k + 1 < t->count ? t->word[k + 1] : "");
	} else if (session_host(sh->sess)[0] != '\0') {
		snprintf(host, sizeof host, "%s", session_host(sh->sess));
		snprintf(port, sizeof port, "%s", session_port(sh->sess));
	} else {
		shell_usage_error(sh, N_("audit: not connected: give a HOST (audit HOST [PORT])"));
		return;
	}
	shell_audit(sh, host, port[0] != '\0' ? port : NULL, starttls, to, NULL);
}
