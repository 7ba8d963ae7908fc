#!/usr/bin/env bash
# Builds Knative's helloworld-go sample into the local image localhost/helloworld-go, offline:
# a static Go binary (Debian's golang-go, CGO off) in a `FROM scratch` image built by podman.
# Usage: examples/helloworld-go/build.sh [image-name]   (default localhost/helloworld-go)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
image="${1:-localhost/helloworld-go}"
command -v go >/dev/null || { echo "build.sh: go not found (apt-get install golang-go)" >&2; exit 1; }
command -v podman >/dev/null || { echo "build.sh: podman not found (apt-get install podman runc)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/helloworld.go" "$here/go.mod" "$here/Containerfile" "$work/"
(cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod \
  go build -trimpath -ldflags='-s -w' -o helloworld .)
podman build --quiet --runtime runc -t "$image" -f "$work/Containerfile" "$work" >/dev/null
echo "$image"
