#!/usr/bin/env bash
# Makes a lab CA and the certificates a Perimeter deployment needs, with openssl:
#
#   make-lab-ca.sh OUTDIR [collector-host ...] [--node NODE_ID ...] [--days N]
#
#   OUTDIR/ca.pem, ca.key               the CA (keep ca.key off the collector once done)
#   OUTDIR/collector.pem, collector.key the collector's server certificate: SANs for each host
#                                       given (DNS name or IP address) plus localhost and 127.0.0.1
#   OUTDIR/nodes/NODE_ID.pem, .key      one client certificate per node, for mTLS: subject
#                                       CN=NODE_ID and SAN URI perimeter:node/NODE_ID. The
#                                       collector matches the URI (else the CN) to the node of the
#                                       bearer token sent with it (403 when they differ).
#
# Keys are written 0600, certificates 0644. An existing CA in OUTDIR is reused, so nodes can be
# added later (make-lab-ca.sh OUTDIR --node gpu-07); an existing certificate is never overwritten.
# A lab CA is for a lab or a small fleet: with an organisation CA, issue the same names from it.
set -euo pipefail

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
  printf 'make-lab-ca.sh: %s\n' "$1" >&2
  exit 2
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in
  -h | --help) usage; exit 0 ;;
  -*) die "the first argument is OUTDIR" ;;
esac
out=$1
shift

hosts=()
nodes=()
days=825
while [ $# -gt 0 ]; do
  case "$1" in
    --node)
      [ $# -ge 2 ] || die "--node needs a node id"
      nodes+=("$2")
      shift 2
      ;;
    --days)
      if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then die "--days needs a number of days"; fi
      days=$2
      shift 2
      ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option $1" ;;
    *)
      hosts+=("$1")
      shift
      ;;
  esac
done

# Node ids as the agent and the tokens spell them; anything else could inject into a subject.
for node in ${nodes[@]+"${nodes[@]}"}; do
  [[ $node =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] || die "node id \"$node\" is not [A-Za-z0-9._-] (at most 64)"
done
for host in ${hosts[@]+"${hosts[@]}"}; do
  [[ $host =~ ^[A-Za-z0-9.:-]+$ ]] || die "host \"$host\" is not a DNS name or an IP address"
done

command -v openssl >/dev/null || die "openssl not found"
umask 077
mkdir -p "$out/nodes"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A key, 0600 from the start (umask 077), as PKCS#8 PEM.
new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 0600 "$1"
}

# sign NAME SUBJECT EXTENSIONS: NAME.key (made if absent) → NAME.pem signed by the CA.
sign() {
  local name=$1 subject=$2 extensions=$3
  if [ -e "$name.pem" ]; then
    printf 'kept %s.pem (exists)\n' "$name"
    return
  fi
  [ -e "$out/ca.key" ] || die "$out/ca.key is needed to sign $name.pem"
  [ -e "$name.key" ] || new_key "$name.key"
  printf '%s\n' "$extensions" >"$work/ext.cnf"
  openssl req -new -key "$name.key" -subj "$subject" -out "$work/req.csr"
  openssl x509 -req -in "$work/req.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days "$days" -sha256 \
    -extfile "$work/ext.cnf" -out "$name.pem" 2>/dev/null
  chmod 0644 "$name.pem"
  printf 'wrote %s.pem\n' "$name"
}

if [ ! -e "$out/ca.pem" ]; then
  new_key "$out/ca.key"
  openssl req -new -x509 -key "$out/ca.key" -subj "/O=Perimeter lab/CN=Perimeter lab CA" \
    -days "$days" -sha256 -out "$out/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
  chmod 0644 "$out/ca.pem"
  printf 'wrote %s/ca.pem\n' "$out"
else
  printf 'kept %s/ca.pem (exists)\n' "$out"
fi

san="DNS:localhost,IP:127.0.0.1"
first=localhost
for host in ${hosts[@]+"${hosts[@]}"}; do
  if [[ $host =~ ^[0-9.]+$ || $host == *:* ]]; then
    san="$san,IP:$host"
  else
    san="$san,DNS:$host"
  fi
  [ "$first" != localhost ] || first=$host
done
sign "$out/collector" "/O=Perimeter lab/CN=$first" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san"

for node in ${nodes[@]+"${nodes[@]}"}; do
  sign "$out/nodes/$node" "/O=Perimeter lab/CN=$node" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=URI:perimeter:node/$node"
done
