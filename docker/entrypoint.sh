#!/bin/sh
# Every container of the stack shares one SECRET_KEY: the one given in the environment, or
# one generated on first start and kept in the shared volume (confirmation links are signed
# by web and checked by web; emails are written by the worker, so both need the same key).
set -eu
if [ -z "${SECRET_KEY:-}" ]; then
  key_file=/var/lib/voces/secret_key
  if [ ! -s "$key_file" ]; then
    python -c 'import secrets; print(secrets.token_urlsafe(50))' > "$key_file.tmp.$$"
    mv -n "$key_file.tmp.$$" "$key_file" 2>/dev/null || rm -f "$key_file.tmp.$$"
  fi
  SECRET_KEY="$(cat "$key_file")"
  export SECRET_KEY
fi
exec "$@"
