# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# psp-bpf: one entry point.
#   make            build psp-bpf-ctl and libpspbpf
#   make check      every test suite, then one "N passed, N failed" line
#   make vm-check   the kmod backend's suites in a qemu guest (part of check)
#   make vm-bench   make bench in the guest, on the kmod backend
#   make demo       two namespaces, TCP, through PSP (needs root)
#   make fuzz       the fuzzers at full length (make check runs them shorter)
#   make bench      benchmarks, one JSON line per figure (tools/install-deps bench first)
#   make vmlinux    regenerate vmlinux.h from this kernel's BTF
#   make install    under PREFIX (/usr/local), DESTDIR; make uninstall
#                   (docs/operations.md, Installing)
#   make clean
# V=1 shows the commands.

BUILD	?= build
CC	?= gcc
CLANG	?= clang-19
BPFTOOL	?= bpftool
JQ	?= jq

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS	?= -O2 -g
WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wno-unused-parameter
VERSION := 0.1.0
# The shared library's soname: LIB_SOMAJOR goes up with a change that
# breaks programs linked against an older one.
LIB_SOMAJOR := 0
LIB_SONAME := libpspbpf.so.$(LIB_SOMAJOR)
LIB_SO := $(BUILD)/libpspbpf.so.$(VERSION)
CPPFLAGS := -Iinclude -Ilibpspbpf -Ipspref -I$(BUILD)/bpf -D_GNU_SOURCE -DPSPBPF_VERSION=\"$(VERSION)\"
SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
# The kmod backend's builds of the same sources (PSP_KMOD), one for each
# BTF tag of a referenced kptr: kptr_ref on Linux 6.1-6.6, kptr from 6.7
# (include/psp/maps.h). build/bpf/kmod-6.1/, kmod-6.7/; the loader picks
# the one of the running kernel, as tests/kmod/abi does for the tests.
KMOD_ABIS := 6.1 6.7
kptr_tag_6.1 := kptr_ref
kptr_tag_6.7 := kptr
kmod_clang = $(CLANG) $(BPF_CFLAGS) -DPSP_KMOD -DPSP_KPTR_REF_TAG='"$(kptr_tag_$(1))"'
BPF_KMOD_OBJS := $(foreach a,$(KMOD_ABIS),$(patsubst bpf/%.bpf.c,$(BUILD)/bpf/kmod-$(a)/%.bpf.o,$(BPF_SRCS)))
BPF_SKELS := $(BPF_OBJS:.bpf.o=.skel.h) \
	     $(foreach a,$(KMOD_ABIS),$(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%_kmod$(subst .,,$(a)).skel.h,$(BPF_SRCS)))
