#!/usr/bin/env bash
# test/bench/client.sh - issue 2's speed and memory benchmark, run by hand
# (not by `meson test`).  Everything talks to a local sink on 127.0.0.1.
#
#   test/bench/client.sh [BUILD_DIR] [BODY_MIB]
#
# 1. A whole session (connect, banner, EHLO, QUIT) as a whole process:
#    smtpsh versus `nc` and `swaks --quit-after EHLO`, timed by hyperfine.
# 2. DATA of a BODY_MIB (default 1024) MiB file: smtpsh streaming the file
#    versus `nc` piping the same, already dot-stuffed, bytes; wall time,
#    throughput and peak RSS from GNU time.
# The sink is Postfix's smtp-sink (it discards the mail).  Needs: hyperfine,
# swaks, netcat-openbsd, postfix (for smtp-sink), GNU time.
set -euo pipefail

build=${1:-build}
mib=${2:-1024}
smtpsh=$(realpath "$build/src/shell/smtpsh")
work=$(mktemp -d)
sink_pid=
cleanup() {
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

for tool in hyperfine swaks nc smtp-sink /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port=$(free_port)
smtp-sink -u "$(id -un)" 127.0.0.1:"$port" 256 &
sink_pid=$!
for _ in $(seq 50); do
	nc -z 127.0.0.1 "$port" 2>/dev/null && break
	sleep 0.1
done

echo "== machine"
uname -srm
nproc
"$smtpsh" --version
echo

echo "== 1. whole session: connect, banner, EHLO, QUIT (hyperfine, 200 runs)"
printf 'EHLO bench.example\r\nQUIT\r\n' >"$work/session.txt"
hyperfine --warmup 10 --runs 200 --export-markdown "$work/session.md" \
	-n smtpsh "$smtpsh --no-color -e 'ehlo bench.example' -e quit 127.0.0.1 $port" \
	-n nc "nc -N 127.0.0.1 $port < $work/session.txt" \
	-n swaks "swaks --silent 2 --server 127.0.0.1:$port --quit-after EHLO --helo bench.example"
cat "$work/session.md"
echo

echo "== 2. DATA of a $mib MiB body"
# Every 64th line starts with a dot, so stuffing really happens.
/usr/bin/python3 - "$work/body" "$mib" <<'PY'
import sys
path, mib = sys.argv[1], int(sys.argv[2])
line = b"The quick brown fox jumps over the lazy dog, again and again. 0123456789\r\n"
dotted = b"." + line
block = b"".join(dotted if i % 64 == 0 else line for i in range(1024))
# Whole lines only: a body cut mid-line put nc's final "." after the cut,
# so its transaction never ended (issue 20).
with open(path, "wb") as f:
    left = mib * 1024 * 1024
    while left >= len(block):
        f.write(block)
        left -= len(block)
    n = 0
    while n < 1024 and left >= len(dotted):
        ln = dotted if n % 64 == 0 else line
        f.write(ln)
        left -= len(ln)
        n += 1
PY
# The same transaction for nc, the body stuffed by sed (a leading dot doubled).
{
	printf 'EHLO bench.example\r\nMAIL FROM:<a@bench.example>\r\nRCPT TO:<b@bench.example>\r\nDATA\r\n'
	sed 's/^\./../' "$work/body"
	printf '.\r\nQUIT\r\n'
} >"$work/nc-session.txt"
bytes=$(stat -c %s "$work/body")

run_timed() { # name, command...
	local name=$1; shift
	/usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >/dev/null 2>"$work/$name.err" || {
		echo "$name failed:"; cat "$work/$name.err"; return 1; }
	read -r secs rss_kib <"$work/$name.time"
	/usr/bin/python3 -c "import sys; s=float(sys.argv[2]); b=int(sys.argv[3]); r=int(sys.argv[4]);
print(f'| {sys.argv[1]} | {s:.2f} s | {b/s/1048576:.0f} MiB/s | {r/1024:.1f} MiB |')" \
		"$name" "$secs" "$bytes" "$rss_kib"
}
echo "| tool | wall time | throughput | peak RSS |"
echo "|---|---|---|---|"
for round in 1 2; do
	run_timed "smtpsh" "$smtpsh" --no-color -e 'ehlo bench.example' -e 'mail a@bench.example' \
		-e 'rcpt b@bench.example' -e "data $work/body" -e quit 127.0.0.1 "$port"
	run_timed "nc" sh -c "nc -N 127.0.0.1 $port < $work/nc-session.txt"
done
