/*
 * json.h - the --json record: one JSON object per reply, one line each.
 *
 * {"command": "VRFY alice" | null, "code": 250, "lines": ["..."],
 *  "meaning": "...", "verdict": "success"|"intermediate"|"failure"|"error"|
 *  "unexpected", "enhanced": "2.0.0" | null, "elapsed_ms": 1.7, ...}
 * Extra keys may follow ("state", "extensions", "flags").  All strings pass
 * through escape_json.
 */
#ifndef SMTPSH_JSON_H
#define SMTPSH_JSON_H

#include <stddef.h>

#include "reply.h"
#include "strbuf.h"
#include "verbs.h"

struct json_reply_info {
	const char *command;        /* the wire line sent, NULL for the banner */
	size_t command_len;
	const struct smtp_reply *reply;
	enum verdict verdict;
	double elapsed_ms;
	const char *state;          /* session state after the reply, or NULL */
	const char *extensions_json;/* a JSON object text for EHLO, or NULL */
};

/* Append the object (and a trailing "\n") to out. */
enum smtp_errkind json_reply_record(struct strbuf *out, const struct json_reply_info *info);
/* Append "\"...\"" with escape_json. */
enum smtp_errkind json_string(struct strbuf *out, const char *s, size_t len);

#endif
