#!/bin/sh
# A fake "qemu" for the process tests: starts a grandchild in its own process
# group, records the grandchild's pid in $1, writes to stdout and stderr, and
# sleeps. With "stubborn" as $2 it ignores SIGTERM (so only SIGKILL ends it).
if [ "$2" = stubborn ]; then trap '' TERM; fi
echo "fake qemu started"
echo "fake qemu stderr" >&2
sleep 1000 &
echo $! > "$1.tmp" && mv "$1.tmp" "$1"
exec sleep 1000
