import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserError } from "../../diagnostics/catalog.js";
import { decodeSafetensors, encodeSafetensors, loadCheckpoint, saveCheckpoint, type CheckpointTensor } from "../../runtime/checkpoint.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-ckpt-"));

function sample(): Map<string, CheckpointTensor> {
  return new Map<string, CheckpointTensor>([
    ["layer1.phases", { dtype: "F32", shape: [2, 3], data: Float32Array.from([0.5, -1, 2.25, 3e-8, 1e30, -0]) }],
    ["layer1.bias", { dtype: "F64", shape: [3], data: Float64Array.from([Math.PI, -Math.E, 1e-300]) }],
    ["step", { dtype: "I32", shape: [], data: Int32Array.from([-123456]) }],
    ["empty", { dtype: "F64", shape: [0, 4], data: new Float64Array(0) }],
  ]);
}

function pnn6003(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) {
      expect(e.diagnostic.code).toBe("PNN6003");
      return e.diagnostic.message;
    }
    throw e;
  }
  throw new Error("expected PNN6003");
}

/** Rebuilds a file from a header object and a data section (for hand-made corruptions). */
function withHeader(header: unknown, data: Uint8Array, raw?: string): Uint8Array {
  const json = Buffer.from(raw ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function split(bytes: Uint8Array): { header: Record<string, any>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString()), data: bytes.subarray(8 + n) };
}

