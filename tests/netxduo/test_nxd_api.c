/*
 * The NetX Duo SMTP Client API's argument checks and constants: every
 * refusal must come before any connection (a listening socket the test
 * owns must see none), with NetX's status.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "nx_host_driver.h"
#include "nxd_smtp_client.h"

static NX_IP ip;
static NX_PACKET_POOL pool;
static ULONG pool_mem[4096];
static ULONG ip_stack[512];
static NX_SMTP_CLIENT client;
static NXD_ADDRESS server;
static int listener = -1;
static UINT port;

static CHAR user[] = "alice", password[] = "s3cret", from[] = "a@example.org",
            domain[] = "device.example", rcpt[] = "b@example.org", subject[] = "hi",
            body[] = "hello\r\n";

static int setup(void **state)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    (void)state;

    memset(&ip, 0, sizeof ip);
    memset(&pool, 0, sizeof pool);
    assert_int_equal(nx_packet_pool_create(&pool, "p", 512, pool_mem, sizeof pool_mem), NX_SUCCESS);
    assert_int_equal(nx_ip_create(&ip, "ip", IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL, &pool,
                                  nx_host_network_driver, ip_stack, sizeof ip_stack, 1),
                     NX_SUCCESS);
    assert_int_equal(nx_tcp_enable(&ip), NX_SUCCESS);

    /* a server socket that must never see a connection */
    listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(listener >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(listener, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(listener, 4), 0);
    assert_int_equal(getsockname(listener, (struct sockaddr *)&sa, &len), 0);
    fcntl(listener, F_SETFL, O_NONBLOCK);
    port = ntohs(sa.sin_port);
    memset(&server, 0, sizeof server);
    server.nxd_ip_version = NX_IP_VERSION_V4;
    server.nxd_ip_address.v4 = IP_ADDRESS(127, 0, 0, 1);
    memset(&client, 0, sizeof client);
    return 0;
}

static int teardown(void **state)
{
    int fd;
    (void)state;

    /* nothing reached the server */
    fd = accept(listener, NULL, NULL);
    if (fd >= 0)
        close(fd);
    assert_int_equal(fd, -1);
    close(listener);
    if (client.nx_smtp_client_id == NX_SMTP_CLIENT_ID)
        assert_int_equal(nx_smtp_client_delete(&client), NX_SUCCESS);
    assert_int_equal(nx_ip_delete(&ip), NX_SUCCESS);
    assert_int_equal(pool.nx_packet_pool_available, pool.nx_packet_pool_total);
    assert_int_equal(nx_packet_pool_delete(&pool), NX_SUCCESS);
    return 0;
}

static UINT create(CHAR *u, CHAR *p, CHAR *f, CHAR *d, UINT auth)
{
    return nxd_smtp_client_create(&client, &ip, &pool, u, p, f, d, auth, &server, port);
}

static void test_constants(void **state)
{
    (void)state;
    assert_int_equal(NX_SMTP_CLIENT_AUTH_NONE, 0xFFFF);
    assert_int_equal(NX_SMTP_CLIENT_AUTH_LOGIN, 1);
    assert_int_equal(NX_SMTP_CLIENT_AUTH_CRAM_MD5, 2);
    assert_int_equal(NX_SMTP_CLIENT_AUTH_PLAIN, 3);
    assert_int_equal(NX_SMTP_MAIL_PRIORITY_LOW, 1);
    assert_int_equal(NX_SMTP_MAIL_PRIORITY_NORMAL, 2);
    assert_int_equal(NX_SMTP_MAIL_PRIORITY_HIGH, 4);
    assert_int_equal(NX_SMTP_AUTHENTICATION_ERROR, 0xA0);
    assert_int_equal(NX_SMTP_OVERSIZE_MAIL_DATA, 0xA1);
    assert_int_equal(NX_SMTP_INVALID_SERVER_REPLY, 0xA2);
    assert_int_equal(NX_SMTP_INTERNAL_ERROR, 0xA3);
    assert_int_equal(NX_SMTP_SERVER_ERROR_CODE_RECEIVED, 0xA4);
    assert_int_equal(NX_SMTP_INVALID_PARAM, 0xA5);
    assert_int_equal(NX_SMTP_PACKET_ALLOCATE_ERROR, 0xA6);
    assert_int_equal(NX_SMTP_GREET_REPLY_ERROR, 0xA7);
    assert_int_equal(NX_SMTP_HELLO_REPLY_ERROR, 0xA8);
    assert_int_equal(NX_SMTP_MAIL_REPLY_ERROR, 0xA9);
    assert_int_equal(NX_SMTP_RCPT_REPLY_ERROR, 0xAA);
    assert_int_equal(NX_SMTP_MESSAGE_REPLY_ERROR, 0xAB);
    assert_int_equal(NX_SMTP_DATA_REPLY_ERROR, 0xAC);
    assert_int_equal(NX_SMTP_AUTH_REPLY_ERROR, 0xAD);
    assert_int_equal(NX_SMTP_SERVER_ERROR_REPLY, 0xAE);
    assert_int_equal(NX_SMTP_TRANSMIT_ERROR, 0xAF);
    assert_int_equal(NX_SMTP_INVALID_SERVER_CHALLENGE, 0xB0);
    assert_int_equal(NX_SMTP_OVERSIZE_SERVER_REPLY, 0xB1);
    assert_int_equal(NX_SMTP_CLIENT_NOT_INTIALIZED, 0xB2);
    assert_int_equal(NX_SMTP_CLIENT_NOT_INITIALIZED, 0xB2);
    assert_int_equal(NX_SMTP_CLIENT_ID, 0x534D5450UL);
}

