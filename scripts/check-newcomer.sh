#!/usr/bin/env bash
# The newcomer path, as the README gives it: a fresh clone with no ../shared beside it and an empty HOME, the
# README's set-up command, then `npx clearclip --help` and `npx clearclip --version`. Run by .ci/run.
# npm's package cache is pointed at the caller's (npm_config_cache) so the install does not re-download what the
# machine already has; HOME itself is empty, so no clearclip or Hugging Face cache exists.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/clearclip-newcomer-XXXXXX)"
trap 'rm -rf "$work"' EXIT
say() { printf '[check-newcomer] %s\n' "$*"; }

npm_cache="$(npm config get cache)"
git clone -q "$repo" "$work/clearclip"
mkdir "$work/home"
[ ! -e "$work/shared" ] || { say "unexpected $work/shared"; exit 1; }
cd "$work/clearclip"
run() { env -i PATH="$PATH" HOME="$work/home" npm_config_cache="$npm_cache" CI="${CI:-}" TERM=dumb "$@"; }

# The README's command, literally (the setup script escalates with sudo only when not root).
cmd=$(grep -m1 -E '^bash scripts/setup-software-gpu.sh && npm ci' README.md | sed 's/ && npm run demo$//')
[ -n "$cmd" ] || { say "README has no set-up command line"; exit 1; }
say "running: $cmd"
run bash -c "$cmd --no-audit --no-fund" >"$work/setup.log" 2>&1 || { tail -40 "$work/setup.log"; exit 1; }
help=$(run npx --no-install clearclip --help)
echo "$help" | grep -q '^usage: clearclip <command>' || { say "npx clearclip --help printed: $help"; exit 1; }
version=$(run npx --no-install clearclip --version)
[ "$version" = "clearclip $(node -p "require('./packages/clearclip/package.json').version")" ] || { say "version: $version"; exit 1; }
run npx --no-install clearclip weights download --help | grep -q '^usage: clearclip weights download' || { say "weights download --help failed"; exit 1; }
say "fresh clone, empty HOME, no ../shared: README set-up + npx clearclip --help/--version work"
