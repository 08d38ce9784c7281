#!/usr/bin/env bash
# The bad-input table of docs/reliability.md, row by row: every bad input is
# crafted here (from one good model file trained in the test and Python's
# standard library), given to the real CLI (train, eval, predict, info, data
# info, optimize), and each run must
#   - exit non-zero,
#   - print exactly one line on stderr holding the expected message, and
#     nothing on stdout,
#   - write nothing: the output path stays absent, or a file already there
#     stays byte-for-byte the same; no temporary file is left.
# With EO_BAD_INPUT_TABLE=FILE the rows (input, command, message) are written
# to FILE as Markdown (that is how the table in the docs was made).
set -euo pipefail
E=${EDGEOPT:?}
# Sanitizer builds: the plot module's LSan suppression (fontconfig's cache)
# would otherwise add a "Suppressions used" report to stderr at exit.
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
table=${EO_BAD_INPUT_TABLE:-/dev/null}
rows=0

# bad LABEL WANT OUT ARGS...: OUT is the output path of the command ("-" if none).
bad() {
  local label=$1 want=$2 out=$3
  shift 3
  local before=""
  if [ "$out" != - ] && [ -e "$out" ]; then before=$(mktemp); cp "$out" "$before"; fi
  set +e
  "$E" "$@" >out.txt 2>err.txt
  local rc=$?
  set -e
  [ $rc -ne 0 ] || fail "$label: exit 0 for: edgeopt $*"
  [ ! -s out.txt ] || fail "$label: wrote to stdout: $(head -c 200 out.txt)"
  [ "$(wc -l <err.txt)" = 1 ] || { cat err.txt; fail "$label: expected exactly one stderr line"; }
  grep -qF -- "$want" err.txt || { cat err.txt; fail "$label: message lacks '$want'"; }
  if [ -n "$before" ]; then
    cmp -s "$before" "$out" || fail "$label: the existing $out was changed"
    rm -f "$before"
  elif [ "$out" != - ]; then
    [ ! -e "$out" ] || fail "$label: $out was written"
    [ ! -e "$out.ckpt" ] || fail "$label: $out.ckpt was written"
  fi
  if ls -A | grep -q '\.tmp'; then ls -A; fail "$label: temporary file left"; fi
  local cmd="edgeopt $*"
  printf '| %s | `%s` | `%s` | %d |\n' "$label" "${cmd//|/\\|}" "$(tr -d '\n' <err.txt | sed 's/|/\\|/g')" "$rc" >>"$table"
  rows=$((rows + 1))
}

# --- a good model (3 features, 3 classes) to damage, and data for it
"$PY" - <<'PYEOF'
import random
random.seed(1)
with open("ok.csv", "w") as f:
    f.write("a,b,c,label\n")
    for i in range(120):
        c = i % 3
        f.write("%.4f,%.4f,%.4f,%d\n" % (c + random.gauss(0, .3), random.gauss(0, 1), -c + random.gauss(0, .3), c))
PYEOF
"$E" train --data csv:ok.csv --model mlp:8 --epochs 3 --seed 1 -o m.eom --checkpoint none >/dev/null 2>&1
printf 'row,predicted\nprevious predictions\n' >p.csv   # a file that failed runs must not touch

"$PY" - m.eom <<'PYEOF'
# Crafts the bad inputs of tests/reliability/test_bad_inputs.sh in the
# current directory from a good model file m.eom (argv[1]) and nothing else.
import gzip, struct, sys, zlib

good = open(sys.argv[1], "rb").read()

def fix_crc(b):
    b = bytearray(b)
    b[-4:] = struct.pack("<I", zlib.crc32(bytes(b[:-4])) & 0xffffffff)
    return bytes(b)

