/*
 * Strict number parsing, for crisis ids, whole-number options and numeric
 * inputs given as text. strtoll and strtod are lenient where a command line
 * must not be: they skip leading spaces, take "+5", "0x1A", "inf" and "nan",
 * and clamp what does not fit (99999999999999999999 becomes LLONG_MAX) with
 * only errno to tell. These take exactly the decimal forms JSON writes, and
 * refuse anything out of range instead of clamping it.
 */
#ifndef TC_CORE_NUMBER_H
#define TC_CORE_NUMBER_H

/*
 * A whole number: an optional '-' and decimal digits, nothing else, from min
 * to max. Returns 0 and sets *out, or TC_EINVAL (not such a number, or out of
 * range) leaving *out alone.
 */
int tc_parse_integer(const char *text, long long min, long long max, long long *out);

/*
 * A number as JSON writes it: -?digits[.digits][(e|E)[+-]digits], that a
 * double holds: not infinite (1e400), and not so small that it underflows
 * (1e-400 would be zero; below 2.2e-308 precision is lost). Returns 0 and
 * sets *out, or TC_EINVAL leaving *out alone.
 */
int tc_parse_real(const char *text, double *out);

#endif
