/*
 * The message as smtpc reads it: the header block is read and parsed (for
 * -t, Bcc and the headers smtpc adds), the body is streamed after it, so
 * memory stays flat whatever the message's size. From a regular file the
 * body is measured in a first pass (SIZE=, 8BITMIME, long lines known
 * before connecting); from a pipe only what fits in the first
 * CLI_INPUT_PREFIX_MAX bytes is.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define READ_CHUNK 65536

static int grow(struct cli_input *in, size_t need)
{
    size_t cap = in->cap ? in->cap : READ_CHUNK;
    char *p;

    while (cap < need)
        cap *= 2;
    if (cap == in->cap)
        return 0;
    p = realloc(in->buf, cap);
    if (p == NULL)
        return -1;
    in->buf = p;
    in->cap = cap;
    return 0;
}

/* Reads up to READ_CHUNK more bytes into buf. Returns the count, 0 at the
 * end, or -1 after printing why. */
static long fill(struct cli_input *in)
{
    ssize_t n;

    if (in->eof)
        return 0;
    if (grow(in, in->len + READ_CHUNK) != 0) {
        fprintf(stderr, "smtpc: out of memory reading the message\n");
        return -1;
    }
    do
        n = read(in->fd, in->buf + in->len, READ_CHUNK);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        fprintf(stderr, "smtpc: cannot read %s: %s\n", in->name, strerror(errno));
        return -1;
    }
    if (n == 0)
        in->eof = 1;
    in->len += (size_t)n;
    return (long)n;
}

/* A header field's first line: a name of printable ASCII without ':' and
 * blanks, then ':' (RFC 5322 §2.2; blanks before the colon are obsolete
 * syntax, accepted). */
static size_t field_name_length(const char *p, size_t n)
{
    size_t i = 0, name;

    while (i < n && p[i] > ' ' && p[i] < 0x7f && p[i] != ':')
        i++;
    name = i;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return name > 0 && i < n && p[i] == ':' ? name : 0;
}

static int name_is(const char *field, size_t name_len, const char *name)
{
    return name_len == strlen(name) && strncasecmp(field, name, name_len) == 0;
}

struct collect {
    struct cli_input *in;
    int failed;
};

static int add_recipient(void *ctx, const char *addr, size_t len)
{
    struct collect *c = ctx;
    struct cli_input *in = c->in;
    char **list, *copy;

    list = realloc(in->recipients, (in->recipient_count + 1) * sizeof *list);
    if (list == NULL)
        return c->failed = -1;
    in->recipients = list;
    copy = strndup(addr, len);
    if (copy == NULL)
        return c->failed = -1;
    list[in->recipient_count++] = copy;
    return 0;
}

static int first_address(void *ctx, const char *addr, size_t len)
{
    char **out = ctx;

    if (*out == NULL)
        *out = strndup(addr, len);
    return 0;
}

/* The value of the field at p (name included, line breaks folded away),
 * for the address parser. */
static char *field_value(const char *p, size_t n, size_t name_len)
{
    const char *colon = memchr(p + name_len, ':', n - name_len);

    return strndup(colon + 1, n - (size_t)(colon + 1 - p));
}

/* Looks at one header field: remembers From, Date and Message-ID, takes
 * the recipients for -t, and says whether the field stays. */
static int keep_field(struct cli_input *in, const struct cli_input_options *o, const char *p,
                      size_t n, size_t name_len)
{
    int to = name_is(p, name_len, "To") || name_is(p, name_len, "Cc");
    int bcc = name_is(p, name_len, "Bcc");

    if (name_is(p, name_len, "Date"))
        in->has_date = 1;
    if (name_is(p, name_len, "Message-ID"))
        in->has_msgid = 1;
    if (to)
        in->has_to = 1;
    if (name_is(p, name_len, "From")) {
        in->has_from = 1;
        if (o->read_from && in->header_from == NULL) { /* the sender, for the envelope */
            char *value = field_value(p, n, name_len);

            if (value == NULL)
                return -1;
            if (cli_address_list(value, strlen(value), first_address, &in->header_from) != 0)
                in->bad_field = "From";
            free(value);
        }
        if (o->set_from == CLI_SET_ON)
            return 0;
    }
    if (o->read_recipients && (to || bcc)) {
        struct collect c = {in, 0};
        char *value = field_value(p, n, name_len);

        if (value == NULL)
            return -1;
        if (cli_address_list(value, strlen(value), add_recipient, &c) != 0 && c.failed == 0)
            in->bad_field = bcc ? "Bcc" : name_is(p, name_len, "To") ? "To" : "Cc";
        free(value);
        if (c.failed)
            return -1;
    }
    return !(bcc && o->remove_bcc);
}

