# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Shared by the bats suites: where the build and the vectors are.

bats_require_minimum_version 1.5.0

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CTL=$BUILD/psp-bpf-ctl
VECTORS=$ROOT/tests/vectors
MANIFEST=$VECTORS/manifest.json

# Waits stretch by this much in the qemu guest, whose CPU is emulated, and
# bulk transfers shrink (MB).
TIME_SCALE=1 BIG_MB=100
if [ -n "${PSP_VM:-}" ]; then
	TIME_SCALE=5 BIG_MB=20
fi

# The directory of the BPF objects of the backend the suites run on
# (PSP_BACKEND: bpf unless set, as tests/vm/guest sets it), for this kernel.
bpf_objs() {
	if [ "${PSP_BACKEND:-bpf}" = kmod ]; then
		echo "$BUILD/bpf/kmod-$("$ROOT/tests/kmod/abi")"
	else
		echo "$BUILD/bpf"
	fi
}

# vector_field NAME FIELD: a field of a vector (jq path below the vector)
vector_field() {
	jq -r --arg n "$1" ".vectors[] | select(.name == \$n) | .$2" "$MANIFEST"
}

# vector_param NAME FIELD: a field of a vector's params
vector_param() {
	vector_field "$1" "params.$2"
}

vector_names() {	# [accept|reject]
	jq -r --arg e "${1:-}" '.vectors[] | select($e == "" or .expect == $e) | .name' "$MANIFEST"
}

# The options of `pcap encrypt` that reproduce a vector.
vector_encrypt_args() {
	local n=$1
	echo --master0 "$(vector_param "$n" master0)" --master1 "$(vector_param "$n" master1)" \
		--spi "$(vector_param "$n" spi)" --version "$(vector_param "$n" version)" \
		--crypt-off "$(vector_param "$n" crypt_off)" --iv "0x$(vector_param "$n" iv_first)"
	[ "$(vector_param "$n" mode)" = tunnel ] && echo --tunnel
	[ "$(vector_param "$n" vc)" = true ] && echo --vc "$(vector_param "$n" vc_value)"
	return 0
}

vector_keys() {
	echo --master0 "$(vector_param "$1" master0)" --master1 "$(vector_param "$1" master1)"
}

# Fails the test with a message (bats shows it with the failure).
fail() {
	echo "$*" >&2
	return 1
}
