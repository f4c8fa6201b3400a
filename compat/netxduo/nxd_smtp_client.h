/*
 * The NetX Duo SMTP Client API (Eclipse ThreadX), source-compatible, on
 * smtpc.
 *
 * Firmware written for NetX Duo's addons/smtp client builds against this
 * header unchanged: the same functions, types, constants, status values
 * and configuration macros. Underneath is smtpc's engine driven
 * over NetX Duo's own TCP socket and packet pool, so it fixes the
 * original's faults: the body is CRLF-normalised and dot-stuffed (a line
 * "." can no longer end the mail early), priority is honoured, replies
 * split over many segments are gathered, a message the server accepted is
 * reported as sent even if QUIT goes unanswered, and no buffer is shared
 * between clients, so several may run at once from different threads.
 *
 * Lifetimes: nxd_smtp_client_create copies the user name, password and
 * client domain and the server address. It keeps pointers to the IP
 * instance, the packet pool and `from_address`: those must stay valid (and
 * the address unchanged) until nx_smtp_client_delete. nx_smtp_mail_send
 * keeps nothing once it returns.
 *
 * Security: the NetX API has no TLS, so choosing NX_SMTP_CLIENT_AUTH_PLAIN
 * or _LOGIN is taken as consent to send the password over plain TCP, as
 * the original does. NX_SMTP_CLIENT_AUTH_CRAM_MD5 (which the original
 * declares but never implemented) keeps the password on the device; like
 * the others it falls back to PLAIN when the server does not list it. Use
 * smtpc's own API over NetX with mbedTLS for TLS.
 */
#ifndef NXD_SMTP_CLIENT_H
#define NXD_SMTP_CLIENT_H

#include "nx_api.h"
#include "smtpc/session.h"
#include "smtpc/netxduo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Configuration (ticks are NX_IP_PERIODIC_RATE per second) ---- */

#ifndef NX_SMTP_CLIENT_TCP_WINDOW_SIZE
#define NX_SMTP_CLIENT_TCP_WINDOW_SIZE 1460
#endif
#ifndef NX_SMTP_CLIENT_PACKET_TIMEOUT /* wait for a free packet */
#define NX_SMTP_CLIENT_PACKET_TIMEOUT (2 * NX_IP_PERIODIC_RATE)
#endif
#ifndef NX_SMTP_CLIENT_CONNECTION_TIMEOUT
#define NX_SMTP_CLIENT_CONNECTION_TIMEOUT (10 * NX_IP_PERIODIC_RATE)
#endif
#ifndef NX_SMTP_CLIENT_DISCONNECT_TIMEOUT
#define NX_SMTP_CLIENT_DISCONNECT_TIMEOUT (5 * NX_IP_PERIODIC_RATE)
#endif
#ifndef NX_SMTP_GREETING_TIMEOUT /* the server's 220 */
#define NX_SMTP_GREETING_TIMEOUT (10 * NX_IP_PERIODIC_RATE)
#endif
#ifndef NX_SMTP_ENVELOPE_TIMEOUT /* replies to EHLO, AUTH, MAIL, RCPT, DATA, QUIT */
#define NX_SMTP_ENVELOPE_TIMEOUT (10 * NX_IP_PERIODIC_RATE)
#endif
#ifndef NX_SMTP_MESSAGE_TIMEOUT /* the reply to the end of data */
#define NX_SMTP_MESSAGE_TIMEOUT (30 * NX_IP_PERIODIC_RATE)
#endif
#ifndef NX_SMTP_CLIENT_SEND_TIMEOUT /* each TCP send */
#define NX_SMTP_CLIENT_SEND_TIMEOUT (5 * NX_IP_PERIODIC_RATE)
#endif
#ifndef NX_SMTP_CLIENT_MAX_USERNAME /* also the longest client domain */
#define NX_SMTP_CLIENT_MAX_USERNAME 40
#endif
#ifndef NX_SMTP_CLIENT_MAX_PASSWORD
#define NX_SMTP_CLIENT_MAX_PASSWORD 20
#endif
#ifndef NX_SMTP_SERVER_CHALLENGE_MAX_STRING
#define NX_SMTP_SERVER_CHALLENGE_MAX_STRING 200
#endif
/* smtpc: room for the header text made for each mail (Date, Message-ID,
 * and a non-ASCII subject's encoded words with SMTPC_WITH_RFC2047; a longer
 * subject then gives NX_SIZE_ERROR). The arguments themselves are sent
 * from where they are, never copied. */