describe("safetensors checkpoints", () => {
  it("round-trips tensors and metadata exactly", () => {
    const file = path.join(dir, "a.safetensors");
    const t = sample();
    saveCheckpoint(file, t, { network: "OpticalMLP", epoch: "5" });
    const back = loadCheckpoint(file);
    expect(back.metadata).toEqual({ network: "OpticalMLP", epoch: "5" });
    expect([...back.tensors.keys()]).toEqual([...t.keys()]);
    for (const [k, v] of t) {
      const b = back.tensors.get(k)!;
      expect(b.dtype).toBe(v.dtype);
      expect(b.shape).toEqual(v.shape);
      expect(b.data.constructor).toBe(v.data.constructor);
      expect(Array.from(b.data)).toEqual(Array.from(v.data));
    }
    expect(Object.is(back.tensors.get("layer1.phases")!.data[5], -0)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
    // Overwriting an existing checkpoint works and leaves no temp file.
    saveCheckpoint(file, new Map([["x", { dtype: "I32", shape: [1], data: Int32Array.of(7) }]]), {});
    expect(loadCheckpoint(file).tensors.get("x")!.data[0]).toBe(7);
    expect(fs.readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("writes the byte layout of the safetensors spec", () => {
    const bytes = encodeSafetensors(new Map([["a", { dtype: "F32", shape: [2], data: Float32Array.of(1, -2) }]]), { k: "v" });
    const expectedJson = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const padded = expectedJson + " ".repeat((8 - (expectedJson.length % 8)) % 8);
    expect(padded.length % 8).toBe(0);
    // u64 little-endian header length
    expect(Array.from(bytes.subarray(0, 8))).toEqual([padded.length, 0, 0, 0, 0, 0, 0, 0]);
    expect(Buffer.from(bytes.subarray(8, 8 + padded.length)).toString()).toBe(padded);
    // 1.0f = 0x3f800000, -2.0f = 0xc0000000, little-endian
    expect(Array.from(bytes.subarray(8 + padded.length))).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
    expect(bytes.length).toBe(8 + padded.length + 8);
    // no metadata → no __metadata__ key
    expect(split(encodeSafetensors(new Map(), {})).header).toEqual({});
  });

  it("reports corruption as PNN6003", () => {
    const good = encodeSafetensors(sample(), { epoch: "1" });
    const { header, data } = split(good);
    expect(pnn6003(() => loadCheckpoint(path.join(dir, "nope.safetensors")))).toMatch(/no such file/);
    expect(pnn6003(() => loadCheckpoint(dir))).toMatch(/not a regular file \(a directory\)/);
    expect(pnn6003(() => decodeSafetensors(good.subarray(0, good.length - 3), "t"))).toMatch(/truncated|cover/);
    expect(pnn6003(() => decodeSafetensors(good.subarray(0, 5), "t"))).toMatch(/too short/);
    expect(pnn6003(() => decodeSafetensors(good.subarray(0, 40), "t"))).toMatch(/runs past the end/);
    const flipped = good.slice();
    flipped[8 + 1] ^= 0xff; // inside the JSON header
    expect(pnn6003(() => decodeSafetensors(flipped, "t"))).toMatch(/not valid JSON/);
    const huge = good.slice();
    huge[7] = 0x40;
    expect(pnn6003(() => decodeSafetensors(huge, "t"))).toMatch(/not plausible/);
    const shift = structuredClone(header);
    shift["layer1.bias"].data_offsets = [shift["layer1.bias"].data_offsets[0] + 8, shift["layer1.bias"].data_offsets[1] + 8];
    expect(pnn6003(() => decodeSafetensors(withHeader(shift, data), "t"))).toMatch(/overlaps|gap|past/);
    const size = structuredClone(header);
    size["layer1.phases"].shape = [3, 3];
    expect(pnn6003(() => decodeSafetensors(withHeader(size, data), "t"))).toMatch(/needs 36/);
    const overlap = structuredClone(header);
    overlap.step.data_offsets = overlap["layer1.phases"].data_offsets.map((v: number) => v); // same range
    overlap.step.dtype = "F32";
    overlap.step.shape = [6];
    expect(pnn6003(() => decodeSafetensors(withHeader(overlap, data), "t"))).toMatch(/overlaps/);
    const gap = structuredClone(header);
    delete gap.step;
    expect(pnn6003(() => decodeSafetensors(withHeader(gap, data), "t"))).toMatch(/gap|cover/);
    expect(pnn6003(() => decodeSafetensors(withHeader(header, Buffer.concat([data, Buffer.from([1])])), "t"))).toMatch(/trailing/);
    const bf16 = structuredClone(header);
    bf16.step.dtype = "BF16";
    expect(pnn6003(() => decodeSafetensors(withHeader(bf16, data), "t"))).toMatch(/BF16/);
    expect(pnn6003(() => decodeSafetensors(withHeader(null, data, "[1,2]"), "t"))).toMatch(/not a JSON object/);
    const meta = structuredClone(header);
    meta.__metadata__ = { epoch: 1 };
    expect(pnn6003(() => decodeSafetensors(withHeader(meta, data), "t"))).toMatch(/not a string/);
    const neg = structuredClone(header);
    neg.step.shape = [-1];
    expect(pnn6003(() => decodeSafetensors(withHeader(neg, data), "t"))).toMatch(/invalid shape/);
    // The message names the file.
    fs.writeFileSync(path.join(dir, "trunc.safetensors"), good.subarray(0, 100));
    expect(pnn6003(() => loadCheckpoint(path.join(dir, "trunc.safetensors")))).toContain("trunc.safetensors");
  });

  it("property: any tensors round-trip; any corruption is PNN6003 or still a valid file, never a crash", () => {
    const tensor = fc.oneof(
      fc.array(fc.double({ noNaN: true }), { maxLength: 12 }).map((a) => ({ dtype: "F64" as const, shape: [a.length], data: Float64Array.from(a) })),
      fc.array(fc.float({ noNaN: true }), { maxLength: 12 }).map((a) => ({ dtype: "F32" as const, shape: [a.length], data: Float32Array.from(a) })),
      fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 12 }).map((a) => ({ dtype: "I32" as const, shape: [a.length], data: Int32Array.from(a) })),
    );
    const model = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== "__metadata__" && s !== "__proto__"), tensor, { maxKeys: 5 });
    fc.assert(
      fc.property(model, fc.dictionary(fc.string().filter((s) => s !== "__proto__"), fc.string(), { maxKeys: 3 }), fc.nat(), fc.nat(255), (tensors, meta, pos, byte) => {
        const map = new Map(Object.entries(tensors));
        const bytes = encodeSafetensors(map, meta);
        // Buffer.from puts small files inside Node's shared pool: a non-zero byteOffset.
        const back = decodeSafetensors(Buffer.from(bytes), "p");
        for (const [k, v] of map) expect(Array.from(back.tensors.get(k)!.data)).toEqual(Array.from(v.data));
        expect(back.metadata).toEqual(meta);
        const bad = bytes.slice();
        bad[pos % bad.length] = byte;
        try {
          decodeSafetensors(bad, "p");
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
        }
        try {
          decodeSafetensors(bytes.subarray(0, pos % bytes.length), "p");
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
        }
      }),
      { seed: 20240601, numRuns: 300 },
    );
  });

  it("is read correctly by Python (safetensors or numpy), when available", () => {
    const file = path.join(dir, "py.safetensors");
    saveCheckpoint(file, sample(), { network: "N" });
    const script = `
import json, struct, sys
p = sys.argv[1]
try:
    from safetensors.numpy import load_file
    t = load_file(p)
    print(json.dumps({"via": "safetensors", "tensors": {k: {"shape": list(v.shape), "dtype": str(v.dtype), "values": v.ravel().tolist()} for k, v in t.items()}}))
except ImportError:
    import numpy as np
    b = open(p, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    h.pop("__metadata__", None)
    dt = {"F32": "<f4", "F64": "<f8", "I32": "<i4"}
    out = {}
    for k, v in h.items():
        s, e = v["data_offsets"]
        a = np.frombuffer(b[8 + n + s:8 + n + e], dtype=dt[v["dtype"]]).reshape(v["shape"])
        out[k] = {"shape": list(a.shape), "dtype": str(a.dtype), "values": a.ravel().tolist()}
    print(json.dumps({"via": "numpy", "tensors": out}))
`;
    const r = spawnSync("python3", ["-c", script, file], { encoding: "utf8" });
    if (r.error || r.status !== 0) {
      console.log(`python cross-check skipped: ${r.error?.message ?? r.stderr.trim().split("\n").pop()}`);
      return;
    }
    const got = JSON.parse(r.stdout);
    console.log(`python cross-check via ${got.via}`);
    const want: Record<string, [string, number[]]> = { "layer1.phases": ["float32", [2, 3]], "layer1.bias": ["float64", [3]], step: ["int32", []], empty: ["float64", [0, 4]] };
    for (const [k, t] of sample()) {
      expect(got.tensors[k].dtype).toBe(want[k][0]);
      expect(got.tensors[k].shape).toEqual(want[k][1]);
      expect(got.tensors[k].values).toEqual(Array.from(t.data));
    }
  });
});
