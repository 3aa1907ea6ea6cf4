/*
 * shell.h - the shell's state and the calls its files make on each other.
 * Data flows one way:
 *
 *   repl.c | tui.c | script.c | main.c (-e)   lines typed, piped or given
 *     -> shellcmd.c                     tokenized; a shell command or a verb
 *        -> infocmd.c                   explain, state, ext, set, mailbox, profiles
 *        -> auditcmd.c                  audit: the core's checks, on a session
 *                                        of their own, through the recipe below
 *        -> lookupcmd.c                 lookup: the core's engine, fed by
 *           -> lookupfeed.c, lookupfile.c  the names and --resume files; its
 *                                        reconnect hook replays the steps below
 *        -> verbcmd.c                   an SMTP verb: what it needs first
 *           -> body.c, tlscmd.c, authcmd.c, turn.c
 *              -> connect.c             open, reconnect
 *              -> recipe_view.c         the connection recipe (recipe.h) shown or quiet
 *                 -> exchange.c         send, then every reply, credited
 *                    -> session (core)  the owed queue, the state
 *                    -> output.c, output_lookup.c   records (text | JSON | CSV)
 *                       -> render_text.c | render_json.c | render_csv.c
 *                          -> describe.c
 *                       -> output_write.c   the one writer: sink, backlog,
 *                                           stdout/stderr, results file,
 *                                           progress bar; writes checked
 *
 * Records go through output.h.  What prints around it does so at its own
 * edge: option errors before there is an output (options.c, main.c), the
 * secret prompt on /dev/tty (secret.c), readline's prompt and echo (repl.c,
 * tui.c), a history file that cannot be saved (history.c).  The session
 * is the core's; the shell reads it through session.h's accessors only.
 *
 * One struct shell is created in main() and passed explicitly; its fields
 * are grouped by concern, each group naming the file that owns it.  The
 * process-wide state is what a C callback or a signal handler must reach:
 * signals.c's self-pipe, repl.c's shell for readline's line callback,
 * tui.c's active view and tui_signals.c's handlers, history.c's file path,
 * termcolor.c's colour strings.
 */
#ifndef SMTPSH_SHELL_H
#define SMTPSH_SHELL_H

#include <stdbool.h>
#include <stdio.h>

#include "lookup.h"
#include "mx.h"
#include "options.h"
#include "output.h"
#include "recipe.h"
#include "smtp_limits.h"
#include "session.h"
#include "starttls.h"
#include "tls.h"
#include "tr.h"
#include "transcript.h"
struct demo_server;
struct profiles;

/* The most commands one typed pipeline holds (session.h's group limit). */
#define SHELL_PIPE_MAX 64
/* The full-screen view's search text, as typed after "/" (cut). */
#define SHELL_SEARCH_MAX 256

/* Exit statuses (documented in --help and smtpsh(1)). */
enum shell_status {
	SHELL_EXIT_OK = 0,        /* every reply positive (1xx-3xx) */
	SHELL_EXIT_USAGE = 2,     /* bad options or arguments */
	SHELL_EXIT_LOCAL = 3,     /* local or connection error, 600/621, timeout */
	SHELL_EXIT_4XX = 4,       /* a transient negative reply was seen */
	SHELL_EXIT_5XX = 5,       /* a permanent negative reply was seen */
	SHELL_EXIT_PARTIAL = 6,   /* a test message went to some recipients, not all */
	SHELL_EXIT_AUDIT = 7,     /* an audit found something of medium severity or worse */
	/* 128 + N: the script was ended by signal N (SIGINT 130, SIGTERM 143,
	 * SIGHUP 129) after one QUIT. */
	SHELL_EXIT_SIGNAL_BASE = 128,
};

struct auth_exchange;
struct secret_env;

/* struct shell's parts, one per concern.  Each names the file that owns
 * it: the one that writes it while the shell runs.  main.c fills the
 * settings from the command line before the first line is read; that
 * setup is not counted as owning. */

