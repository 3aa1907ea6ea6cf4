/*
 * output_write.c - the one writer of the output path (output.h): where a
 * rendered record goes -- the full-screen view's sink, the interactive
 * backlog, stdout or stderr, the results file (--output) -- written whole
 * and flushed, every failure said once per destination on stderr and kept
 * for the exit status; a record longer than the screen through $PAGER in
 * the interactive shell (--no-pager: never); and the progress bar on
 * stderr, cleared before any record lands on the screen.  output.c and output_lookup.c render records
 * and call down into it; it calls only the text renderer's progress bar.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render.h"
#include "termcolor.h"
#include "tr.h"

static unsigned out_stream_bit(const struct output *o, FILE *f)
{
	return f == o->results && f != o->out ? OUT_FAILED_RESULTS : f == o->err ? OUT_FAILED_ERR
	    : OUT_FAILED_OUT;
}

static void out_write_failed(struct output *o, unsigned bit, int e)
{
	if (o->write_failed & bit)
		return;
	o->write_failed |= bit;
	if (bit == OUT_FAILED_ERR)
		return;                     /* nowhere left to say it */
	const char *what = bit == OUT_FAILED_RESULTS && o->results_name != NULL ? o->results_name
	    : _("standard output");
	fprintf(stderr, _("smtpsh: writing to %s failed: %s; what follows there is lost\n"), what,
	    e != 0 ? strerror(e) : _("write error"));
	fflush(stderr);
}

void out_write(struct output *o, FILE *f, const char *data, size_t len)
{
	if (len == 0 || f == NULL)
		return;
	errno = 0;
	bool ok = fwrite(data, 1, len, f) == len;
	int e = errno;
	if (fflush(f) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		clearerr(f);
		out_write_failed(o, out_stream_bit(o, f), e);
	}
}

void out_close_results(struct output *o)
{
	if (o->results != NULL && o->results != o->out) {
		FILE *f = o->results;
		errno = 0;
		bool bad = ferror(f) != 0;
		if (fclose(f) != 0 || bad)
			out_write_failed(o, OUT_FAILED_RESULTS, errno != 0 ? errno : EIO);
	}
	o->results = o->out;
}

bool out_finish(struct output *o)
{
	errno = 0;
	if (fflush(o->out) != 0 || ferror(o->out))
		out_write_failed(o, OUT_FAILED_OUT, errno != 0 ? errno : EIO);
	return o->write_failed == 0;
}

void out_begin(struct strbuf *sb)
{
	strbuf_init(sb, OUT_RECORD_MAX + 256 * 1024);
}

/* $PAGER, unless it says not to page ("" or "cat"). */
static const char *out_pager_command(void)
{
	const char *p = getenv("PAGER");
	if (p == NULL)
		return "less -FRX";
	if (p[0] == '\0' || strcmp(p, "cat") == 0)
		return NULL;
	return p;
}

/* A record longer than the screen, through the pager: true when it went
 * there (or the pager was quit early: what it did not take is not an
 * error), false to write it as usual. */
static bool out_page(struct output *o, const struct strbuf *sb)
{
	const char *cmd = out_pager_command();
	unsigned rows = term_rows(fileno(o->out));
	if (cmd == NULL || rows == 0)
		return false;
	size_t lines = 0;
	for (size_t i = 0; i < sb->len; i++)
		lines += sb->data[i] == '\n';
	if (lines < rows - 1)
		return false;
	fflush(o->out);
	FILE *p = popen(cmd, "w");
	if (p == NULL)
		return false;
	/* SIGPIPE is ignored (signals.c): a pager quit early gives EPIPE. */
	size_t off = 0;
	while (off < sb->len) {
		ssize_t n = write(fileno(p), sb->data + off, sb->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	(void)pclose(p);
	return true;
}

/* Write one record and free the buffer.  Errors go to stderr in text mode. */
void out_flush(struct output *o, struct strbuf *sb, bool to_err)
{
	/* Text for a person may go to the view, the backlog and stderr; a
	 * program's records (JSON) all go to stdout. */
	bool person = render_for(o)->person;
	if (o->sink != NULL && person) {
		if (sb->len > 0)
			o->sink(o->sink_ctx, sb->data, sb->len, to_err);
		strbuf_free(sb);
		return;
	}
	if (o->backlog != NULL && person && sb->len > 0) {
		/* Keep the tail: drop the oldest half when it would overflow. */
		if (o->backlog->len + sb->len > OUT_BACKLOG_MAX) {
			size_t keep = o->backlog->len / 2;
			const char *nl = memchr(o->backlog->data + o->backlog->len - keep, '\n', keep);
			size_t from = nl != NULL ? (size_t)(nl + 1 - o->backlog->data) : o->backlog->len;
			memmove(o->backlog->data, o->backlog->data + from, o->backlog->len - from);
			o->backlog->len -= from;
			o->backlog->data[o->backlog->len] = '\0';
		}
		if (sb->len <= OUT_BACKLOG_MAX)
			(void)strbuf_append(o->backlog, sb->data, sb->len);
	}
	FILE *f = to_err && person ? o->err : o->out;
	if (f == o->out && person && o->pager && sb->len > 0 && out_page(o, sb)) {
		strbuf_free(sb);
		return;
	}
	if (sb->len > 0)
		out_progress_clear(o);     /* a record never lands on the bar */
	if (sb->len > 0) {
		if (f == o->err)
			fflush(o->out);      /* keep the order a person sees */
		out_write(o, f, sb->data, sb->len);
	}
	strbuf_free(sb);
}

void out_progress(struct output *o, const struct out_progress *p)
{
	if (!o->progress)
		return;
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	render_text.progress(o, p, &sb);
	out_write(o, o->err, sb.data, sb.len);
	strbuf_free(&sb);
	o->progress_shown = true;
}

void out_progress_clear(struct output *o)
{
	if (!o->progress_shown)
		return;
	out_write(o, o->err, "\r\033[K", 4);
	o->progress_shown = false;
}

void out_prompt(struct output *o, const char *text)
{
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	render_text.prompt(o, text, &sb);
	out_progress_clear(o);
	out_write(o, render_for(o)->person ? o->out : o->err, sb.data, sb.len);
	strbuf_free(&sb);
}
