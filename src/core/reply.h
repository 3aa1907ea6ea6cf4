/*
 * reply.h - the one SMTP reply reader (RFC 5321 4.2, RFC 821 4.2).
 *
 * Pure: bytes in, in any split, complete replies out.  No I/O, no session
 * state, no knowledge of which command a reply answers.
 *
 * Grammar accepted: "ddd" (code alone, final), "ddd text" (final),
 * "ddd-text" (continuation).  LF-only line ends are accepted (flagged).
 * A line that does not parse ends the reply at once with the local code
 * SMTP_CODE_UNPARSABLE (600), the raw line kept as a line of the reply --
 * except inside a multiline reply, where a line that does not start with
 * three digits followed by something other than '-' (e.g. a codeless text
 * line, security-cases RP-02) is kept raw and flagged and reading goes on to
 * the final line; the reply's code is then 600 too.  (So a stray line never
 * leaves the rest of a reply to be misread as the next reply.)
 * EOF inside a reply (reply_parser_eof) gives SMTP_CODE_EOF (621) with the
 * lines read so far.  Codes outside 100..599 do not parse (600).
 * Continuation lines carrying a different code than the first are kept and
 * flagged REPLY_F_MIXED_CODES, and the reply's code is then 600: such a
 * reply is malformed everywhere (greeting, STARTTLS, any command), never
 * trusted as its final line's code.  Each line keeps its own code.
 * Memory is bounded: SMTP_REPLY_LINE_KEEP bytes per line (rest cut, counted
 * in the line's `cut`), SMTP_REPLY_LINES_KEEP lines per reply (rest dropped,
 * counted in lines_dropped) -- an endless 250- stream never grows memory.
 * The line that ends a reply is always kept: when lines were dropped, they
 * are the ones just before the last kept line.
 */
#ifndef SMTPSH_REPLY_H
#define SMTPSH_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "enhanced.h"
#include "error.h"
#include "linebuf.h"

#define SMTP_CODE_UNPARSABLE 600   /* server reply could not be parsed */
#define SMTP_CODE_EOF        621   /* premature EOF while reading a reply */

enum reply_flags {
	REPLY_F_MALFORMED     = 1u << 0, /* a line did not parse (code 600) */
	REPLY_F_EOF           = 1u << 1, /* EOF inside the reply (code 621) */
	REPLY_F_MIXED_CODES   = 1u << 2, /* lines carried different codes */
	REPLY_F_LINE_CUT      = 1u << 3, /* at least one line was cut */
	REPLY_F_LINES_DROPPED = 1u << 4, /* more lines than we keep */
	REPLY_F_BARE_LF       = 1u << 5, /* a line ended in LF without CR */
	REPLY_F_NUL           = 1u << 6, /* a NUL byte was received */
	REPLY_F_BAD_SEPARATOR = 1u << 7, /* e.g. "250\ttext": treated as 600 */
};

struct reply_line {
	char *text;      /* after "ddd" and the separator; NUL-terminated, but may
	                  * contain NUL bytes: len is authoritative.  For a line
	                  * that did not parse: the whole raw line. */
	size_t len;
	size_t cut;      /* bytes of this line that were not kept */
	int code;        /* this line's own code (0 if it did not parse) */
};

struct smtp_reply {
	int code;                 /* 100..599, or 600 / 621 */
	unsigned flags;           /* enum reply_flags */
	struct reply_line *lines; /* nlines entries, owned by the reply */
	size_t nlines;
	size_t lines_dropped;
	char enhanced[16];        /* "5.1.1" if the first line starts with an
	                           * RFC 3463 code, else "" */
	struct enhanced_code enh; /* the same, parsed once: readers use this
	                           * rather than parse the text again (cls 0
	                           * when there is none) */
};

void smtp_reply_init(struct smtp_reply *r);
void smtp_reply_free(struct smtp_reply *r);     /* back to the init state */
/* Deep copy; dst must be initialised (its old contents are freed). */
enum smtp_errkind smtp_reply_copy(struct smtp_reply *dst, const struct smtp_reply *src);
/* 1..5 for server codes, 6 for local codes. */
int smtp_reply_class(const struct smtp_reply *r);
bool smtp_reply_positive(const struct smtp_reply *r);   /* 1xx..3xx */

struct reply_parser {
	struct linebuf line;
	struct smtp_reply cur;    /* the reply being assembled */
	size_t lines_cap;
	bool in_reply;            /* at least one line of `cur` read */
};

enum smtp_errkind reply_parser_init(struct reply_parser *p);
void reply_parser_free(struct reply_parser *p);

enum reply_feed_result { REPLY_NEED_MORE = 0, REPLY_COMPLETE = 1 };

/* Feed bytes.  Consumes at most up to the end of one complete reply, so the
 * bytes after it stay with the caller for the next call (pipelined or
 * unsolicited replies are never lost).  *used = bytes consumed.  On
 * REPLY_COMPLETE the reply is moved into *out (whose old contents are freed)
 * and the parser is ready for the next reply. */
enum reply_feed_result reply_parser_feed(struct reply_parser *p,
    const char *in, size_t len, size_t *used, struct smtp_reply *out);

/* The peer closed.  If a reply was in progress (even a partial line), move
 * it into *out as a 621 reply and return true; otherwise return false. */
bool reply_parser_eof(struct reply_parser *p, struct smtp_reply *out);

/* True when no byte of an unfinished reply is held. */
bool reply_parser_idle(const struct reply_parser *p);

#endif
