/*
 * libs_idn.h - GNU libidn's functions (SCRAM's SASLprep, RFC 4013), through the table
 * libs.c fills when first needed (libs.h); call libs_need_idn() first.
 */
#ifndef SMTPSH_LIBS_IDN_H
#define SMTPSH_LIBS_IDN_H

#include <idn-free.h>
#include <stringprep.h>

#include "libs.h"

#define LIBS_IDN_FUNCS(X) \
	X(idn_free) \
	X(stringprep_profile) \
	X(stringprep_strerror)

struct libs_idn_table {
#define LIBS_IDN_MEMBER(f) __typeof__(f) *f;
	LIBS_IDN_FUNCS(LIBS_IDN_MEMBER)
#undef LIBS_IDN_MEMBER
};
extern struct libs_idn_table libs_idn;

/* The core's calls go through the table (libs.c fills it; it defines
 * LIBS_IDN_TABLE_ONLY to see the real declarations). */
#ifndef LIBS_IDN_TABLE_ONLY
#define idn_free (libs_idn.idn_free)
#define stringprep_profile (libs_idn.stringprep_profile)
#define stringprep_strerror (libs_idn.stringprep_strerror)
#endif

#endif
