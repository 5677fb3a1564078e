#!/usr/bin/env bash
# Creates a test CA and a server certificate for localhost / 127.0.0.1 (and optionally a client certificate).
#   broker/make-certs.sh DIR [EXTRA_HOSTNAME]
# Writes DIR/ca.crt ca.key server.crt server.key client.crt client.key (ECDSA P-256). For production, use your own PKI.
set -euo pipefail
dir=${1:?usage: make-certs.sh DIR [EXTRA_HOSTNAME]}
extra=${2:-}
mkdir -p "$dir"
cd "$dir"
umask 077
days=825
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$days" -keyout ca.key -out ca.crt \
  -subj "/CN=swift-hollow test CA" 2>/dev/null
san="DNS:localhost,IP:127.0.0.1,IP:::1"
[ -n "$extra" ] && san="$san,DNS:$extra"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf "subjectAltName=%s\nextendedKeyUsage=serverAuth\n" "$san" > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
  -extfile server.ext -out server.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr -subj "/CN=hollow-client" 2>/dev/null
printf "extendedKeyUsage=clientAuth\n" > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
  -extfile client.ext -out client.crt 2>/dev/null
rm -f server.csr client.csr server.ext client.ext ca.srl
chmod 644 ca.crt server.crt client.crt
echo "make-certs: wrote $dir/{ca,server,client}.{crt,key} (server SAN: $san)" >&2
