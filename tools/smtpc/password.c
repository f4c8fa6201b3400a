/*
 * The password sources (see cli_password_get in config.h).
 *
 * Commands run without a shell of smtpc's making: passwordeval is the
 * user's own shell command, given to /bin/sh -c as one argument, and
 * secret-tool gets the host and user name as arguments of their own, so
 * nothing in them is ever parsed by a shell. A child reads /dev/null (in
 * sendmail mode standard input is the message), starts with SIGPIPE at
 * its default, and is always waited for.
 *
 * No message says anything of a password but its length limit.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

extern char **environ;

/* What a command may print before smtpc gives up on it. */
#define OUTPUT_MAX 65536

enum line_result {
    LINE_OK,
    LINE_NOTHING,  /* not one byte */
    LINE_EMPTY,    /* the first line is empty */
    LINE_TOO_LONG, /* cap bytes or more */
    LINE_NUL,      /* a NUL byte in the first line */
    LINE_TOO_MUCH, /* more than OUTPUT_MAX bytes (commands) */
    LINE_ERROR,    /* read failed: errno */
};

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n-- > 0)
        *v++ = 0;
}

/* The first line of fd, up to the first CR or LF, into pw. A file is read
 * no further; a command's output (drain) is read to its end, so that the
 * command is not stopped by a closed pipe. */
static enum line_result first_line(int fd, int drain, char *pw, size_t cap)
{
    char chunk[512];
    size_t len = 0, total = 0;
    int done = 0, too_long = 0, nul = 0;
    enum line_result rc = LINE_OK;

    for (;;) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        ssize_t i;

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = LINE_ERROR;
            break;
        }
        if (got == 0)
            break;
        total += (size_t)got;
        for (i = 0; i < got && !done; i++) {
            if (chunk[i] == '\r' || chunk[i] == '\n')
                done = 1;
            else if (chunk[i] == '\0')
                nul = 1;
            else if (len + 1 < cap)
                pw[len++] = chunk[i];
            else
                too_long = 1;
        }
        if (total > OUTPUT_MAX) {
            rc = LINE_TOO_MUCH;
            break;
        }
        if (done && !drain)
            break;
    }
    wipe(chunk, sizeof chunk);
    pw[len] = '\0';
    if (rc == LINE_OK) {
        if (total == 0)
            rc = LINE_NOTHING;
        else if (nul)
            rc = LINE_NUL;
        else if (too_long)
            rc = LINE_TOO_LONG;
        else if (len == 0)
            rc = LINE_EMPTY;
    }
    if (rc != LINE_OK)
        wipe(pw, cap);
    return rc;
}

/* A password file: the user's own, closed to group and others; its first
 * line. `where` ends every message: "" or " (password_file at F:L)". */
static int read_password_file(const char *path, const char *where, char *pw, size_t cap)
{
    struct stat st;
    enum line_result r;
    int fd, err;

    fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "smtpc: cannot open %s: %s%s\n", path, strerror(errno), where);
        return EXIT_IOERR;
    }
    err = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (err != 0) {
        close(fd);
        fprintf(stderr, "smtpc: cannot read %s: %s%s\n", path, strerror(err), where);
        return EXIT_IOERR;
    }
    if (st.st_uid != geteuid()) {
        close(fd);
        fprintf(stderr,
                "smtpc: %s: a password file must be your own (it is owned by uid %lu, you are "
                "uid %lu)%s\n",
                path, (unsigned long)st.st_uid, (unsigned long)geteuid(), where);
        return EXIT_CONFIG;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        close(fd);
        fprintf(stderr,
                "smtpc: %s: a password file must be closed to group and others (mode %04o); "
                "run: chmod 600 %s%s\n",
                path, (unsigned)(st.st_mode & 07777), path, where);
        return EXIT_CONFIG;
    }
    r = first_line(fd, 0, pw, cap);
    err = errno;
    close(fd);
    switch (r) {
    case LINE_OK:
        return 0;
    case LINE_ERROR:
        fprintf(stderr, "smtpc: cannot read %s: %s%s\n", path, strerror(err), where);
        return EXIT_IOERR;
    case LINE_NOTHING:
        fprintf(stderr, "smtpc: %s is empty%s\n", path, where);
        return EXIT_DATAERR;
    case LINE_EMPTY:
        fprintf(stderr, "smtpc: %s: the first line is empty%s\n", path, where);
        return EXIT_DATAERR;
    case LINE_NUL:
        fprintf(stderr, "smtpc: %s: the password holds a NUL byte%s\n", path, where);
        return EXIT_DATAERR;
    case LINE_TOO_LONG:
    case LINE_TOO_MUCH:
        break;
    }
    fprintf(stderr, "smtpc: %s: the password is longer than %lu bytes%s\n", path,
            (unsigned long)(cap - 1), where);
    return EXIT_DATAERR;
}