/* The exit status (exchange.c: shell_note_status, shell_message_status). */
struct shell_outcome {
	int worst;                /* enum shell_status, the worst seen */
	char failed_stage[32];    /* the first stage that went wrong */
	int stage_exit;           /* --stage-status: the first stage that failed,
	                           * swaks' number (exit_status.h); 0 none */
	bool stage_status;        /* --stage-status given */
	bool stage_done;          /* worst is already in its numbers */
};

/* Where and how to connect: settings (main.c, fixed after startup). */
struct shell_conn {
	unsigned timeout_s;       /* --timeout, 0: the RFC 5321 defaults */
	enum smtpsh_route route;  /* --mx, --no-mx, or MX when no port is given */
	const char *dns_server;   /* SMTPSH_DNS_SERVER: ask it instead of resolv.conf's */
	const char *helo;         /* --helo: our name in HELO/EHLO, or NULL */
	bool lmtp;                /* --lmtp: HELO/EHLO are sent as LHLO */
	const struct profiles *profiles; /* the config file's (profile.h) */
	struct demo_server *demo; /* --demo: the in-process teaching server */
};

/* TLS (recipe_view.c: every handshake's options, shell_tls_options, and
 * what it found).  The settings are main.c's; `set insecure` (infocmd.c)
 * is the one changed later. */
struct shell_tls {
	bool implicit;            /* --tls: TLS right after connect (SMTPS) */
	bool insecure;            /* --insecure / `set insecure on` */
	const char *cafile;       /* --cafile */
	const char *sni;          /* --sni */
	const char *verify_name;  /* --verify-name: the certificate's name to check */
	unsigned min;             /* --tls-protocol */
	const char *cipher;       /* --tls-cipher */
	const char *cert, *key;   /* --cert, --key */
	struct implicit_tls itls; /* --tls: the handshake armed before connect */
	struct tls_info info;     /* the last handshake's findings */
	bool known;               /* info holds a handshake's findings */
};

/* AUTH (authcmd.c: the user AUTH accepted, for the status bar).  The
 * settings are main.c's; the secrets are read by recipe_view.c. */
struct shell_auth_state {
	const char *password_file;/* --password-file */
	const char *token_file;   /* --token-file (XOAUTH2, OAUTHBEARER) */
	/* SMTPSH_PASSWORD and SMTPSH_TOKEN, out of the environment since
	 * startup (secret.h); owned by main.c. */
	const struct secret_env *env_secrets;
	bool allow_plain;         /* --allow-plaintext-auth */
	char user[128];           /* the user AUTH accepted */
};

/* A body typed after `data` (body.c, shell_body_begin and the lines). */
struct shell_body {
	bool on;                  /* the body is being collected */
	FILE *file;               /* tmpfile() holding the typed body */
	bool has_8bit;            /* it holds 8-bit bytes */
};

/* The full-screen view (tui.c): asked for by `view` (shellcmd.c), --tui
 * (main.c) and dropped by repl.c; its search; the hooks that give the
 * bare terminal back for a question (exchange.c, authcmd.c and
 * recipe_view.c call them); and, while a replay plays in the view
 * (tui_replay.c), the pause between commands (replaycmd.c calls it:
 * true for the next command, false to stop). */
struct shell_tui {
	bool want_view;
	char search[SHELL_SEARCH_MAX];
	void (*suspend)(void *ctx);
	void (*resume)(void *ctx);
	void *suspend_ctx;
	bool (*step)(void *ctx);
};

/* What the replies showed (exchange.c, as each is shown): for the status
 * bar, the last round trip and the transaction's sender; for the tour,
 * the code of the last reply to a command and how many there were. */
struct shell_seen {
	double last_rtt_ms;
	char sender[SMTP_PATH_MAX];
	int last_code;
	unsigned long replies;
};

/* --tour (tour/tour.c): on, the step the student is at, the replies
 * already judged, and whether `tour next` is typing the step's lines. */
struct shell_tour {
	bool on;
	size_t step;
	unsigned long replies;
	bool performing;
};

/* `pipeline {` (pipeline.c): the commands typed, sent together at `}`;
 * shell_leave (exchange.c) drops one left open. */
