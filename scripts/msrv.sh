#!/usr/bin/env bash
# Checks that Cargo.toml's rust-version is the highest rust-version any dependency declares:
# this machine has one toolchain, so the promise is checked against the dependencies' own
# manifests instead of by building with an older compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
ours=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
theirs=$(cargo metadata --format-version 1 --locked 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)
versions = [p["rust_version"] for p in m["packages"] if p.get("rust_version") and p["name"] != "candor"]
print(max(versions, key=lambda v: tuple(int(x) for x in v.split("."))))')
norm() { echo "$1" | awk -F. '{printf "%d.%d.%d", $1, $2, ($3 == "" ? 0 : $3)}'; }
if [ "$(norm "$ours")" != "$(norm "$theirs")" ]; then
  echo "rust-version is $ours in Cargo.toml, but the dependencies need $theirs"; exit 1
fi
echo "rust-version $ours: the highest any dependency needs"
