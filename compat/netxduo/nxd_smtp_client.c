/*
 * The NetX Duo SMTP Client API on smtpc. See nxd_smtp_client.h.
 *
 * nx_smtp_mail_send is one smtpc session: bind and connect the client's
 * socket, drive smtpc's engine over the NetX transport (greeting,
 * EHLO/HELO, AUTH, MAIL, RCPT, DATA, the message, QUIT; smtpc/drive.h),
 * disconnect and unbind. The message is the headers built from the arguments followed by
 * the body, fed to the engine as it sends, so nothing is copied whole.
 * smtpc's errors map onto the NetX statuses the original documents.
 */
#define NX_SMTP_SOURCE_CODE
#include <stdint.h>
#include <string.h>

#include "nx_ip.h"     /* NX_IP_ID, as the original includes it */
#include "nx_packet.h" /* NX_PACKET_POOL_ID */
#include "nxd_smtp_client.h"
#include "smtpc/body.h"
#include "smtpc/drive.h"
#include "smtpc/message.h"

/* NetX ticks to whole seconds for smtpc's deadlines, never below one. */
static unsigned seconds_of(ULONG ticks)
{
    unsigned long s = (ticks + NX_IP_PERIODIC_RATE - 1) / NX_IP_PERIODIC_RATE;

    return s == 0 ? 1u : (unsigned)s;
}

/* Copies `src` (NULL: empty) into `dst` of `cap` bytes. Returns 0, or
 * NX_SIZE_ERROR when it does not fit. */
static UINT copy_bounded(CHAR *dst, size_t cap, const CHAR *src)
{
    size_t n = src != NX_NULL ? strlen(src) : 0;

    if (n >= cap)
        return NX_SIZE_ERROR;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return NX_SUCCESS;
}

/* NetX keeps the pointer and never writes through it: constant, so in flash */
static const CHAR socket_name[] = "SMTP Client socket";

static int has_ctl(const CHAR *s)
{
    return s != NX_NULL && smtpc_check_text(s) != 0;
}

UINT _nxd_smtp_client_create(NX_SMTP_CLIENT *client_ptr, NX_IP *ip_ptr,
                             NX_PACKET_POOL *client_packet_pool_ptr, CHAR *username, CHAR *password,
                             CHAR *from_address, CHAR *client_domain, UINT authentication_type,
                             NXD_ADDRESS *server_address, UINT port)
{
    UINT status;

    memset(client_ptr, 0, sizeof *client_ptr);
    if (has_ctl(username) || has_ctl(password) || has_ctl(client_domain) ||
        smtpc_check_address(from_address, 1) != 0)
        return NX_SMTP_INVALID_PARAM;
    if (authentication_type != NX_SMTP_CLIENT_AUTH_NONE) {
        /* a mechanism only where it is built in (smtpc/config.h): falling
         * back from CRAM-MD5 to PLAIN would send the password the caller
         * meant to keep */
        if (!((authentication_type == NX_SMTP_CLIENT_AUTH_PLAIN && SMTPC_WITH_PLAIN) ||
              (authentication_type == NX_SMTP_CLIENT_AUTH_LOGIN && SMTPC_WITH_LOGIN) ||
              (authentication_type == NX_SMTP_CLIENT_AUTH_CRAM_MD5 && SMTPC_WITH_CRAM_MD5)) ||
            username == NX_NULL || username[0] == '\0' || password == NX_NULL)
            return NX_SMTP_AUTHENTICATION_ERROR;
    }
    status =
        copy_bounded(client_ptr->nx_smtp_username, sizeof client_ptr->nx_smtp_username, username);
    if (status == NX_SUCCESS)
        status = copy_bounded(client_ptr->nx_smtp_password, sizeof client_ptr->nx_smtp_password,
                              password);
    if (status == NX_SUCCESS)
        status = copy_bounded(client_ptr->nx_smtp_client_domain,
                              sizeof client_ptr->nx_smtp_client_domain, client_domain);
    if (status != NX_SUCCESS) {
        memset(client_ptr, 0, sizeof *client_ptr); /* no password left behind */
        return status;
    }
    client_ptr->nx_smtp_client_authentication_type = authentication_type;
    client_ptr->nx_smtp_client_ip_ptr = ip_ptr;
    client_ptr->nx_smtp_client_packet_pool_ptr = client_packet_pool_ptr;
    client_ptr->nx_smtp_client_mail.nx_smtp_client_mail_from_address = from_address;
    client_ptr->nx_smtp_server_address = *server_address;
    client_ptr->nx_smtp_server_port = (USHORT)port;

    status = nx_tcp_socket_create(ip_ptr, &client_ptr->nx_smtp_client_socket, (CHAR *)socket_name,
                                  NX_IP_NORMAL, NX_FRAGMENT_OKAY, NX_IP_TIME_TO_LIVE,
                                  NX_SMTP_CLIENT_TCP_WINDOW_SIZE, NX_NULL, NX_NULL);
    if (status != NX_SUCCESS) {
        memset(client_ptr, 0, sizeof *client_ptr);
        return status;
    }
    client_ptr->nx_smtp_client_init_status = NX_TRUE;
    client_ptr->nx_smtp_client_id = NX_SMTP_CLIENT_ID;
    return NX_SUCCESS;
}

