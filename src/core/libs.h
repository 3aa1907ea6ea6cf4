/*
 * libs.h - the libraries a session may never use, loaded the first time a
 * feature needs them instead of at every start: OpenSSL 3 (TLS, SCRAM,
 * CRAM-MD5), GNU libidn (SCRAM's SASLprep) and libcurl (the audit's
 * MTA-STS policy over HTTPS).  A plain session -- connect,
 * EHLO, VRFY, QUIT -- never pays for them (issue 20: start-up as fast as
 * nc).
 *
 * Each library is one table of typed function pointers (libs_openssl.h,
 * libs_idn.h redirect the names used in the core to it), filled once, the
 * first time libs_need_*() is called, from dlopen() of its SONAME; the
 * table is the only process-wide state these files keep, written once
 * under pthread_once.  When a library cannot be loaded the call returns
 * SMTP_ERR_STATE with one line saying which library the feature needs and
 * why it failed; everything else goes on working.  SMTPSH_LIBSSL,
 * SMTPSH_LIBIDN and SMTPSH_LIBCURL name another file to load (an unusual install, or a test
 * that makes one missing).
 */
#ifndef SMTPSH_LIBS_H
#define SMTPSH_LIBS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* what: the feature, for the message ("TLS", "SCRAM-SHA-256"). */
enum smtp_errkind libs_need_openssl(const char *what, struct smtp_error *err);
enum smtp_errkind libs_need_idn(const char *what, struct smtp_error *err);
enum smtp_errkind libs_need_curl(const char *what, struct smtp_error *err);

/* The loader itself, for the shell's own lazily loaded libraries
 * (readline and curses, src/shell/termlibs.c): dlopen() the file $env
 * names, else soname, and dlsym() names[i] into slots[i] (symbols are
 * searched in the library and those it depends on).  false: why (cap
 * bytes) says which file or symbol, in one line. */
bool libs_open_symbols(const char *env, const char *soname, const char *const *names,
    void **slots, size_t n, char *why, size_t cap);

/* Memory that held a secret, wiped so the compiler cannot skip it. */
void libs_wipe(void *p, size_t n);
/* Constant-time comparison of n bytes: 0 when equal. */
int libs_ct_compare(const void *a, const void *b, size_t n);

#endif
