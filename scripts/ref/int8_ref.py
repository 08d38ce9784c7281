#!/usr/bin/python3
"""Reference vectors for edgeopt's int8 kernels (tests/fixtures/int8/*.h).

An independent implementation of the TensorFlow Lite int8 arithmetic written
from the mathematical definitions with Python's unbounded integers and exact
fractions (no bit tricks, no 64-bit wrap-around):

  srdhm(a, b)     = round_half_up(a * b / 2^31), saturating a = b = -2^31
  rdivpot(x, e)   = round_half_away(x / 2^e)
  mulq(x, m, s)   = rdivpot(srdhm(sat32(x * 2^max(s,0)), m), max(-s,0))
  quantize_multiplier(M) = (round_half_away(f * 2^31), e) for M = f * 2^e,
                    f in [0.5, 1), carry folded, clamps of TFLite
  kernels         = bias + sum (x - in_zp) * w, then mulq, + out_zp, clamp

Usage: /usr/bin/python3 scripts/ref/int8_ref.py [OUTDIR]
(default OUTDIR: tests/fixtures/int8). Deterministic: fixed seeds.
"""
import math
import os
import random
import struct
import sys
from fractions import Fraction

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1


def floor_frac(q):
    return q.numerator // q.denominator


def round_half_up(q):
    return floor_frac(q + Fraction(1, 2))


def round_half_away(q):
    return round_half_up(q) if q >= 0 else -round_half_up(-q)


def sat32(v):
    return max(I32_MIN, min(I32_MAX, v))


def srdhm(a, b):
    if a == I32_MIN and b == I32_MIN:
        return I32_MAX
    return round_half_up(Fraction(a * b, 1 << 31))


def rdivpot(x, e):
    return round_half_away(Fraction(x, 1 << e))


def mulq(x, m, s):
    left, right = max(s, 0), max(-s, 0)
    return rdivpot(srdhm(sat32(x * (1 << left)), m), right)


def requant(acc, m, s, zp, lo, hi):
    return max(lo, min(hi, mulq(acc, m, s) + zp))


def quantize_multiplier(mreal):
    """mreal is a Python float (double); exact arithmetic from its value."""
    if mreal == 0.0:
        return 0, 0
    f, e = math.frexp(mreal)  # exact decomposition
    q = round_half_away(Fraction(f) * (1 << 31))
    if q == (1 << 31):
        q //= 2
        e += 1
    if e < -31:
        return 0, 0
    if e > 30:
        return I32_MAX, 30
    return q, e


def f32(v):
    return struct.unpack('<f', struct.pack('<f', v))[0]


def f32_div(a, b):
    """IEEE single division of two float32 values, correctly rounded: the
    exact quotient rounded to float32 (Fraction -> nearest float32)."""
    q = Fraction(a) / Fraction(b)
    return round_to_f32(q)


def round_to_f32(q):
    if q == 0:
        return 0.0
    sign = -1 if q < 0 else 1
    q = abs(q)
    e = math.floor(math.log2(q.numerator) - math.log2(q.denominator))
    # adjust e so that 2^e <= q < 2^(e+1)
    while Fraction(2) ** e > q:
        e -= 1
    while Fraction(2) ** (e + 1) <= q:
        e += 1
    e = max(e, -126)  # subnormals share the smallest exponent
    ulp = Fraction(2) ** (e - 23)
    m = q / ulp
    n = floor_frac(m)
    r = m - n
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and n % 2 == 1):
        n += 1
    return sign * float(n * ulp)


def quantize_f32(x, scale, zp):
    """TFLite Quantize with a float32 division and half-away rounding."""
    if x != x:
        v = 0.0
    else:
        v = f32_div(x, scale)
    v = max(-512.0, min(512.0, v))
    t = round_half_away(Fraction(v))
    return max(-128, min(127, t + zp))


# ------------------------------------------------------------------ kernels

def out_dim(n, k, s, p0, p1):
    return (n + p0 + p1 - k) // s + 1


def fc(p, batch, nin, nout, x, w, bias):
    y = []
    for b in range(batch):
        for o in range(nout):
            acc = bias[o] + sum((x[b * nin + i] - p['in_zp']) * w[o * nin + i] for i in range(nin))
            k = 0 if len(p['mult']) == 1 else o
            y.append(requant(acc, p['mult'][k], p['shift'][k], p['out_zp'], p['lo'], p['hi']))
    return y


