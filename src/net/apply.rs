//! Lease or static ip= -> addresses, routes, resolv.conf, hostname (the plan is pure data).