static void test_create_null_pointers(void **state)
{
    (void)state;
    assert_int_equal(nxd_smtp_client_create(NX_NULL, &ip, &pool, user, password, from, domain,
                                            NX_SMTP_CLIENT_AUTH_PLAIN, &server, port),
                     NX_PTR_ERROR);
    assert_int_equal(nxd_smtp_client_create(&client, NX_NULL, &pool, user, password, from, domain,
                                            NX_SMTP_CLIENT_AUTH_PLAIN, &server, port),
                     NX_PTR_ERROR);
    assert_int_equal(nxd_smtp_client_create(&client, &ip, NX_NULL, user, password, from, domain,
                                            NX_SMTP_CLIENT_AUTH_PLAIN, &server, port),
                     NX_PTR_ERROR);
    assert_int_equal(create(user, password, NX_NULL, domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_PTR_ERROR);
    assert_int_equal(create(user, password, from, NX_NULL, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_PTR_ERROR);
    assert_int_equal(nxd_smtp_client_create(&client, &ip, &pool, user, password, from, domain,
                                            NX_SMTP_CLIENT_AUTH_PLAIN, NX_NULL, port),
                     NX_PTR_ERROR);
    assert_int_not_equal(client.nx_smtp_client_id, NX_SMTP_CLIENT_ID);
}

static void test_create_ip_not_created(void **state)
{
    NX_IP other;
    (void)state;

    memset(&other, 0, sizeof other);
    assert_int_equal(nxd_smtp_client_create(&client, &other, &pool, user, password, from, domain,
                                            NX_SMTP_CLIENT_AUTH_PLAIN, &server, port),
                     NX_SMTP_INVALID_PARAM);
}

static void test_create_bad_address_and_port(void **state)
{
    (void)state;
    server.nxd_ip_version = 5;
    assert_int_equal(create(user, password, from, domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_IP_ADDRESS_ERROR);
    server.nxd_ip_version = NX_IP_VERSION_V4;
    server.nxd_ip_address.v4 = 0;
    assert_int_equal(create(user, password, from, domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_IP_ADDRESS_ERROR);
    memset(&server, 0, sizeof server);
    server.nxd_ip_version = NX_IP_VERSION_V6;
    assert_int_equal(create(user, password, from, domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_IP_ADDRESS_ERROR);
    server.nxd_ip_version = NX_IP_VERSION_V4;
    server.nxd_ip_address.v4 = IP_ADDRESS(127, 0, 0, 1);
    assert_int_equal(nxd_smtp_client_create(&client, &ip, &pool, user, password, from, domain,
                                            NX_SMTP_CLIENT_AUTH_PLAIN, &server, 0),
                     NX_SMTP_INVALID_PARAM);
    assert_int_equal(nxd_smtp_client_create(&client, &ip, &pool, user, password, from, domain,
                                            NX_SMTP_CLIENT_AUTH_PLAIN, &server, 70000),
                     NX_SMTP_INVALID_PARAM);
}

static void test_create_sizes(void **state)
{
    CHAR name[NX_SMTP_CLIENT_MAX_USERNAME + 2], pass[NX_SMTP_CLIENT_MAX_PASSWORD + 2];
    (void)state;

    memset(name, 'u', sizeof name - 1);
    name[sizeof name - 1] = '\0'; /* one over */
    memset(pass, 'p', sizeof pass - 1);
    pass[sizeof pass - 1] = '\0';
    assert_int_equal(create(name, password, from, domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_SIZE_ERROR);
    assert_int_equal(create(user, pass, from, domain, NX_SMTP_CLIENT_AUTH_PLAIN), NX_SIZE_ERROR);
    assert_int_equal(create(user, password, from, name, NX_SMTP_CLIENT_AUTH_PLAIN), NX_SIZE_ERROR);
    /* exactly the maxima fit, and are copied */
    name[sizeof name - 2] = '\0';
    pass[sizeof pass - 2] = '\0';
    assert_int_equal(create(name, pass, from, name, NX_SMTP_CLIENT_AUTH_PLAIN), NX_SUCCESS);
    assert_string_equal(client.nx_smtp_username, name);
    assert_string_equal(client.nx_smtp_password, pass);
    assert_string_equal(client.nx_smtp_client_domain, name);
    assert_ptr_equal(client.nx_smtp_client_mail.nx_smtp_client_mail_from_address, from);
}

static void test_create_control_characters(void **state)
{
    CHAR cr_user[] = "ali\rce", lf_pass[] = "s3\ncret", lf_domain[] = "dev\nice",
         crlf_from[] = "a@example.org\r\nRCPT TO:<x@y>", angle_from[] = "a@example.org>";
    (void)state;

    assert_int_equal(create(cr_user, password, from, domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_SMTP_INVALID_PARAM);
    assert_int_equal(create(user, lf_pass, from, domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_SMTP_INVALID_PARAM);
    assert_int_equal(create(user, password, from, lf_domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_SMTP_INVALID_PARAM);
    assert_int_equal(create(user, password, crlf_from, domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_SMTP_INVALID_PARAM);
    assert_int_equal(create(user, password, angle_from, domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_SMTP_INVALID_PARAM);
}

static void test_create_authentication_input(void **state)
{
    CHAR empty[] = "";
    (void)state;

    assert_int_equal(create(NX_NULL, password, from, domain, NX_SMTP_CLIENT_AUTH_PLAIN),
                     NX_SMTP_AUTHENTICATION_ERROR);
    assert_int_equal(create(empty, password, from, domain, NX_SMTP_CLIENT_AUTH_LOGIN),
                     NX_SMTP_AUTHENTICATION_ERROR);
    assert_int_equal(create(user, NX_NULL, from, domain, NX_SMTP_CLIENT_AUTH_LOGIN),
                     NX_SMTP_AUTHENTICATION_ERROR);
    assert_int_equal(create(user, password, from, domain, 7), NX_SMTP_AUTHENTICATION_ERROR);
    assert_int_equal(create(NX_NULL, password, from, domain, NX_SMTP_CLIENT_AUTH_CRAM_MD5),
                     NX_SMTP_AUTHENTICATION_ERROR);
    /* no credentials needed without authentication */
    assert_int_equal(create(NX_NULL, NX_NULL, from, domain, NX_SMTP_CLIENT_AUTH_NONE), NX_SUCCESS);
}

static void test_create_needs_tcp(void **state)
{
    static NX_IP ip2;
    static ULONG stack2[512];
    (void)state;

    memset(&ip2, 0, sizeof ip2);
    assert_int_equal(nx_ip_create(&ip2, "ip2", IP_ADDRESS(127, 0, 0, 2), 0xFF000000UL, &pool,
                                  nx_host_network_driver, stack2, sizeof stack2, 1),
                     NX_SUCCESS);
    assert_int_equal(nxd_smtp_client_create(&client, &ip2, &pool, user, password, from, domain,
                                            NX_SMTP_CLIENT_AUTH_PLAIN, &server, port),
                     NX_NOT_ENABLED);
    assert_int_not_equal(client.nx_smtp_client_id, NX_SMTP_CLIENT_ID);
    assert_int_equal(nx_ip_delete(&ip2), NX_SUCCESS);
}

static void test_send_checks(void **state)
{
    CHAR crlf_rcpt[] = "b@example.org>\r\nDATA", lf_subject[] = "hi\nBcc: x@y",
         cr_subject[] = "hi\r", empty_rcpt[] = "", angle_rcpt[] = "<b@example.org>";
    static CHAR long_body[1100];
    (void)state;

    /* not created: a zeroed block */
    assert_int_equal(nx_smtp_mail_send(&client, rcpt, NX_SMTP_MAIL_PRIORITY_NORMAL, subject, body,
                                       sizeof body - 1),
                     NX_SMTP_CLIENT_NOT_INTIALIZED);
    assert_int_equal(create(user, password, from, domain, NX_SMTP_CLIENT_AUTH_PLAIN), NX_SUCCESS);
    assert_int_equal(nx_smtp_mail_send(NX_NULL, rcpt, 2, subject, body, 7), NX_PTR_ERROR);
    assert_int_equal(nx_smtp_mail_send(&client, NX_NULL, 2, subject, body, 7), NX_PTR_ERROR);
    assert_int_equal(nx_smtp_mail_send(&client, rcpt, 2, NX_NULL, body, 7), NX_PTR_ERROR);
    assert_int_equal(nx_smtp_mail_send(&client, rcpt, 2, subject, NX_NULL, 7), NX_PTR_ERROR);
    assert_int_equal(nx_smtp_mail_send(&client, rcpt, 2, subject, body, 0), NX_SMTP_INVALID_PARAM);
    assert_int_equal(nx_smtp_mail_send(&client, crlf_rcpt, 2, subject, body, 7),
                     NX_SMTP_INVALID_PARAM);
    assert_int_equal(nx_smtp_mail_send(&client, empty_rcpt, 2, subject, body, 7),
                     NX_SMTP_INVALID_PARAM);
    assert_int_equal(nx_smtp_mail_send(&client, angle_rcpt, 2, subject, body, 7),
                     NX_SMTP_INVALID_PARAM);
    assert_int_equal(nx_smtp_mail_send(&client, rcpt, 2, lf_subject, body, 7),
                     NX_SMTP_INVALID_PARAM);
    assert_int_equal(nx_smtp_mail_send(&client, rcpt, 2, cr_subject, body, 7),
                     NX_SMTP_INVALID_PARAM);
    /* a body line over 998 octets would be cut or refused by servers */
    memset(long_body, 'x', sizeof long_body);
    assert_int_equal(nx_smtp_mail_send(&client, rcpt, 2, subject, long_body, sizeof long_body),
                     NX_SMTP_INVALID_PARAM);
    assert_int_equal(client.nx_smtp_client_mail_status, NX_SMTP_INVALID_PARAM);
    /* the client is as it was */
    assert_null(client.nx_smtp_client_mail.nx_smtp_client_mail_recipient_address);
}

static void test_delete(void **state)
{
    size_t i;
    const unsigned char *p = (const unsigned char *)&client;
    (void)state;

    assert_int_equal(nx_smtp_client_delete(NX_NULL), NX_PTR_ERROR);
    assert_int_equal(nx_smtp_client_delete(&client), NX_SMTP_CLIENT_NOT_INTIALIZED);
    assert_int_equal(create(user, password, from, domain, NX_SMTP_CLIENT_AUTH_PLAIN), NX_SUCCESS);
    assert_int_equal(nx_smtp_client_delete(&client), NX_SUCCESS);
    assert_int_equal(nx_smtp_client_delete(&client), NX_SMTP_CLIENT_NOT_INTIALIZED);
    assert_int_equal(nx_smtp_mail_send(&client, rcpt, 2, subject, body, 7),
                     NX_SMTP_CLIENT_NOT_INTIALIZED);
    /* the password does not outlive the client */
    for (i = 0; i + 6 <= sizeof client; i++)
        assert_false(memcmp(p + i, "s3cret", 6) == 0);
    /* and the socket is gone: the IP instance can be deleted (teardown) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constants),
        cmocka_unit_test_setup_teardown(test_create_null_pointers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_ip_not_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_bad_address_and_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_control_characters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_authentication_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_needs_tcp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
