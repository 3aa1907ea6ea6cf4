/*
 * audit_fix.c - what the audit knows of server software: the fingerprint
 * (which software the greeting and the EHLO reply name), whether a line
 * discloses a name or a version, and the fix table -- for a check and a
 * software, the setting to change.  Pure data and string matching.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit_int.h"
#include "i18n.h"

/* The words that name each software in a banner or an EHLO reply. */
static const struct { const char *word; enum audit_software sw; } audit_marks[] = {
	{ "Postfix", AUDIT_SW_POSTFIX },
	{ "Exim", AUDIT_SW_EXIM },
	{ "Sendmail", AUDIT_SW_SENDMAIL },
	{ "OpenSMTPD", AUDIT_SW_OPENSMTPD },
	{ "Microsoft ESMTP MAIL Service", AUDIT_SW_EXCHANGE },
	{ "Exchange", AUDIT_SW_EXCHANGE },
};

const char *audit_software_name(enum audit_software sw)
{
	static const char *const names[] = { "unknown", "postfix", "exim", "sendmail", "opensmtpd",
	    "exchange" };
	return (unsigned)sw < AUDIT_SW__COUNT ? names[sw] : "unknown";
}

/* A character that may be part of a host name: a software's name inside
 * one ("postfix.example.org") names a host, not the software. */
static bool audit_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* Case-insensitive: the first place needle stands as a word in hay, or
 * NULL. */
static const char *audit_find(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; *p != '\0'; p++)
		if (strncasecmp(p, needle, n) == 0 && (p == hay || !audit_name_char(p[-1])) &&
		    !audit_name_char(p[n]))
			return p;
	return NULL;
}

enum audit_software audit_fingerprint(const char *greeting, const char *ehlo_first)
{
	for (size_t i = 0; i < sizeof audit_marks / sizeof audit_marks[0]; i++)
		if (audit_find(greeting, audit_marks[i].word) != NULL ||
		    audit_find(ehlo_first, audit_marks[i].word) != NULL)
			return audit_marks[i].sw;
	return AUDIT_SW_UNKNOWN;
}

/* A version: digits, a dot, digits (8.15.2, 4.96), not inside a longer
 * word or an address ([192.0.2.1] has three dots and brackets, but is
 * skipped for its brackets only when bracketed). */
static bool audit_version_at(const char *line, const char *p, size_t *len)
{
	if (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '['))
		return false;
	size_t i = 0, dots = 0;
	while (isdigit((unsigned char)p[i]) || (p[i] == '.' && isdigit((unsigned char)p[i + 1]))) {
		dots += p[i] == '.';
		i++;
	}
	if (dots == 0 || dots > 2 || isalpha((unsigned char)p[i]))
		return false;
	*len = i;
	return true;
}

bool audit_discloses(const char *line, char *what, size_t cap)
{
	what[0] = '\0';
	size_t used = 0;
	for (size_t i = 0; i < sizeof audit_marks / sizeof audit_marks[0]; i++) {
		const char *p = audit_find(line, audit_marks[i].word);
		if (p != NULL && used == 0)
			used += (size_t)snprintf(what, cap, "%.*s", (int)strlen(audit_marks[i].word), p);
	}
	for (const char *p = line; *p != '\0' && used < cap; p++) {
		size_t n;
		if (isdigit((unsigned char)*p) && audit_version_at(line, p, &n)) {
			used += (size_t)snprintf(what + used, cap - used, "%s%.*s", used > 0 ? " " : "",
			    (int)n, p);
			break;
		}
	}
	return used > 0;
}

struct audit_fix_row {
	const char *check;
	enum audit_software sw;
	const char *fix;
};

