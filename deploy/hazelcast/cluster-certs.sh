#!/usr/bin/env bash
# Certificates for the event bus's TLS between Switchboard processes (CLUSTER_TLS_CERT,
# CLUSTER_TLS_KEY, CLUSTER_TLS_CA): a private CA of the deployment's own, and one certificate per
# host, for the address the host's processes use on the cluster (CLUSTER_HOST), good both as server
# and as client. Uses openssl; keys are EC P-256, certificates valid for --days.
#
#   deploy/hazelcast/cluster-certs.sh --dir /root/switchboard-ca 10.0.0.1 10.0.0.2
#
# writes, in --dir (created 0700): ca.crt, ca.key (keep it there, off the servers), and for each
# address A: A.crt and A.key. Copy ca.crt, A.crt and A.key to host A (see README.md beside this
# script). An existing CA is reused, so running it again with a new address adds that host; an
# existing host certificate is kept.
#
# Options:
#   --dir DIR     where the files go (required)
#   --days N      validity of the CA and of new host certificates (825)
set -euo pipefail

DIR=""
DAYS=825
ADDRESSES=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --days) DAYS="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "cluster-certs.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
    *) ADDRESSES+=("$1"); shift ;;
  esac
done
[[ -n $DIR ]] || { echo "cluster-certs.sh: --dir DIR is required (see --help)" >&2; exit 64; }
[[ ${#ADDRESSES[@]} -gt 0 ]] || { echo "cluster-certs.sh: name at least one address" >&2; exit 64; }

umask 077
mkdir -p "$DIR"

if [[ ! -f $DIR/ca.key ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$DAYS" \
    -subj "/CN=Switchboard cluster CA" -keyout "$DIR/ca.key" -out "$DIR/ca.crt" 2>/dev/null
  echo "created $DIR/ca.crt and ca.key"
fi

for address in "${ADDRESSES[@]}"; do
  if [[ $address =~ ^[0-9.]+$ || $address == *:* ]]; then
    san="IP:$address"
  else
    san="DNS:$address"
  fi
  if [[ -f $DIR/$address.crt ]]; then
    echo "kept $DIR/$address.crt"
    continue
  fi
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" >"$DIR/$address.ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$address" \
    -keyout "$DIR/$address.key" -out "$DIR/$address.csr" 2>/dev/null
  openssl x509 -req -in "$DIR/$address.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" \
    -CAcreateserial -days "$DAYS" -extfile "$DIR/$address.ext" -out "$DIR/$address.crt" 2>/dev/null
  rm -f "$DIR/$address.csr" "$DIR/$address.ext"
  echo "created $DIR/$address.crt and $address.key ($san)"
done
