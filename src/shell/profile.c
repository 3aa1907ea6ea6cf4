/*
 * profile.c - the config file of named servers and settings (profile.h):
 * read once at the start, checked line by line against the one option
 * table (options.c), turned into command-line words placed before the
 * user's own.  Owns its settings array (profiles_free) and the argv it
 * makes (profiles_argv_free).
 */
#include "profile.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"

/* Keys that are no option's and say where the profile goes. */
static bool profile_place_key(const char *key)
{
	return strcmp(key, "host") == 0 || strcmp(key, "port") == 0;
}

static const struct smtpsh_option *profile_option(const char *name)
{
	for (size_t i = 0; i < options_count(); i++)
		if (strcmp(options_at(i)->name, name) == 0)
			return options_at(i);
	return NULL;
}

static bool profile_path(char *out, size_t cap)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg != NULL && xdg[0] == '/')
		return (size_t)snprintf(out, cap, "%s/smtpsh/config", xdg) < cap;
	if (home != NULL && home[0] == '/')
		return (size_t)snprintf(out, cap, "%s/.config/smtpsh/config", home) < cap;
	return false;
}

static char *profile_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

__attribute__((format(printf, 4, 5)))
static bool profile_bad(const struct profiles *p, FILE *err, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(err, "smtpsh: %s line %u: ", p->path, line);
	vfprintf(err, fmt, ap);
	fputc('\n', err);
	va_end(ap);
	return false;
}

/* yes/no and its friends: 1, 0, or -1 for neither. */
static int profile_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* One "key = value" line of section sec. */
static bool profile_setting(struct profiles *p, FILE *err, unsigned line, unsigned sec, char *text)
{
	char *eq = strchr(text, '=');
	if (eq == NULL)
		return profile_bad(p, err, line, "\"key = value\" or \"[name]\" expected");
	*eq = '\0';
	char *key = profile_trim(text), *value = profile_trim(eq + 1);
	size_t vlen = strlen(value);
	if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
		value[vlen - 1] = '\0';
		value++;
	}
	if (strcmp(key, "password") == 0 || strcmp(key, "token") == 0)
		return profile_bad(p, err, line, "a profile never holds a %s: put it in a file of its "
		    "own, mode 0600, and name it with %s-file", key, key);
	const struct smtpsh_option *o = profile_option(key);
	bool place = profile_place_key(key);
	if (!place && (o == NULL || o->key < 256 || strcmp(key, "profile") == 0 ||
	    strcmp(key, "man-page") == 0))
		return profile_bad(p, err, line, "\"%.60s\" is no setting (a long option's name, or "
		    "host or port)", key);
	if (p->nset == PROFILE_SETTINGS_MAX)
		return profile_bad(p, err, line, "more than %d settings", PROFILE_SETTINGS_MAX);
	struct profile_setting *s = &p->set[p->nset];
	memset(s, 0, sizeof *s);
	s->section = sec;
	snprintf(s->key, sizeof s->key, "%s", key);
	if (!place && o->arg == NULL) {
		int b = profile_bool(value);
		if (b < 0)
			return profile_bad(p, err, line, "%s wants yes or no, not \"%.60s\"", key, value);
		s->flag = true;
		snprintf(s->value, sizeof s->value, "%d", b);
	} else {
		if (value[0] == '\0')
			return profile_bad(p, err, line, "%s wants a value", key);
		const char *home = getenv("HOME");
		int n = strncmp(value, "~/", 2) == 0 && home != NULL
		    ? snprintf(s->value, sizeof s->value, "%s%s", home, value + 1)
		    : snprintf(s->value, sizeof s->value, "%s", value);
		if (n < 0 || (size_t)n >= sizeof s->value)
			return profile_bad(p, err, line, "the value of %s is too long", key);
	}
	p->nset++;
	return true;
}

bool profiles_load(struct profiles *p, FILE *err)
{
	memset(p, 0, sizeof *p);
	if (!profile_path(p->path, sizeof p->path))
		return true;
	FILE *f = fopen(p->path, "r");
	if (f == NULL) {
		p->path[0] = '\0';
		return true;                     /* no file: no profiles */
	}
	p->set = calloc(PROFILE_SETTINGS_MAX, sizeof *p->set);
	if (p->set == NULL) {
		fclose(f);
		fputs("smtpsh: out of memory\n", err);
		return false;
	}
	char buf[PROFILE_VALUE_MAX + 128];
	unsigned line = 0;
	int sec = -1;
	bool ok = true;
	while (ok && fgets(buf, sizeof buf, f) != NULL) {
		line++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			ok = profile_bad(p, err, line, "the line is too long");
			break;
		}
		char *t = profile_trim(buf);
		if (t[0] == '\0' || t[0] == '#' || t[0] == ';')
			continue;
		if (t[0] == '[') {
			size_t n = strlen(t);
			char *name = t + 1;
			if (n < 3 || t[n - 1] != ']' || n - 2 >= PROFILE_NAME_MAX) {
				ok = profile_bad(p, err, line, "a section is \"[name]\"");
				break;
			}
			t[n - 1] = '\0';
			if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
			    strlen(name))
				ok = profile_bad(p, err, line, "a section's name is letters, digits, \".\", "
				    "\"_\" and \"-\"");
			else if (profiles_find(p, name) >= 0)
				ok = profile_bad(p, err, line, "[%s] is there twice", name);
			else if (p->nnames == PROFILE_SECTIONS_MAX)
				ok = profile_bad(p, err, line, "more than %d sections", PROFILE_SECTIONS_MAX);
			else {
				sec = (int)p->nnames;
				snprintf(p->names[p->nnames++], PROFILE_NAME_MAX, "%s", name);
			}
			continue;
		}
		if (sec < 0)
			ok = profile_bad(p, err, line, "a setting before any [section]");
		else
			ok = profile_setting(p, err, line, (unsigned)sec, t);
	}
	if (ok && ferror(f))
		ok = profile_bad(p, err, line, "could not be read");
	fclose(f);
	if (!ok)
		profiles_free(p);
	return ok;
}

