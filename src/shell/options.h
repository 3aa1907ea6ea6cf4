/*
 * options.h - smtpsh's command line: one table of options (name, argument,
 * help) from which getopt_long's array, --help and the man page's OPTIONS
 * section are all made, and the parse of argv into a struct smtpsh_args.
 * Options may come before or after the host; the host may be given as
 * HOST, HOST PORT, HOST:PORT or [IPv6]:PORT.
 */
#ifndef SMTPSH_OPTIONS_H
#define SMTPSH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct smtpsh_option {
	const char *name;        /* long name, without "--" */
	int key;                 /* short letter, or a value above 255 */
	const char *arg;         /* argument name, or NULL for a flag */
	const char *help;        /* one line */
};

size_t options_count(void);
const struct smtpsh_option *options_at(size_t i);

struct smtpsh_args {
	const char **cmds;        /* -e, in order (argc entries allocated) */
	size_t ncmds;
	bool json, stop_on_error, no_color, demo, implicit_tls, insecure;
	bool allow_plain_auth, transcript_overwrite;
	const char *serve;        /* --serve [ADDR:]PORT */
	const char *cafile, *password_file, *transcript;
	unsigned disabled;        /* --disable VERB bits */
	int family;               /* 0, 4 or 6 */
	unsigned timeout_s;
	const char *host;         /* NULL: none given */
	char port[16];            /* "" when none given */
	char hostbuf[256];
	bool help, version;
};

/* Parse argv.  false: a usage error, already explained on `err`. */
bool options_parse(int argc, char **argv, struct smtpsh_args *a, FILE *err);
/* The --help text. */
void options_usage(FILE *to);

#endif
