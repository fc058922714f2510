#!/usr/bin/env python3
"""A full-size CIFAR-10 archive for size and memory measurements, made from a small one.

    python3 scripts/full-size-archive.py SMALL.tar.gz OUT.tar.gz [--images 10000]

Repeats each batch file's records until it holds `--images` records (10,000 in the official
archive: 5 x 10,000 training and 10,000 test images), keeping the official layout and file names,
so that every byte count (download, gzip, tar, parsed sets) is the real one. The pictures repeat:
never use it to judge accuracy, and never commit it.
"""
import argparse
import io
import sys
import tarfile

RECORD = 1 + 3 * 32 * 32


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("small")
    parser.add_argument("out")
    parser.add_argument("--images", type=int, default=10_000)
    args = parser.parse_args()
    with tarfile.open(args.small, "r:gz") as src, tarfile.open(args.out, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if data is not None and member.name.endswith(".bin"):
                if len(data) % RECORD:
                    print(f"{member.name}: {len(data)} bytes is not whole records", file=sys.stderr)
                    return 1
                records = len(data) // RECORD
                whole, rest = divmod(args.images, records)
                data = data * whole + data[: rest * RECORD]
            info = tarfile.TarInfo(member.name)
            info.mode, info.mtime, info.type = member.mode, member.mtime, member.type
            if data is None:
                dst.addfile(info)
            else:
                info.size = len(data)
                dst.addfile(info, io.BytesIO(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