/* A version this NetX build has, and not the unspecified address. */
static int server_address_usable(const NXD_ADDRESS *a)
{
#ifndef NX_DISABLE_IPV4
    if (a->nxd_ip_version == NX_IP_VERSION_V4)
        return a->nxd_ip_address.v4 != 0;
#endif
#ifdef FEATURE_NX_IPV6
    if (a->nxd_ip_version == NX_IP_VERSION_V6)
        return (a->nxd_ip_address.v6[0] | a->nxd_ip_address.v6[1] | a->nxd_ip_address.v6[2] |
                a->nxd_ip_address.v6[3]) != 0;
#endif
    return 0;
}

UINT _nxde_smtp_client_create(NX_SMTP_CLIENT *client_ptr, NX_IP *ip_ptr,
                              NX_PACKET_POOL *client_packet_pool_ptr, CHAR *username,
                              CHAR *password, CHAR *from_address, CHAR *client_domain,
                              UINT authentication_type, NXD_ADDRESS *server_address, UINT port)
{
    if (client_ptr == NX_NULL || ip_ptr == NX_NULL || client_packet_pool_ptr == NX_NULL ||
        from_address == NX_NULL || client_domain == NX_NULL || server_address == NX_NULL)
        return NX_PTR_ERROR;
    if (client_packet_pool_ptr->nx_packet_pool_id != NX_PACKET_POOL_ID)
        return NX_PTR_ERROR;
    if (ip_ptr->nx_ip_id != NX_IP_ID)
        return NX_SMTP_INVALID_PARAM;
    if (port == 0 || port > 0xFFFF)
        return NX_SMTP_INVALID_PARAM;
    if (!server_address_usable(server_address))
        return NX_IP_ADDRESS_ERROR;
    /* names too long for the client get NX_SIZE_ERROR from the copy */
    return _nxd_smtp_client_create(client_ptr, ip_ptr, client_packet_pool_ptr, username, password,
                                   from_address, client_domain, authentication_type, server_address,
                                   port);
}

/* The caller was built with smtpc's configuration: its NX_SMTP_CLIENT is
 * the one smtpc fills. */
static int same_layout(ULONG client_size, ULONG config_id)
{
    return client_size == sizeof(NX_SMTP_CLIENT) && config_id == SMTPC_CONFIG_ID;
}

UINT _nxd_smtp_client_create_as(ULONG client_size, ULONG config_id, NX_SMTP_CLIENT *client_ptr,
                                NX_IP *ip_ptr, NX_PACKET_POOL *client_packet_pool_ptr,
                                CHAR *username, CHAR *password, CHAR *from_address,
                                CHAR *client_domain, UINT authentication_type,
                                NXD_ADDRESS *server_address, UINT port)
{
    if (!same_layout(client_size, config_id))
        return NX_SMTP_INTERNAL_ERROR;
    return _nxd_smtp_client_create(client_ptr, ip_ptr, client_packet_pool_ptr, username, password,
                                   from_address, client_domain, authentication_type, server_address,
                                   port);
}

