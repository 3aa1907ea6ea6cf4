#!/bin/sh
# file_sizes.sh - every source file stays one concern: at most 500 lines,
# opening with the comment that says what it owns (STYLE.md habit 1).
# Usage: file_sizes.sh DIR... (their *.c and *.h files, in every folder).
status=0
for d in "$@"; do
	for f in $(find "$d" -name '*.[ch]' | sort); do
		n=$(wc -l <"$f")
		if [ "$n" -gt 500 ]; then
			echo "$f: $n lines (more than 500: split it by concern)"
			status=1
		fi
		if [ "$(head -c 2 "$f")" != "/*" ]; then
			echo "$f: does not open with a comment saying what it owns"
			status=1
		fi
	done
done
exit $status
