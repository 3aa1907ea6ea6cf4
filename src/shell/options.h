/*
 * options.h - smtpsh's command line: one table of options (name, argument,
 * help) from which getopt_long's array, --help and the man page's OPTIONS
 * section are all made, and the parse of argv into a struct smtpsh_args.
 * Options may come before or after the host; the host may be given as
 * HOST, HOST PORT, HOST:PORT, [IPv6]:PORT or unix:PATH.
 */
#ifndef SMTPSH_OPTIONS_H
#define SMTPSH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lookup.h"
#include "proxy.h"
#include "smtp_limits.h"

struct smtpsh_option {
	const char *name;        /* long name, without "--" */
	int key;                 /* short letter, or a value above 255 */
	const char *arg;         /* argument name, or NULL for a flag */
	const char *help;        /* one line */
};

size_t options_count(void);
const struct smtpsh_option *options_at(size_t i);

/* The automatic sequence's stages (--quit-after), in order. */
enum seq_stage {
	STAGE_NONE = 0, STAGE_CONNECT, STAGE_BANNER, STAGE_EHLO, STAGE_TLS, STAGE_XCLIENT, STAGE_AUTH,
	STAGE_MAIL, STAGE_RCPT, STAGE_DATA,
	STAGE__COUNT
};
const char *seq_stage_name(enum seq_stage st);

/* A test message and how to send it (--from, --to, ... and the shell's
 * `message` command). */
struct message_opts {
	const char *from;
	const char **to;          /* argc entries allocated */
	size_t nto;
	const char *subject, *body, *body_file;
	const char **headers;
	size_t nheaders;
	const char **attach;
	size_t nattach;
	bool no_pipelining, bdat, starttls, orcpt, requiretls;
	bool force;               /* --force: past the server's SIZE limit */
	const char *notify, *ret, *envid;
	const char *auth_mech, *auth_user;
	enum seq_stage quit_after;
};
/* How a host is reached: MX hosts when no port is given (auto), always
 * (--mx), or never (--no-mx). */
enum smtpsh_route { SMTPSH_ROUTE_AUTO, SMTPSH_ROUTE_MX, SMTPSH_ROUTE_DIRECT };

struct smtpsh_args {
	const char **cmds;        /* -e, in order (argc entries allocated) */
	size_t ncmds;
	struct message_opts msg;
	bool lmtp, tui, tour, step;
	const char *replay;       /* --replay FILE */
	bool json, stop_on_error, no_color, no_pager, demo, implicit_tls, insecure;
	bool allow_plain_auth, transcript_overwrite;
	const char *serve;        /* --serve [ADDR:]PORT */
	const char *cafile, *password_file, *token_file, *transcript;
	unsigned disabled;        /* --disable VERB bits */
	bool quiet;               /* --quiet: --serve logs nothing */
	unsigned error_limit;     /* --error-limit N (0: the server's default) */
	int family;               /* 0, 4 or 6 */
	enum smtpsh_route route;
	const char *bind;         /* --bind ADDR */
	const char *sni, *tls_cipher, *cert, *key;
	const char *helo;         /* --helo NAME (--ehlo) */
	bool timing;              /* --timing */
	unsigned tls_min;         /* --tls-protocol: TLS_VERSION_1_2 (0) or _1_3 */
	unsigned timeout_s;
	bool audit;               /* --audit HOST [PORT] (auditcmd.c) */
	struct proxy_config proxy;/* --proxy, --proxy-source, --proxy-dest */
	const char **xclient;     /* --xclient, in order (argc entries allocated) */
	size_t nxclient;
	bool stage_status;        /* --stage-status: swaks' per-stage exit statuses */
	const char *verify_name;  /* --verify-name NAME */
	/* --lookup and its settings (lookupcmd.c). */
	const char *lookup;       /* FILE, or NULL */
	enum lookup_method method;
	const char *domain, *output, *resume;   /* --from: msg.from */
	bool csv, retries_given;
	double rate;
	unsigned per_connection, max_connections, retries;
	const char *host;         /* NULL: none given */
	char port[16];            /* "" when none given */
	char hostbuf[SMTP_DOMAIN_MAX + 1];
	bool help, version;
};

/* Parse argv into *a (zeroed first; lists allocated: options_free).
 * false: a usage error, already explained on `err`. */
bool options_parse(int argc, char **argv, struct smtpsh_args *a, FILE *err);
void options_free(struct smtpsh_args *a);
/* The option values against their grammars (options_check.c); false: the
 * first bad one, explained on `err`. */
bool options_check_values(const struct smtpsh_args *a, FILE *err);
/* True when any message or sequence option was given. */
bool options_message_mode(const struct smtpsh_args *a);
/* The --help text. */
void options_usage(FILE *to);

#endif
