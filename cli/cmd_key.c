/* tocsin key generate|register|revoke|list: the Ed25519 keys that sign decisions (docs/signatures.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sign/key.h"
#include "store/db.h"
#include "store/keys.h"

static const char usage[] =
    "usage: tocsin key generate --out FILE\n"
    "       tocsin key register ROLE PUBLIC_KEY\n"
    "       tocsin key revoke ROLE KEY_ID\n"
    "       tocsin key list [--json]\n"
    "\n"
    "Each member state signs its own decisions, so that anyone can check the\n"
    "record without trusting the database's administrators (docs/signatures.md).\n"
    "\n"
    "generate  makes an Ed25519 key pair in FILE (created with mode 0600; an\n"
    "          existing file is never overwritten: exit 6) and prints its public\n"
    "          key, alone on the last line, in the form register takes. No\n"
    "          database is needed. The secret key never leaves FILE: commands\n"
    "          sign with it on your machine (--sign-with FILE or\n"
    "          $TOCSIN_SIGNING_KEY), and refuse a FILE others may read (exit 3).\n"
    "register  records PUBLIC_KEY (ed25519:BASE64) as a key of the actor ROLE\n"
    "          (tocsin_admin only); printed: its KEY_ID. Audited in the actor\n"
    "          history (key_registered).\n"
    "revoke    ends KEY_ID of ROLE (tocsin_admin, or ROLE itself): signatures\n"
    "          made with it after that are refused. Audited (key_revoked).\n"
    "list      the registered keys, revoked ones too; --json prints {\"keys\":\n"
    "          [{\"key_id\", \"role\", \"public_key\", \"registered_at\",\n"
    "          \"registered_by\", \"revoked_at\"}]}, the file that\n"
    "          audit verify --keys reads.\n"
    "\n"
    "Exit codes: 3 a public key that is not one, 4 no such actor or key, 5 not\n"
    "allowed, 6 a key registered or revoked already.\n"
    "\n"
    "Example:\n"
    "  tocsin key generate --out ~/.tocsin/kz.key\n"
    "  tocsin key register kz_delegate ed25519:Dk3X...=\n"
    "  tocsin --sign-with ~/.tocsin/kz.key approve 42 --reason 'instructions from the capital'\n";

enum { OPT_OUT = CLI_OPT_FIRST_LOCAL };

static int on_option(int c, const char *arg, void *ctx)
{
    if (c != OPT_OUT)
        return CLI_EXIT_USAGE;
    *(const char **)ctx = arg;
    return 0;
}

static void print_list(json_t *keys)
{
    if (json_array_size(keys) == 0) {
        puts("no keys registered (tocsin key register ROLE PUBLIC_KEY)");
        return;
    }
    printf("%-16s  %-20s  %-52s  %s\n", "KEY_ID", "ROLE", "PUBLIC_KEY", "STATUS");
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *revoked = json_string_value(json_object_get(k, "revoked_at"));
        printf("%-16s  %-20s  %-52s  %s%s\n", json_string_value(json_object_get(k, "key_id")),
               json_string_value(json_object_get(k, "role")),
               json_string_value(json_object_get(k, "public_key")), revoked ? "revoked " : "in force since ",
               revoked ? revoked : json_string_value(json_object_get(k, "registered_at")));
    }
}

static int generate(const char *out)
{
    tc_signing_key key;
    tc_error err;
    tc_error_init(&err);
    if (tc_key_generate(out, &key, &err) != 0)
        return cli_fail(&err);
    tc_key_wipe(&key);
    printf("wrote %s (mode 0600; keep it to yourself), key id %s; register its public key:\n%s\n", out,
           key.id, key.public_text);
    return CLI_EXIT_OK;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"out", required_argument, NULL, OPT_OUT},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    int rc = cli_parse(argc, argv, &cli_cmd_key, options, "h", globals, on_option, &out);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    const char *sub = optind < argc ? argv[optind] : NULL;
    int operands = argc - optind - 1;
    if (sub == NULL)
        return cli_usage_error(&cli_cmd_key, "key needs a subcommand (generate, register, revoke or list)");
    if (strcmp(sub, "generate") == 0) {
        if (out == NULL || operands != 0)
            return cli_usage_error(&cli_cmd_key, "key generate takes --out FILE and nothing else");
        return generate(out);
    }
    if (out != NULL)
        return cli_usage_error(&cli_cmd_key, "--out is for key generate");
    if ((strcmp(sub, "register") == 0 || strcmp(sub, "revoke") == 0) && operands != 2)
        return cli_usage_error(&cli_cmd_key, "key %s needs ROLE and %s", sub,
                               strcmp(sub, "register") == 0 ? "PUBLIC_KEY" : "KEY_ID");
    if (strcmp(sub, "list") == 0 && operands != 0)
        return cli_usage_error(&cli_cmd_key, "key list takes no arguments");
    if (strcmp(sub, "register") && strcmp(sub, "revoke") && strcmp(sub, "list"))
        return cli_usage_error(&cli_cmd_key, "unknown key subcommand '%s'", sub);

    tc_error err;
    tc_error_init(&err);
    unsigned char public_key[32];
    char id[17];
    if (strcmp(sub, "register") == 0 && tc_key_public_parse(argv[optind + 2], public_key, id, &err) != 0)
        return cli_fail(&err);
    PGconn *conn = NULL;
    json_t *keys = NULL;
    rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0 && strcmp(sub, "register") == 0)
        rc = tc_store_key_register(conn, argv[optind + 1], argv[optind + 2], id, &err);
    else if (rc == 0 && strcmp(sub, "revoke") == 0)
        rc = tc_store_key_revoke(conn, argv[optind + 1], argv[optind + 2], &err);
    else if (rc == 0)
        rc = tc_store_key_list(conn, &keys, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    if (keys != NULL) {
        if (globals->json)
            return cli_print_json(json_pack("{s:o}", "keys", keys));
        print_list(keys);
        json_decref(keys);
    } else if (strcmp(sub, "register") == 0) {
        if (globals->json)
            return cli_print_json(json_pack("{s:s, s:s}", "key_id", id, "role", argv[optind + 1]));
        printf("%s\n", id);
    } else {
        printf("key %s of %s revoked\n", argv[optind + 2], argv[optind + 1]);
    }
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_key = {
    .name = "key",
    .run = run,
    .summary = "Ed25519 keys that sign decisions: generate, register, revoke, list",
    .usage = usage,
};