#ifndef NX_SMTP_CLIENT_HEADER_SIZE
#if SMTPC_WITH_RFC2047
#define NX_SMTP_CLIENT_HEADER_SIZE 1024
#else
#define NX_SMTP_CLIENT_HEADER_SIZE 96
#endif
#endif
/* smtpc: define NX_SMTP_CLIENT_TIME() to an expression giving seconds since
 * 1970 (an RTC or SNTP clock) for the Date header. Undefined, hosts use
 * their clock and devices write no Date (submission servers add one). */

#define NX_SMTP_CLIENT_AUTH_CHALLENGE_SIZE                                                         \
    (NX_SMTP_CLIENT_MAX_USERNAME + NX_SMTP_CLIENT_MAX_USERNAME + NX_SMTP_CLIENT_MAX_PASSWORD + 2)
#define NX_SMTP_CLIENT_AUTH_CHALLENGE_ENCODED_SIZE (NX_SMTP_CLIENT_AUTH_CHALLENGE_SIZE * 4 / 3 + 1)

/* ---- Status values ---- */

#define NX_SMTP_AUTHENTICATION_ERROR 0xA0       /* invalid authentication input at create */
#define NX_SMTP_OVERSIZE_MAIL_DATA 0xA1         /* the message exceeds the server's SIZE */
#define NX_SMTP_INVALID_SERVER_REPLY 0xA2       /* a well-formed reply that makes no sense here */
#define NX_SMTP_INTERNAL_ERROR 0xA3             /* internal processing error */
#define NX_SMTP_SERVER_ERROR_CODE_RECEIVED 0xA4 /* an SMTP server error code */
#define NX_SMTP_INVALID_PARAM 0xA5              /* invalid non-pointer input */
#define NX_SMTP_PACKET_ALLOCATE_ERROR 0xA6      /* a packet could not be allocated */
#define NX_SMTP_GREET_REPLY_ERROR 0xA7          /* the greeting was not 220 */
#define NX_SMTP_HELLO_REPLY_ERROR 0xA8          /* EHLO and HELO refused */
#define NX_SMTP_MAIL_REPLY_ERROR 0xA9           /* MAIL refused */
#define NX_SMTP_RCPT_REPLY_ERROR 0xAA           /* RCPT refused */
#define NX_SMTP_MESSAGE_REPLY_ERROR 0xAB        /* the message refused after the end of data */
#define NX_SMTP_DATA_REPLY_ERROR 0xAC           /* DATA refused */
#define NX_SMTP_AUTH_REPLY_ERROR 0xAD           /* authentication refused or broken */
#define NX_SMTP_SERVER_ERROR_REPLY 0xAE         /* a reply that does not parse */
#define NX_SMTP_TRANSMIT_ERROR 0xAF             /* TCP transmission failed */
#define NX_SMTP_INVALID_SERVER_CHALLENGE 0xB0   /* a bad SASL challenge */
#define NX_SMTP_OVERSIZE_SERVER_REPLY 0xB1      /* a reply line or reply too long */
#define NX_SMTP_CLIENT_NOT_INTIALIZED 0xB2      /* the client was not created */
#define NX_SMTP_CLIENT_NOT_INITIALIZED NX_SMTP_CLIENT_NOT_INTIALIZED

/* ---- Protocol constants ---- */

#define NX_SMTP_CLIENT_STATE_AWAITING_REPLY 0xFFFFFFFF
#define NX_SMTP_CLIENT_STATE_COMPLETED_NORMALLY 0xFFFFFFFE
#define NX_SMTP_CLIENT_STATE_ERROR 0xFFFFFFFD

#define NX_SMTP_COMMAND_EHLO "EHLO"
#define NX_SMTP_COMMAND_HELO "HELO"
#define NX_SMTP_COMMAND_MAIL "MAIL FROM"
#define NX_SMTP_COMMAND_RCPT "RCPT TO"
#define NX_SMTP_COMMAND_AUTH "AUTH"
#define NX_SMTP_COMMAND_NOOP "NOOP"
#define NX_SMTP_COMMAND_DATA "DATA"
#define NX_SMTP_COMMAND_RSET "RSET"
#define NX_SMTP_COMMAND_QUIT "QUIT"