static int append_head(struct cli_input *in, const char *p, size_t n)
{
    char *h;

    if (in->head_len + n > in->head_cap) {
        size_t cap = (in->head_len + n) * 2 + 256;

        h = realloc(in->head, cap);
        if (h == NULL)
            return -1;
        in->head = h;
        in->head_cap = cap;
    }
    memcpy(in->head + in->head_len, p, n);
    in->head_len += n;
    return 0;
}

/* The end of the line that starts at `at` (past its break: LF, CRLF, or a
 * bare CR, as the encoder reads them), `limit` when the line runs to it,
 * or 0 when the bytes up to `limit` cannot tell yet. */
static size_t line_end(const char *buf, size_t at, size_t limit, int complete)
{
    size_t i;

    for (i = at; i < limit; i++) {
        if (buf[i] == '\n')
            return i + 1;
        if (buf[i] == '\r') {
            if (i + 1 < limit)
                return buf[i + 1] == '\n' ? i + 2 : i + 1;
            return complete ? i + 1 : 0; /* a CR last: is an LF next? */
        }
    }
    return complete ? limit : 0;
}

static int too_long(const struct cli_input *in)
{
    fprintf(stderr, "smtpc: the message's header is over %d KiB (%s)\n", CLI_INPUT_HEAD_MAX / 1024,
            in->name);
    return EXIT_DATAERR;
}

/* Finds the header block's end in buf, reading as needed: the empty line,
 * the first line that is no header field (all of it body, then), or the
 * end of input. Sets in->body_at and in->blank_at (where the separating
 * empty line starts, or body_at when there is none). */
static int find_head_end(struct cli_input *in)
{
    size_t line = 0;

    for (;;) {
        size_t end = line_end(in->buf, line, in->len, in->eof);
        const char *p = in->buf + line;

        if (end == 0) { /* the line goes on past what was read */
            if (in->len > CLI_INPUT_HEAD_MAX)
                return too_long(in);
            if (fill(in) < 0)
                return EXIT_IOERR;
            continue;
        }
        if (end == line || p[0] == '\n' || p[0] == '\r') {
            in->blank_at = line; /* the empty line, or the end of input */
            in->body_at = end;
            return 0;
        }
        if (!(line > 0 && (p[0] == ' ' || p[0] == '\t')) && field_name_length(p, end - line) == 0) {
            in->blank_at = in->body_at = line; /* not a header: the body starts here */
            return 0;
        }
        line = end;
        if (line > CLI_INPUT_HEAD_MAX)
            return too_long(in);
    }
}

/* Walks the fields of buf[0, blank_at), unfolded by continuation lines. */
static int parse_head(struct cli_input *in, const struct cli_input_options *o)
{
    size_t at = 0;

    while (at < in->blank_at) {
        size_t end = at, name_len;
        int keep;

        do /* the field's lines: the first, and those that start with a blank */
            end = line_end(in->buf, end, in->blank_at, 1);
        while (end < in->blank_at && (in->buf[end] == ' ' || in->buf[end] == '\t'));
        name_len = field_name_length(in->buf + at, end - at);
        keep = keep_field(in, o, in->buf + at, end - at, name_len);
        if (keep < 0 || (keep && append_head(in, in->buf + at, end - at) != 0)) {
            fprintf(stderr, "smtpc: out of memory reading the message\n");
            return EXIT_SOFTWARE;
        }
        if (end > at && in->buf[end - 1] != '\n' && in->buf[end - 1] != '\r' &&
            append_head(in, "\r\n", 2) != 0)
            return EXIT_SOFTWARE; /* a last field cut by the end of input */
        at = end;
    }
    return 0;
}

int cli_input_open(struct cli_input *in, const struct cli_input_options *o)
{
    struct stat st;
    int rc;

    memset(in, 0, sizeof *in);
    if (o->path == NULL || strcmp(o->path, "-") == 0) {
        in->fd = STDIN_FILENO;
        in->name = "standard input";
    } else {
        in->fd = open(o->path, O_RDONLY | O_CLOEXEC);
        in->name = o->path;
        if (in->fd < 0) {
            fprintf(stderr, "smtpc: cannot open %s: %s\n", o->path, strerror(errno));
            return EXIT_IOERR;
        }
        in->close_fd = 1;
    }
    in->regular = fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode);
    if (fill(in) < 0)
        return EXIT_IOERR;
    if (in->len == 0 && o->parse_headers) { /* an empty input is a mistake, never a message */
        fprintf(stderr, "smtpc: the message is empty (%s)\n", in->name);
        return EXIT_DATAERR;
    }
    if (!o->parse_headers) /* all body, after the given header block */
        return 0;
    rc = find_head_end(in);
    if (rc == 0)
        rc = parse_head(in, o);
    if (rc == 0 && in->bad_field != NULL) {
        fprintf(stderr, "smtpc: cannot read the addresses in the %s: header\n", in->bad_field);
        rc = EXIT_DATAERR;
    }
    return rc;
}

