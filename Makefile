# perfeng — one non-recursive Makefile.
#
#   make            build ./perfeng
#   make check      install test dependencies, run unit + e2e tests (prove),
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
JANSSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) -Isrc $(JANSSON_CFLAGS) -D_GNU_SOURCE -MMD -MP
LIBS = $(JANSSON_LIBS) -lm

FUZZ_SECONDS ?= 5

ifneq ($(V),1)
Q = @
QUIET_CC = @echo '   CC $@';
QUIET_LINK = @echo '   LINK $@';
QUIET_AR = @echo '   AR $@';
QUIET_GEN = @echo '   GEN $@';
endif

# Everything under src/ but main.c goes into one static library that the
# binary, the unit tests and the fuzz targets link.
LIB_SRC := $(sort $(wildcard src/*/*.c))
MAIN_SRC := src/main.c
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
EXAMPLE_SRC := $(sort $(wildcard examples/*.c))

LIB_OBJ := $(LIB_SRC:%.c=obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=obj/tests/unit/%)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=obj/tests/helpers/%)
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=obj/examples/%)

ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_LIB_OBJ := $(LIB_SRC:%.c=obj/asan/%.o)
ASAN_UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=obj/asan/tests/unit/%)

FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=obj/fuzz/%.o)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=obj/fuzz/tests/fuzz/%)

all: perfeng

# --- version: rebuilt only when `git describe` changes -----------------------
obj/VERSION: FORCE
	@mkdir -p obj
	@v=$$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown); \
	 if [ "$$(cat $@ 2>/dev/null)" != "$$v" ]; then echo "$$v" > $@; fi

obj/src/main.o: obj/VERSION
obj/src/main.o: ALL_CFLAGS += -DPERFENG_COMMIT='"$(shell cat obj/VERSION 2>/dev/null)"'

# --- normal build ----------------------------------------------------------
obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

obj/libperfeng.a: $(LIB_OBJ)
	$(QUIET_AR)rm -f $@ && ar rcs $@ $^

perfeng: obj/src/main.o obj/libperfeng.a
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

obj/tests/unit/%: obj/tests/unit/%.o obj/libperfeng.a
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $^ -lcmocka $(LIBS)

obj/tests/helpers/%: obj/tests/helpers/%.o
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $^ -lm -lpthread

obj/examples/%: obj/examples/%.o
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $^ -lm

# --- sanitizer build (unit tests only) -------------------------------------
obj/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

obj/asan/libperfeng.a: $(ASAN_LIB_OBJ)
	$(QUIET_AR)rm -f $@ && ar rcs $@ $^

obj/asan/tests/unit/%: obj/asan/tests/unit/%.o obj/asan/libperfeng.a
	$(QUIET_LINK)$(CC) $(CFLAGS) $(ASAN_FLAGS) -o $@ $^ -lcmocka $(LIBS)

# --- fuzz build --------------------------------------------------------------
obj/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(FUZZ_CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -MMD -MP -O1 -g $(FUZZ_FLAGS) -c -o $@ $<

obj/fuzz/libperfeng.a: $(FUZZ_LIB_OBJ)
	$(QUIET_AR)rm -f $@ && ar rcs $@ $^

obj/fuzz/tests/fuzz/%: obj/fuzz/tests/fuzz/%.o obj/fuzz/libperfeng.a
	$(QUIET_LINK)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(LIBS)

# --- entry points ------------------------------------------------------------
deps:
	$(Q)scripts/install-deps.sh

build-tests: perfeng $(UNIT_BIN) $(HELPER_BIN) $(EXAMPLE_BIN)

test: build-tests
	$(Q)CMOCKA_MESSAGE_OUTPUT=TAP prove -j2 $(PROVE_FLAGS) $(UNIT_BIN) tests/e2e/t*.sh

test-asan: $(ASAN_UNIT_BIN)
	$(Q)CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 prove -j2 $(PROVE_FLAGS) $(ASAN_UNIT_BIN)

fuzz: $(FUZZ_BIN)
	$(Q)for f in $(FUZZ_BIN); do \
		name=$$(basename $$f); corpus=tests/fuzz/corpus/$$name; \
		mkdir -p obj/fuzz/work/$$name; \
		echo "   FUZZ $$name ($(FUZZ_SECONDS)s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
		    obj/fuzz/work/$$name $$( [ -d $$corpus ] && echo $$corpus ) \
		    >obj/fuzz/work/$$name.log 2>&1 \
		 || { tail -50 obj/fuzz/work/$$name.log; exit 1; }; \
	done

check: deps
	$(Q)$(MAKE) --no-print-directory test
	$(Q)$(MAKE) --no-print-directory test-asan
	$(Q)$(MAKE) --no-print-directory fuzz

demo: deps perfeng $(EXAMPLE_BIN)
	$(Q)scripts/demo.sh

clean:
	rm -rf obj perfeng

.PHONY: all deps build-tests test test-asan fuzz check demo clean FORCE
.SECONDARY:

-include $(shell find obj -name '*.d' 2>/dev/null)
