/* Error descriptions. See smtpc/error.h. */
#include <stddef.h>

#include "smtpc/config.h"
#include "smtpc/error.h"

#if SMTPC_WITH_ERROR_TEXTS
struct error_name {
    int code;
    const char *text;
};

static const struct error_name names[] = {
    {SMTPC_OK, "success"},
    {SMTPC_ERR_ARG, "invalid argument"},
    {SMTPC_ERR_ARG_CTL, "argument contains CR, LF, NUL or another control character"},
    {SMTPC_ERR_ARG_ADDRESS, "invalid mail address"},
    {SMTPC_ERR_STATE, "call not allowed in the session's current state"},
    {SMTPC_ERR_BUFFER, "buffer too small"},
    {SMTPC_ERR_TOO_LONG, "command too long for the output buffer"},
    {SMTPC_ERR_BODY_LINE, "message line longer than 998 octets"},
    {SMTPC_ERR_NO_RECIPIENT, "no recipient"},
    {SMTPC_ERR_BODY_SOURCE, "reading the message failed"},
    {SMTPC_ERR_HEADER, "invalid header value"},
    {SMTPC_ERR_CONFIG, "program and smtpc built with different configurations (smtpc/config.h)"},
    {SMTPC_ERR_BODY_SIZE, "message not of the size declared"},
    {SMTPC_ERR_REPLY_SYNTAX, "malformed reply from server"},
    {SMTPC_ERR_REPLY_TOO_LONG, "reply line from server too long"},
    {SMTPC_ERR_REPLY_LINES, "reply from server has too many lines"},
    {SMTPC_ERR_REPLY_MIXED, "reply lines from server carry different codes"},
    {SMTPC_ERR_REPLY_UNEXPECTED, "unexpected reply from server"},
    {SMTPC_ERR_STARTTLS_INJECTION, "data injected after the STARTTLS reply"},
    {SMTPC_ERR_AUTH_PROTOCOL, "server broke the authentication exchange"},
    {SMTPC_ERR_REPLY_UNASKED, "reply from server that answers no command"},
    {SMTPC_ERR_REFUSED_GREETING, "server refused the connection"},
    {SMTPC_ERR_REFUSED_HELLO, "server refused EHLO and HELO"},
    {SMTPC_ERR_REFUSED_STARTTLS, "server refused STARTTLS"},
    {SMTPC_ERR_REFUSED_AUTH, "authentication refused"},
    {SMTPC_ERR_REFUSED_MAIL, "sender refused"},
    {SMTPC_ERR_REFUSED_RCPT, "recipient refused"},
    {SMTPC_ERR_REFUSED_DATA, "DATA refused"},
    {SMTPC_ERR_REFUSED_MESSAGE, "message refused"},
    {SMTPC_ERR_REFUSED_COMMAND, "command refused"},
    {SMTPC_ERR_AUTH_NOT_OFFERED, "credentials given but the server offers no authentication"},
    {SMTPC_ERR_AUTH_NO_MECH, "no allowed authentication mechanism offered by the server"},
    {SMTPC_ERR_AUTH_CLEARTEXT, "refusing to send the password over an unencrypted connection"},
    {SMTPC_ERR_MESSAGE_TOO_BIG, "message larger than the server accepts"},
    {SMTPC_ERR_SMTPUTF8, "non-ASCII address but the server lacks SMTPUTF8"},
    {SMTPC_ERR_TLS_REQUIRED, "TLS required but not available"},
    {SMTPC_ERR_RESOLVE, "host name not found"},
    {SMTPC_ERR_CONNECT, "connection failed"},
    {SMTPC_ERR_TIMEOUT, "timed out"},
    {SMTPC_ERR_CLOSED, "connection closed by server"},
    {SMTPC_ERR_IO, "read or write failed"},
    {SMTPC_ERR_TLS, "TLS failure"},
    {SMTPC_ERR_TLS_VERIFY, "server certificate verification failed"},
    {SMTPC_ERR_TLS_SETUP, "TLS setup failed"},
};

const char *smtpc_strerror(int err)
{
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].code == err)
            return names[i].text;
    }
    return "unknown error";
}
#else
const char *smtpc_strerror(int err)
{
    return err == 0 ? "success" : "smtpc error (texts not built: SMTPC_WITH_ERROR_TEXTS)";
}
#endif

int smtpc_error_class(int err)
{
    if (err >= 0)
        return SMTPC_ERRCLASS_NONE;
    if (err > -100)
        return SMTPC_ERRCLASS_USAGE;
    if (err > -200)
        return SMTPC_ERRCLASS_PROTOCOL;
    if (err > -300)
        return SMTPC_ERRCLASS_REFUSED;
    if (err > -400)
        return SMTPC_ERRCLASS_POLICY;
    return SMTPC_ERRCLASS_TRANSPORT;
}

int smtpc_error_has_reply(int err)
{
    return smtpc_error_class(err) == SMTPC_ERRCLASS_REFUSED || err == SMTPC_ERR_REPLY_UNEXPECTED ||
           err == SMTPC_ERR_REPLY_UNASKED || err == SMTPC_ERR_AUTH_PROTOCOL;
}
