/*
 * Unit tests: the CLI's configuration file and password sources
 * (tools/smtpc/config.h).
 *
 * Each test writes a file under a fresh directory, points HOME, PATH and
 * the SMTPC_* variables where it wants, and checks what comes back and,
 * byte for byte, the one line printed on stderr. The system-wide file is
 * a path in the build directory (SMTPC_CLI_SYSTEM_CONFIG), never /etc.
 */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

static char dir[256];      /* this run's directory */
static char home[300];     /* $HOME: dir/home */
static char cfg_path[300]; /* dir/cfg, the file most tests write */
static char empty_bin[300];
static char err[16384]; /* what the last captured call printed on stderr */
static char *saved_path;
static int saved_stderr = -1;

/* ---- helpers ---- */

/* A new file (so that it is ours, whatever the old one was). */
static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    write_file(path, text, strlen(text), mode);
}

static void capture_begin(void)
{
    char path[320];
    int fd;

    snprintf(path, sizeof path, "%s/stderr", dir);
    fflush(stderr);
    saved_stderr = dup(2);
    assert_true(saved_stderr >= 0);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, 2), 2);
    close(fd);
}

static void capture_end(void)
{
    ssize_t n;

    fflush(stderr);
    assert_int_equal(lseek(2, 0, SEEK_SET), 0);
    n = read(2, err, sizeof err - 1);
    err[n > 0 ? n : 0] = '\0';
    assert_int_equal(dup2(saved_stderr, 2), 2);
    close(saved_stderr);
    saved_stderr = -1;
}

static int load_path(struct cli_config *c, const char *path, const char *account)
{
    int rc;

    capture_begin();
    rc = cli_config_load(c, path, account);
    capture_end();
    return rc;
}

/* Writes text as dir/cfg (mode 600) and loads it with -C. */
static int load(struct cli_config *c, const char *text, const char *account)
{
    write_text(cfg_path, text, 0600);
    return load_path(c, cfg_path, account);
}

/* Expects the error line: fmt with every %s the file's path. */
static void want_err(const char *fmt, const char *path)
{
    char want[8192];

    snprintf(want, sizeof want, fmt, path, path, path);
    assert_string_equal(err, want);
}

/* Loads "account a\n" + line and expects "smtpc: CFG:2: why\n", exit 78. */
static void want_line_error(const char *line, const char *why)
{
    struct cli_config c;
    char text[1024], want[2048];

    snprintf(text, sizeof text, "account a\n%s\n", line);
    assert_int_equal(load(&c, text, NULL), 78);
    snprintf(want, sizeof want, "smtpc: %s:2: %s\n", cfg_path, why);
    assert_string_equal(err, want);
    assert_null(c.mem_);
}

/* Loads "account default\n" + line and returns the value stored for k. */
static const char *value_of(struct cli_config *c, const char *line, enum cli_key k)
{
    char text[1024];

    snprintf(text, sizeof text, "account default\n%s\n", line);
    assert_int_equal(load(c, text, NULL), 0);
    assert_string_equal(err, "");
    return cli_config_get(c, k);
}

static void want_value(const char *line, enum cli_key k, const char *want)
{
    struct cli_config c;
    const char *got = value_of(&c, line, k);

    if (want == NULL) {
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
    cli_config_free(&c);
}

static int get_password(const struct cli_config *c, const char *file, const char *host,
                        const char *user, char *pw, size_t cap)
{
    int rc;

    capture_begin();
    rc = cli_password_get(c, file, host, user, pw, cap);
    capture_end();
    return rc;
}

/* Every child a password source started has been waited for. */
static void assert_no_child_left(void)
{
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    chmod(path, 0700);
    return remove(path);
}

static void make_dir(const char *path)
{
    assert_int_equal(mkdir(path, 0700), 0);
}

static void path_in(char *out, size_t cap, const char *base, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", base, name);

    assert_true(n > 0 && (size_t)n < cap);
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
    const char *path = getenv("PATH");
    (void)state;

    snprintf(dir, sizeof dir, "/tmp/smtpc-test-cli-config-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    saved_path = strdup(path != NULL ? path : "/usr/bin:/bin");
    snprintf(cfg_path, sizeof cfg_path, "%s/cfg", dir);
    snprintf(empty_bin, sizeof empty_bin, "%s/empty-bin", dir);
    snprintf(home, sizeof home, "%s/home", dir);
    return saved_path != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    remove(SMTPC_CLI_SYSTEM_CONFIG);
    free(saved_path);
    return 0;
}

/* Each test: an empty home, no SMTPC_* or XDG variable, a PATH without
 * secret-tool, no system file. */
static int setup(void **state)
{
    (void)state;
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    remove(SMTPC_CLI_SYSTEM_CONFIG);
    if (mkdir(dir, 0700) != 0 || mkdir(home, 0700) != 0 || mkdir(empty_bin, 0700) != 0)
        return -1;
    setenv("HOME", home, 1);
    setenv("USER", "tester", 1);
    setenv("PATH", empty_bin, 1);
    unsetenv("LOGNAME");
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("SMTPC_CONFIG");
    unsetenv("SMTPC_PASSWORD");
    return 0;
}

/* ---- accounts, defaults, inheritance ---- */

static void test_a_plain_file(void **state)
{
    struct cli_config c;
    (void)state;

    assert_int_equal(load(&c,
                          "# smtpc\n"
                          "defaults\n"
                          "tls on\n"
                          "port 587\n"
                          "\n"
                          "account work\n"
                          "host smtp.example.org\n"
                          "user alice\n"
                          "account default : work\n",
                          NULL),
                     0);
    assert_string_equal(err, "");
    assert_string_equal(c.file, cfg_path);
    assert_string_equal(c.account, "default");
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "smtp.example.org");
    assert_int_equal(c.set[CLI_KEY_HOST].line, 7);
    assert_string_equal(c.set[CLI_KEY_HOST].file, cfg_path);
    assert_string_equal(cli_config_get(&c, CLI_KEY_PORT), "587");
    assert_int_equal(c.set[CLI_KEY_PORT].line, 4);
    assert_string_equal(cli_config_get(&c, CLI_KEY_TLS), "on");
    assert_int_equal(c.set[CLI_KEY_TLS].line, 3);
    assert_string_equal(cli_config_get(&c, CLI_KEY_USER), "alice");
    assert_null(cli_config_get(&c, CLI_KEY_FROM));
    assert_null(c.set[CLI_KEY_FROM].file);
    assert_int_equal(c.set[CLI_KEY_FROM].line, 0);
    assert_int_equal(c.holds_password, 0);
    cli_config_free(&c);
    assert_null(c.mem_);
    assert_string_equal(c.file, "");
    assert_null(cli_config_get(&c, CLI_KEY_HOST));
}

static void test_the_struct_may_be_moved(void **state)
{
    struct cli_config c, moved;
    (void)state;

    assert_int_equal(load(&c, "account default\nhost h.example\n", NULL), 0);
    memcpy(&moved, &c, sizeof moved);
    memset(&c, 0x55, sizeof c);
    assert_string_equal(cli_config_get(&moved, CLI_KEY_HOST), "h.example");
    assert_string_equal(moved.set[CLI_KEY_HOST].file, cfg_path);
    cli_config_free(&moved);
}

static void test_defaults_apply_to_the_accounts_after_them(void **state)
{
    static const char text[] = "account early\n"    /* 1 */
                               "host a.example\n"   /* 2 */
                               "defaults\n"         /* 3 */
                               "port 465\n"         /* 4 */
                               "account late\n"     /* 5 */
                               "host b.example\n"   /* 6 */
                               "defaults\n"         /* 7 */
                               "port 2525\n"        /* 8 */
                               "domain d.example\n" /* 9 */
                               "account later\n"    /* 10 */
                               "port 26\n"          /* 11 */
                               "defaults\n"         /* 12 */
                               "user after-all\n";  /* 13 */
    struct cli_config c;
    (void)state;

    assert_int_equal(load(&c, text, "early"), 0);
    assert_null(cli_config_get(&c, CLI_KEY_PORT));
    assert_null(cli_config_get(&c, CLI_KEY_USER));
    cli_config_free(&c);

    assert_int_equal(load(&c, text, "late"), 0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_PORT), "465");
    assert_int_equal(c.set[CLI_KEY_PORT].line, 4);
    assert_null(cli_config_get(&c, CLI_KEY_DOMAIN)); /* set in defaults after it */
    assert_null(cli_config_get(&c, CLI_KEY_USER));
    cli_config_free(&c);

    assert_int_equal(load(&c, text, "later"), 0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_PORT), "26"); /* its own line wins */
    assert_int_equal(c.set[CLI_KEY_PORT].line, 11);
    assert_string_equal(cli_config_get(&c, CLI_KEY_DOMAIN), "d.example");
    assert_int_equal(c.set[CLI_KEY_DOMAIN].line, 9);
    assert_null(cli_config_get(&c, CLI_KEY_HOST));
    assert_null(cli_config_get(&c, CLI_KEY_USER));
    cli_config_free(&c);
}

