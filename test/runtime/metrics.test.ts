import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { defaultProgressMode, MetricsWriter, ProgressReporter, type ProgressMode } from "../../runtime/metrics.js";

function sink(): { out: Writable; text: () => string } {
  let s = "";
  const out = new Writable({
    write(chunk, _enc, cb) {
      s += chunk.toString();
      cb();
    },
  });
  return { out, text: () => s };
}

/** Runs 2 epochs of 50 batches, 32 samples each, 5 ms apart on a fake clock. */
function run(mode: ProgressMode): { text: string; writes: number } {
  const { out, text } = sink();
  let writes = 0;
  const orig = out.write.bind(out);
  out.write = ((c: unknown, ...rest: unknown[]) => {
    writes++;
    return (orig as (...a: unknown[]) => boolean)(c, ...rest);
  }) as typeof out.write;
  let t = 0;
  const p = new ProgressReporter({ mode, out, epochs: 2, now: () => t });
  for (let e = 1; e <= 2; e++) {
    p.startEpoch(e, 50);
    for (let i = 0; i < 50; i++) {
      t += 5;
      p.batch(i, 1 / (e + i), 0.5 + i / 200, 32 * (i + 1)); // running means over the samples so far
    }
    p.endEpoch({ epoch: e, loss: 0.5 / e, accuracy: 0.8 + e / 100, test_accuracy: 0.75, device_accuracy: 0.7 });
  }
  p.summary({ epochs: 2, test_accuracy: 0.75, wall_s: 0.5 });
  return { text: text(), writes };
}

describe("MetricsWriter", () => {
  it("appends one JSON line per epoch and writes summary.json atomically", () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pnn-metrics-")), "run", "1");
    const w = new MetricsWriter(dir);
    w.epoch({ epoch: 1, loss: 0.7, accuracy: 0.6 });
    w.epoch({ epoch: 2, loss: Number.NaN, accuracy: 0.61 });
    const lines = fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { epoch: 1, loss: 0.7, accuracy: 0.6 },
      { epoch: 2, loss: "NaN", accuracy: 0.61 },
    ]);
    w.summary({ test_accuracy: 0.9, epochs: 2, config: { lr: 0.003 } });
    expect(JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8"))).toEqual({ test_accuracy: 0.9, epochs: 2, config: { lr: 0.003 } });
    expect(fs.readdirSync(dir).sort()).toEqual(["metrics.jsonl", "summary.json"]);
    // A new writer starts afresh; append: true resumes.
    new MetricsWriter(dir, { append: true }).epoch({ epoch: 3, loss: 0.1 });
    expect(fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").length).toBe(3);
    new MetricsWriter(dir);
    expect(fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8")).toBe("");
  });
});

describe("ProgressReporter", () => {
  it("tty: a bar redrawn in place at most every 100 ms, one finished line per epoch", () => {
    const { text, writes } = run("tty");
    // 50 batches × 5 ms = 250 ms per epoch → draws at 5, 105, 205 ms and the last batch.
    expect(text.match(/\r/g)!.length).toBe(2 * 4 + 2);
    expect(writes).toBeLessThanOrEqual(2 * (4 + 2) + 1);
    expect(text).toContain("█");
    expect(text).toMatch(/epoch 1\/2 [█░]+ 50\/50  loss \d\.\d{4}  acc \d+\.\d%  6400 samples\/s/);
    const finished = text.split("\n").filter((l) => l !== "").map((l) => l.slice(l.lastIndexOf("\r") + 1).trimEnd());
    expect(finished[0]).toBe("epoch 1/2  loss 0.5000  acc 81.0%  test_accuracy 75.0%  device_accuracy 70.0%  6400 samples/s  0.3 s");
    expect(finished.slice(2)).toEqual(["training done", "  epochs  2", "  twin    75.0% test accuracy", "  time    0.50 s"]); // test/report/summary.test.ts covers the summary block
  });
  it("plain: one line per epoch, no carriage returns", () => {
    const { text } = run("plain");
    expect(text).not.toContain("\r");
    const lines = text.trim().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^epoch 2\/2  loss 0\.2500  acc 82\.0%/);
    expect(lines[2]).toBe("training done");
  });
  it("json: one object per line, epochs then the summary", () => {
    const lines = run("json").text.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(["epoch", "epoch", "summary"]);
    expect(lines[0]).toEqual({ type: "epoch", epoch: 1, loss: 0.5, accuracy: 0.81, test_accuracy: 0.75, device_accuracy: 0.7 });
    expect(lines[2]).toEqual({ type: "summary", epochs: 2, test_accuracy: 0.75, wall_s: 0.5 });
  });
  it("quiet: only the summary", () => {
    const lines = run("quiet").text.trim().split("\n");
    expect(lines).toEqual(["training done", "  epochs  2", "  twin    75.0% test accuracy", "  time    0.50 s"]);
  });
  it("defaultProgressMode follows isTTY", () => {
    expect(defaultProgressMode(sink().out)).toBe("plain");
    expect(defaultProgressMode(Object.assign(sink().out, { isTTY: true }))).toBe("tty");
  });
});