def parse(b):
    """Offsets of the fields of an .eom file (docs/model-format.md)."""
    nmeta, nt = struct.unpack_from("<II", b, 24)
    meta_off, tab_off, data_off, data_size = struct.unpack_from("<QQQQ", b, 32)
    meta, p = {}, meta_off
    for _ in range(nmeta):
        (kl,) = struct.unpack_from("<H", b, p); key = b[p + 2:p + 2 + kl].decode(); p += 2 + kl
        t = b[p]; p += 1
        if t in (1, 2): meta[key] = (t, p, 8); p += 8
        elif t == 3:
            (L,) = struct.unpack_from("<I", b, p); meta[key] = (t, p, L); p += 4 + L
        else:
            (n,) = struct.unpack_from("<Q", b, p); meta[key] = (t, p, n); p += 8 + 8 * n
    tens, p = {}, tab_off
    for _ in range(nt):
        (kl,) = struct.unpack_from("<H", b, p); name = b[p + 2:p + 2 + kl].decode(); p += 2 + kl
        dt, nd = b[p], b[p + 1]; p += 2
        tens[name] = dict(dtype=dt, ndim=nd, dims_at=p, off_at=p + 8 * nd, size_at=p + 8 * nd + 8)
        p += 8 * nd + 16
    return meta, tens, data_off

meta, tens, data_off = parse(good)

def w(name, b): open(name, "wb").write(b)

