/*
 * libs.c - the libraries loaded when first needed (libs.h): OpenSSL 3,
 * GNU libidn and libcurl, each a table of typed function pointers filled from
 * dlopen()/dlsym() once (pthread_once), or an error that names the
 * library and says why it could not be loaded.  Also the two secret
 * helpers that need no library: wiping memory and comparing in constant
 * time.
 */
#define LIBS_OPENSSL_TABLE_ONLY
#define LIBS_IDN_TABLE_ONLY
#define LIBS_CURL_TABLE_ONLY
#include "libs_curl.h"
#include "libs_idn.h"
#include "libs_openssl.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpsh_config.h"

struct libs_openssl_table libs_openssl;
struct libs_idn_table libs_idn;
struct libs_curl_table libs_curl;

/* What a load found: ok, or the message for every later call. */
struct libs_state {
	pthread_once_t once;
	bool ok;
	char why[SMTP_ERROR_MSG_MAX];
};

static struct libs_state openssl_state = { .once = PTHREAD_ONCE_INIT };
static struct libs_state idn_state = { .once = PTHREAD_ONCE_INIT };
static struct libs_state curl_state = { .once = PTHREAD_ONCE_INIT };

bool libs_open_symbols(const char *env, const char *soname, const char *const *names,
    void **slots, size_t n, char *why, size_t cap)
{
	const char *file = getenv(env);
	if (file == NULL || file[0] == '\0')
		file = soname;
	void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char *e = dlerror();
		snprintf(why, cap, "%.120s could not be loaded: %.100s", file,
		    e != NULL ? e : "unknown error");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		dlerror();
		void *sym = dlsym(h, names[i]);
		if (sym == NULL) {
			snprintf(why, cap, "%.120s has no %.60s: not the version smtpsh was built for",
			    file, names[i]);
			return false;
		}
		slots[i] = sym;
	}
	return true;
}

/* dlopen the file (env overrides the SONAME), then every symbol into the
 * table: names[i] into slots[i]. */
static void libs_load(struct libs_state *st, const char *env, const char *soname,
    const char *const *names, void **slots, size_t n)
{
	st->ok = libs_open_symbols(env, soname, names, slots, n, st->why, sizeof st->why);
}

#define LIBS_NAME(f) #f,
static const char *const openssl_names[] = { LIBS_OPENSSL_FUNCS(LIBS_NAME) };
static const char *const idn_names[] = { LIBS_IDN_FUNCS(LIBS_NAME) };
static const char *const curl_names[] = { LIBS_CURL_FUNCS(LIBS_NAME) };
#undef LIBS_NAME

/* The table as dlsym's results: void pointers, copied into the typed
 * members with memcpy (ISO C has no cast between the two). */
#define LIBS_COUNT(f) +1
enum {
	OPENSSL_NFUNCS = 0 LIBS_OPENSSL_FUNCS(LIBS_COUNT),
	IDN_NFUNCS = 0 LIBS_IDN_FUNCS(LIBS_COUNT),
	CURL_NFUNCS = 0 LIBS_CURL_FUNCS(LIBS_COUNT),
};
#undef LIBS_COUNT
_Static_assert(sizeof openssl_names / sizeof openssl_names[0] == OPENSSL_NFUNCS, "names");
_Static_assert(sizeof idn_names / sizeof idn_names[0] == IDN_NFUNCS, "names");
_Static_assert(sizeof curl_names / sizeof curl_names[0] == CURL_NFUNCS, "names");

static void libs_load_openssl(void)
{
	void *slots[OPENSSL_NFUNCS] = { 0 };
	libs_load(&openssl_state, "SMTPSH_LIBSSL", SMTPSH_LIBSSL_SONAME, openssl_names, slots,
	    OPENSSL_NFUNCS);
	if (!openssl_state.ok)
		return;
	size_t i = 0;
#define LIBS_SET(f) memcpy(&libs_openssl.f, &slots[i++], sizeof slots[0]);
	LIBS_OPENSSL_FUNCS(LIBS_SET)
#undef LIBS_SET
}

static void libs_load_idn(void)
{
	void *slots[IDN_NFUNCS] = { 0 };
	libs_load(&idn_state, "SMTPSH_LIBIDN", SMTPSH_LIBIDN_SONAME, idn_names, slots, IDN_NFUNCS);
	if (!idn_state.ok)
		return;
	size_t i = 0;
#define LIBS_SET(f) memcpy(&libs_idn.f, &slots[i++], sizeof slots[0]);
	LIBS_IDN_FUNCS(LIBS_SET)
#undef LIBS_SET
}

static void libs_load_curl(void)
{
	void *slots[CURL_NFUNCS] = { 0 };
	libs_load(&curl_state, "SMTPSH_LIBCURL", SMTPSH_LIBCURL_SONAME, curl_names, slots,
	    CURL_NFUNCS);
	if (!curl_state.ok)
		return;
	size_t i = 0;
#define LIBS_SET(f) memcpy(&libs_curl.f, &slots[i++], sizeof slots[0]);
	LIBS_CURL_FUNCS(LIBS_SET)
#undef LIBS_SET
}

enum smtp_errkind libs_need_openssl(const char *what, struct smtp_error *err)
{
	(void)pthread_once(&openssl_state.once, libs_load_openssl);
	if (openssl_state.ok)
		return SMTP_OK;
	return smtp_error_set(err, SMTP_ERR_STATE, 0, "%s needs OpenSSL 3: %s", what,
	    openssl_state.why);
}

enum smtp_errkind libs_need_idn(const char *what, struct smtp_error *err)
{
	(void)pthread_once(&idn_state.once, libs_load_idn);
	if (idn_state.ok)
		return SMTP_OK;
	return smtp_error_set(err, SMTP_ERR_STATE, 0, "%s needs GNU libidn: %s", what,
	    idn_state.why);
}

enum smtp_errkind libs_need_curl(const char *what, struct smtp_error *err)
{
	(void)pthread_once(&curl_state.once, libs_load_curl);
	if (curl_state.ok)
		return SMTP_OK;
	return smtp_error_set(err, SMTP_ERR_STATE, 0, "%s needs libcurl: %s", what,
	    curl_state.why);
}

void libs_wipe(void *p, size_t n)
{
	/* explicit_bzero's pointer is declared non-null even for n == 0 (a
	 * transcript holding nothing passes NULL): UBSan stopped the run. */
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

int libs_ct_compare(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d != 0;
}