void profiles_free(struct profiles *p)
{
	free(p->set);
	p->set = NULL;
	p->nset = p->nnames = 0;
}

int profiles_find(const struct profiles *p, const char *name)
{
	for (size_t i = 0; i < p->nnames; i++)
		if (strcmp(p->names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *profiles_get(const struct profiles *p, int section, const char *key)
{
	for (size_t i = 0; section >= 0 && i < p->nset; i++)
		if (p->set[i].section == (unsigned)section && strcmp(p->set[i].key, key) == 0)
			return p->set[i].value;
	return NULL;
}

/* The index of the first operand of argv (skipping options and their
 * arguments), or argc. */
static int profile_first_operand(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		if (strcmp(w, "--") == 0)
			return i + 1 < argc ? i + 1 : argc;
		if (strncmp(w, "--", 2) == 0) {
			size_t n = strcspn(w + 2, "=");
			for (size_t k = 0; k < options_count(); k++) {
				const struct smtpsh_option *o = options_at(k);
				if (strlen(o->name) == n && strncmp(o->name, w + 2, n) == 0 && o->arg != NULL &&
				    w[2 + n] != '=')
					i++;
			}
		} else if (w[0] == '-' && w[1] != '\0') {
			if (w[1] == 'e' && w[2] == '\0')
				i++;                     /* -e takes the next word */
		} else {
			return i;
		}
	}
	return argc;
}

/* Append a section's settings as option words. */
static bool profile_words(const struct profiles *p, int sec, char **out, int *n, int cap)
{
	for (size_t i = 0; sec >= 0 && i < p->nset; i++) {
		const struct profile_setting *s = &p->set[i];
		if (s->section != (unsigned)sec || profile_place_key(s->key) ||
		    (s->flag && s->value[0] == '0'))
			continue;
		if (*n + 2 >= cap)
			return false;
		size_t len = strlen(s->key) + 3;
		out[*n] = malloc(len);
		if (out[*n] == NULL)
			return false;
		snprintf(out[(*n)++], len, "--%s", s->key);
		if (!s->flag && (out[(*n)++] = strdup(s->value)) == NULL)
			return false;
	}
	return true;
}

bool profiles_argv(const struct profiles *p, int argc, char **argv, int *out_argc,
    char ***out_argv, FILE *err)
{
	int cap = argc + 2 * (int)p->nset + 8;
	char **out = calloc((size_t)cap, sizeof *out);
	int n = 0;
	if (out == NULL || (out[n++] = strdup(argv[0])) == NULL)
		goto nomem;
	/* --profile NAME, or the first operand when a section has its name. */
	const char *chosen = NULL;
	int skip = -1;
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--profile") == 0) {
			chosen = argv[i + 1];
			skip = i;
		}
	int operand = profile_first_operand(argc, argv);
	bool by_operand = false;
	if (chosen == NULL && operand < argc && strcmp(argv[operand], "default") != 0 &&
	    profiles_find(p, argv[operand]) >= 0) {
		chosen = argv[operand];
		by_operand = true;
	}
	int sec = chosen != NULL ? profiles_find(p, chosen) : -1;
	if (chosen != NULL && sec < 0) {
		fprintf(err, "smtpsh: no profile \"%.60s\" in %s\n", chosen,
		    p->path[0] != '\0' ? p->path : "the config file (there is none)");
		goto fail;
	}
	const char *host = profiles_get(p, sec, "host"), *port = profiles_get(p, sec, "port");
	if (by_operand && host == NULL) {
		fprintf(err, "smtpsh: profile \"%.60s\" has no host\n", chosen);
		goto fail;
	}
	if (!profile_words(p, profiles_find(p, "default"), out, &n, cap) ||
	    (sec != profiles_find(p, "default") && !profile_words(p, sec, out, &n, cap)))
		goto nomem;
	for (int i = 1; i < argc; i++) {
		if (i == skip) {
			i++;                         /* --profile NAME is ours */
			continue;
		}
		if (n + 3 >= cap)
			goto nomem;
		if (by_operand && i == operand) {
			if ((out[n++] = strdup(host)) == NULL ||
			    (port != NULL && (out[n++] = strdup(port)) == NULL))
				goto nomem;
			continue;
		}
		if ((out[n++] = strdup(argv[i])) == NULL)
			goto nomem;
	}
	/* --profile NAME without an operand: the profile's host and port. */
	if (!by_operand && sec >= 0 && host != NULL && operand >= argc) {
		if (n + 3 >= cap || (out[n++] = strdup(host)) == NULL ||
		    (port != NULL && (out[n++] = strdup(port)) == NULL))
			goto nomem;
	}
	*out_argc = n;
	*out_argv = out;
	return true;
nomem:
	fputs("smtpsh: out of memory\n", err);
fail:
	profiles_argv_free(n, out);
	return false;
}

void profiles_argv_free(int argc, char **argv)
{
	for (int i = 0; argv != NULL && i < argc; i++)
		free(argv[i]);
	free(argv);
}
