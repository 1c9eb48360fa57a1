#!/usr/bin/python3
"""Rebuild testdata/hostile: checkpoints made to break a converter. Each must
be refused with a clear message (naming the limit it hits, where it hits
one), never a crash, a hang or an allocation the machine cannot afford.
Plain pickle and zipfile, no PyTorch; the output is the same on every run.
Run: /usr/bin/python3 testdata/hostile/make_hostile.py [--bomb]

  cycle.pth       240 bytes: torch.save's zip layout whose pickle is a dict
                  holding itself, d = {"state_dict": d}
  cycle2.pth      a two-step cycle, a = {"model": b}, b = {"state_dict": a}
  deep.pth        3,000,000 nested {"state_dict": {"state_dict": ...}}
                  (12 MB of pickle, 12 kB deflated)
  deep_mark.pth   3,000,000 MARK opcodes: each costs the unpickler a fresh
                  stack (256 bytes for 1 byte of file)
  nested.pth      50,000 nested {"state_dict": ...}: few enough opcodes to
                  reach the walk over the unpickled object
  deep_tuple.pth  {"conv1.weight": (((...)))} nested 200,000 deep

  --bomb also writes bomb.pth (4 MB, not committed): eight deflated float64
  storages of 2^26 zeros each, 4 GiB inflated, as in the bug report. The
  tests build the same archive in Go (pth/hostile_test.go) rather than keep
  4 MB of zeros in the repository.
"""
import io
import os
import pickle
import struct
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # deterministic archives


def torch_zip(name, pkl, storages=(), compress=zipfile.ZIP_STORED):
    """torch.save's layout: <name>/data.pkl, <name>/data/<key>, <name>/version."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        def add(path, data):
            info = zipfile.ZipInfo(path, FIXED_TIME)
            info.compress_type = compress
            z.writestr(info, data)
        add(name + "/data.pkl", pkl)
        for key, data in storages:
            add(name + "/data/" + key, data)
        add(name + "/version", b"3\n")
    return buf.getvalue()


def write(file, data):
    with open(os.path.join(HERE, file), "wb") as f:
        f.write(data)
    print(f"{file}: {len(data)} bytes")


def binunicode(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def nested_dicts(depth):
    # } key } key ... } then SETITEM depth times: each dict's only value is
    # the next one. The key is memoised once (BINPUT 0) and fetched with
    # BINGET 0, so a level costs 4 bytes.
    return (b"\x80\x02}" + binunicode("state_dict") + b"q\x00" +
            b"}h\x00" * (depth - 1) + b"}" + b"s" * depth + b".")


def main():
    d = {}
    d["state_dict"] = d
    write("cycle.pth", torch_zip("a", pickle.dumps(d, protocol=2)))

    a, b = {}, {}
    a["model"] = b
    b["state_dict"] = a
    write("cycle2.pth", torch_zip("a", pickle.dumps(a, protocol=2)))

    write("deep.pth", torch_zip("deep", nested_dicts(3_000_000), compress=zipfile.ZIP_DEFLATED))
    write("deep_mark.pth", torch_zip("deep", b"\x80\x02" + b"(" * 3_000_000 + b".", compress=zipfile.ZIP_DEFLATED))
    write("nested.pth", torch_zip("nested", nested_dicts(50_000), compress=zipfile.ZIP_DEFLATED))

    depth = 200_000
    pkl = (b"\x80\x02}" + binunicode("conv1.weight") + b"K\x01" + b"\x85" * depth + b"s.")
    write("deep_tuple.pth", torch_zip("deep", pkl, compress=zipfile.ZIP_DEFLATED))

    if "--bomb" in sys.argv:
        write("bomb.pth", bomb())


def bomb():
    """Eight float64 storages of 2^26 elements (512 MiB of zeros each), the
    state dict naming them conv1.weight, bn1.weight, ... of shape
    (8192, 8192). The eight storages share one precomputed deflate stream."""
    n = 1 << 26
    names = ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
             "bn1.running_var", "fc.weight", "fc.bias", "layer1.0.conv1.weight"]
    # A protocol-2 pickle of an OrderedDict of _rebuild_tensor_v2(...) calls,
    # as torch.save writes one.
    p = [b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01("]
    for i, name in enumerate(names):
        p.append(binunicode(name))
        p.append(b"ctorch._utils\n_rebuild_tensor_v2\n(")
        p.append(b"(" + binunicode("storage") + b"ctorch\nDoubleStorage\n" +
                 binunicode(str(i)) + binunicode("cpu") + b"J" + struct.pack("<i", n) + b"tQ")
        p.append(b"K\x00M\x00 M\x00 \x86M\x00 K\x01\x86\x89ccollections\nOrderedDict\n)RtR")
    p.append(b"u.")
    inflated = 8 * n
    chunk = bytes(1 << 24)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = 0
    raw = []
    for _ in range(inflated // len(chunk)):
        raw.append(c.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    raw.append(c.flush())
    raw = b"".join(raw)
    pkl = b"".join(p)
    entries = [("bomb/data.pkl", 0, pkl, zlib.crc32(pkl), len(pkl))]
    entries += [("bomb/data/%d" % i, 8, raw, crc, inflated) for i in range(len(names))]
    return raw_zip(entries)


def raw_zip(entries):
    """A zip of (name, method, stored bytes, crc, inflated size) entries:
    zipfile cannot store a precomputed deflate stream."""
    out = io.BytesIO()
    central = []
    for name, method, data, crc, size in entries:
        off = out.tell()
        nb = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, method, 0, 0x21,
                              crc, len(data), size, len(nb), 0) + nb + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, method, 0, 0x21,
                                   crc, len(data), size, len(nb), 0, 0, 0, 0, 0, off) + nb)
    cd = out.tell()
    for c in central:
        out.write(c)
    out.write(struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(central), len(central),
                          out.tell() - cd, cd, 0))
    return out.getvalue()


if __name__ == "__main__":
    main()
