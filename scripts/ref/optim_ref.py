#!/usr/bin/python3
"""Reference trajectories and learning-rate sequences from PyTorch for the
first-order optimizers and schedules of edgeopt (tests/optim/test_first_order.c
and tests/optim/test_schedule.c read what this writes).

Run:  /usr/bin/python3 scripts/ref/optim_ref.py   (writes tests/fixtures/optim/*.txt)

Everything runs in float64. Each coordinate is its own 1-element parameter
tensor, so a weight-decay mask becomes two parameter groups (decayed / not).
Gradients are set by hand from the closed-form formulas the C test also uses.

Where the installed torch (Debian's 1.13) lacks a documented torch 2.x feature,
the script emulates it with torch operations and says so:
  * decoupled_weight_decay for NAdam/RAdam: p *= 1 - lr*wd before a step of the
    optimizer with weight_decay=0 (what torch 2.x does);
  * maximize for NAdam/RAdam: step on the negated gradient;
  * NAdam: torch 1.13 multiplies mu_t twice into the second bias-correction
    product (fixed in torch 2.0). ReferenceNAdam below follows the documented
    algorithm; with bug_compat=True it must reproduce torch.optim.NAdam 1.13
    exactly, which the script asserts before using it.
"""
import math
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "optim")
STEPS = 200

# ----------------------------------------------------------------- problems

ROSEN = {"name": "rosenbrock", "n": 2, "x0": [-1.5, 2.0]}


def rosen_grad(x):
    a, b = x
    return [-2.0 * (1.0 - a) - 400.0 * a * (b - a * a), 200.0 * (b - a * a)]


# Ill-conditioned quadratic f = 1/2 sum d_i (x_i - c_i)^2, kappa = 100.
QUAD = {"name": "quadratic", "n": 3, "x0": [2.0, 1.0, -1.0],
        "d": [1.0, 10.0, 100.0], "c": [0.5, -1.0, 0.25]}


def quad_grad(x):
    return [d * (xi - c) for d, xi, c in zip(QUAD["d"], x, QUAD["c"])]


# --------------------------------------------------------------- optimizers


