# fbdiag - plain make, out-of-tree builds under $(BUILD) (one folder per configuration).
#
#   make                 build/fbdiag (installs missing Debian packages first, see deps)
#   make test            unit tests (Criterion), fuzz-corpus replay, end-to-end cases
#   make asan            everything above under ASan+UBSan, in build/asan
#   make fuzz            libFuzzer targets (clang): replay corpora, then a short run each
#   make check-leaks     the canary proves the leak check fails when it should
#   make check-corpus    the real third-party inputs in ../shared/corpus (skipped if absent)
#   make install PREFIX=/usr/local
#   make format          clang-format every source file

BUILD    ?= build
PREFIX   ?= /usr/local
CC       ?= cc
CFLAGS   ?= -O2 -g
VERSION  := 0.1.0

# pkg-config module : Debian package that provides it
PKG_DEPS := libpcap:libpcap-dev libnghttp2:libnghttp2-dev openssl:libssl-dev \
            jansson:libjansson-dev libxml-2.0:libxml2-dev libzip:libzip-dev zlib:zlib1g-dev \
            libbrotlidec:libbrotli-dev libbrotlienc:libbrotli-dev libzstd:libzstd-dev \
            libpcre2-8:libpcre2-dev yaml-0.1:libyaml-dev criterion:libcriterion-dev
# Debian packages without a pkg-config module: command or file that proves each is there
TOOL_DEPS := pkg-config:/usr/bin/pkg-config python3-jsonschema:/usr/lib/python3/dist-packages/jsonschema \
             zip:/usr/bin/zip
BENCH_DEPS := time:/usr/bin/time
FUZZ_DEPS := clang:/usr/bin/clang libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a

LIB_PKGS  := libpcap libnghttp2 openssl jansson libxml-2.0 libzip zlib libbrotlidec libzstd \
             libpcre2-8 yaml-0.1
# Deferred (=) so they are evaluated after `deps` has installed pkg-config and friends.
PKG_CFLAGS = $(shell pkg-config --cflags $(LIB_PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(LIB_PKGS) 2>/dev/null)
TEST_LIBS  = $(shell pkg-config --libs criterion libbrotlienc 2>/dev/null)

WARN      = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wwrite-strings -Wcast-qual -Wformat=2 \
            -Wvla -Wundef -Wimplicit-fallthrough
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DFB_VERSION='"$(VERSION)"' \
            -Iinclude -MMD -MP
SAN       = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

LIB_SRCS  := $(filter-out src/cli/main.c,$(wildcard src/*/*.c))
MAIN_SRCS := src/cli/main.c
UNIT_SRCS := $(wildcard tests/unit/*.c) $(wildcard tests/support/*.c)
GEN_SRCS  := $(wildcard tests/gen/*.c)
GEN_LIB_SRCS := $(filter-out tests/gen/main.c,$(GEN_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))

LIB_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) $(BUILD)/obj/gen/rules_builtin.o
RULES     := $(sort $(wildcard src/sig/rules/*/*.yaml))
MAIN_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(MAIN_SRCS))
UNIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRCS))
GEN_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(GEN_SRCS))
GEN_LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(GEN_LIB_SRCS))

LIBFB     := $(BUILD)/libfbdiag.a
BIN       := $(BUILD)/fbdiag
UNIT_BIN  := $(BUILD)/tests/unit
GEN_BIN   := $(BUILD)/tests/fbgen
REPLAY_BINS := $(patsubst %,$(BUILD)/tests/replay_%,$(FUZZ_NAMES))

# Minimum number of Criterion tests the unit binary must run (guards against a runner
# that silently runs nothing).
MIN_UNIT_TESTS ?= 330

.PHONY: bench-har bench-saz all build demo samples test unit cases replay asan fuzz fuzzers deps deps-fuzz install format \
        check-leaks check-corpus clean bench

all: deps
	@$(MAKE) --no-print-directory build

build: $(BIN) $(GEN_BIN)