static void test_inheritance(void **state)
{
    static const char text[] = "defaults\n"                    /* 1 */
                               "tls on\n"                      /* 2 */
                               "account base\n"                /* 3 */
                               "host base.example\n"           /* 4 */
                               "user base-user\n"              /* 5 */
                               "from base@example.org\n"       /* 6 */
                               "account other\n"               /* 7 */
                               "user other-user\n"             /* 8 */
                               "domain other.example\n"        /* 9 */
                               "defaults\n"                    /* 10 */
                               "tls off\n"                     /* 11 */
                               "port 26\n"                     /* 12 */
                               "account child : base\n"        /* 13 */
                               "user child-user\n"             /* 14 */
                               "account grand : child\n"       /* 15 */
                               "account multi : other, base\n" /* 16 */
                               "account rev:base,other\n"      /* 17 */
                               "account unset : base\n"        /* 18 */
                               "user\n"                        /* 19 */
                               "from \"\"\n";                  /* 20 */
    struct cli_config c;
    (void)state;

    assert_int_equal(load(&c, text, "child"), 0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "base.example");
    assert_int_equal(c.set[CLI_KEY_HOST].line, 4);
    assert_string_equal(cli_config_get(&c, CLI_KEY_USER), "child-user");
    assert_int_equal(c.set[CLI_KEY_USER].line, 14);
    /* base's tls came from the defaults of its time, not from base: the
     * child has the defaults of its own time */
    assert_string_equal(cli_config_get(&c, CLI_KEY_TLS), "off");
    assert_int_equal(c.set[CLI_KEY_TLS].line, 11);
    assert_string_equal(cli_config_get(&c, CLI_KEY_PORT), "26");
    cli_config_free(&c);

    assert_int_equal(load(&c, text, "grand"), 0); /* through child, from base */
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "base.example");
    assert_string_equal(cli_config_get(&c, CLI_KEY_USER), "child-user");
    assert_string_equal(cli_config_get(&c, CLI_KEY_FROM), "base@example.org");
    cli_config_free(&c);

    assert_int_equal(load(&c, text, "multi"), 0); /* the later parent wins */
    assert_string_equal(cli_config_get(&c, CLI_KEY_USER), "base-user");
    assert_string_equal(cli_config_get(&c, CLI_KEY_DOMAIN), "other.example");
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "base.example");
    cli_config_free(&c);

    assert_int_equal(load(&c, text, "rev"), 0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_USER), "other-user");
    assert_int_equal(c.set[CLI_KEY_USER].line, 8);
    cli_config_free(&c);

    assert_int_equal(load(&c, text, "unset"), 0); /* an empty value drops what it inherited */
    assert_null(cli_config_get(&c, CLI_KEY_USER));
    assert_null(cli_config_get(&c, CLI_KEY_FROM));
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "base.example");
    cli_config_free(&c);
}

static void test_account_selection(void **state)
{
    struct cli_config c;
    (void)state;

    /* -a wins over the default account */
    assert_int_equal(
        load(&c, "account a\nhost a.example\naccount default : a\nhost d.example\n", "a"), 0);
    assert_string_equal(c.account, "a");
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "a.example");
    cli_config_free(&c);

    /* `account default` on its own is an account like another (msmtp) */
    assert_int_equal(load(&c, "account x\nhost x.example\naccount default\nhost d.example\n", NULL),
                     0);
    assert_string_equal(c.account, "default");
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "d.example");
    cli_config_free(&c);

    /* no account: the defaults alone */
    assert_int_equal(load(&c, "defaults\nhost only.example\n", NULL), 0);
    assert_string_equal(c.account, "");
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "only.example");
    cli_config_free(&c);

    /* an empty file, or only comments: nothing set */
    assert_int_equal(load(&c, "", NULL), 0);
    assert_string_equal(c.account, "");
    assert_string_equal(c.file, cfg_path);
    assert_null(cli_config_get(&c, CLI_KEY_HOST));
    cli_config_free(&c);
    assert_int_equal(load(&c, "# nothing\n\n   # still nothing\n", NULL), 0);
    assert_string_equal(err, "");
    cli_config_free(&c);

    /* lines before any section are the account "default", as in msmtp */
    assert_int_equal(load(&c, "host top.example\naccount b\nhost b.example\n", NULL), 0);
    assert_string_equal(c.account, "default");
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "top.example");
    cli_config_free(&c);
    assert_int_equal(load(&c, "host top.example\naccount b\n", "b"), 0);
    assert_null(cli_config_get(&c, CLI_KEY_HOST)); /* they are no defaults */
    cli_config_free(&c);

    /* accounts but none chosen */
    assert_int_equal(load(&c, "account a\nhost a.example\naccount b\n", NULL), 78);
    want_err("smtpc: %s: no account chosen: use -a NAME, or add 'account default : NAME'\n",
             cfg_path);
    assert_null(c.mem_);
    assert_string_equal(c.file, cfg_path); /* still says which file */

    assert_int_equal(load(&c, "account a\n", "nope"), 78);
    want_err("smtpc: %s: no account 'nope'\n", cfg_path);
    assert_int_equal(load(&c, "defaults\nhost h\n", "default"), 78);
    want_err("smtpc: %s: no account 'default'\n", cfg_path);
}

static void test_account_line_errors(void **state)
{
    struct cli_config c;
    (void)state;

    want_line_error("account", "account needs a name");
    want_line_error("account   ", "account needs a name");
    want_line_error("account : a", "account needs a name");
    want_line_error("account a b", "invalid account name 'a b' (no blanks, quotes or commas)");
    want_line_error("account x,y", "invalid account name 'x,y' (no blanks, quotes or commas)");
    want_line_error("account \"q\"", "invalid account name '\"q\"' (no blanks, quotes or commas)");
    want_line_error("account a", "account 'a' is already defined at line 1");
    want_line_error("account b : nope", "account 'nope' is not defined before this line");
    want_line_error("account b : a, nope", "account 'nope' is not defined before this line");
    want_line_error("account b :", "an empty account name in the list after ':'");
    want_line_error("account b : a,", "an empty account name in the list after ':'");
    want_line_error("account b : ,a", "an empty account name in the list after ':'");
    want_line_error("account b : b", "account 'b' is not defined before this line");
    want_line_error("defaults now", "defaults takes no value");

    /* a parent defined later does not count */
    assert_int_equal(load(&c, "account x : y\naccount y\n", NULL), 78);
    want_err("smtpc: %s:1: account 'y' is not defined before this line\n", cfg_path);

    /* the account the first lines made: defined twice comes first */
    assert_int_equal(load(&c, "\nhost h\naccount default : x\n", NULL), 78);
    want_err("smtpc: %s:3: account 'default' is already defined at line 2 (by the lines "
             "before the first account or defaults line)\n",
             cfg_path);
    assert_int_equal(load(&c, "\nhost h\naccount x\naccount default : x\n", NULL), 78);
    want_err("smtpc: %s:4: account 'default' is already defined at line 2 (by the lines "
             "before the first account or defaults line)\n",
             cfg_path);

    /* names: 127 bytes at most */
    {
        char name[130], text[200];

        memset(name, 'n', 127);
        name[127] = '\0';
        snprintf(text, sizeof text, "account %s\n", name);
        assert_int_equal(load(&c, text, name), 0);
        assert_string_equal(c.account, name);
        cli_config_free(&c);
        name[127] = 'n';
        name[128] = '\0';
        snprintf(text, sizeof text, "account a\naccount %s\n", name);
        assert_int_equal(load(&c, text, NULL), 78);
        want_err("smtpc: %s:2: the account name is longer than 127 bytes\n", cfg_path);
        assert_int_equal(load(&c, "account a\n", name), 78);
        assert_string_equal(err, "smtpc: the account name is longer than 127 bytes\n");
    }
}

/* ---- lines and values ---- */

static void test_line_syntax(void **state)
{
    struct cli_config c;
    (void)state;

    /* blanks around keys and values, CRLF, a last line without LF */
    assert_int_equal(load(&c, "account default\r\n  \thost \t h.example \t\r\nuser u", NULL), 0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "h.example");
    assert_string_equal(cli_config_get(&c, CLI_KEY_USER), "u");
    assert_int_equal(c.set[CLI_KEY_USER].line, 3);
    cli_config_free(&c);

    /* line numbers count blank and comment lines */
    assert_int_equal(load(&c, "account a\n\n# c\n\n   hots x\n", NULL), 78);
    want_err("smtpc: %s:5: unknown key 'hots'\n", cfg_path);

    /* '#' in a value is part of it; a tab inside is kept */
    want_value("user a#b", CLI_KEY_USER, "a#b");
    want_value("user a\tb  c", CLI_KEY_USER, "a\tb  c");
    want_value("passwordeval echo \"hi there\"", CLI_KEY_PASSWORDEVAL, "echo \"hi there\"");
    want_value("user a\"b", CLI_KEY_USER, "a\"b");
    want_value("user a\\b", CLI_KEY_USER, "a\\b"); /* no escapes outside quotes */
}

static void test_quoting(void **state)
{
    (void)state;
    want_value("user \"  spaced  \"", CLI_KEY_USER, "  spaced  ");
    want_value("user \"a\\\"b\\\\c#d\"", CLI_KEY_USER, "a\"b\\c#d");
    want_value("user \"x\"   ", CLI_KEY_USER, "x");
    want_value("user \"\"", CLI_KEY_USER, NULL); /* empty: unset */
    want_value("tls \"\"", CLI_KEY_TLS, "on");
    want_value("tls \"off\"", CLI_KEY_TLS, "off");
    want_value("host \"h.example\"", CLI_KEY_HOST, "h.example");

    want_line_error("user \"abc", "unterminated quoted value");
    want_line_error("user \"abc\\\"", "unterminated quoted value");
    want_line_error("user \"", "unterminated quoted value");
    want_line_error("user \"a\" b", "text after the closing quote");
    want_line_error("user \"a\"\"", "text after the closing quote");
    want_line_error("user \"a\\nb\"",
                    "invalid backslash escape in a quoted value (only \\\" and \\\\)");
    want_line_error("password \"se\\cret\"",
                    "invalid backslash escape in a quoted value (only \\\" and \\\\)");
}

static void test_control_characters(void **state)
{
    struct cli_config c;
    char want[512];
    int ch;
    (void)state;

    for (ch = 1; ch < 0x20; ch++) {
        char line[32];

        if (ch == '\t' || ch == '\n')
            continue;
        snprintf(line, sizeof line, "user a%cb", ch);
        snprintf(want, sizeof want, "control character 0x%02x (only tab is allowed)", ch);
        want_line_error(line, want);
    }
    want_line_error("user a\x7f", "control character 0x7f (only tab is allowed)");
    want_line_error("ho\x1bst x", "control character 0x1b (only tab is allowed)");
    want_line_error("password \"a\x01\"", "control character 0x01 (only tab is allowed)");

    /* a NUL byte, which a line-based reader would miss */
    write_file(cfg_path, "account a\nuser ab\0cd\n", sizeof "account a\nuser ab\0cd\n" - 1, 0600);
    assert_int_equal(load_path(&c, cfg_path, NULL), 78);
    want_err("smtpc: %s:2: control character 0x00 (only tab is allowed)\n", cfg_path);

    /* a CR alone, not before the LF */
    assert_int_equal(load(&c, "account a\nuser a\r\r\n", NULL), 78);
    want_err("smtpc: %s:2: control character 0x0d (only tab is allowed)\n", cfg_path);

    /* comments may hold anything */
    assert_int_equal(load(&c, "# \x1b[31m red\x01\nhost h\n", NULL), 0);
    cli_config_free(&c);
    /* bytes above 0x7f are text */
    want_value("user caf\xc3\xa9", CLI_KEY_USER, "caf\xc3\xa9");
}

static void test_unknown_and_unsupported_keys(void **state)
{
    static const char *const unsupported[] = {
        "proxy_host",     "proxy_port",        "socket",
        "source_ip",      "tls_fingerprint",   "tls_crl_file",
        "tls_priorities", "tls_host_override", "tls_min_dh_prime_bits",
        "eval",           "ntlmdomain",        "keepbcc",
        "auto_from",      "maildomain",        "tls_nocertcheck",
        "tls_nostarttls",
    };
    char line[128], why[128];
    size_t i;
    (void)state;

    want_line_error("hots smtp.example.org", "unknown key 'hots'");
    want_line_error("Host h", "unknown key 'Host'"); /* keys are lower case */
    want_line_error("host=h", "unknown key 'host=h'");
    for (i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        snprintf(line, sizeof line, "%s x", unsupported[i]);
        snprintf(why, sizeof why, "%s is not supported by smtpc", unsupported[i]);
        want_line_error(line, why);
    }
    want_line_error("protocol lmtp", "protocol lmtp is not supported by smtpc");
    want_line_error("auth xoauth2",
                    "auth xoauth2 is not supported by smtpc (on, off, plain, login or cram-md5)");
    want_line_error("auth SCRAM-SHA-256", "auth scram-sha-256 is not supported by smtpc (on, "
                                          "off, plain, login or cram-md5)");
    want_line_error("auth gssapi",
                    "auth gssapi is not supported by smtpc (on, off, plain, login or cram-md5)");
}

/* Every key, by its name, lands in its own slot. */
static void test_every_key_by_name(void **state)
{
    static const struct {
        enum cli_key key;
        const char *line, *stored;
    } all[] = {
        {CLI_KEY_HOST, "host mail.example.org", "mail.example.org"},
        {CLI_KEY_PORT, "port 587", "587"},
        {CLI_KEY_FROM, "from me@example.org", "me@example.org"},
        {CLI_KEY_AUTH, "auth login", "login"},
        {CLI_KEY_USER, "user me", "me"},
        {CLI_KEY_PASSWORD, "password pw", "pw"},
        {CLI_KEY_PASSWORDEVAL, "passwordeval pass show mail", "pass show mail"},
        {CLI_KEY_TLS, "tls off", "off"},
        {CLI_KEY_TLS_STARTTLS, "tls_starttls off", "off"},
        {CLI_KEY_TLS_TRUST_FILE, "tls_trust_file /etc/ca.pem", "/etc/ca.pem"},
        {CLI_KEY_TLS_CERTCHECK, "tls_certcheck off", "off"},
        {CLI_KEY_TLS_CERT_FILE, "tls_cert_file /c.pem", "/c.pem"},
        {CLI_KEY_TLS_KEY_FILE, "tls_key_file /k.pem", "/k.pem"},
        {CLI_KEY_DOMAIN, "domain me.example", "me.example"},
        {CLI_KEY_TIMEOUT, "timeout 30", "30"},
        {CLI_KEY_ALIASES, "aliases /etc/aliases", "/etc/aliases"},
        {CLI_KEY_LOGFILE, "logfile -", "-"},
        {CLI_KEY_LOGFILE_TIME_FORMAT, "logfile_time_format %Y-%m-%d %H:%M", "%Y-%m-%d %H:%M"},
        {CLI_KEY_SYSLOG, "syslog LOG_MAIL", "LOG_MAIL"},
        {CLI_KEY_DSN_NOTIFY, "dsn_notify failure,delay", "failure,delay"},
        {CLI_KEY_DSN_RETURN, "dsn_return headers", "headers"},
        {CLI_KEY_SET_FROM_HEADER, "set_from_header on", "on"},
        {CLI_KEY_SET_DATE_HEADER, "set_date_header off", "off"},
        {CLI_KEY_SET_MSGID_HEADER, "set_msgid_header auto", "auto"},
        {CLI_KEY_REMOVE_BCC_HEADERS, "remove_bcc_headers off", "off"},
        {CLI_KEY_UNDISCLOSED_RECIPIENTS, "undisclosed_recipients on", "on"},
        {CLI_KEY_ALLOW_FROM_OVERRIDE, "allow_from_override off", "off"},
        {CLI_KEY_PROTOCOL, "protocol smtp", "smtp"},
        {CLI_KEY_QUALIFY_DOMAIN, "qualify_domain example.org", "example.org"},
        {CLI_KEY_PASSWORD_FILE, "password_file /pw", "/pw"},
        {CLI_KEY_ALLOW_PLAINTEXT_AUTH, "allow_plaintext_auth on", "on"},
        {CLI_KEY_AUTH_OPTIONAL, "auth_optional on", "on"},
        {CLI_KEY_TLS_BACKEND, "tls_backend mbedtls", "mbedtls"},
    };
    size_t i;
    int k, seen[CLI_KEY_COUNT] = {0};
    (void)state;

    assert_int_equal(sizeof all / sizeof all[0], CLI_KEY_COUNT);
    for (i = 0; i < sizeof all / sizeof all[0]; i++) {
        struct cli_config c;
        size_t n = strcspn(all[i].line, " ");

        assert_int_equal(strlen(cli_key_name(all[i].key)), n);
        assert_memory_equal(cli_key_name(all[i].key), all[i].line, n);
        assert_non_null(value_of(&c, all[i].line, all[i].key));
        assert_string_equal(cli_config_get(&c, all[i].key), all[i].stored);
        assert_int_equal(c.set[all[i].key].line, 2);
        for (k = 0; k < CLI_KEY_COUNT; k++) {
            if (k != (int)all[i].key)
                assert_null(cli_config_get(&c, (enum cli_key)k));
        }
        cli_config_free(&c);
        seen[all[i].key] = 1;
    }
    for (k = 0; k < CLI_KEY_COUNT; k++)
        assert_int_equal(seen[k], 1);
    assert_string_equal(cli_key_name(CLI_KEY_COUNT), "?");
    assert_string_equal(cli_key_name((enum cli_key) - 1), "?");
}

static void test_on_off_keys(void **state)
{
    static const enum cli_key on_off[] = {
        CLI_KEY_TLS,
        CLI_KEY_TLS_STARTTLS,
        CLI_KEY_TLS_CERTCHECK,
        CLI_KEY_REMOVE_BCC_HEADERS,
        CLI_KEY_UNDISCLOSED_RECIPIENTS,
        CLI_KEY_ALLOW_FROM_OVERRIDE,
        CLI_KEY_ALLOW_PLAINTEXT_AUTH,
        CLI_KEY_AUTH_OPTIONAL,
    };
    struct cli_config c;
    char line[128], why[256];
    size_t i;
    (void)state;

    for (i = 0; i < sizeof on_off / sizeof on_off[0]; i++) {
        const char *name = cli_key_name(on_off[i]);

        snprintf(line, sizeof line, "%s", name); /* empty: on */
        assert_string_equal(value_of(&c, line, on_off[i]), "on");
        assert_int_equal(cli_config_on(&c, on_off[i], 0), 1);
        cli_config_free(&c);
        snprintf(line, sizeof line, "%s off", name);
        assert_string_equal(value_of(&c, line, on_off[i]), "off");
        assert_int_equal(cli_config_on(&c, on_off[i], 1), 0);
        cli_config_free(&c);
        snprintf(line, sizeof line, "%s yes", name);
        snprintf(why, sizeof why, "invalid value 'yes' for %s (on or off)", name);
        want_line_error(line, why);
        snprintf(line, sizeof line, "%s ON", name);
        snprintf(why, sizeof why, "invalid value 'ON' for %s (on or off)", name);
        want_line_error(line, why);
    }

    /* not set: the caller's default */
    assert_int_equal(load(&c, "account default\nset_from_header auto\nauth plain\n", NULL), 0);
    assert_int_equal(cli_config_on(&c, CLI_KEY_TLS, 0), 0);
    assert_int_equal(cli_config_on(&c, CLI_KEY_TLS, 1), 1);
    assert_int_equal(cli_config_on(&c, CLI_KEY_SET_FROM_HEADER, 0), 0); /* auto */
    assert_int_equal(cli_config_on(&c, CLI_KEY_SET_FROM_HEADER, 1), 1);
    assert_int_equal(cli_config_on(&c, CLI_KEY_AUTH, 0), 1); /* a method: on */
    assert_null(cli_config_get(&c, CLI_KEY_COUNT));
    cli_config_free(&c);
}

static void test_values(void **state)
{
    (void)state;
    /* port */
    want_value("port 1", CLI_KEY_PORT, "1");
    want_value("port 65535", CLI_KEY_PORT, "65535");
    want_value("port submission", CLI_KEY_PORT, "submission");
    want_value("port smtp-alt2", CLI_KEY_PORT, "smtp-alt2");
    want_line_error("port 0", "invalid value '0' for port (1 to 65535 or a service name)");
    want_line_error("port 65536", "invalid value '65536' for port (1 to 65535 or a service name)");
    want_line_error("port 99999999999999999999",
                    "invalid value '99999999999999999999' for port (1 to 65535 or a service "
                    "name)");
    want_line_error("port 25x", "invalid value '25x' for port (1 to 65535 or a service name)");
    want_line_error("port -25", "invalid value '-25' for port (1 to 65535 or a service name)");
    want_line_error("port smtp alt",
                    "invalid value 'smtp alt' for port (1 to 65535 or a service name)");
    want_line_error("port", "port needs a value");
    /* timeout */
    want_value("timeout off", CLI_KEY_TIMEOUT, "off");
    want_value("timeout 1", CLI_KEY_TIMEOUT, "1");
    want_value("timeout 86400", CLI_KEY_TIMEOUT, "86400");
    want_line_error("timeout 0", "invalid value '0' for timeout (off or seconds from 1 to 86400)");
    want_line_error("timeout 86401",
                    "invalid value '86401' for timeout (off or seconds from 1 to 86400)");
    want_line_error("timeout 5s",
                    "invalid value '5s' for timeout (off or seconds from 1 to 86400)");
    want_line_error("timeout -1",
                    "invalid value '-1' for timeout (off or seconds from 1 to 86400)");
    want_line_error("timeout", "timeout needs a value");
    /* auth */
    want_value("auth", CLI_KEY_AUTH, "on");
    want_value("auth off", CLI_KEY_AUTH, "off");
    want_value("auth PLAIN", CLI_KEY_AUTH, "plain");
    want_value("auth Cram-MD5", CLI_KEY_AUTH, "cram-md5");
    want_line_error("auth maybe",
                    "invalid value 'maybe' for auth (on, off, plain, login or cram-md5)");
    /* syslog */
    want_value("syslog", CLI_KEY_SYSLOG, "on");
    want_value("syslog off", CLI_KEY_SYSLOG, "off");
    want_value("syslog LOG_USER", CLI_KEY_SYSLOG, "LOG_USER");
    want_value("syslog LOG_LOCAL0", CLI_KEY_SYSLOG, "LOG_LOCAL0");
    want_value("syslog LOG_LOCAL7", CLI_KEY_SYSLOG, "LOG_LOCAL7");
    want_line_error("syslog LOG_LOCAL8", "invalid value 'LOG_LOCAL8' for syslog (on, off, "
                                         "LOG_USER, LOG_MAIL or LOG_LOCAL0 to LOG_LOCAL7)");
    want_line_error("syslog LOG_DAEMON", "invalid value 'LOG_DAEMON' for syslog (on, off, "
                                         "LOG_USER, LOG_MAIL or LOG_LOCAL0 to LOG_LOCAL7)");
    want_line_error("syslog log_mail", "invalid value 'log_mail' for syslog (on, off, "
                                       "LOG_USER, LOG_MAIL or LOG_LOCAL0 to LOG_LOCAL7)");
    /* dsn_notify */
    want_value("dsn_notify off", CLI_KEY_DSN_NOTIFY, "off");
    want_value("dsn_notify never", CLI_KEY_DSN_NOTIFY, "never");
    want_value("dsn_notify success", CLI_KEY_DSN_NOTIFY, "success");
    want_value("dsn_notify delay,success,failure", CLI_KEY_DSN_NOTIFY, "delay,success,failure");
    {
        static const char *const bad[] = {
            "success,,delay", "success, delay", "never,success", "success,success",
            "success,",       ",success",       "succes",        "SUCCESS",
        };
        char line[64], why[160];
        size_t i;

        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            snprintf(line, sizeof line, "dsn_notify %s", bad[i]);
            snprintf(why, sizeof why,
                     "invalid value '%s' for dsn_notify (off, never, or a comma list of success, "
                     "failure, delay)",
                     bad[i]);
            want_line_error(line, why);
        }
    }
    want_line_error("dsn_notify", "dsn_notify needs a value");
    /* dsn_return */
    want_value("dsn_return full", CLI_KEY_DSN_RETURN, "full");
    want_value("dsn_return off", CLI_KEY_DSN_RETURN, "off");
    want_line_error("dsn_return hdrs",
                    "invalid value 'hdrs' for dsn_return (off, headers or full)");
    want_line_error("dsn_return", "dsn_return needs a value");
    /* the header switches */
    want_value("set_from_header", CLI_KEY_SET_FROM_HEADER, "on");
    want_value("set_from_header auto", CLI_KEY_SET_FROM_HEADER, "auto");
    want_value("set_from_header off", CLI_KEY_SET_FROM_HEADER, "off");
    want_line_error("set_from_header yes",
                    "invalid value 'yes' for set_from_header (auto, on or off)");
    want_value("set_date_header auto", CLI_KEY_SET_DATE_HEADER, "auto");
    want_line_error("set_date_header on", "invalid value 'on' for set_date_header (auto or off)");
    want_line_error("set_date_header", "set_date_header needs a value");
    want_value("set_msgid_header off", CLI_KEY_SET_MSGID_HEADER, "off");
    want_line_error("set_msgid_header on", "invalid value 'on' for set_msgid_header (auto or off)");
    want_line_error("set_msgid_header", "set_msgid_header needs a value");
    /* protocol, tls_backend */
    want_line_error("protocol http", "invalid value 'http' for protocol (smtp)");
    want_line_error("protocol", "protocol needs a value");
    want_value("tls_backend openssl", CLI_KEY_TLS_BACKEND, "openssl");
    want_value("tls_backend", CLI_KEY_TLS_BACKEND, NULL);
    want_line_error("tls_backend gnutls",
                    "invalid value 'gnutls' for tls_backend (openssl or mbedtls)");
    /* names */
    want_line_error("host", "host needs a value");
    want_line_error("host a b",
                    "invalid value 'a b' for host (a host name or address, without blanks)");
    want_line_error("host \"a\tb\"",
                    "invalid value 'a\tb' for host (a host name or address, without blanks)");
    want_value("host [2001:db8::1]", CLI_KEY_HOST, "[2001:db8::1]");
    want_value("domain", CLI_KEY_DOMAIN, NULL);
    want_line_error("domain my host", "invalid value 'my host' for domain (a domain name, "
                                      "without blanks)");
    want_line_error("qualify_domain a b", "invalid value 'a b' for qualify_domain (a domain "
                                          "name, without blanks)");
    /* strings: an empty value unsets */
    want_value("user", CLI_KEY_USER, NULL);
    want_value("password", CLI_KEY_PASSWORD, NULL);
    want_value("passwordeval", CLI_KEY_PASSWORDEVAL, NULL);
    want_value("logfile", CLI_KEY_LOGFILE, NULL);
    /* tls_trust_file */
    want_value("tls_trust_file system", CLI_KEY_TLS_TRUST_FILE, "system");
    want_value("tls_trust_file", CLI_KEY_TLS_TRUST_FILE, NULL);
    /* from */
    want_value("from a@b.example", CLI_KEY_FROM, "a@b.example");
    want_value("from", CLI_KEY_FROM, NULL);
    want_line_error("from %X@b", "from: unknown expansion '%X' (%U, %H, %C or %%)");
    want_line_error("from %u@b", "from: unknown expansion '%u' (%U, %H, %C or %%)");
    want_line_error("from a@b%", "from: a '%' at the end (write %% for a percent sign)");
    want_line_error("from a@b%%%", "from: a '%' at the end (write %% for a percent sign)");
}

