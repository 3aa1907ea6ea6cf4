/*
 * secret_env.c - SMTPSH_PASSWORD and SMTPSH_TOKEN taken out of the
 * environment at startup (secret.h's struct secret_env).
 *
 * Each value is copied into one private mapping that is kept out of core
 * dumps (MADV_DONTDUMP), out of swap where allowed (mlock), and out of
 * every forked child (MADV_WIPEONFORK: the MX resolver's child sees
 * zeros).  Then the whole "NAME=value" string is overwritten where it lies
 * -- the process's initial environment block, which /proc/PID/environ
 * shows -- and the name is unset, so no child and no reader of /proc sees
 * either.  Owns the mapping: secret_env_release() wipes and unmaps it.
 * Best effort on the kernel's side: an madvise or mlock that is refused
 * (an old kernel, a tool such as valgrind) leaves the copy in ordinary
 * private memory and is not an error.
 */
#include "libs.h"
#include "secret.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>


extern char **environ;

/* Bytes per slot: the largest secret (a token) and its NUL, and a byte
 * more so that a longer value is known to be too long. */
#define SECRET_ENV_SLOT (AUTH_TOKEN_MAX + 2)

/* The "NAME=value" string of name in environ, or NULL. */
static char *secret_env_entry(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e;
	return NULL;
}

/* Copy name's value into slot, then scrub it from the environment: every
 * "NAME=value" of that name (a duplicate too), the value first, in place;
 * then the name leaves environ (glibc never frees a string it did not
 * allocate), then the rest of its text. */
static void secret_env_move(const char *name, struct secret_env_value *v, char *slot)
{
	char *entry = secret_env_entry(name);
	v->value = NULL;
	v->too_long = false;
	if (entry == NULL)
		return;
	const char *value = entry + strlen(name) + 1;
	size_t len = strlen(value);
	if (len >= SECRET_ENV_SLOT) {
		v->too_long = true;
	} else if (slot != NULL) {
		memcpy(slot, value, len + 1);
		v->value = slot;
	}
	char *seen[8];
	size_t nseen = 0, n = strlen(name);
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, name, n) != 0 || (*e)[n] != '=')
			continue;
		libs_wipe(*e + n + 1, strlen(*e + n + 1));
		if (nseen < sizeof seen / sizeof seen[0])
			seen[nseen++] = *e;
	}
	(void)unsetenv(name);
	for (size_t i = 0; i < nseen; i++)
		libs_wipe(seen[i], n + 1);
}

void secret_env_take(struct secret_env *e)
{
	memset(e, 0, sizeof *e);
	if (secret_env_entry(SECRET_ENV) == NULL && secret_env_entry(SECRET_TOKEN_ENV) == NULL)
		return;
	size_t len = 2 * SECRET_ENV_SLOT;
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		map = NULL;                   /* scrubbed all the same, not kept */
	} else {
		e->map = map;
		e->map_len = len;
		(void)madvise(map, len, MADV_DONTDUMP);
#ifdef MADV_WIPEONFORK
		(void)madvise(map, len, MADV_WIPEONFORK);
#endif
		(void)mlock(map, len);
	}
	secret_env_move(SECRET_ENV, &e->password, map != NULL ? (char *)map : NULL);
	secret_env_move(SECRET_TOKEN_ENV, &e->token,
	    map != NULL ? (char *)map + SECRET_ENV_SLOT : NULL);
}

void secret_env_release(struct secret_env *e)
{
	if (e->map != NULL) {
		libs_wipe(e->map, e->map_len);
		(void)munlock(e->map, e->map_len);
		(void)munmap(e->map, e->map_len);
	}
	memset(e, 0, sizeof *e);
}
