/*
 * Link stand-ins for the NetX Duo and ThreadX calls an SMTP client makes,
 * so bench/netxduo_footprint.py can link a Cortex-M4 image without
 * building all of NetX Duo. Never run; never counted: only the client's
 * own sections are measured.
 */
/* No NetX header here: each stub has a signature of its own, and NetX
 * declares the real ones differently. */
unsigned long stub_value;

#define STUB(name)                                                                                 \
    unsigned name(void);                                                                           \
    unsigned name(void)                                                                            \
    {                                                                                              \
        return (unsigned)stub_value;                                                               \
    }

/* With NetX's error checking on, the API names map to _nxe_ and _nxde_
 * functions; without, to _nx_ and _nxd_. Every spelling either client
 * may call is here. */
STUB(_nxe_packet_allocate)
STUB(_nxe_packet_release)
STUB(_nxe_packet_data_append)
STUB(_nxe_packet_data_retrieve)
STUB(_nxe_packet_length_get)
STUB(_nxe_tcp_socket_create)
STUB(_nxe_tcp_socket_delete)
STUB(_nxe_tcp_client_socket_bind)
STUB(_nxe_tcp_client_socket_unbind)
STUB(_nxde_tcp_client_socket_connect)
STUB(_nxe_tcp_socket_send)
STUB(_nxe_tcp_socket_receive)
STUB(_nxe_tcp_socket_disconnect)
STUB(_nxe_tcp_socket_state_wait)
STUB(_nx_packet_allocate)
STUB(_nx_packet_release)
STUB(_nx_packet_data_append)
STUB(_nx_packet_data_retrieve)
STUB(_nx_packet_length_get)
STUB(_nx_tcp_socket_create)
STUB(_nx_tcp_socket_delete)
STUB(_nx_tcp_client_socket_bind)
STUB(_nx_tcp_client_socket_unbind)
STUB(_nxd_tcp_client_socket_connect)
STUB(_nx_tcp_socket_send)
STUB(_nx_tcp_socket_receive)
STUB(_nx_tcp_socket_disconnect)
STUB(_nx_tcp_socket_state_wait)
STUB(_tx_time_get)
STUB(_tx_thread_sleep)
STUB(_tx_mutex_get)
STUB(_tx_mutex_put)

/* ThreadX state the original's caller checks read (NX_THREADS_ONLY_CALLER_CHECKING). */
void *_tx_thread_current_ptr;
unsigned long _tx_thread_system_state;
unsigned long _tx_timer_thread[64];
