# hopeless: plain Makefile. `make` builds, `make check` tests, `make demo` boots
# a virtual cluster. Everything lands in build/.
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= gcc
# -Wformat-truncation only sees buffer sizes, not the length checks made
# before; snprintf truncation is checked where it matters.
WARN      = -Wall -Wextra -Werror -Wno-format-truncation
CSTD      = -std=gnu11
OPT      ?= -O2 -g
CPPFLAGS += -Ilib -D_GNU_SOURCE
CFLAGS   += $(CSTD) $(WARN) $(OPT)
KMOD_CFLAGS := $(shell pkg-config --cflags libkmod 2>/dev/null)
KMOD_LIBS   := $(shell pkg-config --libs libkmod 2>/dev/null || echo -lkmod)
# libext2fs reads the nodes' state images in user space (lib/upper_ext2.c).
EXT2_CFLAGS := $(shell pkg-config --cflags ext2fs com_err 2>/dev/null)
EXT2_LIBS   := $(shell pkg-config --libs ext2fs com_err 2>/dev/null || echo -lext2fs -lcom_err)
# libcrypto makes the nodes' SSH host keys in-process (lib/sshkey.c).
CRYPTO_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
# libtirpc puts a survivor's rpcbind registrations back after a head
# takeover's release (lib/rpcbind.c).
TIRPC_CFLAGS := $(shell pkg-config --cflags libtirpc 2>/dev/null || echo -I/usr/include/tirpc)
TIRPC_LIBS   := $(shell pkg-config --libs libtirpc 2>/dev/null || echo -ltirpc)

# The node's init is static. musl keeps it small; musl has no kernel headers,
# so build/kinc holds links to the system's linux/ and asm/ headers.
# Looked up when the init is built, not when make starts: `make demo` and
# `make check` run deps (which installs musl-tools) first, and the first
# build on a fresh machine must be the same musl init as every later one.
MUSL_CC   = $(shell command -v musl-gcc 2>/dev/null)
INIT_CC   = $(or $(MUSL_CC),$(CC))
INIT_INC  = $(if $(MUSL_CC),-Ibuild/kinc)

LIB_SRCS   := $(sort $(wildcard lib/*.c))
CLI_SRCS   := $(sort $(wildcard cli/*.c))
INIT_SRCS  := $(sort $(wildcard init/*.c))
# Library files the init links (no libkmod, no zlib there).
INIT_LIB_SRCS := lib/validate.c lib/mkdir.c lib/syslog.c lib/inetcsum.c lib/clock.c lib/netif.c lib/arp.c
UNIT_SRCS  := $(sort $(wildcard tests/unit/*.c))
# The unit tests link every init file except its main.
INIT_TESTABLE := $(filter-out init/main.c,$(INIT_SRCS))

SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

all: build/hopeless build/hopeless-init

build/kinc:
	mkdir -p build/kinc
	ln -sfn /usr/include/linux build/kinc/linux
	ln -sfn /usr/include/asm-generic build/kinc/asm-generic
	ln -sfn /usr/include/$$(gcc -print-multiarch)/asm build/kinc/asm

build/hopeless: $(CLI_SRCS) $(LIB_SRCS) $(wildcard cli/*.h lib/*.h)
	@mkdir -p build
	$(CC) $(CPPFLAGS) $(KMOD_CFLAGS) $(EXT2_CFLAGS) $(TIRPC_CFLAGS) $(CFLAGS) -o $@ $(CLI_SRCS) $(LIB_SRCS) $(KMOD_LIBS) $(EXT2_LIBS) $(CRYPTO_LIBS) $(TIRPC_LIBS) -lz

# The compiler the init was built with: when musl-gcc appears (make deps on a
# fresh machine) or goes, the init is rebuilt, so an early `make` before
# `make deps` cannot leave a glibc init behind that later builds keep.
build/init-cc: FORCE
	@mkdir -p build
	@echo '$(INIT_CC)' | cmp -s - $@ 2>/dev/null || echo '$(INIT_CC)' > $@

build/hopeless-init: $(INIT_SRCS) $(INIT_LIB_SRCS) $(wildcard init/*.h lib/*.h) build/init-cc | build/kinc
	$(if $(MUSL_CC),,@echo "note: musl-gcc not found (make deps installs musl-tools); building the init with glibc, larger" >&2)
	$(INIT_CC) $(CPPFLAGS) $(INIT_INC) $(CSTD) $(WARN) -Os -static -o $@ $(INIT_SRCS) $(INIT_LIB_SRCS)
	strip $@

build/unit-tests: $(UNIT_SRCS) $(LIB_SRCS) $(INIT_TESTABLE) $(wildcard tests/unit/*.h lib/*.h init/*.h cli/*.h)
	@mkdir -p build
	$(CC) $(CPPFLAGS) -Iinit -Icli -Itests/unit $(KMOD_CFLAGS) $(EXT2_CFLAGS) $(TIRPC_CFLAGS) $(CFLAGS) $(SAN) -o $@ \
	    $(UNIT_SRCS) $(LIB_SRCS) $(INIT_TESTABLE) $(KMOD_LIBS) $(EXT2_LIBS) $(CRYPTO_LIBS) $(TIRPC_LIBS) -lz

# The boot-storm replay client (bench/boot-storm.sh); not part of all.
NFS_CFLAGS := $(shell pkg-config --cflags libnfs 2>/dev/null)
NFS_LIBS   := $(shell pkg-config --libs libnfs 2>/dev/null || echo -lnfs)
build/storm-replay: bench/storm-replay.c
	@mkdir -p build
	$(CC) $(CPPFLAGS) $(NFS_CFLAGS) $(CFLAGS) -o $@ bench/storm-replay.c $(NFS_LIBS)

deps:
	scripts/deps.sh

unit: build/unit-tests
	ASAN_OPTIONS=detect_leaks=1 build/unit-tests

# deps first, then the builds in a make of their own: even under -j the
# init is built after musl-tools is installed.
check: deps
	$(MAKE) all build/unit-tests
	tests/run.sh

demo: deps
	$(MAKE) all
	build/hopeless lab

fuzz:
	tests/fuzz/run.sh

# Benchmarks against the tools administrators use instead; writes
# docs/benchmarks.md. Not part of check: no test asserts a time.
bench: deps
	$(MAKE) all
	bench/run.sh $(BENCH)

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/hopeless $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 build/hopeless $(DESTDIR)$(PREFIX)/sbin/hopeless
	install -m 0755 build/hopeless-init $(DESTDIR)$(PREFIX)/lib/hopeless/hopeless-init
	install -m 0755 lab/lab.sh $(DESTDIR)$(PREFIX)/lib/hopeless/lab.sh
	install -m 0644 lab/ceph.sh $(DESTDIR)$(PREFIX)/lib/hopeless/ceph.sh
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -d $(DESTDIR)$(PREFIX)/share/hopeless
	rm -rf $(DESTDIR)$(PREFIX)/share/hopeless/templates
	cp -R --no-preserve=ownership templates $(DESTDIR)$(PREFIX)/share/hopeless/templates
	install -d $(DESTDIR)$(PREFIX)/share/hopeless
	cp -R --preserve=mode,timestamps overlay-templates $(DESTDIR)$(PREFIX)/share/hopeless/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 completion/hopeless.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/hopeless

clean:
	rm -rf build

.PHONY: all deps unit check demo fuzz bench install clean FORCE
FORCE:
