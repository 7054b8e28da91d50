/*
 * engine/core must stay pure: no I/O, no clock, no libuv, no libpq. This header
 * sits first on the core's include path so that including <uv.h> there fails
 * the build. Move the code to engine/store or engine/daemon instead.
 */
#error "engine/core must not include uv.h: the core is pure (see docs/architecture.md)"
