/*
 * lookupcmd.c - the shell's front end to the lookup engine (the core's
 * lookup.h): `lookup FILE`, `lookup NAME NAME...` and `--lookup FILE HOST
 * [PORT]`.  It reads the names (lookupfile.c), keeps an earlier run's
 * answered rows (--resume), hands the engine a connect hook that replays
 * how the first connection was brought up -- the connection recipe
 * (recipe.h: connect, greeting, HELO/EHLO, STARTTLS, AUTH), quietly -- and
 * turns the engine's results and notes into output.h records, in input
 * order, with a progress bar on stderr when it is a
 * terminal.
 *
 * A run's exit status: 0 every name answered, 4 some only temporarily,
 * 3 some untested; a signal stops it (the rest untested) and, in a script,
 * ends smtpsh with 128 + N.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdint.h>

#include "clock.h"
#include "lookupfeed.h"
#include "secret.h"
#include "shell.h"
#include "smtp_limits.h"
#include "termcolor.h"
#include "tokenize.h"
#include "tr.h"

/* The progress bar is redrawn at most this often. */
#define LOOKUP_PROGRESS_MS 100

struct lookup_run_ctx {
	struct shell *sh;
	const char *host, *port;          /* where to reconnect (port NULL: the route) */
	bool by_route;                    /* through shell_open: the MX route, as at first */
	struct lookup_feed *feed;         /* the names and the rows kept */
	size_t next;                      /* the next input row to write */
	size_t ninput;                    /* rows in all; 0: not known (stdin) */
	long long start_ms, drawn_ms;
	unsigned connections;
	char current[LOOKUP_INPUT_MAX + 1];  /* a copy: the engine's is its own */
};

static const char *const lookup_event_names[] = {
	[LOOKUP_EV_METHOD] = "method", [LOOKUP_EV_CATCH_ALL] = "catch-all",
	[LOOKUP_EV_TARPIT] = "tarpit", [LOOKUP_EV_LIMIT] = "limit",
	[LOOKUP_EV_RECONNECT] = "reconnect", [LOOKUP_EV_BACKOFF] = "backoff",
	[LOOKUP_EV_CONNECT_FAILED] = "connect-failed", [LOOKUP_EV_PROGRESS] = "progress",
	[LOOKUP_EV_SURPLUS] = "surplus",
};
_Static_assert(sizeof lookup_event_names / sizeof lookup_event_names[0] == LOOKUP_EV__COUNT,
    "a name for every lookup event");

static void lookup_draw(struct lookup_run_ctx *c, bool force)
{
	struct output *o = &c->sh->out;
	long long now = clock_now_ms();
	if (!o->progress || (!force && now - c->drawn_ms < LOOKUP_PROGRESS_MS))
		return;
	c->drawn_ms = now;
	double secs = (double)(now - c->start_ms) / 1000.0;
	struct out_progress p = {
		.done = c->next, .total = c->ninput > c->next ? c->ninput : c->next,
		.current = c->current[0] != '\0' ? c->current : NULL,
		.reconnects = c->connections > 1 ? c->connections - 1 : 0,
		.per_s = secs > 0 ? (double)c->next / secs : 0,
	};
	p.eta_s = p.per_s > 0 && c->ninput > 0 ? (double)(p.total - c->next) / p.per_s : -1;
	out_progress(o, &p);
}

static void lookup_on_result(void *ctx, const struct lookup_result *r)
{
	struct lookup_run_ctx *c = ctx;
	size_t row = lookup_feed_row(c->feed, r->index);
	lookup_feed_write_kept(c->feed, &c->sh->out, row);
	out_lookup(&c->sh->out, r);
	c->next = row + 1;
	lookup_draw(c, false);
}

static void lookup_on_event(void *ctx, const struct lookup_event *e)
{
	struct lookup_run_ctx *c = ctx;
	c->connections = e->connections;
	if (e->kind == LOOKUP_EV_PROGRESS) {
		if (e->current != NULL)
			snprintf(c->current, sizeof c->current, "%s", e->current);
		lookup_draw(c, false);
		return;
	}
	shell_transcript_note(c->sh, "lookup: %s", e->message);
	out_lookup_event(&c->sh->out, lookup_event_names[e->kind], e->message, e->routine);
	if (e->routine)
		lookup_draw(c, false);
}

