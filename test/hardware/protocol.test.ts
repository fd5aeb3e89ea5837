// The device protocol (docs/hardware.md) piece by piece: reading replies (every way one can be
// wrong says exactly what), checking `info` against the twin, command lines and addresses, device
// logs read back as written, and the client against the example devices in Python and Node over
// stdio and TCP — values, a device that does not match its twin (PNN6033), a spent budget
// (PNN6032), retries that restart a crashed device, and every device program stopped at the end.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../diagnostics/catalog.js";
import { fileSpan } from "../../diagnostics/span.js";
import { DeviceClient } from "../../runtime/device/client.js";
import { symmetricEigen } from "../../runtime/device/eigen.js";
import { DeviceHub } from "../../runtime/device/hub.js";
import { DeviceLogWriter, rawField, readDeviceLog } from "../../runtime/device/log.js";
import { infoMismatches, parseReply, ProtocolProblem, replyRows } from "../../runtime/device/protocol.js";
import { firstDifference } from "../../runtime/device/replay.js";
import { splitCommand } from "../../runtime/device/transport.js";
import { parseAddress, type DeviceAddress, type DeviceSpec } from "../../runtime/device/types.js";
import { Stream } from "../../runtime/rng.js";
import { alive, FAULTY, freePort, HAS_PYTHON, pidsIn, PYTHON, startServer, TANH_MJS, TANH_PY } from "./helpers.js";

const B = [0.3, -0.2, 0.1, 0.25];

function spec(address: DeviceAddress, o: Partial<DeviceSpec["options"]> = {}, shapes: Partial<Pick<DeviceSpec, "inputs" | "outputs" | "params">> = {}): DeviceSpec {
  return {
    name: "Box",
    instance: "h.Box",
    inputs: [4],
    outputs: [4],
    params: [{ name: "w", path: "h.Box.w", shape: [4] }],
    ...shapes,
    address,
    options: { timeout: 5, retries: 0, budget: null, ...o },
    where: fileSpan("test.pnn"),
  };
}

const stdio = (command: string): DeviceAddress => ({ kind: "stdio", command, cwd: process.cwd() });
const problem = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolProblem);
    return (e as Error).message;
  }
  throw new Error("expected a protocol problem");
};
const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof UserError) return `${e.diagnostic.code}: ${e.diagnostic.message}`;
    throw e;
  }
  return "no error";
};

describe("replies are read completely before anything uses them", () => {
  it("a line that is not JSON, an object without an id, and NaN/Infinity each say what is wrong", () => {
    expect(problem(() => parseReply("#### limit switch"))).toContain('not JSON: "#### limit switch"');
    expect(problem(() => parseReply('{"id": 1, "y": [[NaN]]}'))).toContain("holds NaN, which is not a JSON number");
    expect(problem(() => parseReply('{"id": 1, "y": [[-Infinity]]}'))).toContain("-Infinity");
    expect(problem(() => parseReply("[1, 2]"))).toContain("not a JSON object");
    expect(problem(() => parseReply('{"y": []}'))).toContain("no request id");
    expect(parseReply('{"id": 3, "y": [[1]]}').id).toBe(3);
  });

  it("rows: their count, their width and every value is checked", () => {
    expect(problem(() => replyRows({ y: [[1, 2]] }, 2, 2))).toBe("the reply has 1 rows of y for 2 rows of x");
    expect(problem(() => replyRows({ y: [[1, 2], [3]] }, 2, 2))).toBe("y[1] has 1 values; the twin's output has 2");
    expect(problem(() => replyRows({ y: [[1, null]] }, 1, 2))).toBe("y[0][1] is null, not a finite number");
    expect(problem(() => replyRows({ y: [[1, "2"]] }, 1, 2))).toContain('y[0][1] is "2"');
    expect(problem(() => replyRows({ z: 1 }, 1, 2))).toContain('no "y" rows');
    expect(Array.from(replyRows({ y: [[1, 2], [3, 4]] }, 2, 2))).toEqual([1, 2, 3, 4]);
  });

  it("info is compared with the twin: shapes, and every parameter both ways", () => {
    const s = spec(stdio("x"));
    expect(infoMismatches({ inputs: [4], outputs: [4], params: { w: [4] } }, s)).toEqual([]);
    const got = infoMismatches({ inputs: [5], outputs: [4], params: { w: [2], v: [1] } }, s);
    expect(got.join("\n")).toContain("its inputs are [5] but the twin's forward takes [4] per row");
    expect(got.join("\n")).toContain("its parameter 'w' is [2] but the twin's is [4]");
    expect(got.join("\n")).toContain("a parameter 'v' that the twin's layer does not have");
    expect(infoMismatches({ inputs: [4], outputs: [4], params: {} }, s)).toEqual(["it takes no parameter 'w' (the twin's is [4])"]);
  });
});