BPF_HDRS := $(wildcard bpf/lib/*.h include/psp/*.h) vmlinux.h
# libpspbpf, the control plane; pspref, the userspace PSP reference, on
# OpenSSL alone: the oracle of the tests and the engine of psp-bpf-ctl
# pcap, never linked into the library whose datapath it judges
LIB_SRCS := $(wildcard libpspbpf/*.c)
REF_SRCS := $(wildcard pspref/*.c)
REF_A := $(BUILD)/libpspref.a
CTL_SRCS := $(wildcard psp-bpf-ctl/*.c)
# tests/lib/: what the tests and benches share (TAP, packets, test data);
# its headers are seen by their objects alone, never by the library's or
# the tools' (TEST_CPPFLAGS below). DEVENV_SRCS: a PSP device to run the
# programs on, for the tests and benches that link libpspbpf.
TEST_LIB_SRCS := tests/lib/tap.c tests/lib/testdata.c tests/lib/pktgen.c
DEVENV_SRCS := tests/lib/devenv.c
UNIT_SRCS := $(filter-out %.bpf.c,$(wildcard tests/unit/*.c)) $(TEST_LIB_SRCS) tests/lib/tap_main.c
DATAPATH_SRCS := $(wildcard tests/datapath/*.c) $(TEST_LIB_SRCS) $(DEVENV_SRCS) tests/lib/tap_main.c
REF_LIBS := -lssl -lcrypto
LIB_LIBS := -lxdp -lbpf -lelf -lz $(REF_LIBS)
CTL_LIBS := -lpcap $(LIB_LIBS)

objs = $(patsubst %.c,$(BUILD)/$(1)/%.o,$(2))

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.PHONY: all check unit fuzz bench demo vmlinux install uninstall clean kmod vm-check vm-bench

all: $(BUILD)/psp-bpf-ctl $(LIB_SO) $(BPF_OBJS) $(BPF_KMOD_OBJS) $(BUILD)/psp-xfer $(BUILD)/psp-responder \
     $(BUILD)/psp-tls

$(BUILD)/psp-xfer: $(call objs,obj,tools/psp-xfer.c)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

$(BUILD)/psp-responder: $(call objs,obj,tools/psp-responder.c) $(BUILD)/libpspbpf.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

# psp-tls (tools/psp-tls/): psp-bpf-ctl's option parsing, -n and JSON
# writer beside its own files.
PSP_TLS_SRCS := $(wildcard tools/psp-tls/*.c) psp-bpf-ctl/cli.c psp-bpf-ctl/json.c
$(call objs,obj,$(wildcard tools/psp-tls/*.c)): CPPFLAGS += -Ipsp-bpf-ctl
$(BUILD)/psp-tls: $(call objs,obj,$(PSP_TLS_SRCS)) $(BUILD)/libpspbpf.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

# BPF programs, and skeletons the loader embeds (bpftool gen skeleton).
BPF_CFLAGS := -g -O2 --target=bpf -D__TARGET_ARCH_x86 -I. -Iinclude -Ibpf \
	      -Wall -Wextra -Werror
# psp_kdf hands out SPIs by a 32-bit atomic add whose old value it uses,
# an instruction of BPF's v3 set (Linux 5.12 on); the datapath's objects
# keep the compiler's default.
$(BUILD)/bpf/psp_ctl.bpf.o: BPF_CFLAGS += -mcpu=v3
$(BUILD)/bpf/kmod-%/psp_ctl.bpf.o: BPF_CFLAGS += -mcpu=v3

# A BPF object built by clang and its skeleton (bpftool gen skeleton),
# alike for every program: $(1) the object, $(2) its source, $(3) the
# skeleton, $(4) the skeleton's name, $(5) the compiler command if not
# $(CLANG) $(BPF_CFLAGS). Pattern rules ($$* in $(4) for the stem) or
# rules for one file. $(4) and $(5) come with $$, to be expanded as the
# rules run: with the stem, and the target's own BPF_CFLAGS (-mcpu=v3).
define bpf_skel_rules
$(1): $(2) $(BPF_HDRS)
	$$(call msg,BPF,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$(or $(5),$$(CLANG) $$(BPF_CFLAGS)) -c $$< -o $$@

$(3): $(1)
	$$(call msg,SKEL,$$@)
	$(Q)$$(BPFTOOL) gen skeleton $$< name $(4) > $$@
endef

$(eval $(call bpf_skel_rules,$(BUILD)/bpf/%.bpf.o,bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$$*))
# the kmod builds, by the first kernel of each (KMOD_ABIS): skeletons
# psp_rx_kmod61...
$(foreach a,$(KMOD_ABIS),$(eval $(call bpf_skel_rules,$(BUILD)/bpf/kmod-$(a)/%.bpf.o,\
	bpf/%.bpf.c,$(BUILD)/bpf/%_kmod$(subst .,,$(a)).skel.h,$$*_kmod$(subst .,,$(a)),\
	$$(call kmod_clang,$(a)))))

# psp-bpf's dispatcher for libxdp (bpf/libxdp/), embedded in the library,
# which hands it to libxdp through LIBXDP_OBJECT_PATH (xdp_dispatcher.c).
$(eval $(call bpf_skel_rules,$(BUILD)/bpf/libxdp/xdp-dispatcher.o,bpf/libxdp/xdp-dispatcher.bpf.c,\
	$(BUILD)/bpf/xdp_dispatcher.skel.h,xdp_dispatcher,\
	$$(CLANG) $$(BPF_CFLAGS) -I/usr/include/$$(shell $$(CC) -dumpmachine)))

# A digest of the map layouts, stamped into the pinned state: a build never
# runs on maps laid out by another.
$(BUILD)/bpf/psp_layout.h: include/psp/maps.h include/psp/types.h bpf/lib/maps.h
	$(Q)mkdir -p $(@D)
	$(Q)printf '#define PSP_STATE_LAYOUT 0x%sU\n' $$(cat $^ | sha256sum | cut -c1-8) > $@

# The generated headers, before the library's files that include them
# (and only those: a change of a BPF program rebuilds objs.c alone).
lib_objs = $(foreach f,obj san pic,$(call objs,$(f),libpspbpf/$(1).c))
$(call lib_objs,objs): $(BPF_SKELS)
$(call lib_objs,xdp_dispatcher): $(BUILD)/bpf/xdp_dispatcher.skel.h
$(call lib_objs,state): $(BUILD)/bpf/psp_layout.h

# One object tree per flavour: plain; ASan+UBSan for the unit tests;
# position-independent for the shared library.
# $(1): the tree, $(2): what make prints, $(3): the flavour's flags
define object_rule
$(BUILD)/$(1)/%.o: %.c
	$$(call msg,$(2),$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$$(CC) $$(CPPFLAGS) $$(CFLAGS) $$(WARN) $(3) -MMD -MP -c $$< -o $$@
endef
$(eval $(call object_rule,obj,CC,))
$(eval $(call object_rule,san,CC-SAN,$(SAN)))
$(eval $(call object_rule,pic,CC-PIC,-fPIC))

# The test library's headers for the tests' and benches' objects; the
# fuzzers share the datapath tests' environment as well.
TEST_CPPFLAGS := -Itests/lib
$(BUILD)/obj/tests/%.o $(BUILD)/san/tests/%.o $(BUILD)/obj/tools/bench/%.o: CPPFLAGS += $(TEST_CPPFLAGS)
$(BUILD)/obj/tests/fuzz/%.o: CPPFLAGS += -Itests/datapath

$(BUILD)/libpspbpf.a: $(call objs,obj,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(REF_A): $(call objs,obj,$(REF_SRCS))
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

# The shared library exports the functions of pspbpf.h and nothing else
# (internals share the pspbpf_ prefix; the reference, pspref, is not in it): a
# version script made from the header, so a function added there is
# exported without a list to keep.

$(BUILD)/libpspbpf.map: libpspbpf/pspbpf.h
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ echo 'LIBPSPBPF_$(LIB_SOMAJOR) {'; echo 'global:'; \
	  sed -n 's/^[a-z].*[ *]\(pspbpf_[a-z0-9_]*\)(.*/\t\1;/p' $<; \
	  echo 'local: *;'; echo '};'; } > $@

