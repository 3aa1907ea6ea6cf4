/*
 * render_tls.c - the tls record in both renderings (render.h): after a
 * handshake (how "starttls" or "implicit") a two-line summary, and for
 * `tls` (how "show") everything: protocol, cipher, the SNI sent, the name
 * checked, the verdict, and each certificate of the chain as the server
 * sent it -- subject, issuer, names, validity, days to expiry, SHA-256
 * fingerprint.  Certificate fields are untrusted: escape_terminal here,
 * escape_json (json.h) in JSON, nowhere else.
 */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "json.h"
#include "render.h"
#include "tr.h"
#include "unused.h"

static void tls_escaped(struct strbuf *sb, const char *s)
{
	(void)escape_terminal(sb, s, strlen(s));
}

static void text_days(struct strbuf *sb, long days)
{
	if (days < 0)
		(void)strbuf_appendf(sb, P_("expired %ld day ago", "expired %ld days ago", (unsigned long)-days), -days);
	else
		(void)strbuf_appendf(sb, P_("%ld day left", "%ld days left", (unsigned long)days), days);
}

static void text_chain(const struct tls_info *ti, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, P_("chain:        %zu certificate as the server sent it\n",
	    "chain:        %zu certificates as the server sent them, its own first\n",
	    ti->nchain + ti->chain_dropped), ti->nchain + ti->chain_dropped);
	for (size_t i = 0; i < ti->nchain; i++) {
		const struct tls_cert_info *c = &ti->chain[i];
		(void)strbuf_appendf(sb, _("[%zu] subject:  "), i);
		tls_escaped(sb, c->subject);
		(void)strbuf_appendf(sb, _("\n    issuer:   "));
		tls_escaped(sb, c->issuer);
		(void)strbuf_appendf(sb, _("\n    names:    "));
		tls_escaped(sb, c->sans[0] != '\0' ? c->sans : _("(no subjectAltName)"));
		(void)strbuf_appendf(sb, _("\n    valid:    %s .. %s ("), c->not_before, c->not_after);
		text_days(sb, c->days_left);
		(void)strbuf_appendf(sb, _(")\n    sha256:   %s\n"), c->sha256);
	}
	if (ti->chain_dropped > 0)
		(void)strbuf_appendf(sb, _("    (and %zu more certificates, not shown)\n"),
		    ti->chain_dropped);
}

void text_tls(const struct output *o, const char *how, const struct tls_info *ti,
    struct strbuf *sb)
{
	const char *leaf = ti->nchain > 0 ? ti->chain[0].subject : _("(none)");
	if (strcmp(how, "show") == 0) {
		(void)strbuf_appendf(sb, _("version:      %s\ncipher:       %s\nSNI sent:     "),
		    ti->version, ti->cipher);
		if (ti->sni[0] != '\0')
			tls_escaped(sb, ti->sni);
		else
			(void)strbuf_appendf(sb, _("none (an address is never sent as SNI: RFC 6066 3)"));
		(void)strbuf_appendf(sb, _("\nclient cert:  %s\nchecked name: "),
		    ti->client_cert ? _("offered (--cert)") : _("none"));
		tls_escaped(sb, ti->checked_name);
		(void)strbuf_appendf(sb, _("%s\nverification: "), ti->name_is_ip ? _(" (as an IP address)") : "");
		tls_escaped(sb, ti->verified ? _("ok") : ti->verify_text);
		(void)strbuf_appendc(sb, '\n');
		text_chain(ti, sb);
		return;
	}
	(void)strbuf_appendf(sb, _("= TLS %s, %s; certificate for "), ti->version, ti->cipher);
	tls_escaped(sb, leaf);
	if (ti->nchain > 0 && ti->chain[0].days_left < 30) {
		(void)strbuf_appendf(sb, " (");
		text_days(sb, ti->chain[0].days_left);
		(void)strbuf_appendc(sb, ')');
	}
	(void)strbuf_appendf(sb, _("\n= verification: %s"), ti->verified ? o->col_ok : o->col_bad);
	tls_escaped(sb, ti->verified ? _("ok") : ti->verify_text);
	(void)strbuf_appendf(sb, "%s\n", o->col_off);
	if (!ti->verified)
		(void)strbuf_appendf(sb, _("! continuing although verification failed (--insecure)\n"));
}

static void json_cert(const struct tls_cert_info *c, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "{\"subject\":");
	(void)json_cstring(sb, c->subject);
	json_kv(sb, "issuer", c->issuer);
	json_kv(sb, "names", c->sans);
	json_kv(sb, "not_before", c->not_before);
	json_kv(sb, "not_after", c->not_after);
	json_num(sb, "days_left", (long long)(c->days_left));
	json_kv(sb, "sha256", c->sha256);
	(void)strbuf_appendc(sb, '}');
}

void json_tls(SMTPSH_UNUSED const struct output *o, const char *how, const struct tls_info *ti,
    struct strbuf *sb)
{
	static const struct tls_cert_info none;
	const struct tls_cert_info *leaf = ti->nchain > 0 ? &ti->chain[0] : &none;
	json_begin(sb, "tls");
	json_kv(sb, "how", how);
	json_kv(sb, "version", ti->version);
	json_kv(sb, "cipher", ti->cipher);
	json_kv(sb, "sni", ti->sni[0] != '\0' ? ti->sni : NULL);
	json_bool(sb, "client_cert", ti->client_cert);
	/* The leaf's fields at the top, as before the chain was added. */
	json_kv(sb, "subject", leaf->subject);
	json_kv(sb, "issuer", leaf->issuer);
	json_kv(sb, "names", leaf->sans);
	json_kv(sb, "not_before", leaf->not_before);
	json_kv(sb, "not_after", leaf->not_after);
	json_kv(sb, "checked_name", ti->checked_name);
	(void)strbuf_appendf(sb, ",\"name_is_ip\":%s,\"verified\":%s", ti->name_is_ip ? "true" : "false",
	    ti->verified ? "true" : "false");
	json_kv(sb, "verification", ti->verified ? "ok" : ti->verify_text);
	json_key(sb, "chain");
	(void)strbuf_appendc(sb, '[');
	for (size_t i = 0; i < ti->nchain; i++) {
		if (i > 0)
			(void)strbuf_appendc(sb, ',');
		json_cert(&ti->chain[i], sb);
	}
	(void)strbuf_appendf(sb, "],\"chain_dropped\":%zu", ti->chain_dropped);
	json_end(sb);
}
