/* Compiled with the core's include path by the core_purity tests: it must fail. */
#include <curl/curl.h>
