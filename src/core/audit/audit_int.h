/*
 * audit_int.h - private to src/core/audit/: the run's context, the check
 * table's row, and the helpers the checks share (audit.c): a connection
 * brought up by the recipe, one command and its reply with the evidence
 * kept, and the fix table's look-up (audit_fix.c).
 */
#ifndef SMTPSH_AUDIT_INT_H
#define SMTPSH_AUDIT_INT_H

#include "audit.h"
#include "ehlo.h"
#include "smtp_limits.h"

struct audit_ctx {
	struct session *s;
	const struct audit_config *cfg;
	struct recipe rc;                   /* the last connection's */
	char greeting[AUDIT_LINE_MAX];      /* the first connection's, "220 text" */
	char ehlo_first[AUDIT_LINE_MAX];    /* its EHLO reply's first line */
	char ehlo_auth[AUDIT_LINE_MAX];     /* its AUTH line, "" none */
	char ehlo_starttls[AUDIT_LINE_MAX]; /* its STARTTLS line, "" none */
	char ehlo_size[AUDIT_LINE_MAX];     /* its SIZE line, "" none */
	struct ehlo_set plain;              /* the EHLO before any STARTTLS */
	bool plain_seen;                    /* plain holds the first EHLO's reply */
	bool ehlo_refused;                  /* HELO only: no extensions */
	enum audit_software sw;
	char address[64];                   /* the first connection's peer address */
	unsigned connections;
	/* The early-talker check: sent as soon as the connection is up,
	 * before the greeting is read; its number (0: not sent). */
	const char *pregreet;
	unsigned long pregreet_seq;
	struct smtp_error pregreet_err;
	bool cancelled;                     /* a wait was cancelled: the run stops */
	bool in_clear;                      /* the next connection stays in clear,
	                                     * whatever --starttls says */
};

/* One check: its stable id, severity of a finding, reference, generic
 * fix, and the function that fills in the result. */
struct audit_check {
	const char *id;
	enum audit_severity severity;
	const char *reference;
	const char *fix;                    /* N_(): when no software-specific one */
	void (*run)(struct audit_ctx *a, struct audit_finding *f);
};

/* A fresh connection (the last one closed), greeted, EHLO said, STARTTLS
 * when asked; the first one fills in the greeting and EHLO fields. */
enum smtp_errkind audit_connect(struct audit_ctx *a, struct smtp_error *err);
/* Make sure a connection is up for the next command. */
enum smtp_errkind audit_ensure(struct audit_ctx *a, struct smtp_error *err);
/* Send line, read its reply (replies answering nothing else are passed
 * to the observer); *code its code (0: none).  The line and the reply's
 * lines go to f's evidence when f is not NULL. */
enum smtp_errkind audit_ask(struct audit_ctx *a, const char *line, struct audit_finding *f,
    int *code, struct smtp_error *err);
/* Add one evidence line (cut to fit; dropped when full). */
void audit_evidence(struct audit_finding *f, const char *prefix, const char *text, size_t len);
/* Append to f->detail, ", " between items. */
void audit_detail_add(struct audit_finding *f, const char *item);
/* The server's own domain: its EHLO reply's, else its greeting's, else "". */
const char *audit_server_domain(const struct audit_ctx *a);

/* The checks (audit_checks.c, audit_relay.c, audit_tls.c,
 * audit_smuggle.c). */
void audit_check_banner(struct audit_ctx *a, struct audit_finding *f);
void audit_check_starttls(struct audit_ctx *a, struct audit_finding *f);
void audit_check_auth_tls(struct audit_ctx *a, struct audit_finding *f);
void audit_check_limits(struct audit_ctx *a, struct audit_finding *f);
void audit_check_vrfy(struct audit_ctx *a, struct audit_finding *f);
void audit_check_expn(struct audit_ctx *a, struct audit_finding *f);
void audit_check_early(struct audit_ctx *a, struct audit_finding *f);
void audit_check_relay(struct audit_ctx *a, struct audit_finding *f);
/* audit_tls.c */
/* How a probe's handshake went. */
enum audit_tls_outcome {
	AUDIT_TLS_ACCEPTED,   /* the handshake succeeded */
	AUDIT_TLS_REFUSED,    /* it began and failed: the server said no */
	AUDIT_TLS_NOT_REACHED /* no handshake (no connection, STARTTLS refused) */
};
/* One handshake with o (host filled in here), on a connection of its own,
 * closed after it (QUIT when it succeeded). */
enum audit_tls_outcome audit_tls_try(struct audit_ctx *a, const struct tls_options *o,
    struct tls_info *info, struct smtp_error *err);
/* The TLS checks run when there is TLS to probe (else f is skipped). */
bool audit_tls_offered(struct audit_ctx *a, struct audit_finding *f);
/* The options every probe starts from: the user's CA file and client
 * certificate, verification recorded but not enforced. */
struct tls_options audit_tls_base(const struct audit_ctx *a);
void audit_check_tls_protocols(struct audit_ctx *a, struct audit_finding *f);
void audit_check_tls_ciphers(struct audit_ctx *a, struct audit_finding *f);
void audit_check_tls_certificate(struct audit_ctx *a, struct audit_finding *f);
/* audit_smuggle.c */
void audit_check_smuggling(struct audit_ctx *a, struct audit_finding *f);
/* audit_dns.c: the connected address's PTR (a host check), and a
 * domain's own records (audit_domain.c's checks). */
void audit_check_reverse_dns(struct audit_ctx *a, struct audit_finding *f);
/* The host answered on a loopback address and no DNS server was named for
 * the run (SMTPSH_DNS_SERVER): its PTR and TLSA records are not asked of
 * the world's DNS, where they mean nothing. */
bool audit_dns_local_only(const struct audit_ctx *a);
/* audit_dane.c */
void audit_check_dane(struct audit_ctx *a, struct audit_finding *f);
void audit_check_tls_rpt(const char *domain, const struct mx_options *mo,
    struct audit_finding *f);
void audit_check_mta_sts(const struct audit_config *cfg, const struct mx_route *r,
    struct audit_finding *f);
/* audit_mtasts.c: the policy of a domain whose TXT record (id) is sound,
 * fetched and held against its MX hosts; f's result filled in. */
void audit_mtasts_policy(const struct audit_config *cfg, const struct mx_route *r,
    const char *id, struct audit_finding *f);
/* audit.c: the summary of a whole domain: one host's added. */
void audit_summary_add(struct audit_summary *sum, const struct audit_summary *one);

#endif
