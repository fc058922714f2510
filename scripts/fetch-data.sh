#!/usr/bin/env sh
# trunk pre-build hook: makes data/cifar-10-binary.tar.gz available to the page.
# $CIFAR10_ARCHIVE (a local copy) wins; else the official archive is downloaded once.
set -eu
mkdir -p data
target=data/cifar-10-binary.tar.gz
if [ -n "${CIFAR10_ARCHIVE:-}" ]; then
  if [ ! -f "$CIFAR10_ARCHIVE" ]; then
    echo "CIFAR10_ARCHIVE=$CIFAR10_ARCHIVE: no such file" >&2
    exit 1
  fi
  cp -f "$CIFAR10_ARCHIVE" "$target"
elif [ ! -f "$target" ]; then
  echo "downloading the official CIFAR-10 binary archive (163 MB) into data/" >&2
  curl -fL --retry 3 -o "$target.part" https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz
  mv "$target.part" "$target"
fi
