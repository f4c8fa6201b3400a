/*
 * Configuration the NetX Duo SMTP tests build the compat layer with
 * (forced in with -include): short timeouts, so a test of each timeout
 * takes a second, and a fixed Date, so transcripts are byte-exact.
 */
#ifndef NX_TEST_CONFIG_H
#define NX_TEST_CONFIG_H

#define NX_SMTP_GREETING_TIMEOUT (1 * NX_IP_PERIODIC_RATE)
#define NX_SMTP_ENVELOPE_TIMEOUT (1 * NX_IP_PERIODIC_RATE)
#define NX_SMTP_MESSAGE_TIMEOUT (1 * NX_IP_PERIODIC_RATE)
#define NX_SMTP_CLIENT_SEND_TIMEOUT (1 * NX_IP_PERIODIC_RATE)
#define NX_SMTP_CLIENT_PACKET_TIMEOUT (NX_IP_PERIODIC_RATE / 2)
#define NX_SMTP_CLIENT_CONNECTION_TIMEOUT (2 * NX_IP_PERIODIC_RATE)
#define NX_SMTP_CLIENT_DISCONNECT_TIMEOUT (NX_IP_PERIODIC_RATE / 2)
#define NX_SMTP_CLIENT_TIME() 1700000000L /* Tue, 14 Nov 2023 22:13:20 +0000 */

#endif
