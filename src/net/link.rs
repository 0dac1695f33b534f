//! rtnetlink: list links, set them up, wait for carrier (events, not sleeps).