$(LIB_SO): $(call objs,pic,$(LIB_SRCS)) $(BUILD)/libpspbpf.map
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -shared -Wl,-soname,$(LIB_SONAME) -Wl,-z,defs -Wl,--as-needed \
	  -Wl,--version-script=$(BUILD)/libpspbpf.map -o $@ $(filter %.o,$^) $(LIB_LIBS)

$(BUILD)/psp-bpf-ctl: $(call objs,obj,$(CTL_SRCS)) $(BUILD)/libpspbpf.a $(REF_A)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CTL_LIBS)

# the reference's own tests: OpenSSL and libpcap, no BPF
$(BUILD)/tests/unit: $(call objs,obj,$(UNIT_SRCS) $(REF_SRCS))
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lpcap $(REF_LIBS)

$(BUILD)/tests/unit-san: $(call objs,san,$(UNIT_SRCS) $(REF_SRCS))
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ -lpcap $(REF_LIBS)

$(BUILD)/tests/psp-cases: $(call objs,obj,tests/selftests/psp_cases.c) $(BUILD)/libpspbpf.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

# New PSP connections at a steady rate between two namespaces (the soak).
$(BUILD)/tests/psp-churn: $(call objs,obj,tests/tools/psp-churn.c) $(BUILD)/libpspbpf.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

# A device's key rotated at a steady rate (tests/bats/faults.bats).
$(BUILD)/tests/psp-rotate: $(call objs,obj,tests/tools/psp-rotate.c) $(BUILD)/libpspbpf.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

$(BUILD)/tests/datapath: $(call objs,obj,$(DATAPATH_SRCS)) $(BUILD)/libpspbpf.a $(REF_A)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CTL_LIBS)