static void test_tilde(void **state)
{
    char want[512];
    (void)state;

    snprintf(want, sizeof want, "%s/ca.pem", home);
    want_value("tls_trust_file ~/ca.pem", CLI_KEY_TLS_TRUST_FILE, want);
    snprintf(want, sizeof want, "%s/.smtpc.log", home);
    want_value("logfile ~/.smtpc.log", CLI_KEY_LOGFILE, want);
    want_value("aliases ~", CLI_KEY_ALIASES, home);
    snprintf(want, sizeof want, "%s/a dir/k.pem", home);
    want_value("tls_key_file \"~/a dir/k.pem\"", CLI_KEY_TLS_KEY_FILE, want);
    snprintf(want, sizeof want, "%s/pw", home);
    want_value("password_file ~/pw", CLI_KEY_PASSWORD_FILE, want);
    snprintf(want, sizeof want, "%s/c.pem", home);
    want_value("tls_cert_file ~/c.pem", CLI_KEY_TLS_CERT_FILE, want);
    /* only at the start, only in file names */
    want_value("logfile /var/~/log", CLI_KEY_LOGFILE, "/var/~/log");
    want_value("user ~alice", CLI_KEY_USER, "~alice");
    want_value("passwordeval cat ~/pw", CLI_KEY_PASSWORDEVAL, "cat ~/pw");
    want_line_error("tls_cert_file ~bob/c.pem",
                    "tls_cert_file: only ~/ is expanded, not ~user (write the whole path)");
    want_line_error("aliases ~root",
                    "aliases: only ~/ is expanded, not ~user (write the whole path)");
}

static void test_from_expansion(void **state)
{
    struct cli_config c;
    char host[256], want[600];
    const char *from;
    (void)state;

    assert_int_equal(gethostname(host, sizeof host), 0);
    snprintf(want, sizeof want, "tester@%s 100%% %%U", host); /* "tester@HOST 100% %U" */
    assert_int_equal(load(&c, "account default\nfrom %U@%H 100%% %%U\n", NULL), 0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_FROM), want);
    assert_int_equal(c.set[CLI_KEY_FROM].line, 2);
    cli_config_free(&c);

    unsetenv("USER");
    setenv("LOGNAME", "logname-user", 1);
    assert_int_equal(load(&c, "account default\nfrom %U@x.example\n", NULL), 0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_FROM), "logname-user@x.example");
    cli_config_free(&c);

    /* %C: the resolver's canonical name, else the host name; never left */
    assert_int_equal(load(&c, "account default\nfrom me@%C\n", NULL), 0);
    from = cli_config_get(&c, CLI_KEY_FROM);
    assert_non_null(from);
    assert_true(strncmp(from, "me@", 3) == 0 && from[3] != '\0');
    assert_null(strchr(from, '%'));
    cli_config_free(&c);

    /* only the chosen account's from is expanded; others are checked */
    assert_int_equal(load(&c, "account a\nfrom %U@a\naccount b\nfrom plain@b\n", "b"), 0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_FROM), "plain@b");
    cli_config_free(&c);
}

/* ---- finding the file ---- */

