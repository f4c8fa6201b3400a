/*
 * Step names, for messages. See smtpc/session.h. A file of its own: a
 * firmware that maps steps to its own codes links none of these strings.
 */
#include "smtpc/session.h"

const char *smtpc_step_name(enum smtpc_step step)
{
    static const char *const names[] = {
        [SMTPC_STEP_NONE] = "",
        [SMTPC_STEP_SETUP] = "setup",
        [SMTPC_STEP_CONNECT] = "connect",
        [SMTPC_STEP_TLS_SETUP] = "TLS setup",
        [SMTPC_STEP_GREETING] = "greeting",
        [SMTPC_STEP_EHLO] = "EHLO",
        [SMTPC_STEP_HELO] = "HELO",
        [SMTPC_STEP_STARTTLS] = "STARTTLS",
        [SMTPC_STEP_TLS] = "TLS handshake",
        [SMTPC_STEP_AUTH] = "AUTH",
        [SMTPC_STEP_IDLE] = "idle",
        [SMTPC_STEP_SEND] = "send",
        [SMTPC_STEP_MAIL] = "MAIL FROM",
        [SMTPC_STEP_RCPT] = "RCPT TO",
        [SMTPC_STEP_DATA] = "DATA",
        [SMTPC_STEP_MESSAGE] = "message",
        [SMTPC_STEP_BODY] = "message data",
        [SMTPC_STEP_END] = "end of data",
        [SMTPC_STEP_RSET] = "RSET",
        [SMTPC_STEP_NOOP] = "NOOP",
        [SMTPC_STEP_QUIT] = "QUIT",
        [SMTPC_STEP_CLOSED] = "closed",
        [SMTPC_STEP_FAILED] = "failed",
    };

    if ((unsigned)step >= sizeof names / sizeof names[0])
        return "";
    return names[step];
}
