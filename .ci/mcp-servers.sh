#!/usr/bin/env bash
# Installs the third-party MCP servers that tests/tools/mcp_test.ts runs
# against (pinned versions, with npm, into a cache outside the repository).
# Idempotent and quick when they are already there. The tests read the same
# directory from SMOLDENO_MCP_SERVERS and skip, saying why, when it is empty.
set -uo pipefail

dir="${SMOLDENO_MCP_SERVERS:-${HOME}/.cache/smoldeno/mcp-servers}"
packages=(
  "@modelcontextprotocol/server-everything@2026.8.31"
  "@modelcontextprotocol/server-filesystem@2026.8.31"
)

installed() {
  local spec name version
  for spec in "${packages[@]}"; do
    name="${spec%@*}"
    version="${spec##*@}"
    grep -q "\"version\": \"${version}\"" "$dir/node_modules/$name/package.json" 2>/dev/null || return 1
  done
}

if installed; then
  echo "mcp-servers: already installed in $dir"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "mcp-servers: npm not found; the MCP integration tests will be skipped"
  exit 0
fi
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{ "private": true }' >"$dir/package.json"
if npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "${packages[@]}" >/dev/null; then
  echo "mcp-servers: installed ${packages[*]} in $dir"
else
  # Not fatal: the tests say clearly that they skip and why.
  echo "mcp-servers: npm install failed; the MCP integration tests will be skipped"
fi
exit 0
