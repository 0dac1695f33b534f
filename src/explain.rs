//! `netroot explain`: what a command line will do, in words or JSON.
