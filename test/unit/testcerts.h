/*
 * testcerts.h - test certificates made by the openssl CLI at test time, in a
 * temporary directory (shared by test_tls.c and test_starttls.c; included
 * by exactly one .c per test executable).  `openssl ca -startdate/-enddate`
 * gives the expired and not-yet-valid leaves on OpenSSL 3.0, whose req and
 * x509 commands cannot backdate.
 *   ca      smtpsh-test-CA (pass it as the cafile)
 *   good    CN=localhost, SAN DNS:localhost, IP:127.0.0.1, signed by ca
 *   wrong   other.example, signed by ca
 *   expired / notyet   as good, dates 2020-01-01..02 / 2099..2100
 *   unknown as good, signed by a CA nobody trusts
 *   self    self-signed localhost
 * make_certs() exits the test program on failure (never a silent skip).
 */
#ifndef SMTPSH_TESTCERTS_H
#define SMTPSH_TESTCERTS_H

#include <stdio.h>
#include <stdlib.h>

/* Test-only state: the certificate directory made once in main(). */
static char cert_dir[64];

static const char cert_script[] =
    "set -e\n"
    "cat > ca.cnf <<'EOF'\n"
    "[ca]\ndefault_ca = tca\n[tca]\ndir = .\ndatabase = index.txt\nnew_certs_dir = .\n"
    "serial = serial\ndefault_md = sha256\npolicy = pol\ncopy_extensions = copy\n"
    "unique_subject = no\n[pol]\ncommonName = supplied\n"
    "EOF\n"
    "touch index.txt; echo 01 > serial\n"
    "K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'\n"
    "mkca() { openssl req -x509 $K -keyout $1.key -out $1.pem -subj /CN=$2 -days 30"
    " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign; }\n"
    "mkca ca smtpsh-test-CA\n"
    "mkca rogue smtpsh-rogue-CA\n"
    /* leaf NAME CA SAN START END */
    "leaf() { openssl req -new $K -keyout $1.key -out $1.csr -subj /CN=$5"
    " -addext subjectAltName=$3;"
    " openssl ca -batch -config ca.cnf -cert $2.pem -keyfile $2.key -in $1.csr -out $1.pem"
    " -notext $4; }\n"
    "leaf good ca DNS:localhost,IP:127.0.0.1 '-days 30' localhost\n"
    "leaf wrong ca DNS:other.example '-days 30' other.example\n"
    "leaf expired ca DNS:localhost,IP:127.0.0.1"
    " '-startdate 20200101000000Z -enddate 20200102000000Z' localhost\n"
    "leaf notyet ca DNS:localhost,IP:127.0.0.1"
    " '-startdate 20990101000000Z -enddate 21000101000000Z' localhost\n"
    "leaf unknown rogue DNS:localhost,IP:127.0.0.1 '-days 30' localhost\n"
    "openssl req -x509 $K -keyout self.key -out self.pem -subj /CN=localhost -days 30"
    " -addext subjectAltName=DNS:localhost,IP:127.0.0.1\n";

static void make_certs(void)
{
	char cmd[sizeof cert_script + 256];
	FILE *f;
	char path[128];

	snprintf(cert_dir, sizeof cert_dir, "/tmp/smtpsh-tls-XXXXXX");
	if (mkdtemp(cert_dir) == NULL) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
	snprintf(path, sizeof path, "%s/make.sh", cert_dir);
	f = fopen(path, "w");
	if (f == NULL || fputs(cert_script, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(EXIT_FAILURE);
	}
	snprintf(cmd, sizeof cmd, "cd %s && sh make.sh >make.log 2>&1", cert_dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "openssl certificate generation failed, see %s/make.log\n",
		    cert_dir);
		exit(EXIT_FAILURE);
	}
}

static void remove_certs(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", cert_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", cert_dir);
}

static void cert_path(char *dst, size_t cap, const char *name, const char *ext)
{
	snprintf(dst, cap, "%s/%s.%s", cert_dir, name, ext);
}

#endif
