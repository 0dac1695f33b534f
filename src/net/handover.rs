//! Hand-over files: /run/net-IFACE.conf (ipconfig format, safely quoted), networkd file.
