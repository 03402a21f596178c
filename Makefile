# perfeng — one non-recursive Makefile.
#
#   make            build ./perfeng
#   make check      install test dependencies, run unit + e2e tests (prove),
#                   the source rules (scripts/check-size.sh, check-includes.sh),
#                   unit tests again under ASan+UBSan, then each fuzz target briefly
#   make demo       install dependencies, build, benchmark the bundled examples
#   make V=1        show full command lines
#
# Builds go to obj/ (normal), obj/asan/ (sanitizers) and obj/fuzz/ (clang, libFuzzer).

CC ?= cc
ifeq ($(origin CC),default)
CC = gcc
endif
FUZZ_CC ?= clang
PKG_CONFIG ?= pkg-config

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
# Libraries found through pkg-config, with the plain -l flags as a fallback.
# libpq and OpenSSL are only compiled against: src/store/pg_conn.c and
# src/http/tls.c load them with dlopen when a postgres:// store or an https://
# URL asks for them, which keeps perfeng's own resident set (the floor under
# bench's max-RSS figures) small.
DEP_PKGS = jansson sqlite3 zlib libdw libelf
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEP_PKGS) libpq openssl 2>/dev/null || echo -I/usr/include/postgresql)
DEP_LIBS := $(shell $(PKG_CONFIG) --libs $(DEP_PKGS) 2>/dev/null || echo -ljansson -lsqlite3 -lz -ldw -lelf) -ldl -lpthread
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) -Isrc $(DEP_CFLAGS) -D_GNU_SOURCE -MMD -MP
LIBS = $(DEP_LIBS) -lm
# The store's tests talk to their PostgreSQL server directly.
TEST_LIBS := $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null || echo -lpq)

FUZZ_SECONDS ?= 5

# Build directory; parallel builds can use their own (make O=/tmp/x).
O ?= obj
# The binary: ./perfeng for the default build directory, else inside it.
ifeq ($(O),obj)
PERFENG = perfeng
else
PERFENG = $(O)/perfeng
endif

ifneq ($(V),1)
Q = @
QUIET_CC = @echo '   CC $@';
QUIET_LINK = @echo '   LINK $@';
QUIET_AR = @echo '   AR $@';
QUIET_GEN = @echo '   GEN $@';
endif

