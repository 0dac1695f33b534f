//! Network bring-up: links, DHCP, static configuration, hand-over files.

pub mod apply;
pub mod dhcp;
pub mod handover;
pub mod link;