describe("addresses, command lines and logs", () => {
  it("a command line splits like a shell's words, without a shell", () => {
    expect(splitCommand(`python3 "my dev.py" --name 'a b' c\\ d`)).toEqual(["python3", "my dev.py", "--name", "a b", "c d"]);
    expect(splitCommand("python3 'open")).toContain("unclosed");
    expect(splitCommand("   ")).toBe("the command is empty");
  });

  it("stdio:, tcp: and replay: addresses; anything else says what to write", () => {
    expect(parseAddress("tcp:127.0.0.1:7000", "/")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 7000 });
    expect(parseAddress("tcp:[::1]:7000", "/")).toEqual({ kind: "tcp", host: "::1", port: 7000 });
    expect(parseAddress("stdio:python3 x.py", "/d")).toEqual({ kind: "stdio", command: "python3 x.py", cwd: "/d" });
    expect(parseAddress("replay:run.jsonl", "/")).toEqual({ kind: "replay", file: "run.jsonl" });
    expect(parseAddress("tcp:localhost", "/")).toContain("HOST:PORT");
    expect(parseAddress("tcp:h:99999", "/")).toContain("out of range");
    expect(parseAddress("udp:x", "/")).toContain("stdio:COMMAND, tcp:HOST:PORT or replay:FILE");
  });

  it("a log reads back exactly what was written, whatever the parameters are called", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pnn-log-")), "d.jsonl");
    const w = new DeviceLogWriter(file);
    w.connected("Box", "h.Box", "stdio:x", '{"inputs":[1],"outputs":[1],"params":{"y":[1]}}');
    w.query("Box", 0, 1.5, "[[0.1]]", '{"y":[2]}', "[[0.30000000000000004]]");
    w.failed("Box", 1, 2, "no reply within 1 s");
    w.query("Box", 1, 1, "[[-0]]", '{"y":[3]}', "[[1e-300]]");
    w.close();
    const d = readDeviceLog(file).get("Box")!;
    expect(d.info).toEqual({ inputs: [1], outputs: [1], params: { y: [1] } });
    expect(d.queries.map((q) => [q.xText, q.paramsText, q.yText])).toEqual([
      ["[[0.1]]", '{"y":[2]}', "[[0.30000000000000004]]"],
      ["[[-0]]", '{"y":[3]}', "[[1e-300]]"],
    ]);
    expect(rawField('{"a":"[x]","x":[1,[2]],"b":1}', "x")).toBe("[1,[2]]");
    expect(firstDifference("[[1,2],[3,4]]", "[[1,2],[3,5]]")).toBe("[1][1] is 4; the log has 5");
  });

  it("Jacobi eigen: A V = V Λ for a random symmetric matrix, eigenvalues descending", () => {
    const n = 12, rng = new Stream(3, 1);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const { values, vectors } = symmetricEigen(a, n);
    for (let k = 1; k < n; k++) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[j * n + k]!;
        worst = Math.max(worst, Math.abs(av - values[k]! * vectors[i * n + k]!));
      }
    expect(worst).toBeLessThan(1e-10);
  });
});