# Everything under src/ but main.c goes into one static library that the
# binary, the unit tests and the fuzz targets link.
# src/preload/ is not in it: those are the interposers preloaded into traced
# programs (libperfeng-heap.so), each a shared object of its own.
LIB_SRC := $(sort $(filter-out src/preload/%,$(wildcard src/*/*.c)))
PRELOAD_DIR := $(if $(filter obj,$(O)),.,$(O))
PRELOAD_SO := $(PRELOAD_DIR)/libperfeng-heap.so $(PRELOAD_DIR)/libperfeng-locks.so
MAIN_SRC := src/main.c
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
# tests/helpers/lib*.c are shared libraries (workloads that live in a .so,
# fake vendor libraries); every other helper is a program.
HELPER_SO_SRC := $(sort $(wildcard tests/helpers/lib*.c))
HELPER_SRC := $(filter-out $(HELPER_SO_SRC),$(sort $(wildcard tests/helpers/*.c)))
EXAMPLE_SRC := $(sort $(wildcard examples/*.c))
E2E_TESTS := $(sort $(wildcard tests/e2e/t*.sh))
# Tests whose verdicts depend on having the CPUs to themselves (diagnose's
# workloads, the CPU quota) run alone, after the rest runs two at a time:
# beside them, a test with a browser or a load generator takes the CPUs.
E2E_ALONE := tests/e2e/t6100-diagnose.sh
E2E_PAR := $(filter-out $(E2E_ALONE),$(E2E_TESTS))

LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(O)/tests/helpers/%)
HELPER_SO := $(HELPER_SO_SRC:tests/helpers/%.c=$(O)/tests/helpers/%.so)
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=$(O)/examples/%)

ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_LIB_OBJ := $(LIB_SRC:%.c=$(O)/asan/%.o)
ASAN_UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/asan/tests/unit/%)

FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(O)/fuzz/%.o)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(O)/fuzz/tests/fuzz/%)

all: $(PERFENG) $(PRELOAD_SO)

# --- version: rebuilt only when `git describe` changes -----------------------
$(O)/VERSION: FORCE
	@mkdir -p $(O)
	@v=$$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown); \
	 if [ "$$(cat $@ 2>/dev/null)" != "$$v" ]; then echo "$$v" > $@; fi

$(O)/src/main.o: $(O)/VERSION
$(O)/src/main.o: ALL_CFLAGS += -DPERFENG_COMMIT='"$(shell cat $(O)/VERSION 2>/dev/null)"'

# --- normal build ----------------------------------------------------------
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libperfeng.a: $(LIB_OBJ)
	$(QUIET_AR)rm -f $@ && ar rcs $@ $^

$(PERFENG): $(O)/src/main.o $(O)/libperfeng.a
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# The interposers (heap, locks), found next to the perfeng binary (or
# $PERFENG_HEAP_LIB, $PERFENG_LOCKS_LIB). -fvisibility=hidden: only the
# interposed functions are exported.
$(PRELOAD_DIR)/libperfeng-%.so: src/preload/%.c src/preload/stream.h src/preload/heap_events.h
	$(QUIET_LINK)$(CC) -std=gnu11 $(CFLAGS) $(WARN) -Isrc -D_GNU_SOURCE -fPIC -shared -fvisibility=hidden \
		-fno-omit-frame-pointer -o $@ $< -ldl -lpthread

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(O)/libperfeng.a
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $^ -lcmocka $(LIBS) $(TEST_LIBS)

# A helper may add libraries of its own: $(O)/tests/helpers/x: HELPER_LIBS = ...
$(O)/tests/helpers/%: $(O)/tests/helpers/%.o
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $^ $(HELPER_LIBS) -lm -lpthread

# pe-httpd is three files: its request parser and response writer live in tests/helpers/httpd/.
$(O)/tests/helpers/pe-httpd: $(O)/tests/helpers/httpd/request.o $(O)/tests/helpers/httpd/respond.o

# pe-prof-work: a PIE executable calling into libpeprof.so, found next to it;
# frame pointers as a program built for profiling has them.
$(O)/tests/helpers/pe-prof-work: HELPER_LIBS = -L$(O)/tests/helpers -lpeprof -Wl,-rpath,'$$ORIGIN'
$(O)/tests/helpers/pe-prof-work: | $(O)/tests/helpers/libpeprof.so
$(O)/tests/helpers/pe-prof-work.o $(O)/tests/helpers/libpeprof.pic.o: CFLAGS += -fno-omit-frame-pointer

$(O)/tests/helpers/%.pic.o: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

$(O)/tests/helpers/%.so: $(O)/tests/helpers/%.pic.o
	$(QUIET_LINK)$(CC) $(CFLAGS) -shared -o $@ $^

$(O)/examples/%: $(O)/examples/%.o
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $^ -lm

# --- sanitizer build (unit tests only) -------------------------------------
$(O)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

$(O)/asan/libperfeng.a: $(ASAN_LIB_OBJ)
	$(QUIET_AR)rm -f $@ && ar rcs $@ $^

$(O)/asan/tests/unit/%: $(O)/asan/tests/unit/%.o $(O)/asan/libperfeng.a
	$(QUIET_LINK)$(CC) $(CFLAGS) $(ASAN_FLAGS) -o $@ $^ -lcmocka $(LIBS) $(TEST_LIBS)

# --- fuzz build --------------------------------------------------------------
$(O)/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(FUZZ_CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -MMD -MP -O1 -g $(FUZZ_FLAGS) -c -o $@ $<

$(O)/fuzz/libperfeng.a: $(FUZZ_LIB_OBJ)
	$(QUIET_AR)rm -f $@ && ar rcs $@ $^

$(O)/fuzz/tests/fuzz/%: $(O)/fuzz/tests/fuzz/%.o $(O)/fuzz/libperfeng.a
	$(QUIET_LINK)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(LIBS)

# Tests find the binary, helpers and examples through these.
TEST_ENV = CMOCKA_MESSAGE_OUTPUT=TAP PERFENG_BIN=$(abspath $(PERFENG)) PERFENG_BUILD=$(abspath $(O))

# --- entry points ------------------------------------------------------------
deps:
	$(Q)scripts/install-deps.sh

build-tests: $(PERFENG) $(PRELOAD_SO) $(UNIT_BIN) $(HELPER_SO) $(HELPER_BIN) $(EXAMPLE_BIN)

test: build-tests
	$(Q)$(TEST_ENV) prove -j2 $(PROVE_FLAGS) $(UNIT_BIN) $(E2E_PAR)
	$(Q)$(TEST_ENV) prove $(PROVE_FLAGS) $(E2E_ALONE)

test-asan: $(ASAN_UNIT_BIN) $(HELPER_SO) $(HELPER_BIN)
	$(Q)$(TEST_ENV) ASAN_OPTIONS=detect_leaks=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 prove -j2 $(PROVE_FLAGS) $(ASAN_UNIT_BIN)

fuzz: $(FUZZ_BIN)
	$(Q)for f in $(FUZZ_BIN); do \
		name=$$(basename $$f); corpus=tests/fuzz/corpus/$$name; \
		mkdir -p $(O)/fuzz/work/$$name; \
		echo "   FUZZ $$name ($(FUZZ_SECONDS)s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
		    $(O)/fuzz/work/$$name $$( [ -d $$corpus ] && echo $$corpus ) \
		    >$(O)/fuzz/work/$$name.log 2>&1 \
		 || { tail -50 $(O)/fuzz/work/$$name.log; exit 1; }; \
	done

# The source tree's own rules (also run by `make test`, as tests/e2e/t0005).
check-source:
	$(Q)scripts/check-size.sh >/dev/null && scripts/check-includes.sh >/dev/null \
	 || { scripts/check-size.sh; scripts/check-includes.sh; exit 1; }

check: deps
	$(Q)$(MAKE) --no-print-directory test
	$(Q)$(MAKE) --no-print-directory test-asan
	$(Q)$(MAKE) --no-print-directory fuzz

demo: deps $(PERFENG) $(EXAMPLE_BIN)
	$(Q)scripts/demo.sh

clean:
	rm -rf $(O) perfeng libperfeng-heap.so libperfeng-locks.so

.PHONY: all deps build-tests test test-asan fuzz check check-source demo clean FORCE
.SECONDARY:

-include $(shell find $(O) -name '*.d' 2>/dev/null)
