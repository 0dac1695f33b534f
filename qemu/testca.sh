#!/usr/bin/env bash
# A throwaway PKI for the lab's HTTPS servers: a self-signed CA and a server
# certificate signed by it, both ECDSA P-256 (openssl from Debian).
#
# Usage: qemu/testca.sh DIR NAME SAN [DAYS]
#   DIR   where the files go; the CA (DIR/ca.pem, DIR/ca.key) is made once
#         and reused by later calls on the same DIR
#   NAME  the server's files: DIR/NAME.pem (certificate), DIR/NAME.key
#   SAN   its subjectAltName, e.g. IP:10.0.2.2 or IP:10.0.2.99,DNS:x.lab
#   DAYS  validity of both (default 2)
# The CA has basicConstraints CA:TRUE and keyCertSign; the server certificate
# CA:FALSE, extendedKeyUsage serverAuth (what webpki, rustls' verifier, and
# every browser check). Prints nothing on success.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,13p' "${BASH_SOURCE[0]}" >&2; exit 2; }
dir=$1 name=$2 san=$3 days=${4:-2}
mkdir -p "$dir"
if [ ! -s "$dir/ca.pem" ] || [ ! -s "$dir/ca.key" ]; then
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
		-subj "/CN=netroot lab CA $(basename "$dir")" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
fi
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj "/CN=$name" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
printf '%s\n' "subjectAltName=$san" basicConstraints=CA:FALSE extendedKeyUsage=serverAuth \
	keyUsage=digitalSignature >"$dir/$name.ext"
openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
	-days "$days" -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null
rm -f "$dir/$name.csr" "$dir/$name.ext"
openssl verify -CAfile "$dir/ca.pem" "$dir/$name.pem" >/dev/null