struct shell_pipe {
	bool on;
	size_t n;
	const struct verb *verb[SHELL_PIPE_MAX];
	char line[SHELL_PIPE_MAX][SMTP_COMMAND_LINE_MAX];
};

/* Lookups (lookupcmd.c: a `lookup`'s options for its run, the held
 * secret); main.c fills the command line's. */
struct shell_lookup_state {
	struct lookup_config config;
	const char *resume;       /* --resume RESULTS */
	/* During a lookup that replays AUTH: the secret typed at its first
	 * reconnect, for the others (secret.h); NULL otherwise. */
	struct secret_held *held_secret;
};

struct shell {
	/* The session, the output and the transcript: set up by main.c, used
	 * by every file, freed by shell_free (shellcmd.c). */
	struct session *sess;
	struct session_options sopt;
	struct output out;
	struct transcript transcript; /* --transcript FILE */
	/* How this connection was brought up (recipe.h): the steps that
	 * succeeded, recorded by the recipe's own functions and replayed by
	 * `reconnect` and a lookup's reconnect. */
	struct recipe recipe;
	/* The run: main.c's settings; stop and signal are set wherever the
	 * run is ended (exit, a signal, --stop-on-error, the view's quit). */
	bool interactive;         /* readline REPL */
	bool stop_on_error;
	bool stop;                /* leave after the current line */
	int signal;               /* the signal that ended the script, or 0 */
	bool quiet_echo;          /* don't echo the wire line (interactive typing) */
	struct shell_outcome outcome;
	struct shell_conn conn;
	struct shell_tls tls;
	struct shell_auth_state auth;
	struct shell_body body;
	struct shell_tui tui;
	struct shell_seen seen;
	struct shell_tour tour;
	struct shell_pipe pipe;
	struct shell_lookup_state lookup;
};

/* exchange.c: one command to the server and every reply it brings. */
void shell_note_status(struct shell *sh, int status, const char *stage);
/* A yes/no question asked on the terminal (the full-screen view steps
 * aside for it); true for yes.  Interactive use only. */
