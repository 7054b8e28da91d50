/* Text inside HTML or XML markup (core/base/markup.h): every markup character a reference, and the
 * control characters XML may not hold left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/base/markup.h"

static void test_markup_escapes_and_drops(void **state)
{
    (void)state;
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_markup_add(&sb, "<script>alert('x')</script> & \"more\"\x01\x1b[31m\ttab\nline\r");
    char *text = tc_strbuf_take(&sb);
    assert_string_equal(
        text, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;[31m\ttab\nline\r");
    free(text);
    tc_markup_add(&sb, "Душанбе — ✓");
    text = tc_strbuf_take(&sb);
    assert_string_equal(text, "Душанбе — ✓");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_markup_escapes_and_drops)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
