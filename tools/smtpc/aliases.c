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
    char line[4096], *found = NULL, *fallback = NULL;
    unsigned lineno = 0;
    int rc = 0;

    *list = NULL;
    if (f == NULL) {
        fprintf(stderr, "smtpc: cannot open the aliases file %s: %s\n", path, strerror(errno));
        return EXIT_CONFIG;
    }
    while (found == NULL && rc == 0 && fgets(line, sizeof line, f) != NULL) {
        int whole = strchr(line, '\n') != NULL || feof(f);
        char *colon, *key = trim(line);

        lineno++;
        if (!whole) {
            fprintf(stderr, "smtpc: %s:%u: line too long\n", path, lineno);
            rc = EXIT_CONFIG;
        } else if (key[0] == '#' || key[0] == '\0') {
            continue;
        } else if ((colon = strchr(key, ':')) == NULL) {
            fprintf(stderr, "smtpc: %s:%u: no ':' after the alias name\n", path, lineno);
            rc = EXIT_CONFIG;
        } else {
            *colon = '\0';
            key = trim(key);
            if (strcasecmp(key, name) == 0)
                found = strdup(trim(colon + 1));
            else if (strcasecmp(key, "default") == 0 && fallback == NULL)
                fallback = strdup(trim(colon + 1));
        }
    }
    if (rc == 0 && found == NULL && ferror(f)) {
        fprintf(stderr, "smtpc: cannot read the aliases file %s: %s\n", path, strerror(errno));
        rc = EXIT_CONFIG;
    }
    fclose(f);
    if (rc == 0) { /* the name's entry, else the default one */
        *list = found != NULL ? found : fallback;
        if (found != NULL)
            free(fallback);
    } else {
        free(found);
        free(fallback);
    }
    return rc;
}
