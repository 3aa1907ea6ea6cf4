#!/usr/bin/env bash
# test/bench/message.sh - issue 12's benchmark, run by hand (not by `meson
# test`).  Everything talks to Postfix's smtp-sink on 127.0.0.1.
#
#   test/bench/message.sh [BUILD_DIR]
#
# 1. A test message of about 100 MiB (a 30 MiB text body and a 50 MiB
#    attachment, base64 in the message): smtpsh --from/--to/--attach versus
#    swaks --attach, wall time, throughput (message bytes per second) and
#    peak RSS from GNU time.
# 2. 100 recipients through a proxy that delays every packet by 20 ms each
#    way (test/bench/delay_proxy.py, on loopback): smtpsh with PIPELINING
#    (MAIL, the RCPTs and DATA in one write) versus --no-pipelining; wall
#    time and the round trips the proxy counted (client writes that waited
#    for the server).
# Needs: swaks, postfix (smtp-sink), GNU time, python3.
set -euo pipefail

build=${1:-build}
smtpsh=$(realpath "$build/src/shell/smtpsh")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

for tool in swaks smtp-sink /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
	for _ in $(seq 100); do
		/usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" \
			2>/dev/null && return 0
		sleep 0.05
	done
	echo "nothing listens on $1" >&2
	return 1
}

port=$(free_port)
smtp-sink -u "$(id -un)" 127.0.0.1:"$port" 256 &
pids+=($!)
wait_port "$port"

echo "== machine"
uname -srm
nproc
"$smtpsh" --version
echo

echo "== 1. a ~100 MiB message: 30 MiB of text and a 50 MiB attachment"
/usr/bin/python3 - "$work" <<'PY'
import os, sys
d = sys.argv[1]
line = b"The quick brown fox jumps over the lazy dog, again and again. 0123456789\n"
with open(os.path.join(d, "body.txt"), "wb") as f:
    for _ in range(30 * 1024 * 1024 // len(line)):
        f.write(line)
with open(os.path.join(d, "data.bin"), "wb") as f:
    f.write(os.urandom(50 * 1024 * 1024))
PY

run_timed() { # name, bytes, command...
	local name=$1 bytes=$2; shift 2
	/usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >/dev/null 2>"$work/$name.err" || {
		echo "$name failed:"; tail -5 "$work/$name.err"; return 1; }
	read -r secs rss_kib <"$work/$name.time"
	/usr/bin/python3 -c "import sys; s=float(sys.argv[2]); b=int(sys.argv[3]); r=int(sys.argv[4]);
print(f'| {sys.argv[1]} | {s:.2f} s | {b/s/1048576:.0f} MiB/s | {r/1024:.1f} MiB |')" \
		"$name" "$secs" "$bytes" "$rss_kib"
}

# The message size: what smtpsh's message record counts (a warm-up send;
# the same message swaks sends, give or take a few header bytes).
size=$("$smtpsh" --json --from a@bench.example --to b@bench.example \
	--body-file "$work/body.txt" --attach "$work/data.bin" 127.0.0.1 "$port" |
	/usr/bin/python3 -c 'import json,sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("type") == "message":
        print(r["size"])')
echo "message size: $size bytes"
echo
echo "| tool | wall time | throughput | peak RSS |"
echo "|---|---|---|---|"
for round in 1 2; do
	run_timed smtpsh "$size" "$smtpsh" --no-color --from a@bench.example --to b@bench.example \
		--body-file "$work/body.txt" --attach "$work/data.bin" 127.0.0.1 "$port"
	run_timed swaks "$size" swaks --silent 2 --server 127.0.0.1:"$port" --from a@bench.example \
		--to b@bench.example --body @"$work/body.txt" --attach @"$work/data.bin"
done
echo

echo "== 2. 100 recipients, 20 ms each way (delay_proxy.py)"
pport=$(free_port)
/usr/bin/python3 "$here/delay_proxy.py" "$pport" "$port" 0.020 "$work/proxy.log" &
pids+=($!)
wait_port "$pport"
rcpts=()
for i in $(seq 100); do rcpts+=(--to "r$i@bench.example"); done
echo "| mode | wall time | round trips |"
echo "|---|---|---|"
for mode in pipelining no-pipelining; do
	extra=()
	[ "$mode" = no-pipelining ] && extra=(--no-pipelining)
	: >"$work/proxy.log"
	start=$(date +%s.%N)
	"$smtpsh" --no-color --from a@bench.example "${rcpts[@]}" --body hello "${extra[@]}" \
		127.0.0.1 "$pport" >/dev/null
	end=$(date +%s.%N)
	trips=$(wc -l <"$work/proxy.log")
	/usr/bin/python3 -c "import sys; print(f'| {sys.argv[1]} | {float(sys.argv[3])-float(sys.argv[2]):.2f} s | {sys.argv[4]} |')" \
		"$mode" "$start" "$end" "$trips"
done