UINT _nxde_smtp_client_create_as(ULONG client_size, ULONG config_id, NX_SMTP_CLIENT *client_ptr,
                                 NX_IP *ip_ptr, NX_PACKET_POOL *client_packet_pool_ptr,
                                 CHAR *username, CHAR *password, CHAR *from_address,
                                 CHAR *client_domain, UINT authentication_type,
                                 NXD_ADDRESS *server_address, UINT port)
{
    if (!same_layout(client_size, config_id))
        return NX_SMTP_INTERNAL_ERROR;
    return _nxde_smtp_client_create(client_ptr, ip_ptr, client_packet_pool_ptr, username, password,
                                    from_address, client_domain, authentication_type,
                                    server_address, port);
}

UINT _nx_smtp_client_delete(NX_SMTP_CLIENT *client_ptr)
{
    UINT status = nx_tcp_socket_delete(&client_ptr->nx_smtp_client_socket);

    if (status != NX_SUCCESS)
        return status;
    memset(client_ptr, 0, sizeof *client_ptr); /* forgets the password too */
    return NX_SUCCESS;
}

UINT _nxe_smtp_client_delete(NX_SMTP_CLIENT *client_ptr)
{
    if (client_ptr == NX_NULL)
        return NX_PTR_ERROR;
    if (client_ptr->nx_smtp_client_id != NX_SMTP_CLIENT_ID)
        return NX_SMTP_CLIENT_NOT_INTIALIZED;
    return _nx_smtp_client_delete(client_ptr);
}

/* ---- sending ---- */

/* The mail's pieces: the headers (smtpc's builder, pointing at the
 * arguments), then the body. */
static UINT build_message(NX_SMTP_CLIENT *c, struct smtpc_part *parts, size_t *count)
{
    const NX_SMTP_CLIENT_MAIL *m = &c->nx_smtp_client_mail;
    const char *to = m->nx_smtp_client_mail_recipient_address;
    struct smtpc_headers h;
    long n;

    memset(&h, 0, sizeof h);
    h.from = m->nx_smtp_client_mail_from_address;
    h.to = &to;
    h.to_count = 1;
    h.subject = m->nx_smtp_client_mail_subject;
    if (m->nx_smtp_client_mail_priority == NX_SMTP_MAIL_PRIORITY_HIGH)
        h.priority = SMTPC_PRIORITY_HIGH;
    else if (m->nx_smtp_client_mail_priority == NX_SMTP_MAIL_PRIORITY_LOW)
        h.priority = SMTPC_PRIORITY_LOW;
#ifdef NX_SMTP_CLIENT_TIME
#if !SMTPC_WITH_DATE
#error "NX_SMTP_CLIENT_TIME writes a Date header: build smtpc with SMTPC_WITH_DATE 1"
#endif
    h.date = (time_t)(NX_SMTP_CLIENT_TIME());
#endif
#if SMTPC_WITH_MESSAGE_ID
    h.id_domain = c->nx_smtp_client_domain;
    /* this client's count and the clock; on a device also the client's
     * address, so two clients never collide (hosts add randomness instead,
     * and an address there would give ASLR away) */
    h.id_unique =
        ((unsigned long long)++c->nx_smtp_client_mails << 32) ^ (unsigned long long)tx_time_get();
#if !SMTPC_MESSAGE_POSIX
    h.id_unique ^= (unsigned long long)(uintptr_t)c << 8;
#endif
#endif
    n = smtpc_headers_parts(&h, c->nx_smtp_client_headers, sizeof c->nx_smtp_client_headers, parts,
                            count);
    if (n == SMTPC_ERR_ARG_CTL || n == SMTPC_ERR_HEADER)
        return NX_SMTP_INVALID_PARAM;
    if (n < 0)
        return NX_SIZE_ERROR;
    parts[*count].data = m->nx_smtp_client_mail_body;
    parts[*count].len = m->nx_smtp_client_mail_body_length;
    ++*count;
    return NX_SUCCESS;
}