def conv(p, g, oc, x, w, bias, depthwise=False):
    n, c, h, wd, kh, kw, sh, sw, pt, pl, pb, pr = g
    oh, ow = out_dim(h, kh, sh, pt, pb), out_dim(wd, kw, sw, pl, pr)
    y = []
    nout = c if depthwise else oc
    for b in range(n):
        for o in range(nout):
            chans = [o] if depthwise else range(c)
            for oy in range(oh):
                for ox in range(ow):
                    acc = bias[o]
                    for ic in chans:
                        for ky in range(kh):
                            for kx in range(kw):
                                iy, ix = oy * sh - pt + ky, ox * sw - pl + kx
                                if 0 <= iy < h and 0 <= ix < wd:
                                    xv = x[((b * c + ic) * h + iy) * wd + ix]
                                    wi = (o * kh + ky) * kw + kx if depthwise else \
                                        ((o * c + ic) * kh + ky) * kw + kx
                                    acc += (xv - p['in_zp']) * w[wi]
                    k = 0 if len(p['mult']) == 1 else o
                    y.append(requant(acc, p['mult'][k], p['shift'][k], p['out_zp'], p['lo'], p['hi']))
    return y


def pool(g, x, lo, hi, is_max):
    n, c, h, wd, kh, kw, sh, sw, pt, pl, pb, pr = g
    oh, ow = out_dim(h, kh, sh, pt, pb), out_dim(wd, kw, sw, pl, pr)
    y = []
    for pc in range(n * c):
        for oy in range(oh):
            for ox in range(ow):
                vals = []
                for ky in range(kh):
                    for kx in range(kw):
                        iy, ix = oy * sh - pt + ky, ox * sw - pl + kx
                        if 0 <= iy < h and 0 <= ix < wd:
                            vals.append(x[(pc * h + iy) * wd + ix])
                v = max(vals) if is_max else round_half_away(Fraction(sum(vals), len(vals)))
                y.append(max(lo, min(hi, v)))
    return y


# ------------------------------------------------------------------- output

def carr(ctype, name, vals, per_line=12):
    lines = []
    for i in range(0, len(vals), per_line):
        lines.append('    ' + ', '.join(vals[i:i + per_line]) + ',')
    return 'static const %s %s[%d] = {\n%s\n};\n' % (ctype, name, len(vals), '\n'.join(lines))


def i32s(v):
    return ['INT32_MIN' if a == I32_MIN else '%d' % a for a in v]


def gen_requant(rng):
    accs = [I32_MIN, I32_MIN + 1, -(1 << 30), -(1 << 30) - 1, -65537, -3, -2, -1, 0, 1, 2, 3,
            65535, 1 << 30, (1 << 30) + 1, I32_MAX - 1, I32_MAX]
    mults = [0, 1, 3, 1 << 29, 1 << 30, (1 << 30) + 1, 1518500250, I32_MAX - 1, I32_MAX,
             I32_MIN, -(1 << 30)]
    shifts = [-31, -30, -17, -8, -2, -1, 0, 1, 2, 7, 15, 30]
    rows = []
    for a in accs:
        for m in mults:
            for s in shifts:
                rows.append((a, m, s))
    # exact ties of the doubling high multiply: a*b = (2k+1) * 2^30
    for k in range(-4, 4):
        rows.append((2 * k + 1, 1 << 30, 0))
        rows.append((-(2 * k + 1), 1 << 30, -1))
    for _ in range(1000):
        a = rng.randint(I32_MIN, I32_MAX) >> rng.randint(0, 31)
        m = rng.randint(1 << 30, I32_MAX)
        s = rng.randint(-31, 30)
        rows.append((a, m, s))
    acc, mult, shift, out = [], [], [], []
    for a, m, s in rows:
        acc.append(a)
        mult.append(m)
        shift.append(s)
        out.append(mulq(a, m, s))
    txt = '#define EO_REQUANT_REF_N %d\n' % len(rows)
    txt += carr('int32_t', 'requant_ref_acc', i32s(acc), 8)
    txt += carr('int32_t', 'requant_ref_mult', i32s(mult), 8)
    txt += carr('int32_t', 'requant_ref_shift', i32s(shift), 16)
    txt += carr('int32_t', 'requant_ref_out', i32s(out), 8)

    # quantize_multiplier
    ms = [0.0, 1.0, 0.5, 0.75, 2.0 ** -31, 2.0 ** -32, 2.0 ** -33, 2.0 ** 29, 2.0 ** 30,
          2.0 ** 31, 1e-12, 1e12, 1.0 - 2.0 ** -53, 0.5 - 2.0 ** -55, 1.0 - 2.0 ** -33,
          1.0 - 2.0 ** -32, 1.0 - 2.0 ** -31, 1.0 - 2.0 ** -32 - 2.0 ** -53,
          0.5 + 2.0 ** -33 - 2.0 ** -54, 0.5 + 2.0 ** -33 + 2.0 ** -54, 0.5 + 2.0 ** -33, 0.5 + 2.0 ** -32,
          2.0 ** -32 * (1 - 2.0 ** -40), 0.0072, 0.31415926535]
    for _ in range(200):
        ms.append(math.ldexp(rng.random() + 0.5 if rng.random() < 0.9 else 1.0,
                             rng.randint(-40, 34)))
    qm = [quantize_multiplier(m) for m in ms]
    txt += '#define EO_QMULT_REF_N %d\n' % len(ms)
    txt += carr('double', 'qmult_ref_m', [m.hex() for m in ms], 3)
    txt += carr('int32_t', 'qmult_ref_mult', i32s([a for a, _ in qm]), 8)
    txt += carr('int32_t', 'qmult_ref_shift', i32s([b for _, b in qm]), 16)
    return txt