# psp-bpf-ctl built with ASan and UBSan, for the CLI fuzzer.
$(BUILD)/psp-bpf-ctl-san: $(call objs,san,$(CTL_SRCS) $(LIB_SRCS) $(REF_SRCS))
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(CTL_LIBS)

# The fuzzers (tests/fuzz/): psp_rx and psp_tx through BPF_PROG_TEST_RUN,
# and psp-bpf-ctl's grammar against its sanitized build. make check runs
# FUZZ_CHECK_INPUTS of each program and FUZZ_CLI_RUNS command lines;
# make fuzz FUZZ_INPUTS of each program.
FUZZ_INPUTS ?= 1000000
FUZZ_CLI_RUNS ?= 10000
$(BUILD)/tests/fuzz-prog: $(call objs,obj,tests/fuzz/fuzz_prog.c tests/fuzz/mutate.c tests/datapath/env.c \
					  $(TEST_LIB_SRCS) $(DEVENV_SRCS)) \
			  $(BUILD)/libpspbpf.a $(REF_A)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CTL_LIBS)

FUZZ_CLI_SRCS := tests/fuzz/fuzz_cli.c $(wildcard tests/fuzz/cli_*.c)
$(BUILD)/tests/fuzz-cli: $(call objs,obj,$(FUZZ_CLI_SRCS) $(TEST_LIB_SRCS)) $(BUILD)/libpspbpf.a $(REF_A)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CTL_LIBS)

FUZZ_BINS := $(BUILD)/tests/fuzz-prog $(BUILD)/tests/fuzz-cli $(BUILD)/psp-bpf-ctl-san
fuzz: all $(FUZZ_BINS) $(TEST_DATA)
	$(Q)PSP_TEST_DATA=$(BUILD)/tests PSP_VECTORS=tests/vectors $(BUILD)/tests/fuzz-prog --inputs $(FUZZ_INPUTS)
	$(Q)PSP_TEST_DATA=$(BUILD)/tests PSP_VECTORS=tests/vectors $(BUILD)/tests/fuzz-cli \
	  --ctl $(BUILD)/psp-bpf-ctl-san --runs $(FUZZ_CLI_RUNS)

# The vector manifests, flattened to TSV for the C tests.
$(BUILD)/tests/kdf.tsv: tests/vectors/kdf.json
	$(Q)mkdir -p $(@D)
	$(Q)$(JQ) -r '.vectors[] | [.master_key, .spi, .version] + .kdf_blocks + [.derived_key] | @tsv' $< > $@

$(BUILD)/tests/vectors.tsv: tests/vectors/manifest.json
	$(Q)mkdir -p $(@D)
	$(Q)$(JQ) -r '.vectors[] | [.name, .cleartext, .psp, .params.master0, .params.master1, .params.spi, .params.version, .params.mode, .params.crypt_off, .params.vc, (.params.vc_value // "-"), .params.iv_first, .expect] | map(tostring) | @tsv' $< > $@

$(BUILD)/bench/bench-ref: $(call objs,obj,tools/bench/bench_ref.c tools/bench/ossl_gcm.c tests/lib/pktgen.c) $(BUILD)/libpspbpf.a $(REF_A)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

demo: all
	$(Q)BUILD=$(BUILD) tools/demo

# the benches' BPF programs and their skeletons, named after the source
$(eval $(call bpf_skel_rules,$(BUILD)/bench/%.bpf.o,tools/bench/%.bpf.c,\
	$(BUILD)/bench/%.skel.h,$$*))

$(call objs,obj,tools/bench/bench_datapath.c): $(BUILD)/bench/bench_ecb.skel.h
$(call objs,obj,tools/bench/bench_datapath.c): CPPFLAGS += -I$(BUILD)/bench

.SECONDARY: $(BUILD)/bench/bench_ecb.bpf.o $(BUILD)/bench/bench_kmod.bpf.o

$(BUILD)/bench/bench-datapath: $(call objs,obj,tools/bench/bench_datapath.c tools/bench/ossl_gcm.c $(DEVENV_SRCS) tests/lib/pktgen.c) $(BUILD)/libpspbpf.a $(REF_A)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

# the kmod backend's anchor: the module's benchmark kfunc (kmod/psp_bench.c)
$(call objs,obj,tools/bench/bench_kmod.c): $(BUILD)/bench/bench_kmod.skel.h
$(call objs,obj,tools/bench/bench_kmod.c): CPPFLAGS += -I$(BUILD)/bench

