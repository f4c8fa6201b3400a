# upstream.mk — compiles ThreadX, NetX Duo, NetX Duo's test support, one
# SMTP client and NetX Duo's SMTP regression tests, for run-upstream.sh,
# which passes every variable below (paths must not contain spaces).
#
#   make -f upstream.mk threadx OUT=DIR TX=threadx
#   make -f upstream.mk netxduo OUT=DIR TX=threadx NX=netxduo CONFIG_FLAGS=... HERE=this dir
#   make -f upstream.mk -k programs OUT=DIR TX=... NX=... CONFIG_FLAGS=... \
#        TXLIB=DIR NXLIB=DIR CLIENT_ROOT=DIR CLIENT_SRCS="a.c b/c.c" \
#        CLIENT_INC="-I..." CLIENT_CFLAGS=... CLIENT_LDFLAGS=... TESTS="netx_smtp_..."
#
# The libraries are built once per configuration and kept; the client and
# the tests are built again on every run (they are a few files). Objects
# of the client and the tests log to FILE.log next to them, and write
# their header dependencies (-MMD, FILE.d), so that the script can show
# why one failed and check which nx_api.h each one read.

.SUFFIXES:
.DELETE_ON_ERROR:
.PHONY: threadx netxduo client programs

CC ?= cc
AR ?= ar

# Flags of the official flow (netxduo/test/cmake): see run-upstream.sh.
BASE := -std=c99 -g -D_GNU_SOURCE -DTX_LINUX_DEBUG_ENABLE \
        -DTX_INCLUDE_USER_DEFINE_FILE -DNX_INCLUDE_USER_DEFINE_FILE
TX_INC := -I$(TX)/common/inc -I$(TX)/ports/linux/gnu/inc -I$(NX)/test/cmake/libs
# The real NetX Duo headers, then ThreadX's, then the 64-bit nx_user.h.
NX_INC := -I$(NX)/common/inc -I$(NX)/ports/linux/gnu/inc -I$(TX)/common/inc \
          -I$(TX)/ports/linux/gnu/inc -I$(NX)/test/cmake/libs -I$(NX)/test/cmake/netxduo64
TEST_INC := $(NX_INC) -I$(NX)/test/regression/test
TEST_DEFS := -DBATCH_TEST -DCTEST

# ThreadX: libs/CMakeLists.txt adds these two to ThreadX only.
TX_FLAGS := -DTX_ENABLE_EVENT_TRACE -DTX_LINUX_NO_IDLE_ENABLE
TX_SRCS := $(wildcard $(TX)/common/src/*.c) $(wildcard $(TX)/ports/linux/gnu/src/*.c)
TX_OBJS := $(patsubst $(TX)/%.c,$(OUT)/obj/%.o,$(TX_SRCS))

threadx: $(OUT)/libthreadx.a

$(OUT)/libthreadx.a: $(TX_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(TX_OBJS): $(OUT)/obj/%.o: $(TX)/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE) $(TX_FLAGS) $(TX_INC) -c $< -o $@

# NetX Duo: only common/src (the official 64-bit flow drops nx_secure,
# crypto_libraries and the addons too); the test support with the tests'
# own -D flags (regression/CMakeLists.txt, target test_utility).
NX_SRCS := $(wildcard $(NX)/common/src/*.c)
NX_OBJS := $(patsubst $(NX)/%.c,$(OUT)/obj/%.o,$(NX_SRCS))
SUPPORT_SRCS := $(NX)/test/regression/test/nx_ram_network_driver_test_1500.c \
                $(NX)/test/regression/test/netxtestcontrol.c \
                $(NX)/test/regression/smtp_test/smtp_server_packets.c
SUPPORT_OBJS := $(patsubst $(NX)/%.c,$(OUT)/obj/%.o,$(SUPPORT_SRCS)) $(OUT)/obj/fx_stub.o

netxduo: $(OUT)/libnetxduo.a $(OUT)/libsupport.a

$(OUT)/libnetxduo.a: $(NX_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(OUT)/libsupport.a: $(SUPPORT_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(NX_OBJS): $(OUT)/obj/%.o: $(NX)/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE) $(CONFIG_FLAGS) $(NX_INC) -c $< -o $@

$(filter-out $(OUT)/obj/fx_stub.o,$(SUPPORT_OBJS)): $(OUT)/obj/%.o: $(NX)/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE) $(CONFIG_FLAGS) $(TEST_DEFS) $(TEST_INC) -I$(HERE)/fx -c $< -o $@

$(OUT)/obj/fx_stub.o: $(HERE)/fx_stub.c
	@mkdir -p $(@D)
	$(CC) $(BASE) -I$(HERE)/fx -c $< -o $@

# The client: CLIENT_SRCS relative to CLIENT_ROOT, compiled with NetX's
# flags and include path first, then CLIENT_INC, then CLIENT_CFLAGS.
CLIENT_OBJS := $(patsubst %.c,$(OUT)/obj/client/%.o,$(CLIENT_SRCS))
TEST_BINS := $(patsubst %,$(OUT)/bin/%,$(TESTS))

client: $(OUT)/libclient.a

$(OUT)/libclient.a: $(CLIENT_OBJS)
	@rm -f $@
	@$(AR) rcs $@ $^

$(CLIENT_OBJS): $(OUT)/obj/client/%.o: $(CLIENT_ROOT)/%.c
	@mkdir -p $(@D)
	@echo "CC $*.c"
	@$(CC) $(BASE) $(CONFIG_FLAGS) $(NX_INC) $(CLIENT_INC) $(CLIENT_CFLAGS) -MMD -c $< -o $@ \
	    >$@.log 2>&1 || { cat $@.log; rm -f $@; exit 1; }

# Each test is one program: the test, the client, the support, NetX, ThreadX.
programs: $(TEST_BINS)

$(TEST_BINS): $(OUT)/bin/%: $(NX)/test/regression/smtp_test/%.c $(OUT)/libclient.a
	@mkdir -p $(@D) $(OUT)/obj/tests
	@echo "CC+LD $*"
	@{ $(CC) $(BASE) $(CONFIG_FLAGS) $(TEST_DEFS) $(TEST_INC) $(CLIENT_INC) \
	       -MMD -c $< -o $(OUT)/obj/tests/$*.o && \
	   $(CC) -o $@ $(OUT)/obj/tests/$*.o -Wl,--start-group $(OUT)/libclient.a \
	       $(NXLIB)/libsupport.a $(NXLIB)/libnetxduo.a $(TXLIB)/libthreadx.a \
	       -Wl,--end-group -pthread $(CLIENT_LDFLAGS); } >$(OUT)/obj/tests/$*.log 2>&1 \
	   || { cat $(OUT)/obj/tests/$*.log; rm -f $@; exit 1; }
