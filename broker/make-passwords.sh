#!/usr/bin/env bash
# Creates a mosquitto password file with the three roles of broker/acl: producer, operator, consumer.
#   broker/make-passwords.sh FILE
# Passwords come from HOLLOW_PRODUCER_PASSWORD, HOLLOW_OPERATOR_PASSWORD, HOLLOW_CONSUMER_PASSWORD; any that is
# unset is generated (openssl rand) and printed once on stdout as "user password". The file is created mode 600
# (mosquitto_passwd hashes the passwords; the file never holds them in clear text).
set -euo pipefail
file=${1:?usage: make-passwords.sh PASSWORD_FILE}
command -v mosquitto_passwd >/dev/null || { echo "make-passwords: mosquitto_passwd not found (apt install mosquitto)" >&2; exit 1; }
umask 077
rm -f "$file"
touch "$file"
for role in producer operator consumer; do
  var="HOLLOW_$(echo "$role" | tr a-z A-Z)_PASSWORD"
  pw=${!var:-}
  if [ -z "$pw" ]; then
    pw=$(openssl rand -base64 18 | tr -d '/+=')
    echo "$role $pw"
  fi
  mosquitto_passwd -b "$file" "$role" "$pw"
done
echo "make-passwords: wrote $file (users: producer operator consumer)" >&2
