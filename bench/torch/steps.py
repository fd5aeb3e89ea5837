# bench/torch/steps.py — PyTorch 1.13 training steps on one thread, for bench/vs-torch.mjs.
#   /usr/bin/python3 bench/torch/steps.py mlp SECONDS
#   /usr/bin/python3 bench/torch/steps.py diffractive GRID SECONDS
# mlp: the 784-128-10 ReLU MLP, softmax cross-entropy, Adam(lr 2e-3), batch 32 (what
#   examples/mnist_mlp.pnn trains). diffractive: one trainable phase mask between two
#   angular-spectrum propagations on a zero-padded GRID×GRID field ((GRID−2)² inputs, one pixel
#   of padding per side, as freespace.propagate(pad: 1)), 10 detector regions of 2×2 pixels,
#   softmax cross-entropy, Adam(lr 0.05), batch 32 — the network bench/vs-torch.mjs builds in pnn.
# Random data (timing only). Prints one JSON line: {"ms_per_step": median over 0.25 s windows, …}.
import json, math, sys, time
import torch

torch.set_num_threads(1)
torch.manual_seed(1)
B = 32


def mlp():
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    x = torch.rand(B, 784)
    y = torch.randint(0, 10, (B,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def diffractive(grid):
    n = grid - 2
    lam, dx, z = 0.75e-3, 0.4e-3, 3e-3
    f = torch.fft.fftfreq(grid, d=dx, dtype=torch.float64)
    fy, fx = torch.meshgrid(f, f, indexing="ij")
    s = 1 / lam**2 - fx**2 - fy**2
    kz = 2 * math.pi * torch.sqrt(torch.clamp(s, min=0))
    H = torch.where(s > 0, torch.exp(1j * kz * z), torch.zeros((), dtype=torch.complex128)).to(torch.complex64)
    regions = torch.zeros(n * n, 10)
    for k in range(10):
        top, left = 2 + 3 * (k // 5), 2 + 3 * (k % 5)
        for yy in range(top, top + 2):
            for xx in range(left, left + 2):
                regions[yy * n + xx, k] = 1
    phase = torch.nn.Parameter(2 * math.pi * torch.rand(n, n))
    opt = torch.optim.Adam([phase], lr=0.05)
    x = torch.rand(B, n * n)
    y = torch.randint(0, 10, (B,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def propagate(u):
        p = torch.nn.functional.pad(u, (1, 1, 1, 1))
        return torch.fft.ifft2(torch.fft.fft2(p) * H)[:, 1:-1, 1:-1]

    def step():
        opt.zero_grad()
        u = torch.complex(x, torch.zeros_like(x)).reshape(B, n, n)
        u = propagate(u) * torch.exp(1j * phase)
        u = propagate(u)
        scores = (u.real**2 + u.imag**2).reshape(B, n * n) @ regions
        loss = loss_fn(scores, y)
        loss.backward()
        opt.step()
    return step


def measure(step, seconds):
    for _ in range(5):
        step()
    windows = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0, k = time.perf_counter(), 0
        while time.perf_counter() - t0 < 0.25:
            step()
            k += 1
        windows.append(1000 * (time.perf_counter() - t0) / k)
    windows.sort()
    return windows[len(windows) // 2]


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "mlp":
        ms = measure(mlp(), float(sys.argv[2]))
    else:
        ms = measure(diffractive(int(sys.argv[2])), float(sys.argv[3]))
    print(json.dumps({"ms_per_step": ms, "threads": torch.get_num_threads(), "torch": torch.__version__}))