# deps: install the Debian packages pkg-config (or a file check) does not find. As root
# this runs apt-get non-interactively; otherwise it prints the command and stops.
deps:
	@missing=""; \
	for pair in $(PKG_DEPS); do mod=$${pair%%:*}; deb=$${pair#*:}; \
	  pkg-config --exists $$mod 2>/dev/null || missing="$$missing $$deb"; done; \
	for pair in $(TOOL_DEPS) $(if $(WITH_FUZZ),$(FUZZ_DEPS)) $(if $(WITH_BENCH),$(BENCH_DEPS)); do deb=$${pair%%:*}; f=$${pair#*:}; \
	  [ -e $$f ] || missing="$$missing $$deb"; done; \
	missing=$$(echo $$missing | tr ' ' '\n' | sort -u | tr '\n' ' '); \
	if [ -n "$${missing# }" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "deps: installing$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	      >/dev/null || { echo "deps: apt-get failed" >&2; exit 1; }; \
	  else \
	    echo "deps: missing Debian packages:$$missing" >&2; \
	    echo "deps: run as root: apt-get install$$missing" >&2; \
	    echo "deps: elsewhere install the equivalents of those packages" >&2; exit 1; \
	  fi; \
	fi

deps-fuzz:
	@$(MAKE) --no-print-directory deps WITH_FUZZ=1

# V=1 shows every command; by default one line per file.
ifeq ($(V),1)
Q :=
else
Q := @
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

# The built-in signature database: every src/sig/rules/<family>/<id>.yaml as a C string.
$(BUILD)/gen/rules_builtin.c: $(RULES) Makefile
	@mkdir -p $(dir $@)
	@{ echo '/* generated from src/sig/rules by the Makefile: do not edit */'; \
	  echo '#include <stddef.h>'; \
	  echo 'struct fb_sig_builtin { const char *path, *text; };'; \
	  echo 'extern const struct fb_sig_builtin fb_sig_builtins[];'; \
	  echo 'extern const size_t fb_sig_builtins_count;'; \
	  echo 'const struct fb_sig_builtin fb_sig_builtins[] = {'; \
	  for f in $(RULES); do echo "{\"$$f\","; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; echo '},'; done; \
	  echo '{0, 0}};'; \
	  echo 'const size_t fb_sig_builtins_count = sizeof fb_sig_builtins / sizeof fb_sig_builtins[0] - 1;'; \
	} > $@

$(BUILD)/obj/gen/rules_builtin.o: $(BUILD)/gen/rules_builtin.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-overlength-strings -c $< -o $@

$(LIBFB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(MAIN_OBJS) $(LIBFB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(MAIN_OBJS) $(LIBFB) $(PKG_LIBS)

$(UNIT_BIN): $(UNIT_OBJS) $(GEN_LIB_OBJS) $(LIBFB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(GEN_LIB_OBJS) $(LIBFB) $(PKG_LIBS) $(TEST_LIBS)

$(GEN_BIN): $(GEN_OBJS) $(LIBFB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(GEN_OBJS) $(LIBFB) $(PKG_LIBS) $(TEST_LIBS)

# Replay drivers: each fuzz target linked with tests/fuzz/standalone.c (gcc is enough).
$(BUILD)/tests/replay_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/standalone.o $(LIBFB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The README's first command: build, then diagnose the bundled seed case. Exit 1 is
# fbdiag's "diagnosed", which is what the seed case must give.
demo: all
	@build/fbdiag diagnose --log samples/seed-backend.log samples/seed-personal-relationship.saz; \
	  rc=$$?; [ $$rc -le 1 ] || { echo "demo: fbdiag exited $$rc" >&2; exit 1; }

# Regenerates the bundled samples from their scenarios (samples/scenarios/*.json).
samples: $(GEN_BIN)
	@for s in samples/scenarios/*.json; do n=$$(basename $$s .json); \
	  kind=$$(sed -n 's/.*"fbgen_format": *"\([a-z]*\)".*/\1/p' $$s); kind=$${kind:-saz}; \
	  echo "samples: $$n.$$kind"; $(GEN_BIN) $$kind $$s samples/$$n.$$kind || exit 1; done

test: deps
	@$(MAKE) --no-print-directory unit replay cases

unit: $(UNIT_BIN) $(BIN) $(GEN_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN) $(MIN_UNIT_TESTS)

replay: $(REPLAY_BINS)
	@sh tests/run-replay.sh $(BUILD)/tests $(FUZZ_NAMES)

cases: $(BIN) $(GEN_BIN)
	@sh tests/run-cases.sh $(BIN)

# Everything under ASan+UBSan; leaks in the e2e cases fail them (LSan exit code).
asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" \
	  unit replay cases check-leaks

# The canary leaks on purpose: the leak check must catch it, or the harness is broken.
check-leaks: $(BUILD)/tests/leak_canary
	@sh tests/check-leak-canary.sh $(BUILD)/tests/leak_canary

$(BUILD)/tests/leak_canary: tests/canary/leak_canary.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang CFLAGS="$(FUZZ_FLAGS)" fuzzers
	@sh tests/run-fuzz.sh build/fuzz $(FUZZ_NAMES)

fuzzers: $(patsubst %,$(BUILD)/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(LIBFB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

# Benchmarks (never in CI): throughput and peak memory on the pinned workload.
BENCH_N ?= 20000
bench-har bench-saz: bench-%: deps-bench
	@$(MAKE) --no-print-directory build $(BUILD)/tests/json_load
	@sh tests/bench/bench.sh $* $(BENCH_N) $(BUILD)

deps-bench:
	@$(MAKE) --no-print-directory deps WITH_BENCH=1

$(BUILD)/tests/json_load: tests/bench/json_load.c $(LIBFB)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(LIBFB) $(PKG_LIBS)

check-corpus: $(BIN) $(GEN_BIN)
	@sh tests/check-corpus.sh $(BIN) ../shared/corpus

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/fbdiag
	install -m 644 docs/fbdiag.1 $(DESTDIR)$(PREFIX)/share/man/man1/fbdiag.1

format:
	clang-format -i $$(find src include tests -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
.SECONDARY:
