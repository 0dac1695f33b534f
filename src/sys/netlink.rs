//! Netlink sockets (route and generic): open, bind, send, receive.
