/* version: the release of the cglu-search programs, printed by each
 * program's --version ("cglu-index 0.1.0"). */
#ifndef CGLU_COMMON_VERSION_H
#define CGLU_COMMON_VERSION_H

#define CGLU_VERSION "0.1.0"

#endif
