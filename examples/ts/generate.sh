#!/bin/sh
# generate.sh regenerates gen/ from billd's .proto files (../../proto) with protoc (Debian's
# protobuf-compiler) and protoc-gen-es at the version package-lock.json pins. Run `npm ci` first;
# .ci/run checks that the committed gen/ is what this makes.
set -eu
cd "$(dirname "$0")"
command -v protoc >/dev/null || { echo "generate: protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
[ -x node_modules/.bin/protoc-gen-es ] || { echo "generate: run npm ci first" >&2; exit 1; }
rm -rf gen
mkdir gen
protos=$(cd ../../proto && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
(cd ../../proto && protoc -I . -I /usr/include \
	--plugin=protoc-gen-es=../examples/ts/node_modules/.bin/protoc-gen-es \
	--es_out=../examples/ts/gen --es_opt=target=ts \
	$protos)
