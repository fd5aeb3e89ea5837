// Shared helpers for the hardware tests (docs/hardware.md): the Python the device examples run on,
// the example and misbehaving devices, small networks with an external layer, free TCP ports,
// servers started (and always stopped) by a test, and whether a process is still alive.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { REPO } from "../train/helpers.js";

/** The Python the examples use (stdlib only). Tests that need it skip loudly when it is absent. */
export const PYTHON = "/usr/bin/python3";
export const HAS_PYTHON = fs.existsSync(PYTHON);
if (!HAS_PYTHON) console.warn(`hardware tests: ${PYTHON} not found; the tests with a Python device are SKIPPED`);

export const TANH_PY = path.join(REPO, "examples/devices/tanh_device.py");
export const TANH_MJS = path.join(REPO, "examples/devices/tanh_device.mjs");
export const FAULTY = path.join(REPO, "test/hardware/faulty_device.py");
export const INSTRUMENT = path.join(REPO, "examples/lab/instrument.py");

/** The tanh device's layer (its twin knows no offsets) in a small iris classifier. */
export function tanhNet(external: string, o: { rule?: string; epochs?: number; twin?: string; extra?: string } = {}): string {
  return `layer Box(n: int) {
  param w: real[n] init uniform(0.5, 1.5)
  device offset: real[n] ~ normal(0, 0.2)
  external ${external}
  forward(x: real[n]) -> real[n] = ${o.twin ?? "tanh(x * w + offset)"}
}

network N {
  input x: real[4]
  h = x |> Box(n: 4)
  output y = dense(h, 3)
}

train N on iris() {
  rule = ${o.rule ?? "physics_aware"}
  optimizer = adam(lr: 0.05)
  epochs = ${o.epochs ?? 3}
  batch = 16
${o.extra ?? ""}}
`;
}

/** The example lab's optical chip on `modes` modes (docs/hardware.md), classifying iris (4 modes) or vowels (12). */
export function labNet(external: string, o: { modes?: number; noise?: number; rule?: string; epochs?: number; seed?: number } = {}): string {
  const n = o.modes ?? 4;
  return `import optics from "std/optics"

layer OpticalChip(n: int) {
  param phases1: real[n * (n - 1)] init uniform(0, 2 * pi)
  param phases2: real[n * (n - 1)] init uniform(0, 2 * pi)
  device error1: real[n * (n - 1)] ~ normal(0 rad, 0.1 rad)
  device error2: real[n * (n - 1)] ~ normal(0 rad, 0.1 rad)
  external ${external}
  forward(x: real[n]) -> real[n] = x
    |> optics.amplitude_encode
    |> optics.mzi_mesh(phases1 + error1, topology: clements)
    |> optics.saturable_absorber(optical_depth: 2.0, i_sat: 0.5)
    |> optics.mzi_mesh(phases2 + error2, topology: clements)
    |> optics.photodetect(noise: ${o.noise ?? 0})
}

network Lab {
  input x: real[${n}]
  out = x |> OpticalChip(n: ${n})
  output y = out |> take(${n === 12 ? 7 : 3}) |> gain
}

train Lab on ${n === 12 ? "vowels" : "iris"}() {
  rule = ${o.rule ?? "physics_aware"}
  optimizer = adam(lr: 0.02)
  epochs = ${o.epochs ?? 3}
  batch = 16
  seed = ${o.seed ?? 1}
}
`;
}

/** A TCP port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a device server and waits until it accepts connections; stop() kills it and waits. */
export async function startServer(command: string, args: readonly string[], port: number, cwd = REPO): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(command, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => (s.end(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`device server ${command} ${args.join(" ")} did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/** True while the process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Pids a device wrote with --pid FILE. */
export function pidsIn(file: string): number[] {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number) : [];
}