static int add_field(struct cli_input *in, const char *name, const char *value)
{
    return append_head(in, name, strlen(name)) || append_head(in, ": ", 2) ||
           append_head(in, value, strlen(value)) || append_head(in, "\r\n", 2);
}

int cli_input_prepare(struct cli_input *in, const struct cli_input_options *o,
                      const struct cli_added_headers *add)
{
    struct smtpc_body_measure m;

    if (o->parse_headers) {
        int failed = 0;

        if (add->from != NULL && (!in->has_from || o->set_from == CLI_SET_ON))
            failed |= add_field(in, "From", add->from);
        if (add->date != NULL && !in->has_date)
            failed |= add_field(in, "Date", add->date);
        if (add->message_id != NULL && !in->has_msgid)
            failed |= add_field(in, "Message-ID", add->message_id);
        if (o->undisclosed && o->read_recipients && !in->has_to)
            failed |= add_field(in, "To", "undisclosed-recipients:;");
        /* the empty line as it was, or one where there was none */
        if (in->body_at > in->blank_at)
            failed |= append_head(in, in->buf + in->blank_at, in->body_at - in->blank_at);
        else
            failed |= append_head(in, "\r\n", 2);
        if (failed) {
            fprintf(stderr, "smtpc: out of memory reading the message\n");
            return EXIT_SOFTWARE;
        }
    } else if (o->prepend != NULL && append_head(in, o->prepend, o->prepend_len) != 0) {
        fprintf(stderr, "smtpc: out of memory\n");
        return EXIT_SOFTWARE;
    }
    /* What is known before connecting: all of a regular file, measured in a
     * first pass, or the whole of a short stream. */
    while (!in->regular && !in->eof && in->len - in->body_at < CLI_INPUT_PREFIX_MAX) {
        if (fill(in) < 0)
            return EXIT_IOERR;
    }
    smtpc_body_measure_init(&m);
    smtpc_body_measure_add(&m, (const uint8_t *)in->head, in->head_len);
    smtpc_body_measure_add(&m, (const uint8_t *)in->buf + in->body_at, in->len - in->body_at);
    in->known = in->eof;
    if (in->regular && !in->eof) {
        off_t at = lseek(in->fd, 0, SEEK_CUR);
        char *chunk = malloc(READ_CHUNK);
        ssize_t n = 0;

        if (chunk == NULL)
            return EXIT_SOFTWARE;
        while (at >= 0 && (n = pread(in->fd, chunk, READ_CHUNK, at)) > 0) {
            smtpc_body_measure_add(&m, (const uint8_t *)chunk, (size_t)n);
            at += n;
        }
        free(chunk);
        in->known = at >= 0 && n == 0;
    }
    in->size = smtpc_body_measure_end(&m);
    in->eight_bit = m.eight_bit;
    in->long_line = m.long_line;
    in->send_at = 0;
    return 0;
}

long cli_input_read(void *ctx, uint8_t *buf, size_t cap)
{
    struct cli_input *in = ctx;
    size_t n;

    if (in->send_at < in->head_len) { /* the header block as it goes */
        n = in->head_len - in->send_at < cap ? in->head_len - in->send_at : cap;
        memcpy(buf, in->head + in->send_at, n);
        in->send_at += n;
        in->sent += n;
        return (long)n;
    }
    if (in->body_at == in->len) { /* the rest straight from the input */
        ssize_t r;

        if (in->eof)
            return 0;
        do
            r = read(in->fd, buf, cap);
        while (r < 0 && errno == EINTR);
        if (r < 0) {
            in->read_errno = errno;
            return -1;
        }
        if (r == 0)
            in->eof = 1;
        in->sent += (size_t)r;
        return (long)r;
    }
    n = in->len - in->body_at < cap ? in->len - in->body_at : cap;
    memcpy(buf, in->buf + in->body_at, n);
    in->body_at += n;
    in->sent += n;
    if (in->body_at == in->len) { /* what was read ahead is sent: free it */
        free(in->buf);
        in->buf = NULL;
        in->len = in->body_at = in->cap = 0;
    }
    return (long)n;
}

void cli_input_free(struct cli_input *in)
{
    size_t i;

    if (in->close_fd)
        close(in->fd);
    for (i = 0; i < in->recipient_count; i++)
        free(in->recipients[i]);
    free(in->recipients);
    free(in->header_from);
    free(in->head);
    free(in->buf);
    memset(in, 0, sizeof *in);
}