#define NX_SMTP_CODE_GREETING_OK 220
#define NX_SMTP_CODE_ACKNOWLEDGE_QUIT 221
#define NX_SMTP_CODE_AUTHENTICATION_SUCCESSFUL 235
#define NX_SMTP_CODE_OK_TO_CONTINUE 250
#define NX_SMTP_CODE_CANNOT_VERIFY_RECIPIENT 252
#define NX_SMTP_CODE_AUTHENTICATION_TYPE_ACCEPTED 334
#define NX_SMTP_CODE_SEND_MAIL_INPUT 354
#define NX_SMTP_CODE_SERVICE_NOT_AVAILABLE 421
#define NX_SMTP_CODE_SERVICE_INTERNAL_SERVER_ERROR 451
#define NX_SMTP_CODE_INSUFFICIENT_STORAGE 452
#define NX_SMTP_CODE_AUTH_FAILED_INTERNAL_SERVER_ERROR 454
#define NX_SMTP_CODE_COMMAND_SYNTAX_ERROR 500
#define NX_SMTP_CODE_PARAMETER_SYNTAX_ERROR 501
#define NX_SMTP_CODE_COMMAND_NOT_IMPLEMENTED 502
#define NX_SMTP_CODE_BAD_SEQUENCE 503
#define NX_SMTP_CODE_PARAMETER_NOT_IMPLEMENTED 504
#define NX_SMTP_CODE_AUTH_REQUIRED 530
#define NX_SMTP_CODE_AUTH_FAILED 535
#define NX_SMTP_CODE_REQUESTED_ACTION_NOT_TAKEN 550
#define NX_SMTP_CODE_USER_NOT_LOCAL 551
#define NX_SMTP_CODE_OVERSIZE_MAIL_DATA 552
#define NX_SMTP_CODE_BAD_MAILBOX 553
#define NX_SMTP_CODE_TRANSACTION_FAILED 554
#define NX_SMTP_CODE_BAD_SERVER_CODE_RECEIVED 555

#define NX_SMTP_LINE_TERMINATOR "\r\n"
#define NX_SMTP_EOM "\r\n.\r\n"

typedef enum NX_SMTP_CLIENT_STATE_ENUM {
    NX_SMTP_CLIENT_STATE_IDLE = 0,
    NX_SMTP_CLIENT_STATE_GREETING,
    NX_SMTP_CLIENT_STATE_EHLO,
    NX_SMTP_CLIENT_STATE_HELO,
    NX_SMTP_CLIENT_STATE_MAIL,
    NX_SMTP_CLIENT_STATE_RCPT,
    NX_SMTP_CLIENT_STATE_DATA,
    NX_SMTP_CLIENT_STATE_MESSAGE,
    NX_SMTP_CLIENT_STATE_RSET,
    NX_SMTP_CLIENT_STATE_QUIT,
    NX_SMTP_CLIENT_STATE_NOOP,
    NX_SMTP_CLIENT_STATE_AUTH,
    NX_SMTP_CLIENT_STATE_AUTH_CHALLENGE
} NX_SMTP_CLIENT_STATE;

#define NX_SMTP_USERNAME_PROMPT "Username:"
#define NX_SMTP_PASSWORD_PROMPT "Password:"
#define NX_SMTP_CLIENT_ID 0x534D5450UL
#define NX_SMTP_CANCEL_AUTHENTICATION "*"

typedef enum NX_SMTP_AUTHENTICATION_STATE_ENUM {
    NX_SMTP_NOT_AUTHENTICATED,
    NX_SMTP_AUTHENTICATION_IN_PROGRESS,
    NX_SMTP_AUTHENTICATION_FAILED,
    NX_SMTP_AUTHENTICATION_SUCCEEDED
} NX_SMTP_AUTHENTICATION_STATE;

#define NX_SMTP_MAIL_PRIORITY_LOW 0x01
#define NX_SMTP_MAIL_PRIORITY_NORMAL 0x02
#define NX_SMTP_MAIL_PRIORITY_HIGH 0x04