static void session_config(const NX_SMTP_CLIENT *c, struct smtpc_session_config *cfg)
{
    int i;

    smtpc_session_config_default(cfg);
    cfg->ehlo_name = c->nx_smtp_client_domain;
    if (c->nx_smtp_client_authentication_type != NX_SMTP_CLIENT_AUTH_NONE) {
        cfg->username = c->nx_smtp_username;
        cfg->password = c->nx_smtp_password;
        cfg->authzid = c->nx_smtp_username; /* the original's PLAIN: user\0user\0password */
        switch (c->nx_smtp_client_authentication_type) {
        case NX_SMTP_CLIENT_AUTH_LOGIN:
            cfg->auth_mechs = SMTPC_AUTH_LOGIN;
            break;
        case NX_SMTP_CLIENT_AUTH_CRAM_MD5:
            cfg->auth_mechs = SMTPC_AUTH_CRAM_MD5;
            break;
        default:
            cfg->auth_mechs = SMTPC_AUTH_PLAIN;
            break;
        }
        /* the choice of PLAIN or LOGIN over this TLS-less API is the consent */
        cfg->flags |= SMTPC_F_ALLOW_CLEARTEXT_AUTH | SMTPC_F_NO_INITIAL_RESPONSE |
                      SMTPC_F_AUTH_FALLBACK_PLAIN;
    }
    /* the original reads " 250 SIZE" as a reply line (NetX Duo's
     * two_packet_EHLO_auth_last_message test sends one) */
    cfg->flags |= SMTPC_F_LENIENT_REPLY_BLANKS;
    /* one command per segment, each after the reply before, and DATA, as the
     * original does (NetX Duo's tests look for each command in a segment of
     * its own) */
    cfg->flags |= SMTPC_F_NO_PIPELINING | SMTPC_F_NO_CHUNKING;
    for (i = 0; i < SMTPC_TIMEOUT_CLASSES; i++)
        cfg->timeout_s[i] = seconds_of(NX_SMTP_ENVELOPE_TIMEOUT);
    cfg->timeout_s[SMTPC_TIMEOUT_GREETING] = seconds_of(NX_SMTP_GREETING_TIMEOUT);
    cfg->timeout_s[SMTPC_TIMEOUT_DATA_BLOCK] = seconds_of(NX_SMTP_CLIENT_SEND_TIMEOUT);
    cfg->timeout_s[SMTPC_TIMEOUT_DATA_END] = seconds_of(NX_SMTP_MESSAGE_TIMEOUT);
}

/* The NX_SMTP_CLIENT_STATE of smtpc's step (IDLE where none fits). */
static UINT state_of(enum smtpc_step step)
{
    static const unsigned char states[] = {
        [SMTPC_STEP_GREETING] = NX_SMTP_CLIENT_STATE_GREETING,
        [SMTPC_STEP_EHLO] = NX_SMTP_CLIENT_STATE_EHLO,
        [SMTPC_STEP_HELO] = NX_SMTP_CLIENT_STATE_HELO,
        [SMTPC_STEP_AUTH] = NX_SMTP_CLIENT_STATE_AUTH,
        [SMTPC_STEP_MAIL] = NX_SMTP_CLIENT_STATE_MAIL,
        [SMTPC_STEP_RCPT] = NX_SMTP_CLIENT_STATE_RCPT,
        [SMTPC_STEP_DATA] = NX_SMTP_CLIENT_STATE_DATA,
        [SMTPC_STEP_BODY] = NX_SMTP_CLIENT_STATE_MESSAGE,
        [SMTPC_STEP_END] = NX_SMTP_CLIENT_STATE_MESSAGE,
        [SMTPC_STEP_QUIT] = NX_SMTP_CLIENT_STATE_QUIT,
    };

    return (size_t)step < sizeof states ? states[step] : NX_SMTP_CLIENT_STATE_IDLE;
}

