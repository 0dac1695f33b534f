#!/bin/sh
# dracut hook (initqueue/online, sourced by network-legacy's ifup with $netif
# set once the interface has its address): benchmark marker.
read -r bench_up _ </proc/uptime
echo "BENCH net $bench_up ${netif:-$1}" >/dev/console