# --- model files
w("trunc.eom", good[:len(good) // 2])
w("magic.eom", b"NOTAMODL" + good[8:])
b = bytearray(good); b[8:12] = struct.pack("<I", 2); w("newer.eom", fix_crc(b))
b = bytearray(good); b[len(b) // 2] ^= 0x10; w("badcrc.eom", bytes(b))
t, at, L = meta["layer.1.kind"]
b = bytearray(good); b[at + 4:at + 4 + L] = b"frob"[:L].ljust(L, b"x"); w("unknown_layer.eom", fix_crc(b))
b = bytearray(good); struct.pack_into("<Q", b, tens["layer.0.weight"]["off_at"], 1 << 20); w("tensor_outside.eom", fix_crc(b))
t, at, L = meta["model.description"]
b = bytearray(good); struct.pack_into("<I", b, at, 0x7ffffff0); w("string_len.eom", fix_crc(b))
b = bytearray(good); struct.pack_into("<I", b, 24, 0xffffffff); w("meta_count.eom", fix_crc(b))
b = bytearray(good); struct.pack_into("<Q", b, tens["layer.0.weight"]["dims_at"], 1 << 62); w("huge_dim.eom", fix_crc(b))
t, at, n = meta["model.input_shape"]
b = bytearray(good); struct.pack_into("<q", b, at + 8, -3); w("neg_dim.eom", fix_crc(b))
b = bytearray(good); struct.pack_into("<Q", b, 16, len(good) + 4096); w("size_field.eom", fix_crc(b))
# NaN in a weight
b = bytearray(good); woff = data_off + struct.unpack_from("<Q", good, tens["layer.0.weight"]["off_at"])[0]
struct.pack_into("<f", b, woff, float("nan")); w("nan_weight.eom", fix_crc(b))
w("empty.eom", b"")

# --- IDX (images u8 3-D, labels u8 1-D)
def idx(dtype, dims, payload):
    return struct.pack(">BBBB", 0, 0, dtype, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + payload
img = idx(0x08, [4, 2, 2], bytes(range(16))); lab = idx(0x08, [4], bytes([0, 1, 2, 1]))
w("img.idx", img); w("lab.idx", lab)
w("img_magic.idx", b"\x12\x34" + img[2:])
w("img_trunc.idx", img[:-5])
w("img_bigdims.idx", idx(0x08, [60000, 28, 28], bytes(16)))
w("img_hugedims.idx", idx(0x08, [0xffffffff, 0xffffffff, 0xffffffff], bytes(16)))
w("lab_count.idx", idx(0x08, [3], bytes([0, 1, 2])))
w("img_empty.idx", b"")
w("img.idx.gz", gzip.compress(img)); w("img_trunc.idx.gz", gzip.compress(img)[:-6])

# --- NPY
def npy(descr, shape, payload, fortran=False, major=1):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, "True" if fortran else "False", shape)
    hl = 10 + len(d) + 1; pad = (64 - hl % 64) % 64
    hdr = (d + " " * pad + "\n").encode()
    return b"\x93NUMPY" + bytes([major, 0]) + struct.pack("<H", len(hdr)) + hdr + payload
X = struct.pack("<6f", 1, 2, 3, 4, 5, 6); y = struct.pack("<3q", 0, 1, 0)
w("x.npy", npy("<f4", "(3, 2)", X)); w("y.npy", npy("<i8", "(3,)", y))
w("x_magic.npy", b"\x93NUMPX" + npy("<f4", "(3, 2)", X)[6:])
w("x_trunc.npy", npy("<f4", "(3, 2)", X)[:-7])
w("x_big.npy", npy("<f4", "(1000000, 1000)", X))
w("x_neg.npy", npy("<f4", "(-3, 2)", X))
w("x_huge.npy", npy("<f4", "(4611686018427387904, 4611686018427387904)", X))
w("x_fortran.npy", npy("<f4", "(3, 2)", X, fortran=True))
w("x_object.npy", npy("|O", "(3, 2)", X))
w("x_nan.npy", npy("<f4", "(3, 2)", struct.pack("<6f", 1, 2, float("nan"), 4, 5, 6)))
w("x_inf.npy", npy("<f4", "(3, 2)", struct.pack("<6f", 1, 2, float("inf"), 4, 5, 6)))
w("y_neg.npy", npy("<i8", "(3,)", struct.pack("<3q", 0, -1, 0)))
w("y_huge.npy", npy("<i8", "(3,)", struct.pack("<3q", 0, 1 << 40, 0)))
w("y_short.npy", npy("<i8", "(2,)", struct.pack("<2q", 0, 1)))
w("x_newer.npy", npy("<f4", "(3, 2)", X, major=9))

# --- CSV
hdr = "a,b,c,label\n"
rows = ["0.1,0.2,0.3,0", "1.1,1.2,1.3,1", "2.1,2.2,2.3,2"]
def csv(name, lines): open(name, "w").write(hdr + "\n".join(lines) + "\n")
csv("ragged.csv", rows[:1] + ["1.1,1.2,1"] + rows[2:])
csv("nonnum.csv", rows[:1] + ["1.1,abc,1.3,1"] + rows[2:])
csv("nan.csv", rows[:1] + ["1.1,nan,1.3,1"] + rows[2:])
csv("inf.csv", rows[:1] + ["1.1,inf,1.3,1"] + rows[2:])
csv("big.csv", rows[:1] + ["1.1,1e999,1.3,1"] + rows[2:])
csv("label_frac.csv", rows[:1] + ["1.1,1.2,1.3,1.5"] + rows[2:])
csv("label_neg.csv", rows[:1] + ["1.1,1.2,1.3,-1"] + rows[2:])
csv("label_huge.csv", rows[:1] + ["1.1,1.2,1.3,99999999999"] + rows[2:])
csv("five.csv", ["0.1,0.2,0.3,4", "1,2,3,0", "1,2,3,1"])  # label 4 > the model's 3 classes
open("empty.csv", "w").close()
open("header_only.csv", "w").write(hdr)
open("wide.csv", "w").write("a,b,label\n0.1,0.2,0\n0.3,0.4,1\n")

# --- libsvm
open("ok.svm", "w").write("0 1:0.5 2:1\n1 1:1.5 3:2\n")
open("idx0.svm", "w").write("0 0:0.5 2:1\n1 1:1.5\n")
open("idxneg.svm", "w").write("0 -4:0.5\n1 1:1.5\n")
open("idxhuge.svm", "w").write("0 4000000000:0.5\n1 1:1.5\n")
open("nonnum.svm", "w").write("0 1:abc\n1 1:1.5\n")
open("nan.svm", "w").write("0 1:nan\n1 1:1.5\n")
open("badlabel.svm", "w").write("zero 1:0.5\n1 1:1.5\n")
open("empty.svm", "w").close()
# --- model description
open("bad_layer.txt", "w").write("dense 8 -> frobnicate -> dense 3\n")
open("huge_layer.txt", "w").write("dense 4000000000\n")
open("empty.txt", "w").close()
PYEOF

echo "| input | command | what the user sees (stderr) | exit |" >"$table"
echo "|---|---|---|---|" >>"$table"

# --- model files
bad "model file truncated (first half)" "truncated: the header says" - info trunc.eom
bad "model file: wrong magic" "not an edgeopt model file (bad magic)" p.csv predict magic.eom --data csv:ok.csv -o p.csv
bad "model file: empty" "empty file, not an edgeopt model" - info empty.eom
bad "model file: header size field larger than the file" "truncated: the header says 6096 bytes but the file has 2000" - eval size_field.eom --data csv:ok.csv
bad "model file: tensor offset beyond the data" "lie outside the data section" p.csv predict tensor_outside.eom --data csv:ok.csv -o p.csv
bad "model file: string length larger than the file" "needs 2147483632 bytes but only" - info string_len.eom
bad "model file: metadata count 2^32-1" "metadata count 4294967295 does not fit" - info meta_count.eom
bad "model file: huge tensor dimension (2^62)" "the element count overflows" - eval huge_dim.eom --data csv:ok.csv
bad "model file: negative input dimension" "model.input_shape must be 3 positive sizes" - eval neg_dim.eom --data csv:ok.csv
bad "model file from a newer version" "model format version 2 is newer than this edgeopt" - info newer.eom
bad "model file: one flipped bit (bad checksum)" "checksum mismatch" p.csv predict badcrc.eom --data csv:ok.csv -o p.csv
bad "model file: unknown layer type" "layer 1 has unknown layer kind 'frob' (written by a newer edgeopt?)" - info unknown_layer.eom
bad "model file: NaN weight (valid checksum)" "layer.0.weight: element 0 is NaN" p.csv predict nan_weight.eom --data csv:ok.csv -o p.csv
bad "model file: missing" "no such file" - eval nope.eom --data csv:ok.csv
bad "not a model (a CSV file)" "bad magic" - info ok.csv
bad "wrong feature count for the model" "the model takes 3 features but the data has 2" p.csv predict m.eom --data csv:wide.csv -o p.csv
bad "labels out of range for the model" "the data has 5 classes but the model has 3 outputs" - eval m.eom --data csv:five.csv

# --- the other commands that read model files, and int8 model files
mkdir -p outdir
bad "quantize: truncated model" "truncated: the header says" q.eom quantize trunc.eom --calib csv:ok.csv -o q.eom
bad "quantize: NaN weight" "layer.0.weight: element 0 is NaN" q.eom quantize nan_weight.eom --calib csv:ok.csv -o q.eom
bad "prune: --sparsity 1e999" "--sparsity: expected a finite number, got '1e999'" q.eom prune m.eom --sparsity 1e999 --data csv:ok.csv -o q.eom
bad "cluster: model from a newer version" "model format version 2 is newer" q.eom cluster newer.eom --clusters 4 -o q.eom
bad "distill: teacher with a wrong magic" "not an edgeopt model file (bad magic)" q.eom distill --teacher magic.eom --model mlp:4 --data csv:ok.csv -o q.eom
bad "qat: labels out of range for the model" "the data has 5 classes but the model has 3 outputs" q.eom qat m.eom --data csv:five.csv -o q.eom
bad "export: unknown layer type" "layer 1 has unknown layer kind 'frob'" outdir/model.h export unknown_layer.eom --target c -o outdir
bad "landscape: truncated model" "truncated: the header says" - landscape trunc.eom --data csv:ok.csv
bad "compress-report: one bad checksum among the models" "checksum mismatch" - compress-report m.eom badcrc.eom --data csv:ok.csv
bad "tune: search space int(8,4)" "int(a,b) needs a <= b" s.jsonl tune --data csv:ok.csv --model 'mlp:{h}' --space 'h=int(8,4)' --study s.jsonl
bad "lasso: --alpha nan" "--alpha: expected a finite number, got 'nan'" - lasso --data csv:ok.csv --alpha nan
if "$E" quantize m.eom --calib csv:ok.csv -o q8.eom >/dev/null 2>&1; then
  "$PY" - <<'PYEOF'
import struct, zlib
good = open("q8.eom", "rb").read()
def fix_crc(b):
    b = bytearray(b); b[-4:] = struct.pack("<I", zlib.crc32(bytes(b[:-4])) & 0xffffffff); return bytes(b)
nmeta, nt = struct.unpack_from("<II", good, 24)
meta_off, tab_off, data_off, _ = struct.unpack_from("<QQQQ", good, 32)
meta, p = {}, meta_off
for _ in range(nmeta):
    (kl,) = struct.unpack_from("<H", good, p); key = good[p + 2:p + 2 + kl].decode(); p += 2 + kl
    t = good[p]; p += 1
    if t in (1, 2): meta[key] = p; p += 8
    elif t == 3: (L,) = struct.unpack_from("<I", good, p); meta[key] = p; p += 4 + L
    else: (n,) = struct.unpack_from("<Q", good, p); meta[key] = p; p += 8 + 8 * n
tens, p = {}, tab_off
for _ in range(nt):
    (kl,) = struct.unpack_from("<H", good, p); name = good[p + 2:p + 2 + kl].decode(); p += 2 + kl
    nd = good[p + 1]; p += 2
    tens[name] = data_off + struct.unpack_from("<Q", good, p + 8 * nd)[0]; p += 8 * nd + 16
def put(name, fmt, at, v):
    b = bytearray(good); struct.pack_into(fmt, b, at, v); open(name, "wb").write(fix_crc(b))
put("q8_shift.eom", "<i", tens["layer.0.int8.shift"], 99)
put("q8_mult.eom", "<i", tens["layer.0.int8.multiplier"], -5)
put("q8_outch.eom", "<q", meta["qop.0.ints"] + 8 + 8 * 8, 1 << 20)
open("q8_trunc.eom", "wb").write(good[:len(good) * 2 // 3])
PYEOF
  bad "int8 model: requantization shift 99" "the int8 kernel rejects its parameters" - eval q8_shift.eom --data csv:ok.csv
  bad "int8 model: negative multiplier" "outside {0} and [2^30, 2^31)" p.csv predict q8_mult.eom --data csv:ok.csv -o p.csv
  bad "int8 model: output channels 2^20 (weights of 24)" "has 24 elements, expected 3145728" outdir/model.h export q8_outch.eom --target c -o outdir
  bad "int8 model: truncated" "truncated: the header says" - info q8_trunc.eom
fi

# --- IDX
bad "IDX: wrong magic" "bad IDX magic 12 34" - data info idx:img_magic.idx,lab.idx
bad "IDX: truncated data" "truncated IDX data: header promises 16 elements" - data info idx:img_trunc.idx,lab.idx
bad "IDX: dimensions larger than the file (60000x28x28)" "header promises 47040000 elements of 1 bytes, file holds 16" x.eom train --data idx:img_bigdims.idx,lab.idx --model linear -o x.eom
bad "IDX: huge dimensions (3 x 2^32-1)" "IDX dimensions overflow" - data info idx:img_hugedims.idx,lab.idx
bad "IDX: empty file" "truncated IDX header (0 bytes, need at least 4)" - data info idx:img_empty.idx,lab.idx
bad "IDX: 3 labels for 4 images" "3 labels for 4 images" x.eom train --data idx:img.idx,lab_count.idx --model linear -o x.eom
bad "IDX: truncated gzip stream" "truncated gzip data" - data info idx:img_trunc.idx.gz,lab.idx

# --- NPY
bad "NPY: wrong magic" "bad .npy magic" - data info npy:x_magic.npy,y.npy
bad "NPY: truncated data" "truncated .npy data: shape needs 24 bytes, file holds 17" - data info npy:x_trunc.npy,y.npy
bad "NPY: shape larger than the file" "shape needs 4000000000 bytes, file holds 24" x.eom train --data npy:x_big.npy,y.npy --model linear -o x.eom
bad "NPY: negative dimension" "expected a non-negative integer in 'shape'" - data info npy:x_neg.npy,y.npy
bad "NPY: huge dimensions (2^62 x 2^62)" "shape product overflows" - data info npy:x_huge.npy,y.npy
bad "NPY: Fortran order" "Fortran-order array is not supported" - data info npy:x_fortran.npy,y.npy
bad "NPY: object dtype (pickle)" "object dtype (pickled Python objects) is not supported" - data info npy:x_object.npy,y.npy
bad "NPY: NaN value" "row 2, feature 1: NaN (expected a finite float32)" x.eom train --data npy:x_nan.npy,y.npy --model linear -o x.eom
bad "NPY: Inf value" "row 2, feature 1: infinite or out-of-range value" - data info npy:x_inf.npy,y.npy
bad "NPY: format version 9" ".npy format version 9.0 not supported" - data info npy:x_newer.npy,y.npy
bad "NPY: negative class label" "class label -1 out of range" - data info npy:x.npy,y_neg.npy
bad "NPY: class label 2^40" "class label 1099511627776 out of range" - data info npy:x.npy,y_huge.npy
bad "NPY: fewer labels than rows" "y has 2 entries but X has 3 rows" - data info npy:x.npy,y_short.npy

# --- CSV
bad "CSV: ragged row" "ragged row: 3 fields, expected 4" x.eom train --data csv:ragged.csv --model linear -o x.eom
bad "CSV: non-numeric cell" "field 2 ('b'): expected a number, got 'abc'" - data info csv:nonnum.csv
bad "CSV: NaN cell" "NaN cell, expected a finite number" x.eom train --data csv:nan.csv --model linear -o x.eom
bad "CSV: Inf cell" "infinite cell, expected a finite number" - data info csv:inf.csv
bad "CSV: cell 1e999" "number out of float range" - data info csv:big.csv
bad "CSV: fractional class label" "expected an integer class label, got 1.5" - data info csv:label_frac.csv
bad "CSV: negative class label" "class label -1 out of range" - data info csv:label_neg.csv
bad "CSV: huge class label" "class label 99999999999 out of range" - data info csv:label_huge.csv
bad "CSV: empty file" "empty file (expected CSV rows of numbers)" x.eom train --data csv:empty.csv --model linear -o x.eom
bad "CSV: header only" "no data rows after the header" - data info csv:header_only.csv
bad "CSV: missing file" "cannot open" - data info csv:nope.csv

# --- libsvm
bad "libsvm: feature index 0" "expected a feature index 1..2147483647" - data info libsvm:idx0.svm
bad "libsvm: negative feature index" "expected a feature index 1..2147483647" - data info libsvm:idxneg.svm
bad "libsvm: feature index 4e9" "expected a feature index 1..2147483647" - data info libsvm:idxhuge.svm
bad "libsvm: non-numeric value" "feature 1: expected a number" - data info libsvm:nonnum.svm
bad "libsvm: NaN value" "feature 1: NaN cell, expected a finite number" x.eom train --data libsvm:nan.svm --model linear -o x.eom
bad "libsvm: non-numeric label" "label: expected a number" - data info libsvm:badlabel.svm
bad "libsvm: empty file" "empty file" - data info libsvm:empty.svm

# --- model descriptions and specs
bad "model description: unknown layer type" "bad_layer.txt:1:12: unknown layer 'frobnicate'" x.eom train --data csv:ok.csv --model @bad_layer.txt -o x.eom
bad "model description: layer size 4e9" "dense size must be an integer in 1..999999999" x.eom train --data csv:ok.csv --model @huge_layer.txt -o x.eom
bad "model description: empty file" "empty.txt:1:1: no layers" x.eom train --data csv:ok.csv --model @empty.txt -o x.eom
printf 'dense 8 -> relu -> dense 2\n' >two.txt
bad "model description: wrong output count" "the model ends with 2 outputs but 3 are needed (end with 'dense 3')" x.eom train --data csv:ok.csv --model @two.txt -o x.eom
bad "binary loss on 3-class data" "the data has 3 classes but the model has 1 outputs" x.eom train --data csv:ok.csv --model 'mlp:4' --loss bce -o x.eom
bad "data spec: negative size" "n=-5: expected a number in range" x.eom train --data 'synthetic:moons:n=-5' --model linear -o x.eom

# --- numbers on the command line
bad "--epochs 1e999" "--epochs: expected an integer, got '1e999'" x.eom train --data csv:ok.csv --model linear -o x.eom --epochs 1e999
bad "--epochs 99999999999999999999 (overflows a long)" "--epochs: expected an integer" x.eom train --data csv:ok.csv --model linear -o x.eom --epochs 99999999999999999999
bad "--epochs 2.5" "--epochs: expected an integer, got '2.5'" x.eom train --data csv:ok.csv --model linear -o x.eom --epochs 2.5
bad "--l2 nan" "--l2: expected a finite number, got 'nan'" x.eom train --data csv:ok.csv --model linear -o x.eom --l2 nan
bad "--clip-norm inf" "--clip-norm: expected a finite number, got 'inf'" x.eom train --data csv:ok.csv --model linear -o x.eom --clip-norm inf
bad "--batch -5" "--batch: -5 is out of range" x.eom train --data csv:ok.csv --model linear -o x.eom --batch -5
bad "--val-split 2" "--val-split: 2 is out of range [0, 0.99]" x.eom train --data csv:ok.csv --model linear -o x.eom --val-split 2
bad "--seed abc" "--seed: expected an integer, got 'abc'" x.eom train --data csv:ok.csv --model linear -o x.eom --seed abc
bad "optimizer spec lr=1e999" "lr: expected a finite number, got '1e999'" x.eom train --data csv:ok.csv --model linear -o x.eom --optimizer 'adam:lr=1e999'
bad "schedule spec gamma=nan" "gamma: expected a finite number, got 'nan'" x.eom train --data csv:ok.csv --model linear -o x.eom --schedule 'exp:gamma=nan'
bad "--start 1,nan" "--start: expected a finite number, got 'nan'" t.csv optimize --start 1,nan --trace t.csv
bad "--start 1,,2" "--start: expected comma-separated numbers" t.csv optimize --start 1,,2 --trace t.csv
bad "function spec dim=1e999" "dim: expected an integer, got '1e999'" t.csv optimize --function 'rosenbrock:dim=1e999' --trace t.csv
bad "--tol -inf" "--tol: expected a finite number, got '-inf'" t.csv optimize --tol -inf --trace t.csv
bad "--limit 1e3" "--limit: expected an integer, got '1e3'" p.csv predict m.eom --data csv:ok.csv -o p.csv --limit 1e3
bad "--threads 0x10" "--threads: expected an integer, got '0x10'" - eval m.eom --data csv:ok.csv --threads 0x10

[ "$rows" -ge 80 ] || fail "only $rows rows checked"
echo "bad inputs: ok ($rows rows)"
