/*
 * audit.h - a mail server's security and configuration scorecard
 * (`smtpsh --audit`, issue 22): the checks, run over client sessions
 * brought up by the connection recipe (recipe.h), each giving one result
 * as data -- its stable id, pass / finding / skipped, a severity, a
 * one-line reason, the exact reply lines behind it, the RFC or advisory,
 * and the fix (for the server software the banner and EHLO reveal when it
 * is one the fix table knows, else a generic sentence).
 *
 * Non-intrusive: relay probes are MAIL and RCPT ended by RSET, never
 * DATA.  The TLS checks (tls-protocols, tls-ciphers, tls-certificate)
 * only shake hands, each probe on a connection of its own.  Messages are
 * delivered by one check only, smtp-smuggling, and only when the caller
 * names a mailbox of its own (to): a server that is vulnerable delivers
 * the smuggled message there too.  The reasons and fixes are English,
 * marked N_() for the shell's text renderer to translate (i18n.h); the
 * details and evidence are the server's bytes, escaped where shown.
 */
#ifndef SMTPSH_AUDIT_H
#define SMTPSH_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "recipe.h"
#include "session.h"

enum audit_result { AUDIT_PASS, AUDIT_FINDING, AUDIT_SKIPPED, AUDIT_RESULT__COUNT };
/* In rising order: a finding of AUDIT_MEDIUM or worse sets the run's own
 * exit status. */
enum audit_severity { AUDIT_INFO, AUDIT_LOW, AUDIT_MEDIUM, AUDIT_HIGH, AUDIT_SEVERITY__COUNT };
/* What the banner and EHLO reply say the server is (audit_fix.c). */
enum audit_software {
	AUDIT_SW_UNKNOWN, AUDIT_SW_POSTFIX, AUDIT_SW_EXIM, AUDIT_SW_SENDMAIL,
	AUDIT_SW_OPENSMTPD, AUDIT_SW_EXCHANGE, AUDIT_SW__COUNT
};

#define AUDIT_EVIDENCE_MAX 64
#define AUDIT_LINE_MAX 320
#define AUDIT_DETAIL_MAX 384

struct audit_finding {
	const char *check;                 /* the stable id: "open-relay", ... */
	const char *host;                  /* the host audited, or the domain for its own
	                                    * checks; the run's, valid until it returns */
	enum audit_result result;
	enum audit_severity severity;      /* a finding's; a pass keeps the check's */
	const char *reason;                /* one sentence, N_() marked */
	char detail[AUDIT_DETAIL_MAX];     /* what it was about (names, forms); "" none */
	char evidence[AUDIT_EVIDENCE_MAX][AUDIT_LINE_MAX];  /* "> sent" and "< reply" lines */
	size_t nevidence;
	const char *reference;             /* the RFC or advisory, English */
	const char *fix;                   /* N_() marked; NULL for a pass */
};

struct audit_summary {
	size_t checks;
	size_t by_result[AUDIT_RESULT__COUNT];
	size_t findings_by_severity[AUDIT_SEVERITY__COUNT];
	enum audit_software software;
	unsigned connections;
	long long elapsed_ms;
	bool cancelled;
};

/* Whose results follow in a domain's audit: the domain itself (its MX,
 * TLS-RPT and MTA-STS records) or one of its MX hosts, by the address
 * that answered (NULL: none did). */
struct audit_host {
	const char *name;
	const char *address;
	unsigned preference;
	bool domain;
};

struct audit_hooks {
	/* Each check's result, in the table's order. */
	void (*on_finding)(void *ctx, const struct audit_finding *f);
	/* A check begins (the progress line). */
	void (*on_check)(void *ctx, const char *check, size_t index, size_t of);
	/* A domain's audit (audit_run_domain): the results that follow are
	 * host's, until on_host_end.  May be NULL. */
	void (*on_host)(void *ctx, const struct audit_host *host);
	void (*on_host_end)(void *ctx);
	void *ctx;
};

struct audit_config {
	struct recipe target;              /* host, port, by_route; hello: our name */
	const struct recipe_env *env;      /* MX, TLS options, local domain */
	const struct recipe_observer *obs; /* every step (the shell: quiet) */
	bool starttls;                     /* --starttls: checks after STARTTLS */
	bool implicit_tls;                 /* --tls: TLS from the connect */
	bool *stop;                        /* set by the caller: stop after this check */
	/* The TLS probes' own sessions are made with these (after_connect
	 * replaced); NULL: defaults. */
	const struct session_options *sopt;
	/* smtp-smuggling runs only with to, a mailbox the auditor owns: its
	 * probes deliver test messages there, from from (NULL: <>). */
	const char *to;
	const char *from;
	/* The MTA-STS policy server's port (0: 443, RFC 8461 3.3); the tests'
	 * server is elsewhere (the shell: SMTPSH_MTA_STS_PORT). */
	unsigned mta_sts_port;
};

/* Run every check on fresh connections to cfg->target (the session must be
 * closed).  SMTP_OK unless the first connection could not be brought up
 * (*err says why; nothing is reported then) or the run was stopped. */
enum smtp_errkind audit_run(struct session *s, const struct audit_config *cfg,
    const struct audit_hooks *hooks, struct audit_summary *sum, struct smtp_error *err);

/* cfg->target.host is a mail domain (its MX route looked up with
 * cfg->env->mx): the domain's own checks (mx, tls-rpt, mta-sts), then
 * every check on each MX host in the route's order, each by its first
 * address that answers; one summary over them all.  An MX host that does
 * not answer is a finding (mx) of its own.  SMTP_OK unless the route
 * could not be looked up (*err says why; nothing is reported then) or the
 * run was stopped. */
enum smtp_errkind audit_run_domain(struct session *s, const struct audit_config *cfg,
    const struct audit_hooks *hooks, struct audit_summary *sum, struct smtp_error *err);

size_t audit_check_count(void);
const char *audit_check_id(size_t i);
const char *audit_result_name(enum audit_result r);      /* "pass", "finding", "skipped" */
const char *audit_severity_name(enum audit_severity s);  /* "high", ... "info" */
const char *audit_software_name(enum audit_software sw); /* "postfix", ... "unknown" */

/* The pure parts (audit_fix.c).  Which software a greeting and an EHLO
 * reply's first line name (a word, not part of a host name). */
enum audit_software audit_fingerprint(const char *greeting, const char *ehlo_first);
/* The software's name and a version (digits and one or two dots) a line
 * shows, into what ("Postfix 3.7.11"); false: neither. */
bool audit_discloses(const char *line, char *what, size_t cap);
/* The fix for check on sw, or NULL when the table has none. */
const char *audit_fix_for(const char *check, enum audit_software sw);

#endif