describe.skipIf(!HAS_PYTHON)("the client against real device programs", () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const s of stops) await s();
  });
  const x = Float64Array.from([0.5, -1, 2, 0, 1, 1, 1, 1]);
  const expected = (w: number[]) => Array.from(x, (v, i) => Math.tanh(w[i % 4]! * v + B[i % 4]!));
  const w = [1, 0.5, 2, -1];

  for (const [name, address] of [
    ["Python over stdio", () => Promise.resolve(stdio(`${PYTHON} ${TANH_PY}`))],
    ["Node over stdio", () => Promise.resolve(stdio(`${process.execPath} ${TANH_MJS}`))],
    ["Python over TCP", async () => {
      const port = await freePort();
      const s = await startServer(PYTHON, [TANH_PY, String(port)], port);
      stops.push(s.stop);
      return { kind: "tcp", host: "127.0.0.1", port } as DeviceAddress;
    }],
    ["Node over TCP", async () => {
      const port = await freePort();
      const s = await startServer(process.execPath, [TANH_MJS, String(port)], port);
      stops.push(s.stop);
      return { kind: "tcp", host: "127.0.0.1", port } as DeviceAddress;
    }],
  ] as const)
    it(`${name}: info checks out, forward returns the device's values, rows are counted`, async () => {
      const c = new DeviceClient(spec(await address()), undefined);
      try {
        await c.open();
        const y = await c.forward(x, 2, [{ name: "w", values: w }]);
        const want = expected(w);
        for (let i = 0; i < want.length; i++) expect(y[i]).toBeCloseTo(want[i]!, 12);
        expect(c.spent).toBe(2);
      } finally {
        await c.close();
      }
    });

  it("a device that does not match its twin is PNN6033, naming every difference", async () => {
    const c = new DeviceClient(spec(stdio(`${PYTHON} ${TANH_PY}`), {}, { inputs: [5], params: [{ name: "gain", path: "h.Box.gain", shape: [4] }] }), undefined);
    const msg = await codeOf(c.open());
    await c.close();
    expect(msg).toMatch(/^PNN6033: device Box \(stdio:.*tanh_device.py\): it does not match its twin/);
    expect(msg).toContain("its inputs are [4] but the twin's forward takes [5] per row");
    expect(msg).toContain("it takes no parameter 'gain'");
  });

  it("the query budget: rows over the run, PNN6032 before the query that would pass it", async () => {
    const c = new DeviceClient(spec(stdio(`${PYTHON} ${TANH_PY}`), { budget: 5 }), undefined);
    try {
      await c.forward(x, 2, [{ name: "w", values: w }]);
      await c.forward(x, 2, [{ name: "w", values: w }]);
      expect(await codeOf(c.forward(x, 2, [{ name: "w", values: w }]))).toContain("PNN6032: device Box (stdio:");
      expect(c.spent).toBe(4);
    } finally {
      await c.close();
    }
  });

  it("retries: a crashed device is started again and the query answered; a device-side error is asked again", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-retry-"));
    for (const fault of ["crash", "error", "hang"]) {
      const pids = path.join(dir, `${fault}.pids`);
      const c = new DeviceClient(spec(stdio(`${PYTHON} ${FAULTY} --fault ${fault} --after 1 --once ${path.join(dir, fault)} --pid ${pids}`), { retries: 1, timeout: 1 }), undefined);
      try {
        await c.forward(x, 2, [{ name: "w", values: w }]);
        const y = await c.forward(x, 2, [{ name: "w", values: w }]);
        expect(y[0]).toBeCloseTo(expected(w)[0]!, 12);
      } finally {
        await c.close();
      }
      // a device-side error keeps the program; a crash or a hang restarts it; every one is stopped now
      expect(pidsIn(pids).length, fault).toBe(fault === "error" ? 1 : 2);
      for (const pid of pidsIn(pids)) expect(alive(pid), `${fault}: pid ${pid}`).toBe(false);
    }
  });

  it("a program that dies before answering fails at once, not after its timeout, quoting its stderr", async () => {
    const c = new DeviceClient(spec(stdio(`${PYTHON} -c "import sys; sys.stderr.write('no laser'); sys.exit(2)"`), { timeout: 60, retries: 1 }), undefined);
    const t0 = performance.now();
    const msg = await codeOf(c.open());
    await c.close();
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(msg).toMatch(/^PNN6030: device Box \(stdio:.*\): connecting \(info\): the program exited with code 2; its last words on stderr: "no laser" \(gave up after 1 retry\)/);
  });

  it("a program the .pnn file names starts only with consent (PNN6036); an address typed on the command line is consent", () => {
    const s = spec(stdio("python3 chip.py"));
    expect(() => DeviceHub.create([s], {})).toThrow(/PNN6036: device Box is served by the program 'python3 chip.py'.*--allow-commands/);
    expect(() => DeviceHub.create([s], { addresses: new Map([["Box", stdio("python3 other.py")]]) })).not.toThrow();
    expect(() => DeviceHub.create([s], { allowCommands: true })).not.toThrow();
    expect(() => DeviceHub.create([s], { addresses: new Map([["Chip", stdio("x")]]) })).toThrow(/--external names 'Chip'/);
  });
});