static const struct audit_fix_row audit_fixes[] = {
	{ "open-relay", AUDIT_SW_POSTFIX, N_("Postfix: smtpd_relay_restrictions = permit_mynetworks, "
	  "permit_sasl_authenticated, defer_unauth_destination; keep mynetworks to your own hosts.") },
	{ "open-relay", AUDIT_SW_EXIM, N_("Exim: relay only for +relay_from_hosts and authenticated "
	  "clients in acl_check_rcpt; keep relay_to_domains to the domains you relay for.") },
	{ "open-relay", AUDIT_SW_SENDMAIL, N_("Sendmail: drop FEATURE(promiscuous_relay), "
	  "FEATURE(loose_relay) and FEATURE(relay_entire_domain); RELAY only your networks in the access map.") },
	{ "open-relay", AUDIT_SW_OPENSMTPD, N_("OpenSMTPD: relay only with 'match from local' or "
	  "'match auth'; from any, accept only 'for domain' your own.") },
	{ "open-relay", AUDIT_SW_EXCHANGE, N_("Exchange: remove Ms-Exch-SMTP-Accept-Any-Recipient "
	  "from anonymous users on the receive connector.") },
	{ "vrfy-exposes-users", AUDIT_SW_POSTFIX, N_("Postfix: disable_vrfy_command = yes.") },
	{ "vrfy-exposes-users", AUDIT_SW_EXIM, N_("Exim: acl_smtp_vrfy = acl_deny (deny VRFY in its ACL).") },
	{ "vrfy-exposes-users", AUDIT_SW_SENDMAIL, N_("Sendmail: define(`confPRIVACY_FLAGS', "
	  "`goaway') (or novrfy).") },
	{ "expn-exposes-lists", AUDIT_SW_EXIM, N_("Exim: remove acl_smtp_expn, or make it deny.") },
	{ "expn-exposes-lists", AUDIT_SW_SENDMAIL, N_("Sendmail: define(`confPRIVACY_FLAGS', "
	  "`goaway') (or noexpn).") },
	{ "auth-before-tls", AUDIT_SW_POSTFIX, N_("Postfix: smtpd_tls_auth_only = yes.") },
	{ "auth-before-tls", AUDIT_SW_EXIM, N_("Exim: auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}.") },
	{ "auth-before-tls", AUDIT_SW_SENDMAIL, N_("Sendmail: define(`confAUTH_OPTIONS', `p,y').") },
	{ "auth-before-tls", AUDIT_SW_OPENSMTPD, N_("OpenSMTPD: listen on ... tls pki NAME auth "
	  "(not auth-optional on a plain listener).") },
	{ "auth-before-tls", AUDIT_SW_EXCHANGE, N_("Exchange: Set-ReceiveConnector -AuthMechanism "
	  "Tls,BasicAuth,BasicAuthRequireTLS.") },
	{ "no-starttls", AUDIT_SW_POSTFIX, N_("Postfix: smtpd_tls_security_level = may, with "
	  "smtpd_tls_chain_files naming the key and certificate.") },
	{ "no-starttls", AUDIT_SW_EXIM, N_("Exim: tls_advertise_hosts = *, with tls_certificate "
	  "and tls_privatekey.") },
	{ "no-starttls", AUDIT_SW_SENDMAIL, N_("Sendmail: define confSERVER_CERT and confSERVER_KEY "
	  "(and confCACERT) in sendmail.mc.") },
	{ "no-starttls", AUDIT_SW_OPENSMTPD, N_("OpenSMTPD: pki NAME cert/key, then listen on ... "
	  "tls pki NAME.") },
	{ "no-starttls", AUDIT_SW_EXCHANGE, N_("Exchange: Enable-ExchangeCertificate -Services SMTP "
	  "for a certificate with the server's name.") },
	{ "banner-disclosure", AUDIT_SW_POSTFIX, N_("Postfix: smtpd_banner = $myhostname ESMTP.") },
	{ "banner-disclosure", AUDIT_SW_EXIM, N_("Exim: smtp_banner = $smtp_active_hostname ESMTP.") },
	{ "banner-disclosure", AUDIT_SW_SENDMAIL, N_("Sendmail: define(`confSMTP_LOGIN_MSG', `$j ESMTP').") },
	{ "banner-disclosure", AUDIT_SW_EXCHANGE, N_("Exchange: Set-ReceiveConnector -Banner "
	  "\"220 mail.example.org ESMTP\".") },
	{ "early-talker", AUDIT_SW_POSTFIX, N_("Postfix: postscreen with postscreen_greet_action "
	  "= enforce (and a postscreen_greet_banner).") },
	{ "early-talker", AUDIT_SW_EXIM, N_("Exim: a delay in acl_smtp_connect; smtp_enforce_sync "
	  "= true drops early talkers.") },
	{ "early-talker", AUDIT_SW_SENDMAIL, N_("Sendmail: FEATURE(`greet_pause', `5000').") },
	{ "limits", AUDIT_SW_POSTFIX, N_("Postfix: message_size_limit.") },
	{ "limits", AUDIT_SW_EXIM, N_("Exim: message_size_limit.") },
	{ "limits", AUDIT_SW_SENDMAIL, N_("Sendmail: define(`confMAX_MESSAGE_SIZE', ...).") },
	{ "limits", AUDIT_SW_OPENSMTPD, N_("OpenSMTPD: smtp max-message-size.") },
	{ "limits", AUDIT_SW_EXCHANGE, N_("Exchange: Set-ReceiveConnector -MaxMessageSize.") },
	{ "tls-protocols", AUDIT_SW_POSTFIX, N_("Postfix: smtpd_tls_protocols = >=TLSv1.2 and "
	  "smtpd_tls_mandatory_protocols = >=TLSv1.2.") },
	{ "tls-protocols", AUDIT_SW_EXIM, N_("Exim (OpenSSL): openssl_options = +no_tlsv1 "
	  "+no_tlsv1_1; with GnuTLS, tls_require_ciphers = NORMAL:-VERS-TLS1.0:-VERS-TLS1.1.") },
	{ "tls-protocols", AUDIT_SW_SENDMAIL, N_("Sendmail: define(`confSERVER_SSL_OPTIONS', "
	  "`+SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1').") },
	{ "tls-protocols", AUDIT_SW_OPENSMTPD, N_("OpenSMTPD: listen on ... tls pki NAME "
	  "protocols \"TLSv1.2,TLSv1.3\".") },
	{ "tls-protocols", AUDIT_SW_EXCHANGE, N_("Exchange: disable TLS 1.0 and 1.1 in SCHANNEL "
	  "(the Protocols keys under HKLM\\SYSTEM\\CurrentControlSet\\Control\\"
	  "SecurityProviders\\SCHANNEL), as Microsoft's Exchange TLS guidance shows.") },
	{ "tls-ciphers", AUDIT_SW_POSTFIX, N_("Postfix: smtpd_tls_exclude_ciphers = aNULL, eNULL, "
	  "EXPORT, RC4, DES, 3DES, MD5 (and smtpd_tls_mandatory_exclude_ciphers likewise).") },
	{ "tls-ciphers", AUDIT_SW_EXIM, N_("Exim (OpenSSL): tls_require_ciphers = "
	  "HIGH:!aNULL:!eNULL:!EXPORT:!RC4:!DES:!3DES.") },
	{ "tls-ciphers", AUDIT_SW_SENDMAIL, N_("Sendmail: define(`confCIPHER_LIST', "
	  "`HIGH:!aNULL:!eNULL:!EXPORT:!RC4:!DES:!3DES').") },
	{ "tls-ciphers", AUDIT_SW_OPENSMTPD, N_("OpenSMTPD: listen on ... tls pki NAME ciphers "
	  "\"HIGH:!aNULL:!eNULL:!RC4:!DES:!3DES\".") },
	{ "tls-ciphers", AUDIT_SW_EXCHANGE, N_("Exchange: Disable-TlsCipherSuite for the NULL, "
	  "RC4, DES and 3DES suites (Get-TlsCipherSuite lists them).") },
	{ "smtp-smuggling", AUDIT_SW_POSTFIX, N_("Postfix: smtpd_forbid_bare_newline = normalize "
	  "(3.9; 3.8.5, 3.7.10, 3.6.14, 3.5.24 and later), with "
	  "smtpd_forbid_bare_newline_exclusions = $mynetworks.") },
	{ "smtp-smuggling", AUDIT_SW_EXIM, N_("Exim: upgrade to 4.97.1 or later "
	  "(CVE-2023-51766).") },
	{ "smtp-smuggling", AUDIT_SW_SENDMAIL, N_("Sendmail: upgrade to 8.18.1 or later, which "
	  "refuses a bare CR or LF (CVE-2023-51765).") },
	{ "smtp-smuggling", AUDIT_SW_OPENSMTPD, N_("OpenSMTPD: upgrade to a current release, "
	  "then audit again.") },
	{ "smtp-smuggling", AUDIT_SW_EXCHANGE, N_("Exchange: install the current cumulative "
	  "and security updates, then audit again.") },
	{ "reverse-dns", AUDIT_SW_POSTFIX, N_("Postfix: ask the address's owner for a PTR "
	  "naming the host, a name that resolves back to the address, and set myhostname "
	  "(and smtp_helo_name, which defaults to it) to that name.") },
};

const char *audit_fix_for(const char *check, enum audit_software sw)
{
	for (size_t i = 0; i < sizeof audit_fixes / sizeof audit_fixes[0]; i++)
		if (audit_fixes[i].sw == sw && strcmp(audit_fixes[i].check, check) == 0)
			return audit_fixes[i].fix;
	return NULL;
}