static void test_finding_the_file(void **state)
{
    struct cli_config c;
    char xdg[300], user_dir[320], user_file[400], other[300];
    (void)state;

    /* -C that does not exist */
    path_in(other, sizeof other, dir, "missing");
    assert_int_equal(load_path(&c, other, NULL), 78);
    want_err("smtpc: %s: cannot open: No such file or directory\n", other);
    /* $SMTPC_CONFIG likewise */
    setenv("SMTPC_CONFIG", other, 1);
    assert_int_equal(load_path(&c, NULL, NULL), 78);
    want_err("smtpc: %s: cannot open: No such file or directory\n", other);
    /* -C wins over it */
    write_text(cfg_path, "account default\nhost from-c\n", 0600);
    assert_int_equal(load_path(&c, cfg_path, NULL), 0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "from-c");
    cli_config_free(&c);
    /* $SMTPC_CONFIG, read */
    setenv("SMTPC_CONFIG", cfg_path, 1);
    assert_int_equal(load_path(&c, NULL, NULL), 0);
    assert_string_equal(c.file, cfg_path);
    cli_config_free(&c);
    setenv("SMTPC_CONFIG", "", 1); /* empty: as if not set */

    /* nothing anywhere: no configuration, no message */
    assert_int_equal(load_path(&c, NULL, NULL), 0);
    assert_string_equal(err, "");
    assert_string_equal(c.file, "");
    assert_string_equal(c.account, "");
    assert_null(cli_config_get(&c, CLI_KEY_HOST));
    cli_config_free(&c);
    assert_int_equal(load_path(&c, NULL, "work"), 78);
    assert_string_equal(err, "smtpc: account 'work' given but no configuration file was found\n");

    /* the system file */
    write_text(SMTPC_CLI_SYSTEM_CONFIG, "defaults\nhost system\n", 0644);
    assert_int_equal(load_path(&c, NULL, NULL), 0);
    assert_string_equal(c.file, SMTPC_CLI_SYSTEM_CONFIG);
    assert_string_equal(cli_config_get(&c, CLI_KEY_HOST), "system");
    cli_config_free(&c);

    /* ~/.config a file: no user file */
    path_in(user_dir, sizeof user_dir, home, ".config");
    write_text(user_dir, "", 0600);
    assert_int_equal(load_path(&c, NULL, NULL), 0);
    assert_string_equal(c.file, SMTPC_CLI_SYSTEM_CONFIG);
    cli_config_free(&c);
    assert_int_equal(remove(user_dir), 0);

    /* ~/.config/smtpc/config, read alone */
    path_in(user_dir, sizeof user_dir, home, ".config");
    make_dir(user_dir);
    path_in(user_dir, sizeof user_dir, home, ".config/smtpc");
    make_dir(user_dir);
    path_in(user_file, sizeof user_file, user_dir, "config");
    write_text(user_file, "defaults\nport 2525\n", 0600);
    assert_int_equal(load_path(&c, NULL, NULL), 0);
    assert_string_equal(c.file, user_file);
    assert_string_equal(cli_config_get(&c, CLI_KEY_PORT), "2525");
    assert_null(cli_config_get(&c, CLI_KEY_HOST)); /* not merged with the system file */
    cli_config_free(&c);

    /* $XDG_CONFIG_HOME replaces ~/.config; a relative one is ignored */
    setenv("XDG_CONFIG_HOME", "relative/dir", 1);
    assert_int_equal(load_path(&c, NULL, NULL), 0);
    assert_string_equal(c.file, user_file);
    cli_config_free(&c);
    path_in(xdg, sizeof xdg, dir, "xdg");
    setenv("XDG_CONFIG_HOME", xdg, 1);
    assert_int_equal(load_path(&c, NULL, NULL), 0); /* none there: the system file */
    assert_string_equal(c.file, SMTPC_CLI_SYSTEM_CONFIG);
    cli_config_free(&c);
    make_dir(xdg);
    path_in(user_dir, sizeof user_dir, xdg, "smtpc");
    make_dir(user_dir);
    path_in(user_file, sizeof user_file, user_dir, "config");
    write_text(user_file, "defaults\nport 26\n", 0600);
    assert_int_equal(load_path(&c, NULL, NULL), 0);
    assert_string_equal(c.file, user_file);
    assert_string_equal(cli_config_get(&c, CLI_KEY_PORT), "26");
    cli_config_free(&c);

    /* a user file that exists but cannot be opened or read stops there */
    assert_int_equal(remove(user_file), 0);
    assert_int_equal(symlink(user_file, user_file), 0); /* a loop, ELOOP even for root */
    assert_int_equal(load_path(&c, NULL, NULL), 74);
    want_err("smtpc: %s: cannot open: Too many levels of symbolic links\n", user_file);

    assert_int_equal(remove(user_file), 0);
    make_dir(user_file);
    assert_int_equal(load_path(&c, NULL, NULL), 74);
    want_err("smtpc: %s: cannot read: Is a directory\n", user_file);
}

static void test_unreadable_and_large_files(void **state)
{
    struct cli_config c;
    char sub[300];
    char *big;
    (void)state;

    path_in(sub, sizeof sub, dir, "a-dir");
    make_dir(sub);
    assert_int_equal(load_path(&c, sub, NULL), 74);
    want_err("smtpc: %s: cannot read: Is a directory\n", sub);
    assert_null(c.mem_);

    big = malloc(SMTPC_CLI_CONFIG_MAX + 1);
    assert_non_null(big);
    memset(big, '#', SMTPC_CLI_CONFIG_MAX);
    write_file(cfg_path, big, SMTPC_CLI_CONFIG_MAX, 0600); /* just fits */
    assert_int_equal(load_path(&c, cfg_path, NULL), 0);
    cli_config_free(&c);
    big[SMTPC_CLI_CONFIG_MAX] = '\n';
    write_file(cfg_path, big, SMTPC_CLI_CONFIG_MAX + 1, 0600);
    free(big);
    assert_int_equal(load_path(&c, cfg_path, NULL), 78);
    want_err("smtpc: %s: larger than 1048576 bytes\n", cfg_path);
}

/* ---- a file holding a password ---- */

static void test_password_file_permissions(void **state)
{
    static const mode_t refused[] = {0644, 0640, 0604, 0620, 0602, 0610, 0601, 0700 | 0070};
    struct cli_config c;
    char want[1024];
    size_t i;
    (void)state;

    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        write_text(cfg_path, "account default\npassword secret\n", refused[i]);
        assert_int_equal(load_path(&c, cfg_path, NULL), 78);
        snprintf(want, sizeof want,
                 "smtpc: %s: holds a password but group or others may access it (mode %04o); "
                 "run: chmod 600 %s\n",
                 cfg_path, (unsigned)refused[i], cfg_path);
        assert_string_equal(err, want);
        assert_null(strstr(err, "secret"));
    }
    /* in any account, chosen or not */
    write_text(cfg_path, "account default\nhost h\naccount other\npassword secret\n", 0644);
    assert_int_equal(load_path(&c, cfg_path, NULL), 78);

    write_text(cfg_path, "account default\npassword secret\n", 0600);
    assert_int_equal(load_path(&c, cfg_path, NULL), 0);
    assert_int_equal(c.holds_password, 1);
    assert_string_equal(cli_config_get(&c, CLI_KEY_PASSWORD), "secret");
    cli_config_free(&c);
    write_text(cfg_path, "account default\npassword secret\n", 0400);
    assert_int_equal(load_path(&c, cfg_path, NULL), 0);
    cli_config_free(&c);
    /* holds_password says the chosen account has one */
    write_text(cfg_path, "account default\nhost h\naccount other\npassword secret\n", 0600);
    assert_int_equal(load_path(&c, cfg_path, NULL), 0);
    assert_int_equal(c.holds_password, 0);
    cli_config_free(&c);
    /* no password: anyone may read it */
    write_text(cfg_path, "account default\npasswordeval pass mail\npassword\n", 0644);
    assert_int_equal(load_path(&c, cfg_path, NULL), 0);
    assert_int_equal(c.holds_password, 0);
    cli_config_free(&c);
}

/* Only root can give a file away. */
static void test_config_not_owned_by_the_user(void **state)
{
    struct cli_config c;
    char want[1024];
    (void)state;

    if (geteuid() != 0) {
        skip();
        return;
    }
    write_text(cfg_path, "account default\npassword secret\n", 0600);
    assert_int_equal(chown(cfg_path, 65534, 65534), 0);
    assert_int_equal(load_path(&c, cfg_path, NULL), 78);
    snprintf(want, sizeof want,
             "smtpc: %s: holds a password but is owned by uid 65534, not by you (uid %lu); it must "
             "be your own file, with mode 600\n",
             cfg_path, (unsigned long)geteuid());
    assert_string_equal(err, want);
}

/* ---- passwords ---- */

static void test_password_from_a_file(void **state)
{
    char pw_path[300], pw[8], big[64];
    (void)state;

    path_in(pw_path, sizeof pw_path, dir, "pw");
    write_text(pw_path, "s3cret\nsecond line\n", 0600);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 0);
    assert_string_equal(big, "s3cret");
    assert_string_equal(err, "");
    write_text(pw_path, "crlf\r\n", 0600);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 0);
    assert_string_equal(big, "crlf");
    write_text(pw_path, "no-newline", 0400);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 0);
    assert_string_equal(big, "no-newline");
    write_text(pw_path, "cr\rafter\n", 0600); /* a CR ends the line too */
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 0);
    assert_string_equal(big, "cr");
    write_text(pw_path, " spaces kept \t\n", 0600);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 0);
    assert_string_equal(big, " spaces kept \t");

    /* the length limit: cap - 1 bytes */
    write_text(pw_path, "1234567\r\n", 0600);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "1234567");
    write_text(pw_path, "12345678\n", 0600);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", pw, sizeof pw), 65);
    want_err("smtpc: %s: the password is longer than 7 bytes\n", pw_path);
    assert_string_equal(pw, "");

    write_text(pw_path, "", 0600);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 65);
    want_err("smtpc: %s is empty\n", pw_path);
    write_text(pw_path, "\nsecond\n", 0600);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 65);
    want_err("smtpc: %s: the first line is empty\n", pw_path);
    write_file(pw_path, "ab\0cd\n", sizeof "ab\0cd\n" - 1, 0600);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 65);
    want_err("smtpc: %s: the password holds a NUL byte\n", pw_path);

    write_text(pw_path, "s3cret\n", 0644);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 78);
    want_err("smtpc: %s: a password file must be closed to group and others (mode 0644); run: "
             "chmod 600 %s\n",
             pw_path);
    write_text(pw_path, "s3cret\n", 0660);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 78);
    assert_null(strstr(err, "s3cret"));

    assert_int_equal(remove(pw_path), 0);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 74);
    want_err("smtpc: cannot open %s: No such file or directory\n", pw_path);
    /* a directory: 74 as before, whatever its mode */
    assert_int_equal(mkdir(pw_path, 0755), 0);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", big, sizeof big), 74);
    want_err("smtpc: cannot read %s: Is a directory\n", pw_path);
    assert_int_equal(rmdir(pw_path), 0);
}

static void test_password_file_not_owned_by_the_user(void **state)
{
    char pw_path[300], pw[64], want[1024];
    (void)state;

    if (geteuid() != 0) {
        skip();
        return;
    }
    path_in(pw_path, sizeof pw_path, dir, "pw");
    write_text(pw_path, "s3cret\n", 0600);
    assert_int_equal(chown(pw_path, 65534, 65534), 0);
    assert_int_equal(get_password(NULL, pw_path, "h", "u", pw, sizeof pw), 78);
    snprintf(want, sizeof want,
             "smtpc: %s: a password file must be your own (it is owned by uid 65534, you are uid "
             "%lu)\n",
             pw_path, (unsigned long)geteuid());
    assert_string_equal(err, want);
}

static void test_password_file_from_the_config(void **state)
{
    struct cli_config c;
    char pw_path[300], text[600], pw[64], want[1024];
    (void)state;

    path_in(pw_path, sizeof pw_path, home, "pw");
    assert_int_equal(load(&c, "account default\npassword_file ~/pw\n", NULL), 0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_PASSWORD_FILE), pw_path);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 74);
    snprintf(want, sizeof want,
             "smtpc: cannot open %s: No such file or directory (password_file at %s:2)\n", pw_path,
             cfg_path);
    assert_string_equal(err, want);
    write_text(pw_path, "from-pw-file\n", 0600);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "from-pw-file");
    write_text(pw_path, "from-pw-file\n", 0640);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 78);
    snprintf(want, sizeof want,
             "smtpc: %s: a password file must be closed to group and others (mode 0640); run: "
             "chmod 600 %s (password_file at %s:2)\n",
             pw_path, pw_path, cfg_path);
    assert_string_equal(err, want);
    cli_config_free(&c);

    /* --password-file wins over every configured source */
    write_text(pw_path, "from-pw-file\n", 0600);
    snprintf(text, sizeof text,
             "account default\npassword_file %s/absent\npassword in-config\n"
             "passwordeval echo eval\n",
             dir);
    assert_int_equal(load(&c, text, NULL), 0);
    setenv("SMTPC_PASSWORD", "from-env", 1);
    assert_int_equal(get_password(&c, pw_path, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "from-pw-file");
    cli_config_free(&c);
}

static void test_password_precedence(void **state)
{
    struct cli_config c;
    char pw_path[300], text[600], pw[64];
    (void)state;

    path_in(pw_path, sizeof pw_path, dir, "pw");
    write_text(pw_path, "file\n", 0600);
    setenv("SMTPC_PASSWORD", "env", 1);

    snprintf(text, sizeof text,
             "account default\npasswordeval echo eval\npassword config\npassword_file %s\n",
             pw_path);
    assert_int_equal(load(&c, text, NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "file");
    cli_config_free(&c);

    assert_int_equal(load(&c, "account default\npasswordeval echo eval\npassword config\n", NULL),
                     0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "config");
    cli_config_free(&c);

    assert_int_equal(load(&c, "account default\npasswordeval echo eval\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "eval");
    cli_config_free(&c);

    /* nothing in the file: the environment */
    assert_int_equal(load(&c, "account default\nhost h\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "env");
    assert_int_equal(get_password(NULL, NULL, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "env");
    /* too long; empty is not set */
    setenv("SMTPC_PASSWORD", "0123456789", 1);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, 10), 65);
    assert_string_equal(err, "smtpc: SMTPC_PASSWORD is too long\n");
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, 11), 0);
    setenv("SMTPC_PASSWORD", "", 1);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 1);
    assert_string_equal(err, "");
    assert_string_equal(pw, "");
    unsetenv("SMTPC_PASSWORD");
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 1);
    cli_config_free(&c);

    /* the config's password and its length limit */
    assert_int_equal(load(&c, "account default\n\npassword 12345678\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, 8), 65);
    want_err("smtpc: %s:3: the password is longer than 7 bytes\n", cfg_path);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, 9), 0);
    assert_string_equal(pw, "12345678");
    cli_config_free(&c);
}

static void test_passwordeval(void **state)
{
    struct cli_config c;
    char pw[64];
    time_t started;
    (void)state;

    setenv("PATH", "/usr/bin:/bin", 1);
    assert_int_equal(load(&c, "account default\npasswordeval printf 'ev-pass\\nline 2\\n'\n", NULL),
                     0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "ev-pass");
    assert_string_equal(err, "");
    cli_config_free(&c);
    assert_no_child_left();

    /* a shell command, quoted in the file */
    assert_int_equal(
        load(&c, "account default\npasswordeval \"x='a b'; printf '%s\\\\r\\\\n' \\\"$x\\\"\"\n",
             NULL),
        0);
    assert_string_equal(cli_config_get(&c, CLI_KEY_PASSWORDEVAL),
                        "x='a b'; printf '%s\\r\\n' \"$x\"");
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "a b");
    cli_config_free(&c);

    assert_int_equal(load(&c, "account default\n\npasswordeval exit 3\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 78);
    want_err("smtpc: %s:3: passwordeval failed (exit status 3)\n", cfg_path);
    cli_config_free(&c);
    assert_no_child_left();

    /* what a failing command printed is not a password */
    assert_int_equal(load(&c, "account default\npasswordeval echo printed; exit 1\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 78);
    want_err("smtpc: %s:2: passwordeval failed (exit status 1)\n", cfg_path);
    assert_string_equal(pw, "");
    cli_config_free(&c);

    assert_int_equal(load(&c, "account default\npasswordeval no-such-command-here\n", NULL), 0);
    capture_begin();
    assert_int_equal(cli_password_get(&c, NULL, "h", "u", pw, sizeof pw), 78);
    capture_end();
    /* the shell's own complaint comes first, then smtpc's line */
    assert_non_null(strstr(err, "passwordeval failed (exit status 127)\n"));
    cli_config_free(&c);

    assert_int_equal(load(&c, "account default\npasswordeval kill -9 $$\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 78);
    want_err("smtpc: %s:2: passwordeval was killed by signal 9\n", cfg_path);
    cli_config_free(&c);

    assert_int_equal(load(&c, "account default\npasswordeval true\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 78);
    want_err("smtpc: %s:2: passwordeval printed nothing\n", cfg_path);
    cli_config_free(&c);

    assert_int_equal(load(&c, "account default\npasswordeval echo; echo second\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 78);
    want_err("smtpc: %s:2: passwordeval printed an empty first line\n", cfg_path);
    cli_config_free(&c);

    assert_int_equal(load(&c, "account default\npasswordeval printf 12345678\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, 8), 65);
    want_err("smtpc: %s:2: passwordeval printed a password longer than 7 bytes\n", cfg_path);
    assert_string_equal(pw, "");
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, 9), 0);
    assert_string_equal(pw, "12345678");
    cli_config_free(&c);

    /* endless output: stopped, and the command reaped */
    assert_int_equal(load(&c, "account default\npasswordeval yes\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 78);
    want_err("smtpc: %s:2: passwordeval printed more than 65536 bytes\n", cfg_path);
    cli_config_free(&c);
    assert_no_child_left();

    /* one that outlives its closed pipe is killed, not waited for */
    assert_int_equal(load(&c,
                          "account default\n"
                          "passwordeval trap '' PIPE; yes 2>/dev/null; exec sleep 60\n",
                          NULL),
                     0);
    started = time(NULL);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 78);
    assert_true(time(NULL) - started < 30);
    want_err("smtpc: %s:2: passwordeval printed more than 65536 bytes\n", cfg_path);
    cli_config_free(&c);
    assert_no_child_left();

    /* the first line of a long output is fine, and the rest drained */
    assert_int_equal(load(&c, "account default\npasswordeval echo first; seq 1 5000\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "h", "u", pw, sizeof pw), 0);
    assert_string_equal(pw, "first");
    cli_config_free(&c);
    assert_no_child_left();
}

/* The command reads /dev/null, not smtpc's standard input (the message). */
static void test_passwordeval_does_not_read_the_message(void **state)
{
    struct cli_config c;
    char pw[64];
    int fds[2], saved_stdin, rc;
    (void)state;

    setenv("PATH", "/usr/bin:/bin", 1);
    assert_int_equal(load(&c, "account default\npasswordeval cat\n", NULL), 0);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "MESSAGE\n", 8), 8);
    close(fds[1]);
    saved_stdin = dup(0);
    assert_int_equal(dup2(fds[0], 0), 0);
    close(fds[0]);
    rc = get_password(&c, NULL, "h", "u", pw, sizeof pw);
    assert_int_equal(dup2(saved_stdin, 0), 0);
    close(saved_stdin);
    assert_int_equal(rc, 78);
    want_err("smtpc: %s:2: passwordeval printed nothing\n", cfg_path);
    cli_config_free(&c);
}

/* A fake secret-tool that prints the secret only for the exact argv. */
static void make_secret_tool(const char *bin, const char *script_body)
{
    char tool[400], script[2048];

    path_in(tool, sizeof tool, bin, "secret-tool");
    snprintf(script, sizeof script, "#!/bin/sh\n%s", script_body);
    write_text(tool, script, 0700);
}

static void test_keyring(void **state)
{
    static const char checks[] =
        "echo noise on stderr >&2\n"
        "[ $# -eq 5 ] && [ \"$1\" = lookup ] && [ \"$2\" = host ] && [ \"$4\" = user ] || exit 9\n"
        "[ \"$3\" = mail.example.org ] && [ \"$5\" = alice ] && { printf kr-secret; exit 0; }\n"
        "[ \"$3\" = \"a b;\\$(x)'\" ] && [ \"$5\" = \"*\" ] && { printf 'odd\\nsecond'; exit 0; }\n"
        "exit 1\n";
    struct cli_config c;
    char bin[300], marker[300], path[700], pw[64];
    (void)state;

    path_in(bin, sizeof bin, dir, "bin");
    make_dir(bin);
    make_secret_tool(bin, checks);

    /* not on PATH: nothing */
    assert_int_equal(get_password(NULL, NULL, "mail.example.org", "alice", pw, sizeof pw), 1);
    assert_string_equal(err, "");

    /* on PATH, after a directory without it */
    snprintf(path, sizeof path, "%s:%s", empty_bin, bin);
    setenv("PATH", path, 1);
    assert_int_equal(get_password(NULL, NULL, "mail.example.org", "alice", pw, sizeof pw), 0);
    assert_string_equal(pw, "kr-secret");
    assert_string_equal(err, ""); /* its stderr is not shown */
    assert_no_child_left();
    /* arguments pass as they are, no shell between */
    assert_int_equal(get_password(NULL, NULL, "a b;$(x)'", "*", pw, sizeof pw), 0);
    assert_string_equal(pw, "odd");
    /* nothing found (exit 1), or another user: go on */
    assert_int_equal(get_password(NULL, NULL, "mail.example.org", "bob", pw, sizeof pw), 1);
    assert_string_equal(err, "");
    assert_string_equal(pw, "");
    /* too long */
    assert_int_equal(get_password(NULL, NULL, "mail.example.org", "alice", pw, 9), 65);
    assert_string_equal(err, "smtpc: the password from secret-tool is longer than 8 bytes\n");
    assert_int_equal(get_password(NULL, NULL, "mail.example.org", "alice", pw, 10), 0);

    /* every other source comes first */
    setenv("SMTPC_PASSWORD", "env", 1);
    assert_int_equal(get_password(NULL, NULL, "mail.example.org", "alice", pw, sizeof pw), 0);
    assert_string_equal(pw, "env");
    unsetenv("SMTPC_PASSWORD");
    assert_int_equal(load(&c, "account default\npassword cfg\n", NULL), 0);
    assert_int_equal(get_password(&c, NULL, "mail.example.org", "alice", pw, sizeof pw), 0);
    assert_string_equal(pw, "cfg");
    cli_config_free(&c);

    /* without host or user it is not asked */
    path_in(marker, sizeof marker, dir, "ran");
    snprintf(path, sizeof path, ": > %s\nexit 1\n", marker);
    make_secret_tool(bin, path);
    assert_int_equal(get_password(NULL, NULL, NULL, "alice", pw, sizeof pw), 1);
    assert_int_equal(get_password(NULL, NULL, "h", NULL, pw, sizeof pw), 1);
    assert_int_equal(access(marker, F_OK), -1);
    assert_int_equal(get_password(NULL, NULL, "h", "u", pw, sizeof pw), 1);
    assert_int_equal(access(marker, F_OK), 0); /* the fake does run */
    assert_int_equal(remove(marker), 0);

    /* a relative PATH entry is never searched */
    assert_int_equal(chdir(dir), 0);
    setenv("PATH", "bin", 1);
    assert_int_equal(get_password(NULL, NULL, "h", "u", pw, sizeof pw), 1);
    setenv("PATH", ":", 1);
    assert_int_equal(chdir(bin), 0);
    assert_int_equal(get_password(NULL, NULL, "h", "u", pw, sizeof pw), 1);
    assert_int_equal(access(marker, F_OK), -1);
    assert_int_equal(chdir("/"), 0);

    /* not executable: not a secret-tool */
    snprintf(path, sizeof path, "%s", bin);
    setenv("PATH", path, 1);
    path_in(path, sizeof path, bin, "secret-tool");
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(get_password(NULL, NULL, "h", "u", pw, sizeof pw), 1);
    assert_int_equal(access(marker, F_OK), -1);
    assert_no_child_left();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_a_plain_file, setup),
        cmocka_unit_test_setup(test_the_struct_may_be_moved, setup),
        cmocka_unit_test_setup(test_defaults_apply_to_the_accounts_after_them, setup),
        cmocka_unit_test_setup(test_inheritance, setup),
        cmocka_unit_test_setup(test_account_selection, setup),
        cmocka_unit_test_setup(test_account_line_errors, setup),
        cmocka_unit_test_setup(test_line_syntax, setup),
        cmocka_unit_test_setup(test_quoting, setup),
        cmocka_unit_test_setup(test_control_characters, setup),
        cmocka_unit_test_setup(test_unknown_and_unsupported_keys, setup),
        cmocka_unit_test_setup(test_every_key_by_name, setup),
        cmocka_unit_test_setup(test_on_off_keys, setup),
        cmocka_unit_test_setup(test_values, setup),
        cmocka_unit_test_setup(test_tilde, setup),
        cmocka_unit_test_setup(test_from_expansion, setup),
        cmocka_unit_test_setup(test_finding_the_file, setup),
        cmocka_unit_test_setup(test_unreadable_and_large_files, setup),
        cmocka_unit_test_setup(test_password_file_permissions, setup),
        cmocka_unit_test_setup(test_config_not_owned_by_the_user, setup),
        cmocka_unit_test_setup(test_password_from_a_file, setup),
        cmocka_unit_test_setup(test_password_file_not_owned_by_the_user, setup),
        cmocka_unit_test_setup(test_password_file_from_the_config, setup),
        cmocka_unit_test_setup(test_password_precedence, setup),
        cmocka_unit_test_setup(test_passwordeval, setup),
        cmocka_unit_test_setup(test_passwordeval_does_not_read_the_message, setup),
        cmocka_unit_test_setup(test_keyring, setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
