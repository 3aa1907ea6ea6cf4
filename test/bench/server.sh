#!/usr/bin/env bash
# test/bench/server.sh - issue 3's teaching-server benchmark, run by hand
# (not by `meson test`).  Messages per second with 50 concurrent clients,
# side by side with aiosmtpd and Postfix's smtp-sink on the same machine,
# all on 127.0.0.1.  The load is Postfix's smtp-source with SESSIONS at once,
# in two shapes: one message per connection (connect, HELO, MAIL, RCPT, DATA,
# QUIT: the load generator itself is the limit on 2 cores), and with -d,
# many messages per connection (the servers' own cost dominates).
#
#   test/bench/server.sh [BUILD_DIR] [MESSAGES] [SESSIONS]
#
# Needs: postfix (smtp-source, smtp-sink), python3-aiosmtpd, netcat-openbsd.
set -euo pipefail

build=${1:-build}
messages=${2:-20000}
sessions=${3:-50}
smtpsh=$(realpath "$build/src/shell/smtpsh")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
	for _ in $(seq 100); do nc -z 127.0.0.1 "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "server on port $1 did not start" >&2; return 1
}
# name, port: run the load and print a table row.
load() {
	local name=$1 port=$2 start end
	for shape in "" -d; do
		local label="one"
		[ -n "$shape" ] && label="many (-d)"
		start=$(date +%s.%N)
		smtp-source $shape -s "$sessions" -m "$messages" -l 1024 -f bench@client.example \
			-t alice@demo.smtpsh.test 127.0.0.1:"$port"
		end=$(date +%s.%N)
		/usr/bin/python3 -c "import sys; s=float(sys.argv[3])-float(sys.argv[2]); n=int(sys.argv[4]);
print(f'| {sys.argv[1]} | {sys.argv[5]} | {n} | {s:.2f} s | {n/s:.0f} msg/s |')" \
			"$name" "$start" "$end" "$messages" "$label"
	done
}

echo "== $(uname -srm), $(nproc) cores, $messages messages, $sessions sessions"
echo "| server | messages per connection | messages | wall time | rate |"
echo "|---|---|---|---|---|"

port=$(free_port)
"$smtpsh" --serve 127.0.0.1:"$port" --quiet >/dev/null 2>&1 &
pids+=($!); wait_port "$port"
load "smtpsh --serve" "$port"

port=$(free_port)
/usr/bin/python3 -m aiosmtpd -n -c aiosmtpd.handlers.Sink -l 127.0.0.1:"$port" >/dev/null 2>&1 &
pids+=($!); wait_port "$port"
load "aiosmtpd (Sink)" "$port"

port=$(free_port)
smtp-sink -u "$(id -un)" 127.0.0.1:"$port" 256 >/dev/null 2>&1 &
pids+=($!); wait_port "$port"
load "smtp-sink" "$port"
