/*
 * profile.h - named servers and everyday settings (profile.c): the INI file
 * $XDG_CONFIG_HOME/smtpsh/config (default ~/.config/smtpsh/config).
 *
 *   [default]              settings for every run
 *   helo = client.example.org
 *   [work]                 `smtpsh work`, `--profile work`, `open work`
 *   host = mail.example.org
 *   port = 587
 *   starttls = yes
 *   auth = plain
 *   auth-user = alice
 *   password-file = ~/.config/smtpsh/work.pass
 *
 * A key is a long option's name (options.c's table); a flag takes yes/no
 * (true/false, on/off, 1/0); host and port say where the profile goes.  A
 * profile never holds a secret: `password` (and `token`) are refused with a
 * pointer to password-file (token-file).  Settings become command-line
 * words placed before the real ones, so the command line wins.  Every bad
 * line is an error naming the file and the line.
 */
#ifndef SMTPSH_PROFILE_H
#define SMTPSH_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The most sections, and settings in all, a config file may hold. */
#define PROFILE_SECTIONS_MAX 64
#define PROFILE_SETTINGS_MAX 512
#define PROFILE_NAME_MAX 64
#define PROFILE_VALUE_MAX 1024

struct profile_setting {
	unsigned section;                 /* index into names */
	char key[64];
	char value[PROFILE_VALUE_MAX];
	bool flag;                        /* a flag option: value is "1" or "0" */
};

struct profiles {
	char path[4096];                  /* "" when there is no file */
	char names[PROFILE_SECTIONS_MAX][PROFILE_NAME_MAX];
	size_t nnames;
	struct profile_setting *set;      /* PROFILE_SETTINGS_MAX entries */
	size_t nset;
};

/* Read the config file (none: an empty set, true).  false: an error, said
 * on err as "smtpsh: FILE line N: ...". */
bool profiles_load(struct profiles *p, FILE *err);
void profiles_free(struct profiles *p);
/* The section's index, or -1 ("default" is a section like the others). */
int profiles_find(const struct profiles *p, const char *name);
/* The value of key in section i, or NULL. */
const char *profiles_get(const struct profiles *p, int section, const char *key);

/* A new argv for options_parse: argv[0], [default]'s settings, the
 * profile's (--profile NAME, or the first operand when it names a
 * section: then it is replaced by the profile's host and port), then the
 * rest of argv.  *out is allocated (free with profiles_argv_free); false
 * with a message on err for an unknown --profile or a profile with no
 * host where one is needed. */
bool profiles_argv(const struct profiles *p, int argc, char **argv, int *out_argc,
    char ***out_argv, FILE *err);
void profiles_argv_free(int argc, char **argv);

#endif