$(BUILD)/bench/bench-kmod: $(call objs,obj,tools/bench/bench_kmod.c)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

$(BUILD)/bench/bench-assoc: $(call objs,obj,tools/bench/bench_assoc.c $(DEVENV_SRCS)) $(BUILD)/libpspbpf.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

BENCH_BINS := $(BUILD)/bench/bench-ref $(BUILD)/bench/bench-datapath $(BUILD)/bench/bench-assoc \
	      $(BUILD)/bench/bench-kmod
bench: all $(BENCH_BINS) $(BUILD)/tests/psp-nic-emu $(BUILD)/tests/psp-churn
	$(Q)$(BUILD)/bench/bench-ref
	$(Q)$(BUILD)/bench/bench-datapath
	$(Q)BUILD=$(BUILD) tools/bench/offload-steady
	$(Q)$(BUILD)/bench/bench-kmod
	$(Q)$(BUILD)/bench/bench-assoc
	$(Q)$(BUILD)/bench/bench-assoc scale
	$(Q)[ -d /sys/module/psp_crypto ] || $(BUILD)/bench/bench-assoc scale offload
	$(Q)BUILD=$(BUILD) tools/bench/churn
	$(Q)BUILD=$(BUILD) tools/bench/iperf
	$(Q)BUILD=$(BUILD) tools/bench/tls

# The kernel module (kmod/), built for each kernel the guests boot
# (VM_KERNELS, tests/vm/prepare) against Debian's headers in the private
# kbuild tree prepare makes, out of this tree: build/kmod/RELEASE/. A
# module without BTF would load and offer no kfuncs: that fails the build.
VM_DIR	?= $(BUILD)/vm
VM_KERNELS ?= 6.1 6.12
kmod:
	$(Q)for k in $(VM_KERNELS); do \
	  kver=$$(VM_DIR=$(VM_DIR) tests/vm/prepare $$k) && \
	  $(MAKE) -s BUILD=$(BUILD) VM_DIR=$(VM_DIR) $(BUILD)/kmod/$$kver/psp_crypto.ko || exit 1; \
	done

$(BUILD)/kmod/%/psp_crypto.ko: $(wildcard kmod/*) $(wildcard include/psp/*.h) tests/vm/prepare
	$(call msg,KMOD,$@)
	$(Q)rm -rf $(@D) && mkdir -p $(@D)/include
	$(Q)cp kmod/* $(@D)/ && cp -r include/psp $(@D)/include/
	$(Q)kb=$(abspath $(VM_DIR))/$*/kbuild && \
	  $(MAKE) -s -C $$kb M=$(abspath $(@D)) modules >$(@D)/build.log 2>&1 || \
	  { cat $(@D)/build.log; exit 1; } && \
	  $(BPFTOOL) -B $$kb/vmlinux btf dump file $@ | grep -q "FUNC 'bpf_pspk_key_create'" || \
	  { echo "$@: no BTF for the kfuncs (vmlinux, pahole, resolve_btfids?)"; rm -f $@; exit 1; }

# The module's kfuncs on their own (tests/kmod/), run in the guests: one
# build per kmod build of the programs, build/tests/kmod-6.1/kfuncs...
$(foreach a,$(KMOD_ABIS),$(eval $(call bpf_skel_rules,$(BUILD)/tests/kmod-$(a)/kfuncs.bpf.o,\
	tests/kmod/kfuncs.bpf.c,$(BUILD)/tests/kmod-$(a)/kfuncs.skel.h,kfuncs,\
	$$(call kmod_clang,$(a)))))
define kmod_test_rules
$(BUILD)/tests/kmod-$(1)/test_kfuncs.o: tests/kmod/test_kfuncs.c $(BUILD)/tests/kmod-$(1)/kfuncs.skel.h
	$$(call msg,CC,$$@)
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) -I$(BUILD)/tests/kmod-$(1) $(CFLAGS) $(WARN) -MMD -MP -c $$< -o $$@

