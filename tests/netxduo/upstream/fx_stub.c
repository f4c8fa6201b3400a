/*
 * fx_stub.c — the one FileX function NetX Duo's regression test control
 * (test/regression/test/netxtestcontrol.c) calls, in tx_application_define.
 * The SMTP tests use no files, so FileX itself is not built: an empty
 * function stands in for it.
 */
void fx_system_initialize(void);

void fx_system_initialize(void)
{
}
