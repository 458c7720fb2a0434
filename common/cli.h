/* cli: parsing of command-line values shared by the programs (numbers
 * with bounds, HOST:PORT addresses). Nothing is allocated. */
#ifndef CGLU_COMMON_CLI_H
#define CGLU_COMMON_CLI_H

#include <stddef.h>

/* Decimal digits only (no sign, no blanks), value in [min, max]; when
 * scale, an optional K or M suffix multiplies by 1024 or 1024 * 1024.
 * Returns 0 with *out set, or -1 with *out 0 (also on overflow). */
int cli_uint(const char *s, unsigned long long min, unsigned long long max,
             int scale, unsigned long long *out);

/* Split "HOST:PORT", "[IPV6]:PORT", "HOST" or "[IPV6]": HOST (without the
 * brackets) is copied NUL-terminated into host[0..hn); *port points to
 * the text after the colon inside s (possibly empty, not checked), or is
 * NULL when there is no port; *v6 is 1 for the bracketed form. Returns 0,
 * or -1 when the brackets are unbalanced, the host is empty or does not
 * fit in hn bytes (host and *port are then not to be used). */
int cli_hostport(const char *s, char *host, size_t hn, const char **port,
                 int *v6);

#endif