$(BUILD)/tests/kmod-$(1)/kfuncs: $(BUILD)/tests/kmod-$(1)/test_kfuncs.o \
				$(call objs,obj,tests/lib/tap.c tests/lib/tap_main.c) $(BUILD)/libpspbpf.a $(REF_A)
	$$(call msg,LINK,$$@)
	$(Q)$(CC) $(CFLAGS) -o $$@ $$^ $(LIB_LIBS)
endef
$(foreach a,$(KMOD_ABIS),$(eval $(call kmod_test_rules,$(a))))
KFUNCS_TESTS := $(foreach a,$(KMOD_ABIS),$(BUILD)/tests/kmod-$(a)/kfuncs)

# Replays a capture's frames into a device (tests/bats/datapath.bats).
$(BUILD)/tests/pcap-inject: $(call objs,obj,tests/tools/pcap-inject.c)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lpcap

# The emulated PSP NIC the offload backend's tests run against (tests/nic/).
$(eval $(call bpf_skel_rules,$(BUILD)/tests/psp_nic.bpf.o,tests/nic/psp_nic.bpf.c,\
	$(BUILD)/tests/psp_nic.skel.h,psp_nic))

$(call objs,obj,tests/nic/psp_nic_emu.c): $(BUILD)/tests/psp_nic.skel.h
$(call objs,obj,tests/nic/psp_nic_emu.c): CPPFLAGS += -I$(BUILD)/tests

$(BUILD)/tests/psp-nic-emu: $(call objs,obj,tests/nic/psp_nic_emu.c) $(BUILD)/libpspbpf.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

# The suites in qemu guests (tests/vm/check): each kernel of VM_KERNELS
# on the kmod backend, and 6.12 on the bpf backend too.
vm-check: all unit kmod $(KFUNCS_TESTS)
	$(Q)BUILD=$(BUILD) VM_DIR=$(VM_DIR) VM_KERNELS="$(VM_KERNELS)" tests/vm/check

# make bench in the guest, on the kmod backend: its ratios against
# OpenSSL in the same guest; then PSP against the kernel's ESP and
# WireGuard (tools/bench/iperf-kpeers), and how RSS spreads flows over
# the 2 queues of the guest's virtio-net pair (tools/bench/iperf-rss).
# TCG emulates the CPU: ratios, not speeds. The guest boots Debian's
# 6.12 (VM_BENCH_KERNEL); the guest is cut off after 25 minutes.
# Sized for TCG: an association pair costs the guest
# (0.2-0.65 ms; 40 us on the host), so bench-assoc takes 1024 associations and 2
# rounds there (about 20 s) instead of 16384 and 4, at which vm-bench did
# not get past bench-assoc in the cut-off; offload-steady one transfer each
# way instead of five; the churn 10 s of each kind instead of 20; psp-tls
# 64 MB a transfer and 20 connections of each kind instead of 1024 and
# 200. Each step runs whatever the one before it did (the guest's status
# is the first failure's), and the guest's wall time comes last.
VM_BENCH_KERNEL ?= 6.12
VM_BENCH_ENV := PSP_BENCH_ASSOC_FLOWS=1024 PSP_BENCH_ASSOC_ROUNDS=2 PSP_BENCH_REPS=1 \
		PSP_BENCH_SCALE_ASSOCS=100000 PSP_BENCH_CHURN_SECONDS=10 \
		PSP_BENCH_TLS_MB=64 PSP_BENCH_TLS_CONNS=20
vm-bench: all kmod $(BENCH_BINS) $(BUILD)/tests/psp-nic-emu $(BUILD)/tests/psp-churn
	$(Q)BUILD=$(BUILD) VM_DIR=$(VM_DIR) VM_NET_QUEUES=2 tests/vm/run -k $(VM_BENCH_KERNEL) -t 1500 \
	  -N tests/vm/guest kmod \
	  sh -c 't=$$(date +%s) rc=0; export $(VM_BENCH_ENV); \
	    $(MAKE) -s bench || rc=1; tools/bench/iperf-kpeers || rc=1; tools/bench/iperf-rss || rc=1; \
	    echo "vm-bench: $$(($$(date +%s) - t)) s in the guest"; exit $$rc'

