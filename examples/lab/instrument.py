#!/usr/bin/env python3
"""A simulated optical instrument that speaks pnn's device protocol (docs/hardware.md).

The chip: 12 modes (--modes), amplitude encoding, a Clements MZI mesh, a saturable absorber, a second
mesh, 12 photodetectors -- the physics of pnn's std/optics, in the same conventions
(docs/physics-optics.md), so pnn's twin is a good model of it, but not a perfect one. What the
twin does not know:
  - fabrication error: a static phase error on every phase shifter, N(0, sigma), drawn from
    --seed (or read from --errors FILE, a JSON object {"error1": [...], "error2": [...]});
  - per-shot detector noise: N(0, --noise) on every intensity of every query;
  - slow drift: after every query each phase error takes a random-walk step of
    --drift * sqrt(rows / 1000) rad (the chip warms up, the fibre moves).
Stdlib only. Serves JSON lines on stdin/stdout, or TCP with --tcp PORT (127.0.0.1).
--reveal FILE writes the hidden phase errors at start (to grade a calibration).
"""
import argparse, cmath, json, math, random, sys, threading

def clements(n):
    """Columns (offset, count) of a Clements mesh: column c couples pairs from c % 2."""
    return [(c % 2, (n - c % 2) // 2) for c in range(n)]


def mesh(field, phases):
    """An MZI mesh on a list of complex amplitudes; phases column by column, (theta, phi) per MZI:
    T = [[e^{i phi}(e^{i theta} - 1)/2, i e^{i phi}(e^{i theta} + 1)/2], [i(e^{i theta} + 1)/2, (1 - e^{i theta})/2]]."""
    f = list(field)
    p = 0
    for offset, count in clements(len(f)):
        for m in range(count):
            top, bot = offset + 2 * m, offset + 2 * m + 1
            t, ph = cmath.exp(1j * phases[p]), cmath.exp(1j * phases[p + 1])
            a, b = f[top], f[bot]
            f[top] = ph * ((0.5 * t - 0.5) * a + 1j * (0.5 * t + 0.5) * b)
            f[bot] = 1j * (0.5 * t + 0.5) * a + (0.5 - 0.5 * t) * b
            p += 2
    return f


def absorber(field, depth=2.0, i_sat=0.5):
    """Saturable absorption: E exp(-depth / (2 (1 + |E|^2 / i_sat)))."""
    return [e * math.exp(-depth / (2 * (1 + abs(e) ** 2 / i_sat))) for e in field]


class Chip:
    def __init__(self, modes, errors, noise, drift, rng):
        self.modes, self.errors, self.noise, self.drift, self.rng = modes, errors, noise, drift, rng
        self.lock = threading.Lock()  # one chip, however many connections

    def forward(self, x, p1, p2):
        with self.lock:
            return self.measure(x, p1, p2)

    def measure(self, x, p1, p2):
        e1, e2 = self.errors["error1"], self.errors["error2"]
        q1 = [p + e for p, e in zip(p1, e1)]
        q2 = [p + e for p, e in zip(p2, e2)]
        y = []
        for row in x:
            f = mesh(absorber(mesh([complex(v) for v in row], q1)), q2)
            y.append([abs(e) ** 2 + self.noise * self.rng.gauss(0, 1) for e in f])
        if self.drift > 0:
            step = self.drift * math.sqrt(len(x) / 1000)
            for k in ("error1", "error2"):
                self.errors[k] = [e + step * self.rng.gauss(0, 1) for e in self.errors[k]]
        return y


def reply_to(chip, req):
    if req["op"] == "info":
        n = chip.modes
        return {"inputs": [n], "outputs": [n], "params": {"phases1": [n * (n - 1)], "phases2": [n * (n - 1)]}}
    if req["op"] == "forward":
        p = req["params"]
        return {"y": chip.forward(req["x"], p["phases1"], p["phases2"])}
    raise ValueError("unknown op %r" % req.get("op"))


def serve(chip, lines, write):
    for line in lines:
        req = json.loads(line)
        try:
            reply = reply_to(chip, req)
        except Exception as e:
            reply = {"error": "%s: %s" % (type(e).__name__, e)}
        reply["id"] = req["id"]
        write(json.dumps(reply) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modes", type=int, default=12, help="modes of the chip")
    ap.add_argument("--seed", type=int, default=7, help="draws the hidden phase errors and the noise")
    ap.add_argument("--sigma", type=float, default=0.1, help="std of the static phase errors (rad)")
    ap.add_argument("--errors", help="JSON file with the static phase errors instead of drawing them")
    ap.add_argument("--noise", type=float, default=0.01, help="std of the per-shot detector noise")
    ap.add_argument("--drift", type=float, default=0.0, help="phase drift (rad) per 1000 rows, a random walk")
    ap.add_argument("--tcp", type=int, help="serve on 127.0.0.1:PORT instead of stdin/stdout")
    ap.add_argument("--reveal", help="write the hidden phase errors to this JSON file")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    if a.errors:
        with open(a.errors) as f:
            errors = json.load(f)
    else:
        errors = {k: [rng.gauss(0, a.sigma) for _ in range(a.modes * (a.modes - 1))] for k in ("error1", "error2")}
    if a.reveal:
        with open(a.reveal, "w") as f:
            json.dump(errors, f)
    chip = Chip(a.modes, errors, a.noise, a.drift, rng)
    if a.tcp:
        import socketserver

        class Connection(socketserver.StreamRequestHandler):
            def handle(self):
                serve(chip, (l.decode() for l in self.rfile), lambda s: (self.wfile.write(s.encode()), self.wfile.flush()))

        socketserver.ThreadingTCPServer.allow_reuse_address = socketserver.ThreadingTCPServer.daemon_threads = True
        with socketserver.ThreadingTCPServer(("127.0.0.1", a.tcp), Connection) as server:
            print("listening on 127.0.0.1:%d" % a.tcp, file=sys.stderr, flush=True)
            server.serve_forever()
    else:
        serve(chip, sys.stdin, lambda s: (sys.stdout.write(s), sys.stdout.flush()))


if __name__ == "__main__":
    main()
