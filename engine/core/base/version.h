/* The version of tocsin, from the project() line of CMakeLists.txt. */
#ifndef TC_CORE_VERSION_H
#define TC_CORE_VERSION_H

/* "0.1.0"; static storage. */
const char *tc_version(void);

#endif