bool shell_ask(struct shell *sh, const char *question);
/* Report a local error once (through output.h) and note its status. */
void shell_fail(struct shell *sh, const char *stage, const struct smtp_error *err);
void shell_usage_error(struct shell *sh, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Show one reply and note what it means for the exit status. */
void shell_show_reply(struct shell *sh, const struct session_reply *r);
/* The same; counted false: shown, but another reply decides (EHLO's 500
 * before HELO). */
void shell_show_reply_counted(struct shell *sh, const struct session_reply *r, bool counted);
/* Before anything is sent: show the replies that have arrived and wait for
 * the ones still owed.  False when nothing may be sent now. */
bool shell_settle(struct shell *sh);
/* Settle, send a wire line and show it; *seq gets its number.  False when
 * nothing was sent (already reported). */
bool shell_send_line(struct shell *sh, const struct verb *v, const char *line, size_t len,
    unsigned long *seq);
/* Pipelining: settle, send the lines in one write and show them. */
bool shell_send_group(struct shell *sh, struct session_line *lines, size_t n);
/* BDAT: settle, send one chunk and show its header; *seq its reply's. */
bool shell_send_chunk(struct shell *sh, const char *data, size_t len, bool last,
    unsigned long *seq);
/* After a test message: its outcome decides the exit status (0 all,
 * SHELL_EXIT_PARTIAL some, 5 or 4 none), unless a local error did. */
struct out_message;
void shell_message_status(struct shell *sh, int worst_before, const struct out_message *m);
/* Send a wire line, show it and every reply up to its own (kept in *own,
 * which may be NULL).  Returns its code, or 0 when it got none. */
int shell_exchange(struct shell *sh, const struct verb *v, const char *line, size_t len,
    struct session_reply *own);
/* Show every reply that has arrived already, without waiting. */
void shell_show_arrived(struct shell *sh);
/* Read and show replies until command `seq` is answered. */
int shell_collect(struct shell *sh, unsigned long seq, struct session_reply *own);
/* --stage-status: the automatic sequence's stage `code` failed (the first
 * one noted decides; exit_status.h's stage table). */
static inline void shell_stage_failed(struct shell *sh, int code)
{
	if (sh->outcome.stage_exit == 0)
		sh->outcome.stage_exit = code;
}
/* A wait was cancelled: decide what the signal means (shell.stop, signal). */
void shell_cancelled(struct shell *sh, const char *stage);
/* A step that owed no reply failed (a connect, an MX lookup): said once.
 * When a signal caused it, the signal is taken: Ctrl-C at the prompt only
 * ends the step; in a script, or SIGTERM/SIGHUP, the shell stops. */
void shell_fail_step(struct shell *sh, const char *stage, const struct smtp_error *err);
/* --stop-on-error after a reply. */
void shell_maybe_stop(struct shell *sh, const struct session_reply *r);
void shell_maybe_stop_code(struct shell *sh, int code);     /* the same, by code */
/* A signal ended the script: one QUIT, what arrives before a short
 * deadline, and the exit status 128 + signal. */
void shell_quit_on_signal(struct shell *sh);
/* The end of a run, of `exit` or of Ctrl-D: QUIT and its 221, bounded, as
 * swaks does; "closed without QUIT" where QUIT cannot be said (in a body,
 * a turned session) or is not answered in time. */
void shell_leave(struct shell *sh);
void shell_leave_quiet(struct shell *sh);      /* the same, nothing shown */
/* A shell command's --options through the command line's parser; false:
 * the error said as "WHAT: ..." (usage), and nothing to free. */
bool shell_parse_options(struct shell *sh, const char *what, int argc, char **argv,
    struct smtpsh_args *a);
/* The transcript's note of an event (no-op without --transcript). */
void shell_transcript_note(struct shell *sh, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Drop the connection (no QUIT) and say why. */
void shell_close(struct shell *sh, const char *why);

/* connect.c */
/* Connect and show the greeting.  port NULL: none was given (25), and a
 * domain is then routed by its MX records (RFC 5321 5.1) unless --no-mx;
 * with --mx, also when a port is given.  An address or unix: is never. */
bool shell_open(struct shell *sh, const char *host, const char *port);
/* The same with nothing shown or reported (a lookup's first connection:
 * its rows say what became of it). */
bool shell_open_quiet(struct shell *sh, const char *host, const char *port);
/* Where a recipe connects: host and port (NULL or "": the default), by
 * its MX route when routed and the routing rule says so (as shell_open). */
void shell_recipe_target(const struct shell *sh, struct recipe *rc, const char *host,
    const char *port, bool routed);
/* `reconnect` and `open` alone: the last connection's recipe again. */
void shell_reconnect(struct shell *sh);

/* recipe_view.c: the connection recipe (recipe.h) as the shell runs it. */
struct shell_view {
	struct recipe_observer obs;   /* ctx is this struct */
	struct shell *sh;
	int last_code;                /* the last reply's code; 0 none */
	/* A warning said after the next line sent: the hello's domain is not
	 * fully qualified. */
	const char *unqualified, *unqualified_verb;
};
/* shown: every step on screen (the user's commands); else quiet (a
 * lookup's reconnect: the transcript only). */
void shell_view_init(struct shell_view *v, struct shell *sh, bool shown);
/* What every step takes from the command line (MX, TLS, the secret);
 * replay: the recipe about to be replayed, NULL for a first connection. */
void shell_recipe_env(struct shell *sh, const struct recipe *replay, struct recipe_env *env,
    struct mx_options *mo);
/* The resolver options for an MX lookup (family, SMTPSH_DNS_SERVER). */
void shell_mx_options(const struct shell *sh, struct mx_options *o);
/* The name for HELO/EHLO: --helo when given, else this machine's; false
 * when this machine's is not fully qualified. */
bool shell_local_domain(const struct shell *sh, char *out, size_t cap);
/* Before session_open: arm implicit TLS when --tls was given. */
void shell_prepare_connect(struct shell *sh, const char *host);
/* After session_open: report what the implicit TLS handshake found. */
void shell_report_implicit_tls(struct shell *sh);
/* The handshake deadline: --timeout or SMTP_TIMEOUT_TLS. */
unsigned shell_tls_timeout_ms(const struct shell *sh);
/* Every handshake's options: host checked, CA file, --insecure, deadline,
 * --sni, --tls-protocol, --tls-cipher, --cert, --key. */
void shell_tls_options(const struct shell *sh, const char *host, struct tls_options *o);
/* The secret for an AUTH as user (a password, or a token for XOAUTH2 and
 * OAUTHBEARER): from the --password-file/--token-file, the environment or
 * the terminal; a lookup's held one when set.  Masked from then on. */
enum smtp_errkind shell_auth_secret(struct shell *sh, enum auth_mech mech, const char *user,
    char *buf, size_t cap, struct smtp_error *err);

/* verbcmd.c */
void shell_run_verb(struct shell *sh, const struct verb *v, const char *arg, size_t arglen);

/* body.c */
/* `data [--force] [FILE]`. */
void shell_data(struct shell *sh, const char *arg, size_t arglen);
/* After a 354: show and stream a body from `read`; *seq gets the number
 * of the (last) reply owed.  False when it was not sent (reported). */
bool shell_send_body(struct shell *sh, body_reader_fn read, void *ctx, const char *name,
    unsigned long *seq);
/* `bdat [FILE]`: the file as BDAT chunks. */
void shell_bdat(struct shell *sh, const char *arg, size_t arglen);
/* After a 354: collect the body typed from here on, in a tmpfile(); false
 * when there is none (errno says why; not reported). */
bool shell_body_begin(struct shell *sh);
/* A line typed after a 354; "." ends the body. */
void shell_body_line(struct shell *sh, const char *line, size_t len);
/* Abandon a body being typed (Ctrl-C, end of input). */
void shell_body_abandon(struct shell *sh, const char *why);

/* tlscmd.c */
void shell_starttls(struct shell *sh);
void shell_tls_show(struct shell *sh);
/* `tls` and `tls --save FILE`. */
struct tokens;
void shell_tls_command(struct shell *sh, const struct tokens *t);

/* authcmd.c */
/* The secrets masked in server text between AUTH exchanges: those held
 * for the whole run (SMTPSH_PASSWORD, SMTPSH_TOKEN) or for a lookup
 * (lookup.held_secret), each with its base64; an exchange adds its own and this
 * puts the list back when it ends. */
void shell_mask_standing(struct shell *sh);
/* A line typed for `raw AUTH ...` or at its challenge: masked in server
 * text until the exchange ends, with the secret it decodes to. */
void shell_auth_mask_typed(struct shell *sh, const char *line, size_t len);
/* `auth MECH USER`: true when the server said 235. */
bool shell_auth(struct shell *sh, const char *arg, size_t arglen);
/* A line typed while an AUTH challenge waits: sent as the response. */
void shell_auth_response(struct shell *sh, const char *line, size_t len);
/* Interactive: read responses with echo off while a challenge waits. */
void shell_auth_interactive(struct shell *sh);

/* xclientcmd.c: XCLIENT with the hello after it; how it ended. */
enum shell_xclient_end { SHELL_XCLIENT_OK, SHELL_XCLIENT_REFUSED, SHELL_XCLIENT_HELLO_FAILED };
enum shell_xclient_end shell_xclient(struct shell *sh, const char *arg, size_t arglen);

/* sendcmd.c: a test message (MAIL, RCPTs, DATA or BDAT) with its losers;
 * a stage that failed is noted for --stage-status (shell_stage_failed). */
struct message_opts;
void shell_message(struct shell *sh, const struct message_opts *mo);

/* sequence.c: the command line's automatic sequence (--from/--to,
 * --quit-after): connect, banner, EHLO, STARTTLS, AUTH, the message, QUIT. */
struct smtpsh_args;
void shell_sequence(struct shell *sh, const struct smtpsh_args *a);

/* pipeline.c: `pipeline {` ... `}` sends the commands typed in one write. */
void pipeline_begin(struct shell *sh);
bool pipeline_add(struct shell *sh, const struct verb *v, const char *arg, size_t arglen);
void pipeline_end(struct shell *sh);

/* tour/: the guided tour of RFC 821 (--demo --tour, `tour`).  tour_command
 * returns the lines `tour next` types for the student (NULL-ended; the
 * caller runs them as typed lines), or NULL. */
size_t tour_count(void);
void tour_start(struct shell *sh);
const char *const *tour_command(struct shell *sh, const char *arg);
void tour_after_line(struct shell *sh, const char *line, size_t len);
/* `tour next` doing an AUTH step: the step's demo password, else NULL. */
const char *tour_secret(const struct shell *sh);

/* replaycmd.c: --replay FILE [--step]. */
void shell_replay(struct shell *sh, const char *path, bool step);

/* A shell command's call (shellcmd.c's table): the shell, the typed line
 * tokenized, and the line itself as typed (`raw` and `explain` read it
 * past the command's name).  Each handler reads what it needs. */
struct tokens;
struct shell_call {
	struct shell *sh;
	const struct tokens *t;
	const char *line;
	size_t len;
};

/* lookupcmd.c */
/* `lookup FILE` / `lookup NAME NAME...`: words[0..n) after the command. */
void shell_lookup(struct shell *sh, const char *const *words, size_t n);
/* --lookup FILE HOST [PORT] (and `lookup FILE`): the whole run,
 * connecting when needed; keep_open leaves the last connection open for
 * the shell (else it ends with QUIT); by_route reconnects through
 * shell_open (port NULL: a domain's MX hosts), else to host and port. */
void shell_lookup_file(struct shell *sh, const char *file, const char *host, const char *port,
    bool keep_open, bool by_route);
void cmd_lookup(const struct shell_call *call);

/* auditcmd.c */
/* --audit HOST [PORT] and `audit`: every check, on a session of the
 * audit's own; port NULL: the routing rule decides.  starttls: the checks
 * after the plain EHLO run over STARTTLS (--starttls). */
void shell_audit(struct shell *sh, const char *host, const char *port, bool starttls,
    const char *to, const char *from);
void cmd_audit(const struct shell_call *call);

/* serve.c: `--serve [ADDR:]PORT`, its log on stdout unless quiet, or (tui)
 * the live table; limit 0: the server's error limit.  The exit status. */
int run_serve(const char *spec, unsigned disabled, bool quiet, unsigned limit, bool json, bool tui);

/* turn.c */
void shell_turned(struct shell *sh);

/* shellcmd.c */
void shell_init(struct shell *sh);
void shell_free(struct shell *sh);
/* Run one typed line (a shell command, an SMTP verb, a body line, or the
 * response to an AUTH challenge). */
void shell_run_line(struct shell *sh, const char *line, size_t len);
/* The shell-command table, for the man page. */
size_t shell_command_count(void);
void shell_command_at(size_t i, const char **name, const char **usage, const char **summary);
/* Names for Tab completion: verbs (lower case) then shell commands; NULL at end. */
const char *shell_completion_word(size_t i);
/* A line that must never be saved to history (AUTH and its secrets). */
bool shell_line_sensitive(const struct shell *sh, const char *line, size_t len);
/* The prompt for the current state (escaped: no control byte). */
void shell_prompt(struct shell *sh, char *buf, size_t cap);

/* infocmd.c: the shell commands that only show things. */
void cmd_explain(const struct shell_call *call);
void cmd_state(const struct shell_call *call);
void cmd_diagram(const struct shell_call *call);
void cmd_ext(const struct shell_call *call);
void cmd_mailbox(const struct shell_call *call);
void cmd_terminal(const struct shell_call *call);
void cmd_profiles(const struct shell_call *call);
void cmd_set(const struct shell_call *call);
void cmd_mx(const struct shell_call *call);
void cmd_timing(const struct shell_call *call);
/* sendcmd.c: `message --to B ...`, the command line's message options. */
void cmd_message(const struct shell_call *call);

/* repl.c */
int repl_run(struct shell *sh);

/* script.c */
int script_run_stdin(struct shell *sh);
/* The -e commands, then the end of the script. */
void script_run_commands(struct shell *sh, const char *const *cmds, size_t n);

#endif