/* The NetX status for smtpc's error `err`. */
static UINT status_of(const NX_SMTP_CLIENT *c, int err)
{
    /* smtpc's error, and the original's status for it (a table: smaller
     * than a switch over sparse values) */
    static const struct {
        short err;
        unsigned char status;
    } map[] = {
        {SMTPC_ERR_REFUSED_GREETING, NX_SMTP_GREET_REPLY_ERROR},
        {SMTPC_ERR_REFUSED_HELLO, NX_SMTP_HELLO_REPLY_ERROR},
        {SMTPC_ERR_REFUSED_AUTH, NX_SMTP_AUTH_REPLY_ERROR},
        {SMTPC_ERR_AUTH_PROTOCOL, NX_SMTP_AUTH_REPLY_ERROR},
        {SMTPC_ERR_REFUSED_MAIL, NX_SMTP_MAIL_REPLY_ERROR},
        {SMTPC_ERR_REFUSED_RCPT, NX_SMTP_RCPT_REPLY_ERROR},
        {SMTPC_ERR_REFUSED_DATA, NX_SMTP_DATA_REPLY_ERROR},
        {SMTPC_ERR_REFUSED_MESSAGE, NX_SMTP_MESSAGE_REPLY_ERROR},
        {SMTPC_ERR_MESSAGE_TOO_BIG, NX_SMTP_OVERSIZE_MAIL_DATA},
        {SMTPC_ERR_REPLY_TOO_LONG, NX_SMTP_OVERSIZE_SERVER_REPLY},
        {SMTPC_ERR_REPLY_LINES, NX_SMTP_OVERSIZE_SERVER_REPLY},
        {SMTPC_ERR_REPLY_SYNTAX, NX_SMTP_SERVER_ERROR_REPLY},
        {SMTPC_ERR_REPLY_MIXED, NX_SMTP_SERVER_ERROR_REPLY},
        {SMTPC_ERR_REPLY_UNEXPECTED, NX_SMTP_INVALID_SERVER_REPLY},
        {SMTPC_ERR_REPLY_UNASKED, NX_SMTP_INVALID_SERVER_REPLY},
        {SMTPC_ERR_CLOSED, NX_NOT_CONNECTED},
    };
    UINT net = smtpc_netxduo_status(&c->nx_smtp_client_transport);
    size_t i;

    if (err == 0)
        return NX_SUCCESS;
    if (err == SMTPC_ERR_TIMEOUT) /* a reply timeout, or the pool ran dry */
        return net != NX_SUCCESS ? net : NX_NO_PACKET;
    if (err == SMTPC_ERR_IO)
        return net != NX_SUCCESS ? net : NX_SMTP_TRANSMIT_ERROR;
    for (i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].err == err)
            return map[i].status;
    }
    return NX_SMTP_INTERNAL_ERROR;
}

/* Where the server refused the transaction, and its words; SMTPC_STEP_NONE
 * when it was not a refusal. */
static enum smtpc_step refused_at(const struct smtpc_txn *t, const struct smtpc_reply **said)
{
    switch (t->result) {
    case SMTPC_ERR_REFUSED_MAIL:
        *said = &t->mail_reply;
        return SMTPC_STEP_MAIL;
    case SMTPC_ERR_REFUSED_RCPT:
        *said = &t->rcpt[0].reply;
        return SMTPC_STEP_RCPT;
    case SMTPC_ERR_REFUSED_DATA:
        *said = &t->data_reply;
        return SMTPC_STEP_DATA;
    case SMTPC_ERR_REFUSED_MESSAGE:
        *said = &t->end_reply;
        return SMTPC_STEP_END;
    default: /* the session failed under it */
        return SMTPC_STEP_NONE;
    }
}

/* Runs one session over the connected socket, sending the message in
 * `parts` (checked already; `eight_bit`: 8-bit bytes in it): smtpc's
 * engine driven over the NetX transport, QUIT whenever the protocol allows
 * it. Returns the NetX status. */
