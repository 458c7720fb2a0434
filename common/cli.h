/* cli: parsing of command-line values shared by the programs (numbers
 * with bounds, HOST:PORT addresses), their --version line and the
 * descriptor limit their connection counts need. Nothing is allocated. */
#ifndef CGLU_COMMON_CLI_H
#define CGLU_COMMON_CLI_H

#include <getopt.h>
#include <stddef.h>

/* Decimal digits only (no sign, no blanks), value in [min, max]; when
 * scale, an optional K or M suffix multiplies by 1024 or 1024 * 1024.
 * Returns 0 with *out set, or -1 with *out 0 (also on overflow). */
int cli_uint(const char *s, unsigned long long min, unsigned long long max,
             int scale, unsigned long long *out);

/* cli_uint() without suffix for an option's value, with the programs'
 * message: NULL when s is a number in [min, max] (*out set); otherwise
 * *out is 0, why[0..n) receives "wants a number from MIN to MAX" (what
 * follows "--NAME " in the error), and why is returned. */
const char *cli_uint_why(const char *s, unsigned long long min,
                         unsigned long long max, unsigned long long *out,
                         char *why, size_t n);

/* Split "HOST:PORT", "[IPV6]:PORT", "HOST" or "[IPV6]": HOST (without the
 * brackets) is copied NUL-terminated into host[0..hn); *port points to
 * the text after the colon inside s (possibly empty, not checked), or is
 * NULL when there is no port; *v6 is 1 for the bracketed form. Returns 0,
 * or -1 when the brackets are unbalanced, the host is empty or does not
 * fit in hn bytes (host and *port are then not to be used). */
int cli_hostport(const char *s, char *host, size_t hn, const char **port,
                 int *v6);

/* The long name of the option whose getopt_long() value is val in opts
 * (a table ended by a NULL name), for messages ("--NAME ..."); "?" when no
 * entry has val. */
const char *cli_optname(const struct option *opts, int val);

/* Raise the soft limit of open descriptors to want, as far as the hard
 * limit allows. Returns the soft limit in force after (want when it cannot
 * be read): a caller warns when it is below want. */
unsigned long long cli_fd_limit(unsigned long long want);

/* --version: prints "PROG VERSION" (common/version.h) on stdout. Returns
 * 0, the exit status that follows. */
int cli_version(const char *prog);

#endif