def rand_i8(rng, n, lo=-128, hi=127):
    return [rng.randint(lo, hi) for _ in range(n)]


def params_txt(name, p):
    return ('static const int32_t %s_mult[%d] = {%s};\n' % (name, len(p['mult']), ', '.join(map(str, p['mult']))) +
            'static const int32_t %s_shift[%d] = {%s};\n' % (name, len(p['shift']), ', '.join(map(str, p['shift']))) +
            'static const int32_t %s_q[4] = {%d, %d, %d, %d}; /* in_zp out_zp act_min act_max */\n'
            % (name, p['in_zp'], p['out_zp'], p['lo'], p['hi']))


def rand_params(rng, nch, in_zp, lo=-128, hi=127, sh=(-12, -6)):
    mult = [rng.randint(1 << 30, I32_MAX) for _ in range(nch)]
    shift = [rng.randint(sh[0], sh[1]) for _ in range(nch)]
    return {'in_zp': in_zp, 'out_zp': rng.randint(-20, 20), 'lo': lo, 'hi': hi,
            'mult': mult, 'shift': shift}


def gen_kernels(rng):
    txt = ''
    # fully connected, per channel, batch 3, awkward sizes
    B, I, O = 3, 37, 6
    p = rand_params(rng, O, in_zp=-7, lo=-5, hi=127)  # a ReLU-like clamp
    x, w = rand_i8(rng, B * I), rand_i8(rng, O * I, -127, 127)
    bias = [rng.randint(-5000, 5000) for _ in range(O)]
    txt += '/* fc: batch %d, in %d, out %d, per channel */\n' % (B, I, O)
    txt += params_txt('fc', p)
    txt += carr('int8_t', 'fc_x', list(map(str, x)), 16)
    txt += carr('int8_t', 'fc_w', list(map(str, w)), 16)
    txt += carr('int32_t', 'fc_bias', list(map(str, bias)), 8)
    txt += carr('int8_t', 'fc_y', list(map(str, fc(p, B, I, O, x, w, bias))), 16)

    # conv2d: n 2, c 3, 7x9, oc 4, window 3x2, stride (2, 1), pads t1 l0 b1 r1, per tensor
    g = (2, 3, 7, 9, 3, 2, 2, 1, 1, 0, 1, 1)
    OC = 4
    p = rand_params(rng, 1, in_zp=12)
    x = rand_i8(rng, g[0] * g[1] * g[2] * g[3])
    w = rand_i8(rng, OC * g[1] * g[4] * g[5], -127, 127)
    bias = [rng.randint(-3000, 3000) for _ in range(OC)]
    txt += '/* conv2d geometry: n c h w kh kw sh sw pt pl pb pr; oc 4, per tensor */\n'
    txt += 'static const int32_t conv_g[12] = {%s};\n' % ', '.join(map(str, g))
    txt += params_txt('conv', p)
    txt += carr('int8_t', 'conv_x', list(map(str, x)), 16)
    txt += carr('int8_t', 'conv_w', list(map(str, w)), 16)
    txt += carr('int32_t', 'conv_bias', list(map(str, bias)), 8)
    txt += carr('int8_t', 'conv_y', list(map(str, conv(p, g, OC, x, w, bias))), 16)

    # depthwise: n 1, c 3, 6x20, 3x3, stride 1, pad 1 all round, per channel
    g = (1, 3, 6, 20, 3, 3, 1, 1, 1, 1, 1, 1)
    p = rand_params(rng, 3, in_zp=-100, sh=(-10, -9))
    x = rand_i8(rng, g[0] * g[1] * g[2] * g[3])
    w = rand_i8(rng, g[1] * g[4] * g[5], -127, 127)
    bias = [rng.randint(-3000, 3000) for _ in range(g[1])]
    txt += '/* depthwise geometry, per channel */\n'
    txt += 'static const int32_t dw_g[12] = {%s};\n' % ', '.join(map(str, g))
    txt += params_txt('dw', p)
    txt += carr('int8_t', 'dw_x', list(map(str, x)), 16)
    txt += carr('int8_t', 'dw_w', list(map(str, w)), 16)
    txt += carr('int32_t', 'dw_bias', list(map(str, bias)), 8)
    txt += carr('int8_t', 'dw_y', list(map(str, conv(p, g, 3, x, w, bias, depthwise=True))), 16)

    # pools: 3x3 stride 2 pad 1 (partial windows), clamp [-100, 100]
    g = (1, 2, 7, 8, 3, 3, 2, 2, 1, 1, 1, 1)
    x = rand_i8(rng, 2 * 7 * 8)
    txt += '/* pools geometry; clamp [-100, 100] */\n'
    txt += 'static const int32_t pool_g[12] = {%s};\n' % ', '.join(map(str, g))
    txt += carr('int8_t', 'pool_x', list(map(str, x)), 16)
    txt += carr('int8_t', 'maxpool_y', list(map(str, pool(g, x, -100, 100, True))), 16)
    txt += carr('int8_t', 'avgpool_y', list(map(str, pool(g, x, -100, 100, False))), 16)
    # ties of the average: windows of 2 with odd sums
    g2 = (1, 1, 1, 8, 1, 2, 1, 2, 0, 0, 0, 0)
    x2 = [1, 2, -1, -2, 3, 4, -3, -4]
    txt += 'static const int32_t avgtie_g[12] = {%s};\n' % ', '.join(map(str, g2))
    txt += carr('int8_t', 'avgtie_x', list(map(str, x2)), 16)
    txt += carr('int8_t', 'avgtie_y', list(map(str, pool(g2, x2, -128, 127, False))), 16)

    # quantize: float32 values including ties of the rounding and clamps
    scale = f32(0.0371)
    zp = -3
    xs = [f32(rng.uniform(-6.0, 6.0)) for _ in range(60)]
    xs += [f32(k * 0.5 * scale) for k in range(-9, 10)]  # near-ties
    xs += [0.0, -0.0, f32(1e30), f32(-1e30), f32(127.49 * scale), f32(-128.51 * scale)]
    qs = [quantize_f32(v, scale, zp) for v in xs]
    txt += '/* quantize: scale %r, zero point %d */\n' % (scale, zp)
    txt += 'static const float quant_scale = %sf;\nstatic const int32_t quant_zp = %d;\n' % (
        repr(scale), zp)
    txt += carr('float', 'quant_x', ['%.9ef' % v for v in xs], 6)
    txt += carr('int8_t', 'quant_q', list(map(str, qs)), 16)
    return txt


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, 'tests', 'fixtures', 'int8')
    os.makedirs(out, exist_ok=True)
    hdr = '/* Generated by scripts/ref/int8_ref.py (exact big-integer reference). Do not edit. */\n' \
          '#include <stdint.h>\n'
    with open(os.path.join(out, 'requant_ref.h'), 'w') as f:
        f.write(hdr + gen_requant(random.Random(5)))
    with open(os.path.join(out, 'kernels_ref.h'), 'w') as f:
        f.write(hdr + gen_kernels(random.Random(55)))
    print('wrote', out)


if __name__ == '__main__':
    main()