static UINT run_session(NX_SMTP_CLIENT *c, ULONG header_room, const struct smtpc_part *parts,
                        size_t count, int eight_bit)
{
    struct smtpc_session *s = &c->nx_smtp_client_session;
    struct smtpc_transport *t = &c->nx_smtp_client_transport.base;
    const NX_SMTP_CLIENT_MAIL *m = &c->nx_smtp_client_mail;
    const struct smtpc_reply *said = NX_NULL;
    struct smtpc_session_config cfg;
    enum smtpc_step step = SMTPC_STEP_NONE;
    struct smtpc_rcpt rcpt;
    struct smtpc_txn txn;
    size_t i;
    int rc;

    smtpc_netxduo_init(&c->nx_smtp_client_transport, &c->nx_smtp_client_socket,
                       c->nx_smtp_client_packet_pool_ptr, header_room,
                       NX_SMTP_CLIENT_PACKET_TIMEOUT, NX_SMTP_CLIENT_DISCONNECT_TIMEOUT);
    session_config(c, &cfg);
    rc = smtpc_session_init(s, &cfg, c->nx_smtp_client_in, sizeof c->nx_smtp_client_in,
                            c->nx_smtp_client_out, sizeof c->nx_smtp_client_out);
    if (rc != 0) {
        t->ops->close(t);
        return NX_SMTP_INTERNAL_ERROR;
    }

    memset(&rcpt, 0, sizeof rcpt);
    rcpt.address = m->nx_smtp_client_mail_recipient_address;
    memset(&txn, 0, sizeof txn);
    txn.from = m->nx_smtp_client_mail_from_address;
    txn.rcpt = &rcpt;
    txn.rcpt_count = 1;
    txn.flags = SMTPC_TXN_ALL_RCPTS | SMTPC_TXN_CHECKED;
    if (eight_bit)
        txn.flags |= SMTPC_TXN_8BIT;
#if SMTPC_WITH_SIZE
    for (i = 0; i < count; i++)
        txn.size += parts[i].len;
#endif

    if (smtpc_drive(s, t, SMTPC_READY, 0) & SMTPC_READY) {
        rc = smtpc_session_txn_begin(s, &txn);
        if (rc == 0 && (smtpc_drive(s, t, SMTPC_WANT_BODY | SMTPC_READY, 0) & SMTPC_WANT_BODY)) {
            for (i = 0; i < count; i++) {
                if (smtpc_drive_body(s, t, parts[i].data, parts[i].len) != 0)
                    break;
            }
            if (i == count)
                smtpc_session_body_end(s);
            smtpc_drive(s, t, SMTPC_READY, 0);
        }
    }
    if (rc == 0 && txn.result != 0) {
        rc = txn.result;
        step = refused_at(&txn, &said);
    }
    if (step == SMTPC_STEP_NONE && smtpc_session_error(s) != 0) {
        rc = smtpc_session_error(s); /* the session failed: where */
        step = smtpc_session_step_id(s);
    } else if (step == SMTPC_STEP_NONE && rc != 0) {
        step = SMTPC_STEP_MAIL; /* smtpc_session_txn_begin refused the transaction */
    } else if (rc == 0) {
        said = &txn.end_reply; /* 250: accepted */
    }
    /* the server's words when they explain the failure (a 421 ends the
     * session before the transaction records it) */
    if ((said == NX_NULL || said->code == 0) && smtpc_session_error(s) != 0 &&
        smtpc_error_has_reply(rc))
        said = smtpc_session_reply(s);
    c->nx_smtp_client_reply_code_status = said != NX_NULL ? (UINT)said->code : 0;

    /* an accepted mail stays accepted whatever QUIT gets */
    if (smtpc_session_quit(s) == 0)
        smtpc_drive(s, t, 0, seconds_of(NX_SMTP_ENVELOPE_TIMEOUT));
    t->ops->close(t);

    if (rc == 0)
        return NX_SUCCESS;
    c->nx_smtp_client_cmd_state = state_of(step);
    /* a greeting that does not parse is the original's greeting error */
    if (step == SMTPC_STEP_GREETING && (rc == SMTPC_ERR_REPLY_SYNTAX || rc == SMTPC_ERR_REPLY_MIXED))
        return NX_SMTP_GREET_REPLY_ERROR;
    return status_of(c, rc);
}

