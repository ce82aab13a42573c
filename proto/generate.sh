#!/usr/bin/env bash
# Regenerates Go (gocosmos + grpc-gateway) and TypeScript (ts-proto) code from proto/.
# Third-party protos come from the Go module cache (versions pinned by chain/go.mod) and are linked into
# proto/.deps (gitignored) for the duration of the run; nothing third-party is committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin="$root/.bin"
mkdir -p "$bin"

moddir() { (cd "$root/chain" && go mod download "$1" >/dev/null 2>&1 || true; cd "$root/chain" && go list -m -f '{{.Dir}}' "$1"); }
modver() { (cd "$root/chain" && go list -m -f '{{.Version}}' "$1"); }

# Plugins pinned to the versions in chain/go.mod.
gogo_ver=$(modver github.com/cosmos/gogoproto)
gw_ver=$(modver github.com/grpc-ecosystem/grpc-gateway)
[ -x "$bin/protoc-gen-gocosmos" ] && [ "$(cat "$bin/.gocosmos.version" 2>/dev/null)" = "$gogo_ver" ] || {
  echo "installing protoc-gen-gocosmos@$gogo_ver"
  (cd "$root/chain" && GOBIN="$bin" go install "github.com/cosmos/gogoproto/protoc-gen-gocosmos@$gogo_ver")
  echo "$gogo_ver" >"$bin/.gocosmos.version"
}
[ -x "$bin/protoc-gen-grpc-gateway" ] && [ "$(cat "$bin/.grpc-gateway.version" 2>/dev/null)" = "$gw_ver" ] || {
  echo "installing protoc-gen-grpc-gateway@$gw_ver"
  (cd "$root/chain" && GOBIN="$bin" go install "github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway@$gw_ver")
  echo "$gw_ver" >"$bin/.grpc-gateway.version"
}

sdk=$(moddir github.com/cosmos/cosmos-sdk)
gogo=$(moddir github.com/cosmos/gogoproto)
cosmosproto=$(moddir github.com/cosmos/cosmos-proto)
gw=$(moddir github.com/grpc-ecosystem/grpc-gateway)

deps="$here/.deps"
rm -rf "$deps"
mkdir -p "$deps/google/api" "$deps/gogoproto" "$deps/cosmos_proto" "$deps/cosmos"
trap 'rm -rf "$deps"' EXIT
cp "$gogo/gogoproto/gogo.proto" "$deps/gogoproto/"
cp "$cosmosproto/proto/cosmos_proto/cosmos.proto" "$deps/cosmos_proto/"
cp "$gw/third_party/googleapis/google/api/annotations.proto" "$gw/third_party/googleapis/google/api/http.proto" "$deps/google/api/"
cp -r "$sdk/proto/amino" "$deps/"
for d in msg/v1 base/query/v1beta1 base/v1beta1; do
  mkdir -p "$deps/cosmos/$d" && cp "$sdk/proto/cosmos/$d"/*.proto "$deps/cosmos/$d/"
done
chmod -R u+w "$deps"

buf="$root/node_modules/.bin/buf"
[ -x "$buf" ] || { echo "buf not found: run 'npm ci' (make install) first" >&2; exit 1; }
cd "$here"
"$buf" lint --path inferchain
# gocosmos has no module= option: generate under the import path, then move into chain/.
rm -rf "$bin/gen-go"
"$buf" generate --template buf.gen.gogo.yaml --path inferchain
[ -d "$root/chain/x" ] && find "$root/chain/x" \( -name '*.pb.go' -o -name '*.pb.gw.go' \) -delete
cp -r "$bin/gen-go/github.com/inferchain/inferchain/chain/." "$root/chain/"
rm -rf "$bin/gen-go"
rm -rf "$root/sdk/src/generated"
"$buf" generate --template buf.gen.ts.yaml --path inferchain --include-imports
echo "generated: chain/x/*/types/*.pb.go, sdk/src/generated/"
