/*
 * A minimal firmware image that uses the whole engine, so that the linker
 * keeps exactly what a real device would: scripts/cortex-m4-size builds it
 * for a Cortex-M4 with --gc-sections and prints .text/.data/.bss.
 *
 * The "network" is a fixed script of server replies; what matters is that
 * every engine entry point is reachable, not what it sends.
 */
#include <stdint.h>
#include <string.h>

#include "smtpc/session.h"

static struct smtpc_session session;
static uint8_t in_buf[256];
static uint8_t out_buf[SMTPC_OUT_BUF_MIN];
static volatile size_t sink;

static const char *const replies[] = {
    "220 mx ESMTP\r\n", "250-mx\r\n250 AUTH PLAIN LOGIN\r\n",
    "235 ok\r\n",       "250 ok\r\n",
    "250 ok\r\n",       "354 go\r\n",
    "250 queued\r\n",   "221 bye\r\n",
};

static void feed(const char *text)
{
    size_t len = strlen(text), cap;
    uint8_t *p = smtpc_session_in_buf(&session, &cap);

    if (len > cap)
        len = cap;
    memcpy(p, text, len);
    smtpc_session_in_ack(&session, len);
}

static void drain(void)
{
    size_t len;
    const uint8_t *p = smtpc_session_out_buf(&session, &len);

    sink += len + (len ? p[0] : 0);
    smtpc_session_out_ack(&session, len);
}

int main(void)
{
    struct smtpc_session_config cfg;
    struct smtpc_rcpt rcpt = {"b@example.net", {0, "", "", 0, 0}, 0};
    struct smtpc_txn txn;
    size_t i = 0;

    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "device.example";
    cfg.username = "device";
    cfg.password = "secret";
    cfg.flags = SMTPC_F_ALLOW_CLEARTEXT_AUTH;
    if (smtpc_session_init(&session, &cfg, in_buf, sizeof in_buf, out_buf, sizeof out_buf) != 0)
        return 1;
    memset(&txn, 0, sizeof txn);
    txn.from = "device@example.net";
    txn.rcpt = &rcpt;
    txn.rcpt_count = 1;
    while (i < sizeof replies / sizeof replies[0]) {
        unsigned w = smtpc_session_wants(&session);

        if (w & SMTPC_WANT_SEND) {
            drain();
        } else if (w & SMTPC_WANT_RECV) {
            feed(replies[i++]);
        } else if (w & SMTPC_WANT_BODY) {
            smtpc_session_body_write(&session, (const uint8_t *)"hello\n", 6);
            smtpc_session_body_end(&session);
        } else if (w & SMTPC_READY) {
            if (txn.done || smtpc_session_txn_begin(&session, &txn) != 0)
                smtpc_session_quit(&session);
        } else {
            break;
        }
    }
    sink += (size_t)smtpc_strerror(smtpc_session_error(&session))[0];
    sink += smtpc_session_timeout_s(&session) + (size_t)smtpc_session_step(&session)[0];
    return txn.result;
}
