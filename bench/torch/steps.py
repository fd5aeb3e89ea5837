# bench/torch/steps.py — PyTorch 1.13 training steps on one thread, for bench/vs-torch.mjs.
#   /usr/bin/python3 bench/torch/steps.py mlp SECONDS
#   /usr/bin/python3 bench/torch/steps.py diffractive GRID N WAVELENGTH_MM PITCH_MM DISTANCE_MM SECONDS
# mlp: the 784-128-10 ReLU MLP, softmax cross-entropy, Adam(lr 2e-3), batch 32 (what
#   examples/mnist_mlp.pnn trains). diffractive: one trainable phase mask between two
#   angular-spectrum propagations of an N×N field zero-padded to a GRID×GRID window (N² inputs,
#   (GRID − N)/2 samples of padding per side, as freespace.propagate(method: angular_spectrum,
#   pad: …); bench/vs-torch.mjs picks a window in which that is exact, so the band limit cuts
#   nothing and H is the plain transfer function), 10 detector regions of 2×2 pixels laid out as
#   pnn's detectorLayout (compiler/lower/layers/freespace.ts), softmax cross-entropy, Adam(lr
#   0.05), batch 32 — the network bench/vs-torch.mjs builds in pnn.
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


def detector_layout(h, w, classes, size):
    """Top-left corners of the detector regions, as pnn's detectorLayout."""
    per_row = math.ceil(math.sqrt(classes))
    rows = math.ceil(classes / per_row)
    cell_w, cell_h = w // per_row, h // rows
    y0 = (h - rows * cell_h) // 2
    out = []
    for i in range(classes):
        row, col = i // per_row, i % per_row
        in_row = min(per_row, classes - row * per_row)
        x0 = (w - in_row * cell_w) // 2
        out.append((y0 + row * cell_h + (cell_h - size) // 2, x0 + col * cell_w + (cell_w - size) // 2))
    return out


def diffractive(grid, n, lam_mm, dx_mm, z_mm):
    lam, dx, z = lam_mm * 1e-3, dx_mm * 1e-3, z_mm * 1e-3
    pad = (grid - n) // 2
    f = torch.fft.fftfreq(grid, d=dx, dtype=torch.float64)
    fy, fx = torch.meshgrid(f, f, indexing="ij")
    s = 1 / lam**2 - fx**2 - fy**2
    kz = 2 * math.pi * torch.sqrt(torch.clamp(s, min=0))
    H = torch.where(s > 0, torch.exp(1j * kz * z), torch.zeros((), dtype=torch.complex128)).to(torch.complex64)
    regions = torch.zeros(n * n, 10)
    for k, (top, left) in enumerate(detector_layout(n, n, 10, 2)):
        for yy in range(top, top + 2):
            for xx in range(left, left + 2):
                regions[yy * n + xx, k] = 1
    phase = torch.nn.Parameter(2 * math.pi * torch.rand(n, n))
    opt = torch.optim.Adam([phase], lr=0.05)
    x = torch.rand(B, n * n)
    y = torch.randint(0, 10, (B,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def propagate(u):
        p = torch.nn.functional.pad(u, (pad, pad, pad, pad))
        return torch.fft.ifft2(torch.fft.fft2(p) * H)[:, pad:pad + n, pad:pad + n]

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
        grid, n, lam, dx, z = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
        ms = measure(diffractive(grid, n, lam, dx, z), float(sys.argv[7]))
    print(json.dumps({"ms_per_step": ms, "threads": torch.get_num_threads(), "torch": torch.__version__}))