/* The engine's connect hook: a new connection, brought to where the first
 * one stood by the connection recipe (recipe.h), quietly: the rows and
 * the events say what a reconnect meant. */
static enum smtp_errkind lookup_connect(void *ctx, struct session *s, struct smtp_error *err)
{
	struct lookup_run_ctx *c = ctx;
	struct shell *sh = c->sh;
	struct recipe rc = sh->recipe;
	shell_recipe_target(sh, &rc, c->host, c->port, c->by_route);
	/* The engine needs a hello: this machine's, as the first connection
	 * would have sent. */
	if (rc.hello[0] == '\0') {
		(void)shell_local_domain(sh, rc.hello, sizeof rc.hello);
		rc.hello_verb = VERB_EHLO;
	}
	struct shell_view v;
	shell_view_init(&v, sh, false);
	struct recipe_env env;
	struct mx_options mo;
	shell_recipe_env(sh, &rc, &env, &mo);
	enum recipe_step failed = RECIPE_STEP_CONNECT;
	enum smtp_errkind k = recipe_replay(s, &rc, &env, &v.obs, &failed, err);
	if (k != SMTP_OK && k != SMTP_ERR_CANCELLED && failed >= RECIPE_STEP_TLS) {
		char msg[SMTP_ERROR_MSG_MAX];
		snprintf(msg, sizeof msg, "%s", err->msg);
		k = smtp_error_set(err, k, 0, "%s could not be done again: %.200s",
		    failed == RECIPE_STEP_TLS ? "STARTTLS" : "AUTH", msg);
	}
	if (k == SMTP_OK && sh->recipe.hello[0] == '\0') {
		memcpy(sh->recipe.hello, rc.hello, sizeof rc.hello);
		sh->recipe.hello_verb = rc.hello_verb;
	}
	if (sh->signal != 0 || sh->stop)
		k = smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "stopped");
	if (k != SMTP_OK && session_is_open(s))
		session_close(s);
	return k;
}

/* Run the engine over the names of path (or words[0..n)), keeping the
 * rows of --resume. */