#define NX_SMTP_RECIPIENT_TO 0x01
#define NX_SMTP_RECIPIENT_CC 0x02
#define NX_SMTP_RECIPIENT_BCC 0x04

#define NX_SMTP_SERVER_REPLY_CODE_SIZE 3

#define NX_SMTP_CLIENT_AUTH_NONE 0xFFFF
#define NX_SMTP_CLIENT_AUTH_LOGIN 1
#define NX_SMTP_CLIENT_AUTH_LOGIN_TEXT "AUTH LOGIN"
#define NX_SMTP_CLIENT_AUTH_CRAM_MD5 2
#define NX_SMTP_CLIENT_AUTH_CRAM_MD5_TEXT "AUTH CRAM-MD5"
#define NX_SMTP_CLIENT_AUTH_PLAIN 3
#define NX_SMTP_CLIENT_AUTH_PLAIN_TEXT "AUTH PLAIN"

/* ---- Types ---- */

/* The mail being sent: filled by nx_smtp_mail_send for its duration. */
typedef struct NX_SMTP_CLIENT_MAIL_STRUCT {
    CHAR *nx_smtp_client_mail_recipient_address;
    CHAR *nx_smtp_client_mail_from_address;
    UINT nx_smtp_client_mail_priority;
    CHAR *nx_smtp_client_mail_subject;
    CHAR *nx_smtp_client_mail_body;
    UINT nx_smtp_client_mail_body_length;
} NX_SMTP_CLIENT_MAIL;

/* The client control block, allocated by the caller (statically or on a
 * thread's stack). It holds smtpc's buffers: about 1.4 KiB on a Cortex-M4
 * with smtpc/config.h's defaults, about 8 KiB with SMTPC_CONFIG_FULL (the
 * host library); the sizes are in smtpc/config.h. */
typedef struct NX_SMTP_CLIENT_STRUCT {
    ULONG nx_smtp_client_id; /* NX_SMTP_CLIENT_ID once created */
    CHAR nx_smtp_username[NX_SMTP_CLIENT_MAX_USERNAME + 1];
    CHAR nx_smtp_password[NX_SMTP_CLIENT_MAX_PASSWORD + 1];
    CHAR nx_smtp_client_domain[NX_SMTP_CLIENT_MAX_USERNAME + 1];
    UINT nx_smtp_client_authentication_type;
    NX_IP *nx_smtp_client_ip_ptr;
    NX_PACKET_POOL *nx_smtp_client_packet_pool_ptr;
    NX_SMTP_CLIENT_MAIL nx_smtp_client_mail;
    UINT nx_smtp_client_init_status; /* NX_TRUE once created */
    NXD_ADDRESS nx_smtp_server_address;
    USHORT nx_smtp_server_port;
    NX_TCP_SOCKET nx_smtp_client_socket;
    UINT nx_smtp_client_cmd_state; /* the NX_SMTP_CLIENT_STATE where the last send stopped */
    UINT nx_smtp_client_reply_code_status; /* the server's last word on the last mail: its
                                              reply to the end of data (250) or the reply that
                                              refused it; 0 when it said nothing */
    UINT nx_smtp_client_mail_status;       /* status of the last nx_smtp_mail_send */
    /* smtpc (private) */
    struct smtpc_session nx_smtp_client_session;
    struct smtpc_netxduo nx_smtp_client_transport;
    uint8_t nx_smtp_client_in[SMTPC_IN_BUF_DEFAULT];   /* replies as they arrive */
    uint8_t nx_smtp_client_out[SMTPC_OUT_BUF_DEFAULT]; /* commands and the encoded body */
    CHAR nx_smtp_client_headers[NX_SMTP_CLIENT_HEADER_SIZE]; /* header text made per mail */
    ULONG nx_smtp_client_mails; /* mails sent so far, for Message-IDs */
} NX_SMTP_CLIENT;

/* ---- Services ---- */

/* nxd_smtp_client_create also hands over the caller's sizeof(NX_SMTP_CLIENT)
 * and smtpc configuration (smtpc/config.h): a program built with other
 * values than smtpc gets NX_SMTP_INTERNAL_ERROR from create, its client
 * untouched, instead of a client that overruns its memory. */
