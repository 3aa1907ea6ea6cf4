/*
 * json.h - the --json reply record and JSON string primitives.
 *
 * {"type":"reply","origin":"greeting"|"command"|"late"|"unsolicited",
 *  "stage":"ehlo"|null,"command":"VRFY alice"|null,"code":250,"lines":[...],
 *  "meaning":"...","verdict":"success"|"intermediate"|"failure"|"error"|
 *  "unexpected","enhanced":"2.0.0"|null,"elapsed_ms":1.7, ...}
 * Extra keys may follow ("state", "flags", "lines_dropped",
 * "lines_omitted", "extensions").  All strings pass through escape_json.
 * A reply whose lines would not fit lines_budget keeps the lines that fit
 * and says how many it left out ("lines_omitted"), so even the biggest
 * reply is one valid record.
 */
#ifndef SMTPSH_JSON_H
#define SMTPSH_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "reply.h"
#include "strbuf.h"
#include "verbs.h"

struct json_reply_info {
	const char *origin;         /* "command" when NULL */
	const char *stage;          /* or NULL */
	const char *command;        /* the line sent as it may be shown, or NULL */
	size_t command_len;
	const struct smtp_reply *reply;
	const char *meaning;        /* NULL: code_explain(code) */
	enum verdict verdict;
	double elapsed_ms;
	const char *state;          /* session state after the reply, or NULL */
	const char *extensions_json;/* a JSON object text for EHLO, or NULL */
	size_t lines_budget;        /* 0: none; else bytes of escaped lines kept */
};

/* Append the object (and a trailing "\n") to out. */
enum smtp_errkind json_reply_record(struct strbuf *out, const struct json_reply_info *info);
/* Append "\"...\"" with escape_json. */
enum smtp_errkind json_string(struct strbuf *out, const char *s, size_t len);
/* The same for a C string; NULL gives null. */
enum smtp_errkind json_cstring(struct strbuf *out, const char *s);
/* True when s (len bytes) is exactly one JSON object (RFC 8259), white
 * space around it allowed: a record read back is whole, not cut. */
bool json_valid_object(const char *s, size_t len);

#endif
