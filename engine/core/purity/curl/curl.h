/*
 * engine/core must stay pure: no I/O, no network, no libcurl. This header
 * sits first on the core's include path so that including <curl/curl.h>
 * there fails the build. Delivering belongs to engine/daemon (deliver.c).
 */
#error "engine/core must not include curl/curl.h: the core is pure (see docs/architecture.md)"