class ReferenceNAdam:
    """NAdam as documented (torch 2.x), in torch float64 tensor operations."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 momentum_decay=4e-3, bug_compat=False):
        self.params = list(params)
        self.lr, (self.b1, self.b2), self.eps = lr, betas, eps
        self.wd, self.psi, self.bug = weight_decay, momentum_decay, bug_compat
        self.t = 0
        self.mu_prod = 1.0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        self.t += 1
        t = self.t
        mu = self.b1 * (1.0 - 0.5 * 0.96 ** (t * self.psi))
        mu_next = self.b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * self.psi))
        self.mu_prod *= mu
        prod_next = self.mu_prod * (mu * mu_next if self.bug else mu_next)
        bc2 = 1.0 - self.b2 ** t
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            if self.wd != 0:
                g = g + self.wd * p
            m.mul_(self.b1).add_((1.0 - self.b1) * g)
            v.mul_(self.b2).add_((1.0 - self.b2) * g * g)
            denom = (v / bc2).sqrt() + self.eps
            p.add_(-self.lr * (1.0 - mu) / (1.0 - self.mu_prod) * g / denom)
            p.add_(-self.lr * mu_next / (1.0 - prod_next) * m / denom)

    def zero_grad(self):
        pass


def check_reference_nadam():
    """ReferenceNAdam(bug_compat=True) == torch.optim.NAdam (1.13) on Rosenbrock."""
    if not hasattr(torch.optim, "NAdam"):
        return
    for wd in (0.0, 0.1):
        xs = []
        for which in ("torch", "ours"):
            ps = [torch.tensor([v], dtype=torch.float64, requires_grad=True) for v in ROSEN["x0"]]
            if which == "torch":
                opt = torch.optim.NAdam(ps, lr=0.01, weight_decay=wd)
            else:
                opt = ReferenceNAdam(ps, lr=0.01, weight_decay=wd, bug_compat=True)
            traj = []
            for _ in range(50):
                g = rosen_grad([p.item() for p in ps])
                for p, gi in zip(ps, g):
                    p.grad = torch.tensor([gi], dtype=torch.float64)
                opt.step()
                traj.append([p.item() for p in ps])
            xs.append(traj)
        worst = max(abs(a - b) / max(abs(b), 1e-300) for ra, rb in zip(*xs) for a, b in zip(ra, rb))
        tv = torch.__version__.split(".")
        fixed = int(tv[0]) >= 2
        if not fixed and worst > 1e-12:
            sys.exit("ReferenceNAdam(bug_compat) does not reproduce torch.optim.NAdam: %g" % worst)


# Each config: (spec for edgeopt's parser, torch class name, torch kwargs,
#               emulation flags). Specs use defaults where PyTorch's apply.
CONFIGS = [
    ("sgd:lr=5e-4", "SGD", dict(lr=5e-4), {}),
    ("sgd:lr=2e-4,momentum=0.9", "SGD", dict(lr=2e-4, momentum=0.9), {}),
    ("sgd:lr=2e-4,momentum=0.9,dampening=0.5,weight_decay=0.01", "SGD",
     dict(lr=2e-4, momentum=0.9, dampening=0.5, weight_decay=0.01), {}),
    ("nesterov:lr=2e-4", "SGD", dict(lr=2e-4, momentum=0.9, nesterov=True), {}),
    ("sgd:lr=2e-4,momentum=0.8,nesterov,weight_decay=0.1", "SGD",
     dict(lr=2e-4, momentum=0.8, nesterov=True, weight_decay=0.1), {}),
    ("momentum:lr=2e-4,maximize", "SGD", dict(lr=2e-4, momentum=0.9, maximize=True), {}),
    ("adagrad:lr=0.1", "Adagrad", dict(lr=0.1), {}),
    ("adagrad:lr=0.2,lr_decay=0.01,initial_accumulator_value=0.1,weight_decay=0.01", "Adagrad",
     dict(lr=0.2, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.01), {}),
    ("rmsprop:lr=1e-3", "RMSprop", dict(lr=1e-3), {}),
    ("rmsprop:lr=1e-3,alpha=0.95,momentum=0.3,centered", "RMSprop",
     dict(lr=1e-3, alpha=0.95, momentum=0.3, centered=True), {}),
    ("rmsprop:lr=1e-3,weight_decay=0.1,centered=1,maximize", "RMSprop",
     dict(lr=1e-3, weight_decay=0.1, centered=True, maximize=True), {}),
    ("adadelta:rho=0.95", "Adadelta", dict(rho=0.95), {}),
    ("adadelta:lr=0.5,rho=0.95,eps=1e-5,weight_decay=0.01", "Adadelta",
     dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.01), {}),
    ("adam:lr=0.01", "Adam", dict(lr=0.01), {}),
    ("adam:lr=0.01,beta1=0.8,beta2=0.99,weight_decay=0.1", "Adam",
     dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1), {}),
    ("amsgrad:lr=0.02", "Adam", dict(lr=0.02, amsgrad=True), {}),
    ("adam:lr=0.01,betas=0.85;0.995,eps=1e-6,maximize", "Adam",
     dict(lr=0.01, betas=(0.85, 0.995), eps=1e-6, maximize=True), {}),
    ("adamw:lr=0.01", "AdamW", dict(lr=0.01), {}),
    ("adamw:lr=0.01,weight_decay=0.5,amsgrad", "AdamW",
     dict(lr=0.01, weight_decay=0.5, amsgrad=True), {}),
    ("nadam", "NAdamRef", dict(), {}),
    ("nadam:lr=0.01,weight_decay=0.1", "NAdamRef", dict(lr=0.01, weight_decay=0.1), {}),
    ("nadam:lr=0.01,weight_decay=0.1,decoupled_weight_decay,momentum_decay=0.01", "NAdamRef",
     dict(lr=0.01, momentum_decay=0.01), {"decoupled": 0.1}),
    ("nadam:lr=0.01,maximize", "NAdamRef", dict(lr=0.01), {"maximize": True}),
    ("radam:lr=0.01", "RAdam", dict(lr=0.01), {}),
    ("radam:lr=0.01,beta2=0.9,weight_decay=0.1", "RAdam",
     dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.1), {}),
    ("radam:lr=0.01,weight_decay=0.1,decoupled_weight_decay", "RAdam",
     dict(lr=0.01), {"decoupled": 0.1}),
]

# The quadratic runs the configs that exercise weight decay and maximize
# (the others are covered by Rosenbrock), plus some with a weight-decay mask.
QUAD_CONFIGS = [c for c in CONFIGS if "weight_decay" in c[0] or "maximize" in c[0]
                or c[0] in ("amsgrad:lr=0.02", "rmsprop:lr=1e-3,alpha=0.95,momentum=0.3,centered")]
MASK = [1, 0, 1]  # 1 = decayed
MASKED = [
    ("sgd:lr=2e-3,momentum=0.9,weight_decay=0.5", "SGD",
     dict(lr=2e-3, momentum=0.9, weight_decay=0.5), {}),
    ("adam:lr=0.01,weight_decay=0.5", "Adam", dict(lr=0.01, weight_decay=0.5), {}),
    ("adamw:lr=0.01,weight_decay=2", "AdamW", dict(lr=0.01, weight_decay=2.0), {}),
    ("rmsprop:lr=1e-3,weight_decay=0.5,momentum=0.3", "RMSprop",
     dict(lr=1e-3, weight_decay=0.5, momentum=0.3), {}),
    ("nadam:lr=0.01,weight_decay=0.5,decoupled_weight_decay", "NAdamRef", dict(lr=0.01),
     {"decoupled": 0.5}),
    ("radam:lr=0.01,weight_decay=0.5", "RAdam", dict(lr=0.01, weight_decay=0.5), {}),
]


def make_opt(cls, groups, ctor):
    if cls == "NAdamRef":
        # ReferenceNAdam takes flat params; groups differ only by weight_decay.
        class Multi:
            def __init__(self, gs):
                self.opts = [ReferenceNAdam(g["params"], **{k: v for k, v in g.items() if k != "params"})
                             for g in gs if g["params"]]

            def step(self):
                for o in self.opts:
                    o.step()
        return Multi(groups)
    # The constructor gets the hyperparameters too: torch 1.13 Adagrad reads
    # initial_accumulator_value from its constructor argument, not the group.
    return getattr(torch.optim, cls)(groups, **ctor)


def run(problem, grad_fn, spec, cls, kwargs, emul, mask, perturb=0.0):
    n = problem["n"]
    ps = [torch.tensor([v * (1.0 + perturb)], dtype=torch.float64, requires_grad=True)
          for v in problem["x0"]]
    mask = mask or [1] * n
    wd = kwargs.get("weight_decay", None)
    dec = [p for p, m in zip(ps, mask) if m]
    nodec = [p for p, m in zip(ps, mask) if not m]
    base = {k: v for k, v in kwargs.items() if k != "weight_decay"}
    groups = [dict(params=dec, **base)]
    if wd is not None:
        groups[0]["weight_decay"] = wd
    if nodec:
        groups.append(dict(params=nodec, weight_decay=0.0, **base))
    groups = [g for g in groups if g["params"]]
    opt = make_opt(cls, groups, base)
    lr = kwargs.get("lr", None)
    if lr is None:
        lr = {"Adadelta": 1.0, "NAdamRef": 2e-3}.get(cls, 1e-3)
    maximize = kwargs.get("maximize", False) or emul.get("maximize", False)
    traj = []
    for _ in range(STEPS):
        x = [p.item() for p in ps]
        g = grad_fn(x)
        if maximize:
            g = [-v for v in g]  # maximize -f: the C test feeds the gradient of -f too
        if emul.get("maximize"):
            g = [-v for v in g]  # emulated maximize: step on the negated gradient
        for p, gi in zip(ps, g):
            p.grad = torch.tensor([gi], dtype=torch.float64)
        if "decoupled" in emul:
            with torch.no_grad():
                for p, m in zip(ps, mask):
                    if m:
                        p.mul_(1.0 - lr * emul["decoupled"])
        opt.step()
        traj.append([p.item() for p in ps])
    for row in traj:
        for v in row:
            if not math.isfinite(v):
                sys.exit("%s on %s diverged" % (spec, problem["name"]))
    return traj


def fmt(v):
    return "%.17g" % v


def write_problem(path, problem, grad_fn, configs, masked):
    lines = ["# PyTorch %s reference trajectories (scripts/ref/optim_ref.py); float64." % torch.__version__,
             "# After each config line: x after steps 1..%d, one row per step." % STEPS,
             "# 'maximize' configs are run on -f (the test feeds the gradient of -f).",
             "problem %s" % problem["name"], "n %d" % problem["n"], "steps %d" % STEPS,
             "x0 " + " ".join(fmt(v) for v in problem["x0"])]
    for key in ("d", "c"):
        if key in problem:
            lines.append(key + " " + " ".join(fmt(v) for v in problem[key]))
    runs = [(c, None) for c in configs] + [(c, MASK) for c in masked]
    for (spec, cls, kw, emul), mask in runs:
        traj = run(problem, grad_fn, spec, cls, kw, emul, mask)
        # A trajectory is only a fair reference if rounding-level differences
        # (FMA contraction, operation order) stay small along it: start 1e-13
        # away and require the paths to stay within 1e-9 relative.
        other = run(problem, grad_fn, spec, cls, kw, emul, mask, perturb=1e-13)
        drift = max(abs(a - b) / max(abs(b), 1e-9) for ra, rb in zip(traj, other) for a, b in zip(ra, rb))
        if drift > 1e-7:
            sys.exit("%s on %s is too sensitive to rounding (drift %.3g): pick another config"
                     % (spec, problem["name"], drift))
        head = "config " + spec
        if mask:
            head += " mask " + "".join(str(m) for m in mask)
        lines.append(head)
        lines.extend(" ".join(fmt(v) for v in row) for row in traj)
    lines.append("end")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ----------------------------------------------------------------- schedules

BASE_LR = 0.1
LRS = torch.optim.lr_scheduler


def plateau_metrics(n):
    """A scripted loss: falls, then stalls with small wiggles, falls again, stalls."""
    out = []
    for t in range(n):
        if t < 15:
            v = 1.0 / (1.0 + t)
        elif t < 40:
            v = 0.0625 * (1.0 + 0.002 * ((t * 7) % 5))
        elif t < 50:
            v = 0.0625 * 0.9 ** (t - 39)
        else:
            v = 0.0625 * 0.9 ** 10 * (1.0 + 0.001 * ((t * 3) % 4))
        out.append(v)
    return out


def sched_seq(spec, n, build, metrics=None):
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=BASE_LR)
    sched = build(opt)
    lrs = []
    for t in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        p.grad = torch.zeros(1, dtype=torch.float64)
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[t])
    return lrs


def warm(sf, w, main):
    def build(opt):
        a = LRS.LinearLR(opt, start_factor=sf, end_factor=1.0, total_iters=w)
        if main is None:
            return a
        b = main(opt)
        return LRS.SequentialLR(opt, [a, b], milestones=[w])
    return build


SCHEDULES = [
    ("step:step_size=7,gamma=0.5", 40, lambda o: LRS.StepLR(o, step_size=7, gamma=0.5), False),
    ("multistep:milestones=5;12;20,gamma=0.3", 30,
     lambda o: LRS.MultiStepLR(o, milestones=[5, 12, 20], gamma=0.3), False),
    ("exp:gamma=0.95", 60, lambda o: LRS.ExponentialLR(o, gamma=0.95), False),
    ("cosine:T=30,eta_min=0.001", 75, lambda o: LRS.CosineAnnealingLR(o, T_max=30, eta_min=0.001), False),
    ("cosine:T_max=17", 17, lambda o: LRS.CosineAnnealingLR(o, T_max=17), False),
    ("cosine-restarts:T0=5,Tmult=2,eta_min=0.01", 80,
     lambda o: LRS.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01), False),
    ("cosine-restarts:T0=7", 40, lambda o: LRS.CosineAnnealingWarmRestarts(o, T_0=7), False),
    ("warmup:steps=10", 30, warm(1.0 / 3.0, 10, None), False),
    ("warmup:steps=10,start_factor=0.1+cosine:T=40", 60,
     warm(0.1, 10, lambda o: LRS.CosineAnnealingLR(o, T_max=40)), False),
    ("warmup:steps=5+step:step_size=4,gamma=0.5", 30,
     warm(1.0 / 3.0, 5, lambda o: LRS.StepLR(o, step_size=4, gamma=0.5)), False),
    ("onecycle:max_lr=0.5,total=60", 60,
     lambda o: LRS.OneCycleLR(o, max_lr=0.5, total_steps=60, cycle_momentum=False), False),
    ("onecycle:max_lr=1,total=101,pct_start=0.25,div_factor=10,final_div_factor=100", 101,
     lambda o: LRS.OneCycleLR(o, max_lr=1.0, total_steps=101, pct_start=0.25, div_factor=10.0,
                              final_div_factor=100.0, cycle_momentum=False), False),
    ("plateau:factor=0.5,patience=3,threshold=0.01", 70,
     lambda o: LRS.ReduceLROnPlateau(o, factor=0.5, patience=3, threshold=0.01), True),
    ("plateau:factor=0.1,patience=2,cooldown=2,min_lr=0.002", 70,
     lambda o: LRS.ReduceLROnPlateau(o, factor=0.1, patience=2, cooldown=2, min_lr=0.002), True),
]


def write_schedules(path):
    lines = ["# PyTorch %s lr_scheduler reference (scripts/ref/optim_ref.py)." % torch.__version__,
             "# 'schedule SPEC base LR steps N', then for plateau 'metrics ...' (passed to",
             "# step(metric) after step t), then 'lr ...': the lr of optimizer steps 0..N-1.",
             "# Warm-ups are SequentialLR([LinearLR, main], milestones=[W])."]
    for spec, n, build, plateau in SCHEDULES:
        metrics = plateau_metrics(n) if plateau else None
        lrs = sched_seq(spec, n, build, metrics)
        lines.append("schedule %s base %s steps %d" % (spec, fmt(BASE_LR), n))
        if metrics:
            lines.append("metrics " + " ".join(fmt(v) for v in metrics))
        lines.append("lr " + " ".join(fmt(v) for v in lrs))
    lines.append("end")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ------------------------------------------------- defaults and clipping

DEFAULT_KEYS = {
    "SGD": ("sgd", ["momentum", "dampening", "weight_decay", "nesterov"]),
    "Adagrad": ("adagrad", ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"]),
    "RMSprop": ("rmsprop", ["lr", "alpha", "eps", "weight_decay", "momentum", "centered"]),
    "Adadelta": ("adadelta", ["lr", "rho", "eps", "weight_decay"]),
    "Adam": ("adam", ["lr", "betas", "eps", "weight_decay", "amsgrad"]),
    "AdamW": ("adamw", ["lr", "betas", "eps", "weight_decay", "amsgrad"]),
    "NAdam": ("nadam", ["lr", "betas", "eps", "weight_decay", "momentum_decay"]),
    "RAdam": ("radam", ["lr", "betas", "eps", "weight_decay"]),
}


def write_defaults(path):
    """torch.optim's constructor defaults (SGD's lr is required in torch 1.13)."""
    lines = ["# torch.optim %s constructor defaults (scripts/ref/optim_ref.py)." % torch.__version__,
             "# 'defaults NAME key value ...'; betas are written as beta1 and beta2."]
    for cls, (name, keys) in DEFAULT_KEYS.items():
        p = torch.zeros(1, requires_grad=True)
        kw = {"lr": 0.5} if cls == "SGD" else {}
        d = getattr(torch.optim, cls)([p], **kw).defaults
        items = []
        for k in keys:
            v = d[k]
            if k == "betas":
                items += ["beta1", fmt(v[0]), "beta2", fmt(v[1])]
            else:
                items += [k, fmt(float(v))]
        lines.append("defaults %s %s" % (name, " ".join(items)))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


CLIP_CASES = [
    ([3.0, -4.0], 1.0),
    ([3.0, -4.0], 5.0),        # norm 5 + 1e-6 > max_norm: still scaled, by 5/(5+1e-6)
    ([3.0, -4.0], 10.0),       # below the limit: unchanged
    ([0.0, 0.0, 0.0], 1.0),    # zero gradient
    ([1e-3, 2e-3, -5e-4, 7e-3], 1e-3),
    ([0.25, -8.0, 3.5, 1.0, -0.125, 6.0], 2.5),
]


def write_clip(path):
    """torch.nn.utils.clip_grad_norm_ (L2) and clip_grad_value_ in float64."""
    lines = ["# torch %s clip_grad_norm_ / clip_grad_value_ reference (scripts/ref/optim_ref.py)." % torch.__version__,
             "# 'norm MAX n g...' then 'returned NORM' and 'clipped g...';",
             "# 'value CLIP n g...' then 'clipped g...'."]
    for g, mx in CLIP_CASES:
        p = torch.zeros(len(g), dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(g, dtype=torch.float64)
        norm = torch.nn.utils.clip_grad_norm_([p], mx).item()
        lines.append("norm %s %d %s" % (fmt(mx), len(g), " ".join(fmt(v) for v in g)))
        lines.append("returned %s" % fmt(norm))
        lines.append("clipped " + " ".join(fmt(v) for v in p.grad.tolist()))
    for g, c in [([0.5, -2.0, 3.0, -0.1], 1.0), ([1e-3, -1e-3, 5.0], 2e-3)]:
        p = torch.zeros(len(g), dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(g, dtype=torch.float64)
        torch.nn.utils.clip_grad_value_([p], c)
        lines.append("value %s %d %s" % (fmt(c), len(g), " ".join(fmt(v) for v in g)))
        lines.append("clipped " + " ".join(fmt(v) for v in p.grad.tolist()))
    lines.append("end")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    import warnings
    warnings.filterwarnings("ignore")
    torch.set_default_dtype(torch.float64)
    os.makedirs(OUT, exist_ok=True)
    check_reference_nadam()
    write_problem(os.path.join(OUT, "traj_rosenbrock.txt"), ROSEN, rosen_grad, CONFIGS, [])
    write_problem(os.path.join(OUT, "traj_quadratic.txt"), QUAD, quad_grad, QUAD_CONFIGS, MASKED)
    write_schedules(os.path.join(OUT, "schedules.txt"))
    write_defaults(os.path.join(OUT, "defaults.txt"))
    write_clip(os.path.join(OUT, "clip.txt"))


if __name__ == "__main__":
    main()
