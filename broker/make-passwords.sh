#!/usr/bin/env bash
# Creates a mosquitto password file with the roles of broker/acl (producer, operator, consumer, aggregator) and one
# user per edge source given after the file (kea-edge --send: the user name is the edge's source name).
#   broker/make-passwords.sh FILE [EDGE_SOURCE...]
# Role passwords come from HOLLOW_PRODUCER_PASSWORD, HOLLOW_OPERATOR_PASSWORD, HOLLOW_CONSUMER_PASSWORD,
# HOLLOW_AGGREGATOR_PASSWORD; edge passwords are generated. Every generated password is printed once on stdout as
# "user password". With HOLLOW_CREDENTIALS_DIR set, each user also gets DIR/USER.credentials holding USER:PASSWORD
# (mode 600), the file `kea-edge ... --credentials` reads. The password file is created mode 600 (mosquitto_passwd
# hashes the passwords; the file never holds them in clear text).
set -euo pipefail
file=${1:?usage: make-passwords.sh PASSWORD_FILE [EDGE_SOURCE...]}
shift
command -v mosquitto_passwd >/dev/null || { echo "make-passwords: mosquitto_passwd not found (apt install mosquitto)" >&2; exit 1; }
umask 077
rm -f "$file"
touch "$file"
for edge in "$@"; do
  case "$edge" in
    ""|*/*|*+*|*#*|*:*) echo "make-passwords: bad edge source '$edge' (one topic level, no ':')" >&2; exit 2 ;;
    producer|operator|consumer|aggregator) echo "make-passwords: edge source '$edge' is a role name" >&2; exit 2 ;;
  esac
done
add_user() {
  local user=$1 pw=$2
  mosquitto_passwd -b "$file" "$user" "$pw"
  if [ -n "${HOLLOW_CREDENTIALS_DIR:-}" ]; then
    mkdir -p "$HOLLOW_CREDENTIALS_DIR"
    printf '%s:%s\n' "$user" "$pw" > "$HOLLOW_CREDENTIALS_DIR/$user.credentials"
  fi
}
for role in producer operator consumer aggregator; do
  var="HOLLOW_$(echo "$role" | tr a-z A-Z)_PASSWORD"
  pw=${!var:-}
  if [ -z "$pw" ]; then
    pw=$(openssl rand -base64 18 | tr -d '/+=')
    echo "$role $pw"
  fi
  add_user "$role" "$pw"
done
for edge in "$@"; do
  pw=$(openssl rand -base64 18 | tr -d '/+=')
  echo "$edge $pw"
  add_user "$edge" "$pw"
done
echo "make-passwords: wrote $file (users: producer operator consumer aggregator${*:+ $*})" >&2
