/*
 * Transcript harness: drives one engine session against scripted server
 * bytes and checks the exact bytes the client sends.
 *
 * Every transcript is a function of a harness whose `chunk` says how many
 * bytes move per read and per write; run_transcript() replays it at every
 * chunk size from 1 to 64 and once unsplit, so a transcript that passes
 * holds wherever the network splits the stream.
 */
#ifndef SMTPC_TEST_HARNESS_H
#define SMTPC_TEST_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "smtpc/session.h"

#define H_TRACE_MAX 16384

struct harness {
    struct smtpc_session s;
    struct smtpc_session_config cfg;
    uint8_t in[SMTPC_IN_BUF_MIN * 4];
    uint8_t out[SMTPC_OUT_BUF_DEFAULT];
    size_t out_cap;   /* output buffer size given to the engine */
    size_t chunk;     /* bytes per read and per write */
    char sent[65536]; /* client bytes not yet checked */
    size_t sent_len;
    char trace[H_TRACE_MAX]; /* "C: ...\n" / "S: ...\n" / "* ...\n" */
    size_t trace_len;
};

typedef void transcript_fn(struct harness *h);

/* Sets up the config defaults (EHLO name "client.example") and trace. */
void h_config(struct harness *h);
/* Initialises the session from h->cfg; asserts success. */
void h_start(struct harness *h);
/* Feeds server bytes, `chunk` at a time. */
void h_server(struct harness *h, const char *bytes);
/* Drains client output `chunk` at a time and asserts it is exactly `expected`. */
void h_client(struct harness *h, const char *expected);
/* Asserts that the client has nothing to send. */
void h_silent(struct harness *h);
/* Feeds body bytes through smtpc_session_body_write, draining as needed. */
void h_body(struct harness *h, const char *bytes, size_t len);
/* Asserts smtpc_session_wants == w. */
void h_wants(struct harness *h, unsigned w);

/* Runs `fn` at chunk sizes 1..64 and unsplit, with `setup` before each run
 * (may be NULL) to adjust h->cfg after h_config and before h_start. */
void run_transcript(transcript_fn *fn, void (*setup)(struct harness *h));

#endif
