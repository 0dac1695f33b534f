#!/bin/sh
# dracut hook (pre-pivot: the root is mounted on $NEWROOT): benchmark marker.
read -r bench_up _ </proc/uptime
echo "BENCH mounted $bench_up" >/dev/console