#ifndef NX_SMTP_SOURCE_CODE
#ifdef NX_SMTP_DISABLE_ERROR_CHECKING
#define nxd_smtp_client_create(...)                                                                \
    _nxd_smtp_client_create_as(sizeof(NX_SMTP_CLIENT), SMTPC_CONFIG_ID, __VA_ARGS__)
#define nx_smtp_client_delete _nx_smtp_client_delete
#define nx_smtp_mail_send _nx_smtp_mail_send
#else
#define nxd_smtp_client_create(...)                                                                \
    _nxde_smtp_client_create_as(sizeof(NX_SMTP_CLIENT), SMTPC_CONFIG_ID, __VA_ARGS__)
#define nx_smtp_client_delete _nxe_smtp_client_delete
#define nx_smtp_mail_send _nxe_smtp_mail_send
#endif
#endif

/* Prepares a client for `server_address`:`port`, creating its TCP socket
 * on `ip_ptr`. `username`/`password` may be NULL with
 * NX_SMTP_CLIENT_AUTH_NONE. */
UINT _nxd_smtp_client_create(NX_SMTP_CLIENT *client_ptr, NX_IP *ip_ptr,
                             NX_PACKET_POOL *client_packet_pool_ptr, CHAR *username, CHAR *password,
                             CHAR *from_address, CHAR *client_domain, UINT authentication_type,
                             NXD_ADDRESS *server_address, UINT port);
UINT _nxde_smtp_client_create(NX_SMTP_CLIENT *client_ptr, NX_IP *ip_ptr,
                              NX_PACKET_POOL *client_packet_pool_ptr, CHAR *username,
                              CHAR *password, CHAR *from_address, CHAR *client_domain,
                              UINT authentication_type, NXD_ADDRESS *server_address, UINT port);

/* The create that nxd_smtp_client_create calls: checks `client_size` and
 * `config_id` against smtpc's own, then as above. */
UINT _nxd_smtp_client_create_as(ULONG client_size, ULONG config_id, NX_SMTP_CLIENT *client_ptr,
                                NX_IP *ip_ptr, NX_PACKET_POOL *client_packet_pool_ptr,
                                CHAR *username, CHAR *password, CHAR *from_address,
                                CHAR *client_domain, UINT authentication_type,
                                NXD_ADDRESS *server_address, UINT port);
UINT _nxde_smtp_client_create_as(ULONG client_size, ULONG config_id, NX_SMTP_CLIENT *client_ptr,
                                 NX_IP *ip_ptr, NX_PACKET_POOL *client_packet_pool_ptr,
                                 CHAR *username, CHAR *password, CHAR *from_address,
                                 CHAR *client_domain, UINT authentication_type,
                                 NXD_ADDRESS *server_address, UINT port);

/* Deletes the client's socket and forgets it. */
UINT _nx_smtp_client_delete(NX_SMTP_CLIENT *client_ptr);
UINT _nxe_smtp_client_delete(NX_SMTP_CLIENT *client_ptr);

/* Connects, sends one mail to one recipient, QUITs and disconnects.
 * Returns NX_SUCCESS once the server accepted the mail; otherwise the
 * step's NX_SMTP_*_REPLY_ERROR, NX_SMTP_SERVER_ERROR_REPLY,
 * NX_SMTP_OVERSIZE_SERVER_REPLY, NX_SMTP_INVALID_SERVER_REPLY,
 * NX_SMTP_OVERSIZE_MAIL_DATA, or NetX's status for the network
 * (NX_NO_PACKET: a reply timeout or an empty pool; NX_NOT_CONNECTED: the
 * connection was refused or lost). The client can send again at once. */
UINT _nx_smtp_mail_send(NX_SMTP_CLIENT *client_ptr, CHAR *recipient_address, UINT priority,
                        CHAR *subject, CHAR *mail_body, UINT mail_body_length);
UINT _nxe_smtp_mail_send(NX_SMTP_CLIENT *client_ptr, CHAR *recipient_address, UINT priority,
                         CHAR *subject, CHAR *mail_body, UINT mail_body_length);

#ifdef __cplusplus
}
#endif
#endif
