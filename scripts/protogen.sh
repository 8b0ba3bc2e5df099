#!/bin/sh
# protogen.sh regenerates the Go code of billd's .proto files (proto/) into web/frontier/. It
# builds the generators at the versions go.mod pins (protoc-gen-go from google.golang.org/protobuf,
# protoc-gen-connect-go from connectrpc.com/connect) and drives them with protoc, from Debian's
# protobuf-compiler package. Run it from anywhere: `go generate ./...` calls it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v protoc >/dev/null || { echo "protogen: protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
go build -o "$bin/protoc-gen-connect-go" connectrpc.com/connect/cmd/protoc-gen-connect-go
rm -rf web/frontier/frontierv1beta1 web/frontier/billdv1
protos=$(cd proto && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
(cd proto && PATH="$bin:$PATH" protoc -I . -I /usr/include \
	--go_out="$root" --go_opt=module=github.com/billd/billd \
	--connect-go_out="$root" --connect-go_opt=module=github.com/billd/billd \
	$protos)