TEST_DATA := $(BUILD)/tests/kdf.tsv $(BUILD)/tests/vectors.tsv
unit: $(BUILD)/tests/unit $(BUILD)/tests/unit-san $(BUILD)/tests/abi.bpf.o $(TEST_DATA) \
      $(BUILD)/tests/datapath $(BUILD)/tests/psp-cases $(BUILD)/tests/psp-nic-emu \
      $(BUILD)/tests/pcap-inject $(BUILD)/tests/psp-churn $(BUILD)/tests/psp-rotate $(FUZZ_BINS)

check: all unit
	$(Q)BUILD=$(BUILD) tests/run-suites

# Kernel types for the BPF programs, from the running kernel's BTF, stamped
# with where they came from.
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
vmlinux:
	$(call msg,GEN,vmlinux.h)
	$(Q){ printf '/*\n * vmlinux.h: kernel types for the BPF programs, generated by `make vmlinux`:\n'; \
	  printf ' *   bpftool btf dump file %s format c\n' '$(VMLINUX_BTF)'; \
	  printf ' * from Linux %s (%s), %s, on %s.\n' "$$(uname -r)" "$$(uname -m)" \
	    "$$($(BPFTOOL) version | head -1)" "$$(date -u +%F)"; \
	  printf ' * CO-RE relocates field accesses, so the programs also load on other\n * kernels with BTF.\n */\n'; \
	  $(BPFTOOL) btf dump file $(VMLINUX_BTF) format c; } > vmlinux.h.tmp && mv vmlinux.h.tmp vmlinux.h

