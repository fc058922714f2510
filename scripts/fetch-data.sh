#!/usr/bin/env sh
# Makes data/cifar-10-binary.tar.gz available to the page (trunk's pre-build hook) and to the tests
# (`./dev.sh test` runs it when $CIFAR10_ARCHIVE is unset).
# $CIFAR10_ARCHIVE (a local copy) wins; else the official archive is downloaded once.
# It writes data/ only when the content differs: `trunk serve` runs it at every build, and a
# rewritten file is a change (an mtime at least) that must not look like an edit.
set -eu
cd "$(dirname "$0")/.."
mkdir -p data
target=data/cifar-10-binary.tar.gz
if [ -n "${CIFAR10_ARCHIVE:-}" ]; then
  if [ ! -f "$CIFAR10_ARCHIVE" ]; then
    echo "CIFAR10_ARCHIVE=$CIFAR10_ARCHIVE: no such file" >&2
    exit 1
  fi
  if ! cmp -s "$CIFAR10_ARCHIVE" "$target"; then
    cp -f "$CIFAR10_ARCHIVE" "$target.part"
    mv -f "$target.part" "$target"
  fi
elif [ ! -f "$target" ]; then
  echo "downloading the official CIFAR-10 binary archive (163 MB) into data/" >&2
  curl -fL --retry 3 -o "$target.part" https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz
  mv "$target.part" "$target"
fi