/* Runs argv[0] (a path) with argv, standard input /dev/null, standard
 * error /dev/null when quiet, and reads the first line it prints. Returns
 * 0 with *status (waitpid's) and *r, or an errno from posix_spawn. */
static int run(const char *const argv[], int quiet, char *pw, size_t cap, int *status,
               enum line_result *r)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, pipe_only;
    pid_t pid;
    int fds[2], rc;

    if (pipe(fds) != 0)
        return errno;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        close(fds[0]);
        close(fds[1]);
        return ENOMEM;
    }
    if (posix_spawnattr_init(&attr) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        close(fds[0]);
        close(fds[1]);
        return ENOMEM;
    }
    sigemptyset(&none);
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(&attr, &pipe_only);
    /* the pipe's ends may be 0 or 1 when smtpc started without them */
    if (rc == 0)
        rc = posix_spawn_file_actions_addclose(&fa, fds[0]);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    if (rc == 0 && fds[1] != 1)
        rc = posix_spawn_file_actions_addclose(&fa, fds[1]);
    if (rc == 0 && quiet)
        rc = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (rc == 0)
        rc = posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return rc;
    }
    *r = first_line(fds[0], 1, pw, cap);
    close(fds[0]);
    if (*r == LINE_TOO_MUCH || *r == LINE_ERROR)
        kill(pid, SIGKILL); /* our own child, which we stopped listening to */
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR) {
            *status = -1;
            break;
        }
    }
    return 0;
}

/* passwordeval: the user's command, by /bin/sh. */
static int password_eval(const struct cli_setting *s, char *pw, size_t cap)
{
    const char *argv[] = {"/bin/sh", "-c", s->value, NULL};
    enum line_result r = LINE_NOTHING;
    int status = 0, rc;

    rc = run(argv, 0, pw, cap, &status, &r);
    if (rc != 0) {
        fprintf(stderr, "smtpc: %s:%u: passwordeval: cannot run /bin/sh: %s\n", s->file, s->line,
                strerror(rc));
        return EXIT_IOERR;
    }
    if (r == LINE_TOO_MUCH) {
        fprintf(stderr, "smtpc: %s:%u: passwordeval printed more than %u bytes\n", s->file, s->line,
                (unsigned)OUTPUT_MAX);
        return EXIT_CONFIG;
    }
    if (r == LINE_ERROR) {
        fprintf(stderr, "smtpc: %s:%u: passwordeval: cannot read its output\n", s->file, s->line);
        return EXIT_IOERR;
    }
    if (status == -1 || (!WIFEXITED(status) && !WIFSIGNALED(status))) {
        wipe(pw, cap);
        fprintf(stderr, "smtpc: %s:%u: passwordeval: cannot wait for it\n", s->file, s->line);
        return EXIT_IOERR;
    }
    if (WIFSIGNALED(status)) {
        wipe(pw, cap);
        fprintf(stderr, "smtpc: %s:%u: passwordeval was killed by signal %d\n", s->file, s->line,
                WTERMSIG(status));
        return EXIT_CONFIG;
    }
    if (WEXITSTATUS(status) != 0) {
        wipe(pw, cap);
        fprintf(stderr, "smtpc: %s:%u: passwordeval failed (exit status %d)\n", s->file, s->line,
                WEXITSTATUS(status));
        return EXIT_CONFIG;
    }
    switch (r) {
    case LINE_OK:
        return 0;
    case LINE_NOTHING:
        fprintf(stderr, "smtpc: %s:%u: passwordeval printed nothing\n", s->file, s->line);
        return EXIT_CONFIG;
    case LINE_EMPTY:
        fprintf(stderr, "smtpc: %s:%u: passwordeval printed an empty first line\n", s->file,
                s->line);
        return EXIT_CONFIG;
    case LINE_NUL:
        fprintf(stderr, "smtpc: %s:%u: passwordeval printed a NUL byte\n", s->file, s->line);
        return EXIT_DATAERR;
    default:
        break;
    }
    fprintf(stderr, "smtpc: %s:%u: passwordeval printed a password longer than %lu bytes\n",
            s->file, s->line, (unsigned long)(cap - 1));
    return EXIT_DATAERR;
}