# The ABI headers compiled as a BPF program sees them.
$(BUILD)/tests/abi.bpf.o: tests/unit/abi.bpf.c vmlinux.h $(wildcard include/psp/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# make install: Debian's layout (the FHS) under PREFIX, staged under
# DESTDIR if set; each directory can be set on its own. A Debian package
# passes PREFIX=/usr LIBDIR=/usr/lib/$(DEB_HOST_MULTIARCH). What goes
# where: docs/operations.md, Installing.
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
DATADIR		?= $(PREFIX)/share
MANDIR		?= $(DATADIR)/man
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
# beside xdp-tools' objects (Debian's $(LIBDIR)/bpf), in a directory of
# our own, as the kmod backend's builds have the same names
BPFOBJDIR	?= $(LIBDIR)/bpf/psp-bpf
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR	?= $(DATADIR)/bash-completion/completions
WIRESHARK_PLUGINDIR ?= $(LIBDIR)/wireshark/plugins
# /etc for the distribution's prefix; a local one keeps its configuration
# under itself (/usr/local/etc), as the FHS has it
ifeq ($(PREFIX),/usr)
SYSCONFDIR	?= /etc
else
SYSCONFDIR	?= $(PREFIX)/etc
endif
INSTALL		?= install
LDCONFIG	?= ldconfig

# The include/psp/ headers pspbpf.h needs, as the compiler finds them;
# they go under INCLUDEDIR/pspbpf/ (Cflags: -I.../pspbpf), where a
# directory named psp/ is ours alone.
PUB_PSP_HDRS = $(filter include/psp/%,$(shell $(CC) -MM -Iinclude libpspbpf/pspbpf.h))

# What make install copies, and so what make uninstall removes, as sets:
# $(1) a name, $(2) the directory, $(3) the mode, $(4) the files, which
# keep their names; $(5) "own" if the directory is psp-bpf's alone (make
# uninstall removes it once empty).
INST_SETS :=
define inst_set
INST_SETS += $(1)
inst_dir_$(1) = $(2)
inst_mode_$(1) = $(3)
inst_files_$(1) = $(4)
inst_own_$(1) = $(5)
endef
$(eval $(call inst_set,sbin,$(SBINDIR),0755,$(BUILD)/psp-bpf-ctl))
$(eval $(call inst_set,bin,$(BINDIR),0755,$(BUILD)/psp-responder $(BUILD)/psp-tls))
$(eval $(call inst_set,lib,$(LIBDIR),0644,$(BUILD)/libpspbpf.a $(LIB_SO)))
$(eval $(call inst_set,hdr,$(INCLUDEDIR)/pspbpf,0644,libpspbpf/pspbpf.h,own))
$(eval $(call inst_set,psphdr,$(INCLUDEDIR)/pspbpf/psp,0644,$$(PUB_PSP_HDRS),own))
$(eval $(call inst_set,bpf,$(BPFOBJDIR),0644,$(BPF_OBJS),own))
$(foreach a,$(KMOD_ABIS),$(eval $(call inst_set,bpf-kmod-$(a),$(BPFOBJDIR)/kmod-$(a),0644,\
	$(filter $(BUILD)/bpf/kmod-$(a)/%,$(BPF_KMOD_OBJS)),own)))
$(eval $(call inst_set,man8,$(MANDIR)/man8,0644,docs/psp-bpf-ctl.8))
$(eval $(call inst_set,man1,$(MANDIR)/man1,0644,docs/psp-tls.1))
$(eval $(call inst_set,man3,$(MANDIR)/man3,0644,docs/libpspbpf.3))
$(eval $(call inst_set,bashcomp,$(BASHCOMPDIR),0644,tools/completion/psp-bpf-ctl \
	tools/completion/psp-tls))
# the other parts' files, once they are there
$(eval $(call inst_set,wireshark,$(WIRESHARK_PLUGINDIR),0644,$(wildcard tools/wireshark/psp.lua)))
$(eval $(call inst_set,conf,$(SYSCONFDIR)/psp-bpf,0644,$(wildcard tools/systemd/example.conf),own))
$(eval $(call inst_set,units,$(SYSTEMDUNITDIR),0644,$(wildcard tools/systemd/*.service tools/systemd/*.timer)))

# Templates (NAME.in), filled in by SUBST and installed as NAME.
INST_TEMPLATES :=
define inst_template
INST_TEMPLATES += $(1)
inst_dir_$(1) = $(2)
inst_files_$(1) = $(3)
endef
$(eval $(call inst_template,pc,$(PKGCONFIGDIR),libpspbpf/libpspbpf.pc.in))
$(eval $(call inst_template,unit-templates,$(SYSTEMDUNITDIR),$(wildcard tools/systemd/*.in)))
SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@VERSION@|$(VERSION)|g'

# the shared library's names: the soname's, and the one a link takes
INST_LINKS := $(LIBDIR)/$(LIB_SONAME) $(LIBDIR)/libpspbpf.so

inst_dests = $(addprefix $(DESTDIR)$(inst_dir_$(1))/,$(notdir $(2)))

define inst_set_cmds
	$(Q)$(INSTALL) -d $(DESTDIR)$(inst_dir_$(1))
	$(Q)$(INSTALL) -m $(inst_mode_$(1)) $(inst_files_$(1)) $(DESTDIR)$(inst_dir_$(1))/

endef
define inst_template_cmds
	$(Q)$(INSTALL) -d $(DESTDIR)$(inst_dir_$(1))
	$(Q)for f in $(inst_files_$(1)); do \
	  $(SUBST) $$f >$(DESTDIR)$(inst_dir_$(1))/$$(basename $$f .in) && \
	  chmod 0644 $(DESTDIR)$(inst_dir_$(1))/$$(basename $$f .in) || exit 1; done

endef

# Depends on all: a make install run as root builds nothing in the tree
# that make did not.
install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(foreach s,$(INST_SETS),$(if $(inst_files_$(s)),$(call inst_set_cmds,$(s))))
	$(foreach s,$(INST_TEMPLATES),$(if $(inst_files_$(s)),$(call inst_template_cmds,$(s))))
	$(Q)ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	$(Q)ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libpspbpf.so
	$(Q)[ -n "$(DESTDIR)" ] || $(LDCONFIG)

# Removes what make install put, and the directories that are psp-bpf's
# alone once empty (children first: sort -r); never a shared one.
uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(foreach s,$(INST_SETS),$(call inst_dests,$(s),$(inst_files_$(s)))) \
	  $(foreach s,$(INST_TEMPLATES),$(call inst_dests,$(s),$(basename $(inst_files_$(s))))) \
	  $(addprefix $(DESTDIR),$(INST_LINKS))
	$(Q)for d in $$(printf '%s\n' $(foreach s,$(INST_SETS),$(if $(inst_own_$(s)),$(DESTDIR)$(inst_dir_$(s)))) | sort -r); do \
	  [ ! -d $$d ] || rmdir --ignore-fail-on-non-empty $$d || exit 1; done
	$(Q)[ -n "$(DESTDIR)" ] || $(LDCONFIG)

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
