#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# stats -o prometheus: the Prometheus text format, checked by Prometheus's
# own parser and linter (promtool check metrics) and read by the consumer
# it is for, node_exporter's textfile collector.

load helpers
load netns

# unpacked from their Debian packages by tools/install-deps, not installed
DEBS_BIN=${PSP_DEBS_DIR:-/var/cache/psp-bpf/debs}/root/usr/bin
PROMTOOL=$DEBS_BIN/promtool
NODE_EXPORTER=$DEBS_BIN/prometheus-node-exporter

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	[ -x "$PROMTOOL" ] && [ -x "$NODE_EXPORTER" ] ||
		fail "no $PROMTOOL or $NODE_EXPORTER: run tools/install-deps"
	netns_up
	psp_pair 10.88.0.1 40100 10.88.0.2 5100
	head -c 200k /dev/urandom >"$BATS_FILE_TMPDIR/in"
	xfer "$NS_A" "$NS_B" 10.88.0.1 40100 10.88.0.2 5100 "$BATS_FILE_TMPDIR/in" \
		"$BATS_FILE_TMPDIR/out"
}

teardown_file() {
	netns_down
}

# expected_series NS DEV: the series stats -j gives for DEV, one a line, as
# -o prometheus must write them
expected_series() {
	"$CTL" -n "$1" -j stats "$2" | jq -r --arg dev "$2" '
		to_entries[] | select(.key != "dev-id" and .key != "ifname") |
		"psp_bpf_\(.key | gsub("-"; "_"))_total{dev=\"\($dev)\"} \(.value)"'
}

@test "stats -o prometheus: promtool parses and lints it clean; every counter, as stats -j gives it" {
	run ctl_a stats -o prometheus
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/psp.prom"
	run "$PROMTOOL" check metrics <"$BATS_TEST_TMPDIR/psp.prom"
	[ "$status" -eq 0 ] || fail "promtool: $output"
	[ -z "$output" ] || fail "promtool: $output"
	expected_series "$NS_A" va >"$BATS_TEST_TMPDIR/want"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want")" -ge 20 ]
	grep -vxFf "$BATS_TEST_TMPDIR/psp.prom" "$BATS_TEST_TMPDIR/want" &&
		fail "series above missing or with another value"
	# the transfer was counted: not all zero
	grep -q '^psp_bpf_tx_packets_total{dev="va"} [1-9]' "$BATS_TEST_TMPDIR/psp.prom"
	# one HELP and one TYPE a family, one series a device
	[ "$(grep -c '^# TYPE psp_bpf_[a-z_]*_total counter$' "$BATS_TEST_TMPDIR/psp.prom")" -eq \
	  "$(wc -l <"$BATS_TEST_TMPDIR/want")" ]
	[ "$(grep -c '^# HELP ' "$BATS_TEST_TMPDIR/psp.prom")" -eq "$(wc -l <"$BATS_TEST_TMPDIR/want")" ]
}

@test "stats -o prometheus: a device name with a quote and a backslash is escaped as the format wants" {
	local dev='q"\x'
	ip -n "$NS_A" link add "$dev" type veth peer name qpeer
	ip -n "$NS_A" link set "$dev" up
	ctl_a dev add "$dev" >/dev/null
	run ctl_a stats -o prometheus
	ctl_a dev del "$dev"
	ip -n "$NS_A" link del "$dev"
	[ "$status" -eq 0 ]
	grep -qF 'psp_bpf_rx_packets_total{dev="q\"\\x"} 0' <<<"$output"
	"$PROMTOOL" check metrics <<<"$output"
}

@test "node_exporter's textfile collector serves the series, with no scrape error" {
	local dir=$BATS_TEST_TMPDIR/textfile port=9187 pid page
	mkdir "$dir"
	# as the documentation says: written aside, renamed into place
	ctl_a stats -o prometheus >"$dir/psp-bpf.prom.tmp"
	mv "$dir/psp-bpf.prom.tmp" "$dir/psp-bpf.prom"
	ip netns exec "$NS_A" "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$port" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$dir" 2>"$BATS_TEST_TMPDIR/exporter.log" &
	pid=$!
	wait_listen "$NS_A" "$port"
	page=$(ip netns exec "$NS_A" curl -sf "http://127.0.0.1:$port/metrics")
	kill "$pid"
	grep -qx 'node_textfile_scrape_error 0' <<<"$page" || fail "$(grep textfile <<<"$page")"
	expected_series "$NS_A" va | grep -vxFf <(echo "$page") &&
		fail "series above not served by node_exporter"
	grep -qx '# TYPE psp_bpf_rx_auth_fail_total counter' <<<"$page"
}

@test "stats -o: an unknown format, or -j beside prometheus, is a usage error; an unknown device prints nothing" {
	run -2 ctl_a stats -o influx
	[ "$output" = "psp-bpf-ctl: stats: -o: no format 'influx' (text, prometheus) (see 'psp-bpf-ctl stats -h')" ]
	run -2 ctl_a -j stats -o prometheus
	[ "${#lines[@]}" -eq 1 ]
	run --separate-stderr -1 ctl_a stats -o prometheus nosuch
	[ -z "$output" ]
	[[ $stderr == "psp-bpf-ctl: ENODEV: "* ]]
	# text stays the default
	run -0 ctl_a stats -o text va
	[[ ${lines[0]} == *": va" ]]
}