/* secret-tool in an absolute directory of $PATH, into path. */
static int find_secret_tool(char *path, size_t cap)
{
    const char *dirs = getenv("PATH");

    if (dirs == NULL)
        dirs = "/usr/local/bin:/usr/bin:/bin";
    while (*dirs != '\0') {
        size_t n = strcspn(dirs, ":");
        struct stat st;

        /* an empty or relative entry would run whatever the current
         * directory holds */
        if (dirs[0] == '/' && n + sizeof "/secret-tool" <= cap) {
            memcpy(path, dirs, n);
            memcpy(path + n, "/secret-tool", sizeof "/secret-tool");
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
                return 1;
        }
        dirs += n;
        if (*dirs == ':')
            dirs++;
    }
    return 0;
}

/* The desktop keyring: 1 when it has nothing (or there is none). */
static int password_keyring(const char *host, const char *user, char *pw, size_t cap)
{
    char tool[4096];
    const char *argv[] = {tool, "lookup", "host", host, "user", user, NULL};
    enum line_result r = LINE_NOTHING;
    int status = 0;

    if (host == NULL || user == NULL || !find_secret_tool(tool, sizeof tool))
        return 1;
    if (run(argv, 1, pw, cap, &status, &r) != 0)
        return 1;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        wipe(pw, cap);
        return 1;
    }
    switch (r) {
    case LINE_OK:
        return 0;
    case LINE_TOO_LONG:
        fprintf(stderr, "smtpc: the password from secret-tool is longer than %lu bytes\n",
                (unsigned long)(cap - 1));
        return EXIT_DATAERR;
    case LINE_NUL:
        fprintf(stderr, "smtpc: the password from secret-tool holds a NUL byte\n");
        return EXIT_DATAERR;
    default:
        wipe(pw, cap);
        return 1;
    }
}

int cli_password_get(const struct cli_config *cfg, const char *password_file, const char *host,
                     const char *user, char *pw, size_t cap)
{
    const char *env;

    if (cap == 0)
        return EXIT_SOFTWARE;
    pw[0] = '\0';
    if (password_file != NULL)
        return read_password_file(password_file, "", pw, cap);
    if (cfg != NULL) {
        const struct cli_setting *s = &cfg->set[CLI_KEY_PASSWORD_FILE];

        if (s->value != NULL) {
            char where[sizeof cfg->file + 64];

            snprintf(where, sizeof where, " (password_file at %s:%u)", s->file, s->line);
            return read_password_file(s->value, where, pw, cap);
        }
        s = &cfg->set[CLI_KEY_PASSWORD];
        if (s->value != NULL) {
            if (strlen(s->value) >= cap) {
                fprintf(stderr, "smtpc: %s:%u: the password is longer than %lu bytes\n", s->file,
                        s->line, (unsigned long)(cap - 1));
                return EXIT_DATAERR;
            }
            strcpy(pw, s->value);
            return 0;
        }
        s = &cfg->set[CLI_KEY_PASSWORDEVAL];
        if (s->value != NULL)
            return password_eval(s, pw, cap);
    }
    env = getenv("SMTPC_PASSWORD");
    if (env != NULL && env[0] != '\0') {
        if (strlen(env) >= cap) {
            fprintf(stderr, "smtpc: SMTPC_PASSWORD is too long\n");
            return EXIT_DATAERR;
        }
        strcpy(pw, env);
        return 0;
    }
    return password_keyring(host, user, pw, cap);
}
