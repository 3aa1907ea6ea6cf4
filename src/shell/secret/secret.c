/*
 * secret.c - reading an AUTH secret without it touching the screen, the
 * history or argv (CR-03); see secret.h.  termios for the no-echo prompt,
 * restored on every path.  Holds no state between calls.
 */
#include "libs.h"
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>


void secret_wipe(char *buf, size_t cap)
{
	if (buf != NULL && cap > 0)
		libs_wipe(buf, cap);
}

void secret_guard_begin(struct secret_guard *g)
{
	struct rlimit rl;
	memset(g, 0, sizeof *g);
	g->armed = true;
	if (getrlimit(RLIMIT_CORE, &rl) == 0) {
		g->had_limit = true;
		g->core_cur = rl.rlim_cur;
		g->core_max = rl.rlim_max;
		rl.rlim_cur = 0;
		(void)setrlimit(RLIMIT_CORE, &rl);
	}
	g->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

void secret_guard_end(struct secret_guard *g)
{
	if (!g->armed)
		return;
	if (g->had_limit) {
		struct rlimit rl = { (rlim_t)g->core_cur, (rlim_t)g->core_max };
		(void)setrlimit(RLIMIT_CORE, &rl);
	}
	if (g->dumpable > 0)
		(void)prctl(PR_SET_DUMPABLE, g->dumpable, 0, 0, 0);
	g->armed = false;
}

void secret_held_begin(struct secret_held *h)
{
	h->set = false;
	secret_guard_begin(&h->guard);
}

void secret_held_end(struct secret_held *h)
{
	secret_wipe(h->buf, sizeof h->buf);
	h->set = false;
	secret_guard_end(&h->guard);
}

static enum smtp_errkind take(char *buf, size_t cap, const char *s, size_t len,
    struct smtp_error *err)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (memchr(s, '\0', len) != NULL)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "the secret contains a NUL byte");
	if (len + 1 > cap)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0,
		    "the secret is longer than %zu bytes", cap - 1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return SMTP_OK;
}

enum smtp_errkind secret_read_file(const char *path, char *buf, size_t cap,
    bool *insecure_mode, struct smtp_error *err)
{
	char tmp[4096];
	struct stat st;
	size_t n = 0;
	enum smtp_errkind k;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (insecure_mode != NULL)
		*insecure_mode = false;
	if (fd < 0)
		return smtp_error_set(err, SMTP_ERR_FILE, errno, "cannot open password file %s: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) == 0 && insecure_mode != NULL)
		*insecure_mode = (st.st_mode & 077) != 0;
	while (n < sizeof tmp) {
		ssize_t r = read(fd, tmp + n, sizeof tmp - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			secret_wipe(tmp, sizeof tmp);
			return smtp_error_set(err, SMTP_ERR_FILE, e, "cannot read password file %s: %s",
			    path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (memchr(tmp, '\n', n) != NULL)
			break;
	}
	close(fd);
	char *nl = memchr(tmp, '\n', n);
	if (nl != NULL)
		n = (size_t)(nl - tmp);
	if (n == 0) {
		secret_wipe(tmp, sizeof tmp);
		return smtp_error_set(err, SMTP_ERR_FILE, 0, "password file %s is empty", path);
	}
	k = take(buf, cap, tmp, n, err);
	secret_wipe(tmp, sizeof tmp);
	return k;
}

enum smtp_errkind secret_read_tty(const char *prompt, char *buf, size_t cap,
    struct smtp_error *err)
{
	struct termios old, quiet;
	char tmp[4096];            /* a terminal's canonical line at most */
	size_t n = 0;
	enum smtp_errkind k = SMTP_OK;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return smtp_error_set(err, SMTP_ERR_USAGE, errno,
		    "no terminal to ask for the secret (use --password-file or %s)", SECRET_ENV);
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return smtp_error_set(err, SMTP_ERR_USAGE, errno, "cannot control the terminal");
	}
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		close(fd);
		return smtp_error_set(err, SMTP_ERR_USAGE, errno, "cannot turn echo off");
	}
	if (write(fd, prompt, strlen(prompt)) < 0)
		k = smtp_error_set(err, SMTP_ERR_IO, errno, "cannot write the prompt");
	while (k == SMTP_OK && n < sizeof tmp) {
		ssize_t r = read(fd, tmp + n, sizeof tmp - n);
		if (r < 0) {
			/* EINTR: Ctrl-C (the shell's handler does not restart). */
			k = smtp_error_set(err, SMTP_ERR_CANCELLED, errno, "secret entry cancelled");
			break;
		}
		if (r == 0) {
			if (n == 0)
				k = smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "secret entry cancelled (EOF)");
			break;
		}
		n += (size_t)r;
		if (tmp[n - 1] == '\n')
			break;
	}
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* nothing useful to do: the terminal is going away */
	}
	close(fd);
	if (k == SMTP_OK)
		k = take(buf, cap, tmp, n, err);
	secret_wipe(tmp, sizeof tmp);
	return k;
}

enum smtp_errkind secret_get(const struct secret_source *src, const char *prompt,
    char *buf, size_t cap, const char **from, struct smtp_error *err)
{
	const char *env;
	const char *name = src->env != NULL ? src->env : SECRET_ENV;
	const char *option = src->file_option != NULL ? src->file_option : "--password-file";

	if (src->password_file != NULL) {
		*from = "file";
		return secret_read_file(src->password_file, buf, cap, NULL, err);
	}
	const struct secret_env_value *ev = src->allow_env ? src->env_value : NULL;
	if (ev != NULL && ev->too_long) {
		*from = "environment";
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "the secret in %s is longer than "
		    "%zu bytes", name, cap - 1);
	}
	if (ev != NULL && (env = ev->value) != NULL && env[0] != '\0') {
		*from = "environment";
		return take(buf, cap, env, strlen(env), err);
	}
	if (src->allow_prompt) {
		*from = "terminal";
		return secret_read_tty(prompt, buf, cap, err);
	}
	*from = "none";
	return smtp_error_set(err, SMTP_ERR_USAGE, 0,
	    "no secret: give %s FILE or set %s", option, name);
}
