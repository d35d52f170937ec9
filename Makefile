# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# psp-bpf: one entry point.
#   make            build psp-bpf-ctl and libpspbpf
#   make check      every test suite, then one "N passed, N failed" line
#   make bench      benchmarks, one JSON line per figure
#   make vmlinux    regenerate vmlinux.h from this kernel's BTF
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
CPPFLAGS := -Iinclude -Iloader/lib -Itests/unit -D_GNU_SOURCE -DPSPBPF_VERSION=\"$(VERSION)\"
SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

LIB_SRCS := $(wildcard loader/lib/*.c)
CTL_SRCS := $(wildcard loader/ctl/*.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)
LIB_LIBS := -lcrypto
CTL_LIBS := -lpcap $(LIB_LIBS)

objs = $(patsubst %.c,$(BUILD)/$(1)/%.o,$(2))

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.PHONY: all check unit bench vmlinux clean

all: $(BUILD)/psp-bpf-ctl

# One object tree per flavour: plain, and ASan+UBSan for the unit tests.
$(BUILD)/obj/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: %.c
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(SAN) -MMD -MP -c $< -o $@

$(BUILD)/libpspbpf.a: $(call objs,obj,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/psp-bpf-ctl: $(call objs,obj,$(CTL_SRCS)) $(BUILD)/libpspbpf.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CTL_LIBS)

$(BUILD)/tests/unit: $(call objs,obj,$(UNIT_SRCS) $(LIB_SRCS))
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CTL_LIBS)

$(BUILD)/tests/unit-san: $(call objs,san,$(UNIT_SRCS) $(LIB_SRCS))
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(CTL_LIBS)

# The vector manifests, flattened to TSV for the C tests.
$(BUILD)/tests/kdf.tsv: tests/vectors/kdf.json
	$(Q)mkdir -p $(@D)
	$(Q)$(JQ) -r '.vectors[] | [.master_key, .spi, .version] + .kdf_blocks + [.derived_key] | @tsv' $< > $@

$(BUILD)/tests/vectors.tsv: tests/vectors/manifest.json
	$(Q)mkdir -p $(@D)
	$(Q)$(JQ) -r '.vectors[] | [.name, .cleartext, .psp, .params.master0, .params.master1, .params.spi, .params.version, .params.mode, .params.crypt_off, .params.vc, (.params.vc_value // "-"), .params.iv_first, .expect] | map(tostring) | @tsv' $< > $@

$(BUILD)/bench/bench-ref: $(call objs,obj,tools/bench/bench_ref.c tests/unit/pktgen.c) $(BUILD)/libpspbpf.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIB_LIBS)

bench: $(BUILD)/bench/bench-ref
	$(Q)$(BUILD)/bench/bench-ref

TEST_DATA := $(BUILD)/tests/kdf.tsv $(BUILD)/tests/vectors.tsv
unit: $(BUILD)/tests/unit $(BUILD)/tests/unit-san $(TEST_DATA)

check: all unit
	$(Q)BUILD=$(BUILD) tests/run-suites

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
