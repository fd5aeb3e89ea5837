// `pnn sweep` end to end: the acceptance sweep over the flagship (2 rules × 6 seeds) runs on the
// embedded pool, is resumable (a second invocation runs nothing), and gives the same table
// through a Redis queue (BullMQ) on two `pnn worker` processes — one of them killed with SIGKILL
// in the middle of a job, whose job is then run again by the other: no row lost, none twice.
// The queue tests need Debian's redis-server (.ci/run installs it); without it they skip, loudly.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, PNN, pnn, tmpDir, VOWELS } from "../train/helpers.js";

const GRID = ["--grid", "rule=backprop,physics_aware", "--grid", "seed=1..6", "--set", "epochs=30"];
/** Columns that are measured (time), so they differ between executions. */
const TIMED = ["wall_s", "samples_per_s"];

interface Results {
  readonly columns: string[];
  readonly rows: Record<string, unknown>[];
}
const results = (dir: string): Results => JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8")) as Results;
const untimed = (r: Results) => r.rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !TIMED.includes(k))));

let work: string;
let local: Results;

beforeAll(() => {
  ensureBuilt();
  work = tmpDir("pnn-sweep-");
});

describe("pnn sweep on the embedded pool", () => {
  it("runs 2 rules × 6 seeds of the flagship into one table, and a second invocation runs nothing", () => {
    const out = path.join(work, "local");
    const r = pnn(["sweep", VOWELS, ...GRID, "--out", out, "--workers", "2"]);
    expect(r.status, r.all).toBe(0);
    local = results(out);
    expect(local.rows).toHaveLength(12);
    expect(local.rows.every((row) => row.status === "done")).toBe(true);
    expect(local.rows.map((row) => `${row.rule}/${row.seed}`)).toEqual(["backprop", "physics_aware"].flatMap((rule) => [1, 2, 3, 4, 5, 6].map((s) => `${rule}/${s}`)));
    expect(local.columns).toEqual(expect.arrayContaining(["test_accuracy", "device_test_accuracy_mean", "twin_device_gap", "device_forwards"]));
    // physics_aware queries the device, backprop never does
    expect(local.rows.filter((row) => row.rule === "backprop").every((row) => row.device_forwards === 0)).toBe(true);
    expect(local.rows.filter((row) => row.rule === "physics_aware").every((row) => (row.device_forwards as number) > 0)).toBe(true);
    expect(fs.readFileSync(path.join(out, "results.csv"), "utf8").trim().split("\n")).toHaveLength(13);
    const csvBefore = fs.readFileSync(path.join(out, "results.csv"), "utf8");
    const again = pnn(["sweep", VOWELS, ...GRID, "--out", out, "--workers", "2"]);
    expect(again.status, again.all).toBe(0);
    expect(again.stdout).toContain("12 finished runs reused, 0 runs ran");
    expect(fs.readFileSync(path.join(out, "results.csv"), "utf8")).toBe(csvBefore);
    // the sweep's HTML page: both figures and the whole table
    const rep = pnn(["report", out]);
    expect(rep.status, rep.all).toBe(0);
    const html = fs.readFileSync(path.join(out, "report.html"), "utf8");
    expect(html).toContain('id="fig-sweep-runs"');
    expect(html).toContain('id="fig-sweep-seeds"');
    expect(html.match(/<tr>/g)).toHaveLength(13);
    expect(html).not.toMatch(/<script/i);
  }, 180_000);

  it("records a run that fails (divergence) as a failed row, exits 1, and runs only it again next time", () => {
    const out = path.join(work, "failing");
    const args = ["sweep", VOWELS, "--grid", "optimizer.lr=0.01,1e30", "--set", "epochs=1", "--out", out, "--workers", "1"];
    const r = pnn(args);
    expect(r.status).toBe(1);
    const rows = results(out).rows;
    expect(rows.map((row) => row.status)).toEqual(["done", "failed"]);
    expect(rows[1]!.error).toMatch(/PNN6005: training diverged/);
    const again = pnn(args);
    expect(again.status).toBe(1);
    expect(again.stdout).toContain("1 finished run reused, 1 run ran, 1 failed");
  });

  it("checks every run before running any: a misspelled axis stops the sweep with its diagnostic", () => {
    const out = path.join(work, "typo");
    const r = pnn(["sweep", VOWELS, "--grid", "NoisyMesh.sigmaa=0 rad,0.1 rad", "--out", out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/PNN2021.*layer NoisyMesh has no parameter 'sigmaa'; did you mean 'sigma'\?/);
    expect(fs.existsSync(path.join(out, "runs"))).toBe(false);
  });
});

// ── the queue ──────────────────────────────────────────────────────────────────

// .ci/run starts one on loopback and says where (PNN_REDIS_URL); otherwise the tests start their own
const sharedRedis = process.env.PNN_REDIS_URL;
const redisBinary = spawnSync("redis-server", ["--version"], { encoding: "utf8" }).status === 0;
if (!sharedRedis && !redisBinary) console.warn("SKIPPED: the queue tests of test/sweep/sweep.test.ts need redis-server (apt-get install redis-server; .ci/run installs it)");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A child process whose output is collected; `waitFor` resolves when a line matches. */
class Proc {
  readonly child: ChildProcess;
  out = "";
  private waiters: { re: RegExp; resolve: () => void }[] = [];
  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [PNN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const take = (d: Buffer) => {
      this.out += d.toString();
      this.waiters = this.waiters.filter((w) => (w.re.test(this.out) ? (w.resolve(), false) : true));
    };
    this.child.stdout!.on("data", take);
    this.child.stderr!.on("data", take);
  }
  waitFor(re: RegExp, ms = 60_000): Promise<void> {
    if (re.test(this.out)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${this.out}`)), ms);
      this.waiters.push({ re, resolve: () => (clearTimeout(t), resolve()) });
    });
  }
  exited(): Promise<number | null> {
    return this.child.exitCode !== null ? Promise.resolve(this.child.exitCode) : new Promise((r) => this.child.once("exit", (c) => r(c)));
  }
}

describe.skipIf(!sharedRedis && !redisBinary)("pnn sweep through a Redis queue", () => {
  let redis: ChildProcess | undefined;
  let url = "";
  const procs: Proc[] = [];
  // queue names of this test run only (a shared server may hold other queues)
  const q = (n: number) => `pnn-test-${process.pid}-${n}`;

  beforeAll(async () => {
    if (sharedRedis) {
      url = sharedRedis;
      return;
    }
    const port = await freePort();
    redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout.trim() === "PONG") break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    redis?.kill("SIGKILL");
  });

  const worker = (name: string, queue: string, extra: string[] = []) => {
    const p = new Proc(["worker", "--queue", url, "--queue-name", queue, "--lock-duration", "2s", "--work-dir", path.join(work, name), ...extra], work);
    procs.push(p);
    return p;
  };

  it("gives the local table on two workers, one killed mid-job (its job is run again; no row lost or repeated)", async () => {
    expect(local, "needs the local sweep above").toBeDefined();
    const [a, b] = [worker("w1", q(1)), worker("w2", q(1))];
    await Promise.all([a.waitFor(/waiting for jobs/), b.waitFor(/waiting for jobs/)]);
    const out = path.join(work, "queued");
    const sweep = new Proc(["sweep", VOWELS, ...GRID, "--out", out, "--queue", url, "--queue-name", q(1)], work);
    procs.push(sweep);
    await a.waitFor(/started (\S+)/);
    a.child.kill("SIGKILL");
    const killedRun = /started (\S+)/.exec(a.out)![1]!;
    expect(await sweep.exited(), sweep.out).toBe(0);
    // the killed worker's job was taken up again by the other worker, as a second attempt
    expect(b.out).toMatch(new RegExp(`started ${killedRun.replace(/[.+]/g, "\\$&")} \\(job \\S+, attempt [2-9]\\)`));
    const queued = results(out);
    expect(queued.rows).toHaveLength(12);
    expect(new Set(queued.rows.map((r) => r.run)).size).toBe(12);
    expect(untimed(queued)).toEqual(untimed(local));
    // the run folders came back through the queue
    for (const row of queued.rows) expect(fs.existsSync(path.join(out, "runs", row.run as string, "checkpoint.safetensors"))).toBe(true);
    b.child.kill("SIGTERM");
    expect(await b.exited()).toBe(0);
  }, 180_000);

  it("--shared: workers write the run folders into the sweep's folder themselves, and only inside the folder they share", async () => {
    const out = path.join(work, "shared");
    fs.mkdirSync(out, { recursive: true });
    // a worker that shares another folder refuses to write there (the job fails on every attempt)
    const elsewhere = worker("w4", q(3), ["--shared", path.join(work, "w4")]);
    fs.mkdirSync(path.join(work, "w4"), { recursive: true });
    await elsewhere.waitFor(/waiting for jobs/);
    const refused = new Proc(["sweep", VOWELS, "--set", "epochs=1", "--out", out, "--queue", url, "--queue-name", q(3), "--shared"], work);
    procs.push(refused);
    expect(await refused.exited()).toBe(1);
    expect(refused.out).toContain("outside it");
    expect(fs.readdirSync(path.join(out, "runs"))).toEqual([]);
    elsewhere.child.kill("SIGTERM");
    await elsewhere.exited();
    const w = worker("w3", q(2), ["--shared", out]);
    await w.waitFor(/waiting for jobs/);
    const sweep = new Proc(["sweep", VOWELS, "--grid", "seed=1..2", "--set", "epochs=2", "--out", out, "--queue", url, "--queue-name", q(2), "--shared"], work);
    procs.push(sweep);
    expect(await sweep.exited(), sweep.out).toBe(0);
    expect(results(out).rows).toHaveLength(2);
    // nothing trained in the worker's own folder
    expect(fs.existsSync(path.join(work, "w3")) ? fs.readdirSync(path.join(work, "w3")) : []).toEqual([]);
    w.child.kill("SIGTERM");
    await w.exited();
  }, 120_000);

  it("a queue nobody serves is a clear usage error, not a hang", async () => {
    const r = pnn(["sweep", VOWELS, "--set", "epochs=1", "--out", path.join(work, "nobody"), "--queue", "redis://127.0.0.1:1"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("cannot reach Redis at redis://127.0.0.1:1");
  }, 60_000);
});
