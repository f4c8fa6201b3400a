/*
 * fx_api.h — stands in for FileX's header, which NetX Duo's test control
 * (test/regression/test/netxtestcontrol.c) includes for the one function
 * it calls, fx_system_initialize() (defined empty in ../fx_stub.c). FileX
 * is not built: the SMTP tests use no files. Only the test support sees
 * this directory.
 */
#ifndef SMTPC_UPSTREAM_FX_API_H
#define SMTPC_UPSTREAM_FX_API_H

void fx_system_initialize(void);

#endif
