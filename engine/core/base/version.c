/* The version string, given to the compiler by CMake as TC_VERSION. */
#include "core/base/version.h"

#ifndef TC_VERSION
#error "TC_VERSION must be defined by the build"
#endif

const char *tc_version(void)
{
    return TC_VERSION;
}
