#!/usr/bin/env bash
# The main job: see a program visualised in VS Code. Builds the extension (.vsix), then
#   - where `code` (VS Code) is on the PATH: installs the .vsix into it and opens examples/;
#   - else: installs a local code-server (VS Code 1.100.3 in the browser; scripts/setup-test-tools.sh),
#     installs the .vsix into a profile under .tools/, opens it on examples/ and prints the address.
# Then open a program (e.g. queue_producer_consumer.py) and run "Visualise IPC" (F1, or the
# button in the editor title bar, or the CodeLens above `if __name__ == "__main__":`).
# Environment: IPCVIZ_PORT (default 8080) for code-server's port.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VSIX="$ROOT/out/ipc-visualiser.vsix"

npm run --silent package
[ -f "$VSIX" ] || { echo "open-extension: $VSIX was not built" >&2; exit 1; }

if command -v code >/dev/null 2>&1; then
  code --install-extension "$VSIX" --force
  code "$ROOT/examples" "$ROOT/examples/queue_producer_consumer.py"
  echo "open-extension: installed $VSIX into VS Code and opened examples/; run \"Visualise IPC\" from the command palette."
  exit 0
fi

bash "$ROOT/scripts/setup-test-tools.sh"
TOOLS="${IPCVIZ_TOOLS_DIR:-$ROOT/.tools}"
CS="$TOOLS/code-server/node_modules/.bin/code-server"
UD="$TOOLS/profile/user-data"
EXT="$TOOLS/profile/extensions"
mkdir -p "$UD/User" "$EXT"
PORT="${IPCVIZ_PORT:-8080}"
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" >"$UD/config.yaml"
[ -f "$UD/User/settings.json" ] || cat >"$UD/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "extensions.autoUpdate": false
}
JSON
export EXTENSIONS_GALLERY='{}'
"$CS" --user-data-dir "$UD" --extensions-dir "$EXT" --install-extension "$VSIX" --force
echo "open-extension: starting code-server with IPC Visualiser on $ROOT/examples"
echo "open-extension: open http://127.0.0.1:$PORT/?folder=$ROOT/examples in a browser (Ctrl+C here stops it)"
exec "$CS" --config "$UD/config.yaml" --user-data-dir "$UD" --extensions-dir "$EXT" \
  --disable-telemetry --disable-update-check --disable-getting-started-override --disable-proxy \
  --ignore-last-opened "$ROOT/examples"
