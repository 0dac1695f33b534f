//! AF_PACKET sockets for DHCP before the interface has an address.
