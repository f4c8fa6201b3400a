/*
 * Test: firmware built with another NX_SMTP_CLIENT layout than the smtpc
 * it links (here a larger NX_SMTP_CLIENT_HEADER_SIZE than the library's)
 * is refused by nxd_smtp_client_create with NX_SMTP_INTERNAL_ERROR: the
 * client block is not touched and no socket is created.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "nx_api.h"
#include "nx_host_driver.h"
#include "nxd_smtp_client.h"

#if NX_SMTP_CLIENT_HEADER_SIZE != 2048
#error "built with -DNX_SMTP_CLIENT_HEADER_SIZE=2048"
#endif

static ULONG pool_memory[8 * (256 + 128) / sizeof(ULONG)];
static ULONG ip_stack[1024 / sizeof(ULONG)];
static NX_PACKET_POOL pool;
static NX_IP ip;
static NX_SMTP_CLIENT client;

static void test_other_layout_refused(void **state)
{
    static CHAR name[] = "pool", ip_name[] = "ip", from[] = "a@example.org";
    static CHAR domain[] = "client.example";
    NXD_ADDRESS server;
    size_t i;
    (void)state;

    assert_int_equal(nx_packet_pool_create(&pool, name, 256, pool_memory, sizeof pool_memory),
                     NX_SUCCESS);
    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL, &pool,
                                  nx_host_network_driver, ip_stack, sizeof ip_stack, 1),
                     NX_SUCCESS);
    assert_int_equal(nx_tcp_enable(&ip), NX_SUCCESS);
    memset(&server, 0, sizeof server);
    server.nxd_ip_version = NX_IP_VERSION_V4;
    server.nxd_ip_address.v4 = IP_ADDRESS(127, 0, 0, 1);
    memset(&client, 0x5A, sizeof client);

    assert_int_equal(nxd_smtp_client_create(&client, &ip, &pool, NX_NULL, NX_NULL, from, domain,
                                            NX_SMTP_CLIENT_AUTH_NONE, &server, 25),
                     NX_SMTP_INTERNAL_ERROR);
    for (i = 0; i < sizeof client; i++)
        assert_int_equal(((unsigned char *)&client)[i], 0x5A);
    assert_int_equal(nx_ip_delete(&ip), NX_SUCCESS); /* no socket left on it */
    assert_int_equal(nx_packet_pool_delete(&pool), NX_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_other_layout_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