UINT _nx_smtp_mail_send(NX_SMTP_CLIENT *client_ptr, CHAR *recipient_address, UINT priority,
                        CHAR *subject, CHAR *mail_body, UINT mail_body_length)
{
    NX_SMTP_CLIENT_MAIL *m = &client_ptr->nx_smtp_client_mail;
    NX_TCP_SOCKET *sock = &client_ptr->nx_smtp_client_socket;
    struct smtpc_part parts[SMTPC_HEADER_PARTS_MAX + 1];
    size_t count = 0;
    ULONG header_room;
    UINT status;
    int eight = 0;

    client_ptr->nx_smtp_client_cmd_state = NX_SMTP_CLIENT_STATE_IDLE;
    client_ptr->nx_smtp_client_reply_code_status = 0;
    /* the body is checked here, once, before any connection (the subject
     * by the header builder, below) */
    if (smtpc_check_address(recipient_address, 0) != 0 ||
        smtpc_body_check((const uint8_t *)mail_body, mail_body_length, &eight) != 0) {
        client_ptr->nx_smtp_client_mail_status = NX_SMTP_INVALID_PARAM;
        return NX_SMTP_INVALID_PARAM;
    }
    m->nx_smtp_client_mail_recipient_address = recipient_address;
    m->nx_smtp_client_mail_priority = priority;
    m->nx_smtp_client_mail_subject = subject;
    m->nx_smtp_client_mail_body = mail_body;
    m->nx_smtp_client_mail_body_length = mail_body_length;

    status = build_message(client_ptr, parts, &count);
    if (status == NX_SUCCESS)
        status = nx_tcp_client_socket_bind(sock, NX_ANY_PORT, NX_SMTP_CLIENT_CONNECTION_TIMEOUT);
    if (status == NX_SUCCESS) {
        status = nxd_tcp_client_socket_connect(sock, &client_ptr->nx_smtp_server_address,
                                               client_ptr->nx_smtp_server_port,
                                               NX_SMTP_CLIENT_CONNECTION_TIMEOUT);
        if (status == NX_SUCCESS) {
            header_room = client_ptr->nx_smtp_server_address.nxd_ip_version == NX_IP_VERSION_V6
                              ? NX_IPv6_TCP_PACKET
                              : NX_IPv4_TCP_PACKET;
            status = run_session(client_ptr, header_room, parts, count, eight);
        } else {
            nx_tcp_socket_disconnect(sock, NX_NO_WAIT); /* leaves no half-open attempt */
        }
        nx_tcp_client_socket_unbind(sock);
    }

    /* back to the initial state: nothing of this mail is kept */
    m->nx_smtp_client_mail_recipient_address = NX_NULL;
    m->nx_smtp_client_mail_priority = 0;
    m->nx_smtp_client_mail_subject = NX_NULL;
    m->nx_smtp_client_mail_body = NX_NULL;
    m->nx_smtp_client_mail_body_length = 0;
    client_ptr->nx_smtp_client_mail_status = status;
    return status;
}

UINT _nxe_smtp_mail_send(NX_SMTP_CLIENT *client_ptr, CHAR *recipient_address, UINT priority,
                         CHAR *subject, CHAR *mail_body, UINT mail_body_length)
{
    if (client_ptr == NX_NULL || recipient_address == NX_NULL || subject == NX_NULL ||
        mail_body == NX_NULL)
        return NX_PTR_ERROR;
    if (client_ptr->nx_smtp_client_id != NX_SMTP_CLIENT_ID ||
        client_ptr->nx_smtp_client_init_status != NX_TRUE)
        return NX_SMTP_CLIENT_NOT_INTIALIZED;
    if (mail_body_length == 0)
        return NX_SMTP_INVALID_PARAM;
    return _nx_smtp_mail_send(client_ptr, recipient_address, priority, subject, mail_body,
                              mail_body_length);
}
