/*
 * The aliases file, in msmtp's format (and close to /etc/aliases): lines
 * "name: address, address", '#' comments, and "default:" for every bare
 * name not listed. A recipient without '@' is looked up once (no
 * recursion, as msmtp); names match without regard to case.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

int cli_aliases_lookup(const char *path, const char *name, char **list)
{
    FILE *f = fopen(path, "r");
    char line[4096], *fallback = NULL;
    unsigned lineno = 0;

    *list = NULL;
    if (f == NULL) {
        fprintf(stderr, "smtpc: cannot open the aliases file %s: %s\n", path, strerror(errno));
        return EXIT_CONFIG;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *colon, *key;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            fprintf(stderr, "smtpc: %s:%u: line too long\n", path, lineno);
            break;
        }
        key = trim(line);
        if (key[0] == '#' || key[0] == '\0')
            continue;
        colon = strchr(key, ':');
        if (colon == NULL) {
            fprintf(stderr, "smtpc: %s:%u: no ':' after the alias name\n", path, lineno);
            break;
        }
        *colon = '\0';
        key = trim(key);
        if (strcasecmp(key, name) == 0) {
            *list = strdup(trim(colon + 1));
            break;
        }
        if (strcasecmp(key, "default") == 0 && fallback == NULL)
            fallback = strdup(trim(colon + 1));
    }
    if (*list == NULL && !ferror(f) && (feof(f))) {
        *list = fallback;
        fallback = NULL;
    } else if (*list == NULL) { /* a bad line, or a read error */
        if (ferror(f))
            fprintf(stderr, "smtpc: cannot read the aliases file %s: %s\n", path, strerror(errno));
        free(fallback);
        fclose(f);
        return EXIT_CONFIG;
    }
    free(fallback);
    fclose(f);
    return 0;
}