static void lookup_go(struct shell *sh, const char *path, const char *const *words, size_t n,
    const char *host, const char *port, bool keep_open, bool by_route)
{
	struct output *o = &sh->out;
	/* Rows shown on a terminal fit it; a file or a pipe gets them whole. */
	o->width = o->results == o->out && o->sink == NULL ? term_width(fileno(o->out)) : 0;
	o->err_width = term_width(fileno(o->err));
	struct smtp_error err;
	struct lookup_feed *feed = malloc(sizeof *feed);
	if (feed == NULL) {
		smtp_error_set(&err, SMTP_ERR_NOMEM, 0, "out of memory for the names");
		shell_fail(sh, "lookup", &err);
		return;
	}
	/* --output may be the --resume file: read from a copy, since the
	 * output is emptied and written again from the start. */
	bool copy = sh->lookup.resume != NULL && o->results != stdout;
	size_t total = 0;
	enum smtp_errkind k = lookup_feed_open(feed, path, words, n, sh->lookup.resume, o->json,
	    copy, &err);
	if (k == SMTP_OK)
		k = lookup_feed_check(feed, &total, &err);
	if (k == SMTP_OK && copy) {
		rewind(o->results);
		if (ftruncate(fileno(o->results), 0) != 0)
			k = smtp_error_set(&err, SMTP_ERR_FILE, errno, "cannot empty the --output file: %s",
			    strerror(errno));
	}
	if (k != SMTP_OK) {
		if (err.kind == SMTP_ERR_FILE)
			err.kind = SMTP_ERR_USAGE;       /* --lookup FILE names no readable file */
		shell_fail(sh, "lookup", &err);
		lookup_feed_close(feed);
		free(feed);
		return;
	}
	struct lookup_run_ctx ctx = { .sh = sh, .host = host, .port = port, .by_route = by_route,
	    .feed = feed, .ninput = total, .start_ms = clock_now_ms() };
	struct lookup_hooks hooks = { lookup_connect, lookup_on_result, lookup_on_event, &ctx };
	if (session_is_open(sh->sess) && session_state(sh->sess) < SMTP_ST_GREETED)
		session_close(sh->sess);      /* no 220: the engine's connects say why */
	if (session_is_open(sh->sess) && session_state(sh->sess) == SMTP_ST_GREETED) {
		/* The engine needs a hello; it is said quietly, as a reconnect's. */
		char domain[SMTP_DOMAIN_MAX + 1];
		(void)shell_local_domain(sh, domain, sizeof domain);
		struct shell_view v;
		shell_view_init(&v, sh, false);
		int code;
		if (recipe_hello(sh->sess, &sh->recipe, VERB_EHLO, domain, &v.obs, &code, &err) !=
		    SMTP_OK || code != 250)
			session_close(sh->sess);  /* the engine's connects say why */
	}
	out_lookup_begin(o);
	struct lookup_summary sum;
	sh->lookup.config.keep_open = keep_open;
	/* A signal the shell already took (say, while the EHLO above was
	 * awaited) leaves the cancel fd drained: the engine is told. */
	sh->lookup.config.stopped = sh->signal != 0 || sh->stop;
	/* A secret typed for the first reconnect's AUTH serves the rest. */
	struct secret_held *held = NULL;
	if (sh->recipe.auth && (held = malloc(sizeof *held)) != NULL) {
		secret_held_begin(held);
		sh->lookup.held_secret = held;
	}
	struct lookup_source src = { lookup_feed_next, feed };
	k = lookup_run(sh->sess, &sh->lookup.config, &hooks, &src, &sum, &err);
	if (held != NULL) {
		sh->lookup.held_secret = NULL;
		secret_held_end(held);
		free(held);
		shell_mask_standing(sh);          /* the held secret is gone */
	}
	lookup_feed_write_kept(feed, o, SIZE_MAX);
	ctx.next = feed->row;
	lookup_draw(&ctx, true);
	out_progress_clear(o);
	sum.total = feed->row;
	for (int v = 0; v < LOOKUP_VERDICT__COUNT; v++)
		sum.by_verdict[v] += feed->kept[v];
	out_lookup_summary(o, &sum);
	if (k != SMTP_OK && k != SMTP_ERR_CANCELLED)
		shell_fail(sh, "lookup", &err);   /* out of memory, or a bad line read on */
	else if (sum.by_verdict[LOOKUP_UNTESTED] > 0)
		shell_note_status(sh, SHELL_EXIT_LOCAL, "lookup");
	else if (sum.by_verdict[LOOKUP_TEMPORARY] > 0)
		shell_note_status(sh, SHELL_EXIT_4XX, "lookup");
	if (k == SMTP_ERR_CANCELLED)
		shell_cancelled(sh, "lookup");
	lookup_feed_close(feed);
	free(feed);
}

void shell_lookup_file(struct shell *sh, const char *file, const char *host, const char *port,
    bool keep_open, bool by_route)
{
	lookup_go(sh, file, NULL, 0, host, port, keep_open, by_route);
}

void shell_lookup(struct shell *sh, const char *const *words, size_t n)
{
	if (n == 0) {
		shell_usage_error(sh, N_("usage: lookup FILE | lookup NAME NAME..."));
		return;
	}
	if (session_host(sh->sess)[0] == '\0') {
		shell_usage_error(sh, N_("lookup: not connected (open HOST [PORT] first); nothing was sent"));
		return;
	}
	char host[SMTP_DOMAIN_MAX + 1], port[16];
	snprintf(host, sizeof host, "%s", session_host(sh->sess));
	snprintf(port, sizeof port, "%s", session_port(sh->sess));
	struct stat st;
	if (n == 1 && stat(words[0], &st) == 0 && S_ISREG(st.st_mode)) {
		shell_lookup_file(sh, words[0], host, port, true, false);
		return;
	}
	lookup_go(sh, NULL, words, n, host, port, true, false);
}

/* The command line's options a `lookup` takes, from the one option table. */
static const char *const lookup_option_names[] = {
	"method", "domain", "csv", "json", "output", "rate", "per-connection", "max-connections",
	"retries", "from", "no-pipelining", "resume",
};

/* The number of leading words of a `lookup` that are options (and their
 * arguments); 0 with *bad set to the first option a lookup does not take. */
static size_t lookup_leading_options(const struct tokens *t, const char **bad)
{
	size_t k = 1;
	*bad = NULL;
	while (k < t->count && strncmp(t->word[k], "--", 2) == 0) {
		if (t->word[k][2] == '\0')
			return k + 1;                /* "--": names follow */
		const char *name = t->word[k] + 2;
		size_t nlen = strcspn(name, "=");
		const struct smtpsh_option *o = NULL;
		for (size_t i = 0; i < options_count() && o == NULL; i++)
			if (strlen(options_at(i)->name) == nlen && strncmp(options_at(i)->name, name, nlen) == 0)
				o = options_at(i);
		bool allowed = false;
		for (size_t i = 0; o != NULL && i < sizeof lookup_option_names / sizeof lookup_option_names[0]; i++)
			allowed = allowed || strcmp(o->name, lookup_option_names[i]) == 0;
		if (!allowed) {
			*bad = t->word[k];
			return 0;
		}
		k += (o->arg != NULL && name[nlen] != '=') ? 2 : 1;
	}
	return k > t->count ? t->count : k;
}

/* `lookup [--method M --domain D --csv|--json --output F --rate R ...]
 * FILE | NAME...`: the command line's lookup options, parsed by its parser,
 * for this run only. */
void cmd_lookup(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	const char *bad;
	size_t k = lookup_leading_options(t, &bad);
	if (k == 0) {
		shell_usage_error(sh, N_("lookup takes the lookup options only (--method --domain --csv "
		    "--json --output --rate --per-connection --max-connections --retries --from "
		    "--no-pipelining --resume), not \"%.40s\"; nothing was sent"), bad);
		return;
	}
	size_t nopts = k > 1 && strcmp(t->word[k - 1], "--") == 0 ? k - 2 : k - 1;
	if (nopts == 0) {
		shell_lookup(sh, (const char *const *)&t->word[k], t->count - k);
		return;
	}
	char *argv[TOK_MAX_WORDS + 1];
	argv[0] = t->word[0];
	for (size_t i = 0; i < nopts; i++)
		argv[1 + i] = t->word[1 + i];
	argv[1 + nopts] = NULL;
	struct smtpsh_args a;
	if (!shell_parse_options(sh, "lookup", (int)nopts + 1, argv, &a))
		return;
	/* This run's settings over the session's; the session's come back. */
	struct lookup_config keep = sh->lookup.config;
	const char *keep_resume = sh->lookup.resume;
	struct output keep_out = sh->out;
	if (a.method != LOOKUP_AUTO)
		sh->lookup.config.method = a.method;
	if (a.domain != NULL)
		sh->lookup.config.domain = a.domain;
	if (a.msg.from != NULL)
		sh->lookup.config.from = a.msg.from;
	if (a.rate > 0)
		sh->lookup.config.rate = a.rate;
	if (a.per_connection > 0)
		sh->lookup.config.per_connection = a.per_connection;
	if (a.max_connections > 0)
		sh->lookup.config.max_connections = a.max_connections;
	if (a.retries_given)
		sh->lookup.config.retries = a.retries;
	sh->lookup.config.no_pipelining = sh->lookup.config.no_pipelining || a.msg.no_pipelining;
	if (a.resume != NULL)
		sh->lookup.resume = a.resume;
	sh->out.csv = a.csv || (sh->out.csv && !a.json);
	sh->out.json = a.json || (sh->out.json && !a.csv);
	bool opened = false;
	if (a.output != NULL) {
		sh->out.results = fopen(a.output, a.resume != NULL ? "r+" : "w");
		if (sh->out.results == NULL && a.resume != NULL)
			sh->out.results = fopen(a.output, "w");
		if (sh->out.results == NULL) {
			struct smtp_error e;
			smtp_error_set(&e, SMTP_ERR_USAGE, errno, "cannot write %.200s: %s", a.output,
			    strerror(errno));
			sh->out = keep_out;
			shell_fail(sh, "output", &e);
			options_free(&a);
			return;
		}
		sh->out.results_name = a.output;
		opened = true;
	}
	shell_lookup(sh, (const char *const *)&t->word[k], t->count - k);
	if (opened)
		out_close_results(&sh->out);
	unsigned failed = sh->out.write_failed;
	sh->out = keep_out;
	sh->out.write_failed |= failed;
	sh->lookup.config = keep;
	sh->lookup.resume = keep_resume;
	options_free(&a);
}
