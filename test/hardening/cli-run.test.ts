// Issue 16 (run time), through the real `pnn` command: one regression test per reproducer of the
// file-system, run-folder and `pnn infer` input problems. Each used to be an internal error
// (exit 70), a silent drop or a nonsense prediction; each is now exit 2 (a usage error naming
// the path and the reason) or exit 1 (a PNN6xxx diagnostic at the file:line:col of the cell),
// never a stack trace. A tiny csv network keeps each run to about a second. Cases that need a
// full or read-only disk mount a small tmpfs in a private mount namespace (`unshare -m`, as
// root); where that is not possible they are skipped with a message.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { reportUserFailure } from "../../cli/main.js";
import { loadCheckpoint } from "../../runtime/checkpoint.js";
import { textSink } from "../frontend/helpers.js";
import { ensureBuilt, hasStackTrace, PNN, pnn, REPO, tmpDir, VOWELS, type CliResult } from "../train/helpers.js";

const NET = (data: string, input = 2) => `network Tiny {
  input x: real[${input}]
  output y = dense(x, 2)
}

train Tiny on ${data} {
  rule = backprop
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = 8
  seed = 1
}
`;

let dir = "";
let csvNet = ""; // trained on a csv (z-scored: the checkpoint records a normalisation)
let moonsNet = ""; // trained on moons (no normalisation)
let csvCkpt = "";
let moonsCkpt = "";

beforeAll(() => {
  ensureBuilt();
  dir = tmpDir("pnn-harden-run-");
  fs.writeFileSync(path.join(dir, "d.csv"), "a,b,label\n" + Array.from({ length: 40 }, (_, i) => `${100 + (i % 7) * 10},${(i * 13) % 11},${["no", "yes"][i % 2]}`).join("\n") + "\n");
  csvNet = path.join(dir, "csvnet.pnn");
  moonsNet = path.join(dir, "moons.pnn");
  fs.writeFileSync(csvNet, NET('csv("d.csv", label: "label")'));
  fs.writeFileSync(moonsNet, NET("moons(n: 40)"));
  for (const [net, out] of [[csvNet, "run-csv"], [moonsNet, "run-moons"]] as const) {
    const r = pnn(["train", net, "--quiet", "--out", path.join(dir, out)]);
    expect(r.status, r.all).toBe(0);
  }
  csvCkpt = path.join(dir, "run-csv", "checkpoint.safetensors");
  moonsCkpt = path.join(dir, "run-moons", "checkpoint.safetensors");
}, 120_000);

/** A usage error: exit 2, one `pnn: …` line matching `message`, no stack trace. */
function expectUsage(r: CliResult, message: RegExp): void {
  expect(r.status, r.all).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(hasStackTrace(r.all), r.all).toBe(false);
  expect(r.all).not.toMatch(/internal error/);
}

/** A diagnostic: exit 1, `code` at `where` (file:line:col), no stack trace. */
function expectDiagnostic(r: CliResult, code: string, where: string | RegExp, message?: RegExp): void {
  expect(r.status, r.all).toBe(1);
  expect(r.stderr).toContain(` error ${code}: `);
  if (typeof where === "string") expect(r.stderr).toContain(`${where}: error ${code}`);
  else expect(r.stderr).toMatch(where);
  if (message) expect(r.stderr).toMatch(message);
  expect(hasStackTrace(r.all), r.all).toBe(false);
}

/** `sh -c script` in a private mount namespace (tmpfs mounts vanish with it); undefined where unshare/mount are not allowed. */
function inMountNamespace(script: string): CliResult | undefined {
  const probeDir = path.join(dir, "mnt-probe");
  fs.mkdirSync(probeDir, { recursive: true });
  const probe = spawnSync("unshare", ["-m", "sh", "-c", `mount -t tmpfs -o size=8k tmpfs ${probeDir}`], { encoding: "utf8" });
  if (probe.status !== 0) {
    console.log(`SKIPPED (no private mount namespace here: ${probe.stderr?.trim() || probe.error?.message}): a full or read-only disk is tested only where unshare -m works (as root)`);
    return undefined;
  }
  const r = spawnSync("unshare", ["-m", "sh", "-c", script], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

describe("--out and -o: one usage error for every file-system problem (was: internal error EEXIST/ENOTDIR/EIO at new MetricsWriter, exit 70)", () => {
  it("--out that is a file, empty, or under a file", () => {
    const file = path.join(dir, "a-file");
    fs.writeFileSync(file, "x");
    expectUsage(pnn(["train", moonsNet, "--quiet", "--out", file]), /--out .*a-file: it is a file, not a folder/);
    expectUsage(pnn(["train", moonsNet, "--quiet", "--out", ""]), /--out: the folder name is empty/);
    expectUsage(pnn(["train", moonsNet, "--quiet", "--out", path.join(file, "sub")]), /--out .*a-file\/sub: .*a-file is a file, not a folder/);
    expectUsage(pnn(["build", moonsNet, "-o", file]), /-o .*a-file: it is a file, not a folder/);
    expectUsage(pnn(["build", moonsNet, "-o", path.join(file, "sub")]), /-o .*a-file is a file, not a folder/);
    expectUsage(pnn(["build", moonsNet, "-o", ""]), /-o: the folder name is empty/);
    expect(fs.readFileSync(file, "utf8")).toBe("x");
  });

  it("a read-only file system (EROFS) and a full one (ENOSPC), for train and build", () => {
    const mnt = path.join(dir, "mnt");
    fs.mkdirSync(mnt, { recursive: true });
    const node = `${process.execPath} ${PNN}`;
    const ro = inMountNamespace(`mount -t tmpfs -o ro tmpfs ${mnt} && ${node} train ${moonsNet} --quiet --out ${mnt}/run; echo "exit=$?"; ${node} build ${moonsNet} -o ${mnt}/b; echo "exit=$?"`);
    if (!ro) return;
    expect(ro.stdout.match(/exit=2/g)?.length, ro.all).toBe(2);
    expect(ro.stderr).toMatch(/--out .*mnt\/run: cannot create the folder: read-only file system \(EROFS\)/);
    expect(ro.stderr).toMatch(/-o .*mnt\/b: cannot write the files: read-only file system \(EROFS\)/);
    const full = inMountNamespace(`mount -t tmpfs -o size=12k tmpfs ${mnt} && ${node} train ${moonsNet} --quiet --epochs 40 --out ${mnt}/run; echo "exit=$?"; mkdir ${mnt}/b; echo old > ${mnt}/b/model.mjs; ${node} build ${moonsNet} -o ${mnt}/b; echo "exit=$?"; cat ${mnt}/b/model.mjs; ls -a ${mnt}`)!;
    expect(full.stdout.match(/exit=2/g)?.length, full.all).toBe(2);
    expect(full.stderr).toMatch(/pnn: cannot write .*mnt\/run\/[a-z.]+: no space left on the device \(ENOSPC\)/);
    expect(full.stderr).toMatch(/-o .*mnt\/b: cannot write the files: no space left on the device \(ENOSPC\); the folder is as it was/);
    expect(full.stdout).toMatch(/^old$/m); // the old build is untouched …
    expect(full.stdout).not.toMatch(/\.tmp-\d+/); // … and no temporary folder is left behind
    expect(hasStackTrace(full.all)).toBe(false);
  }, 120_000);

  it("EIO (and any other errno) while writing: exit 2 naming the path and the reason", () => {
    const err = textSink();
    const e = Object.assign(new Error("EIO: i/o error, write"), { code: "EIO", syscall: "write", path: "/runs/x/metrics.jsonl", errno: -5 });
    expect(reportUserFailure(e, err)).toBe(2);
    expect(err.text()).toBe("pnn: cannot write /runs/x/metrics.jsonl: input/output error (EIO)\n");
    const rename = Object.assign(new Error("x"), { code: "EXDEV", syscall: "rename", path: "/a", dest: "/b" });
    expect(reportUserFailure(rename, err)).toBe(2);
    expect(err.text()).toContain("pnn: cannot rename /a to /b: it is on another device (EXDEV)");
    expect(reportUserFailure(new TypeError("a bug"), err)).toBeUndefined(); // bugs still surface as bugs
  });
});

describe("data that does not fit the network, through the commands that load it", () => {
  it("train and eval of 3-class data on a 2-output network: PNN6002 naming the file, line and cell (was: internal error / exit 0 at 12.5%)", () => {
    fs.writeFileSync(path.join(dir, "d3.csv"), "a,b,label\n" + Array.from({ length: 30 }, (_, i) => `${i % 5},${i % 7},${i % 3}`).join("\n") + "\n");
    const net3 = path.join(dir, "net3.pnn");
    fs.writeFileSync(net3, NET('csv("d3.csv", label: "label")'));
    for (const args of [["train", net3, "--quiet", "--out", path.join(dir, "run3")], ["eval", net3, "--weights", csvCkpt]]) {
      const r = pnn(args);
      expectDiagnostic(r, "PNN6002", `${net3}:6:15`, /d3\.csv has 3 classes \(0, 1, 2\), but network Tiny has 2 outputs, one per class; line 4's label '2' is the 3rd class/);
      expect(r.stderr).toMatch(/d3\.csv:4:5: note: the 3rd class/);
    }
  });
});

describe("missing and wrong input files: the same exit code for the same mistake", () => {
  it("a missing .pnn, a missing checkpoint and a missing --input are all exit 2 'file not found'-style usage errors (was: 2, 1 and 'no input rows')", () => {
    expectUsage(pnn(["train", path.join(dir, "nope.pnn")]), /cannot read .*nope\.pnn: no such file/);
    expectUsage(pnn(["eval", moonsNet, "--weights", path.join(dir, "nope.safetensors")]), /--weights .*nope\.safetensors: file not found/);
    expectUsage(pnn(["infer", moonsNet, "--weights", path.join(dir, "nope.safetensors"), "--input", "0.1,0.2"]), /--weights .*: file not found/);
    expectUsage(pnn(["build", moonsNet, "--weights", path.join(dir, "nope.safetensors"), "-o", path.join(dir, "b0")]), /--weights .*: file not found/);
    expectUsage(pnn(["infer", moonsNet, "--weights", moonsCkpt, "--input", "missing.csv"]), /--input missing\.csv: file not found/);
  });

  it("a folder or a device as --input or --weights is a usage error (was: EISDIR as an internal error)", () => {
    expectUsage(pnn(["infer", moonsNet, "--weights", moonsCkpt, "--input", dir]), /--input: cannot read .*: not a regular file \(a directory\)/);
    expectUsage(pnn(["eval", moonsNet, "--weights", dir]), /--weights .*: not a regular file \(a directory\)/);
    expectUsage(pnn(["eval", moonsNet, "--weights", "/dev/zero"]), /--weights \/dev\/zero: not a regular file \(a device\)/);
  });
});

describe("a run folder is locked while a run writes into it", () => {
  it("a second pnn train into the same --out is refused while the first runs (was: interleaved metrics); the lock goes with the run", async () => {
    const out = path.join(dir, "locked");
    const first = spawn(process.execPath, [PNN, "train", moonsNet, "--quiet", "--epochs", "4000", "--out", out], { stdio: "ignore" });
    const lock = path.join(out, ".pnn-lock");
    for (let i = 0; i < 300 && !fs.existsSync(lock); i++) await new Promise((r) => setTimeout(r, 100));
    expect(fs.readFileSync(lock, "utf8").split("\n")[0]).toBe(String(first.pid));
    const second = pnn(["train", moonsNet, "--quiet", "--out", out]);
    first.kill("SIGKILL");
    await new Promise((r) => first.on("exit", r));
    expectUsage(second, new RegExp(`--out .*locked: another pnn process \\(pid ${first.pid}, since .*\\) is writing into this folder`));
    // The killed run left its lock behind; its process is gone, so the next run takes it over …
    expect(fs.existsSync(lock)).toBe(true);
    const third = pnn(["train", moonsNet, "--quiet", "--out", out]);
    expect(third.status, third.all).toBe(0);
    // … and removes it when it is done.
    expect(fs.existsSync(lock)).toBe(false);
  }, 120_000);

  it("temporary files of a killed process are removed; a live process's are left alone", () => {
    const out = path.join(dir, "temps");
    fs.mkdirSync(out, { recursive: true });
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    fs.writeFileSync(path.join(out, `checkpoint.safetensors.tmp-${dead}`), "half");
    fs.writeFileSync(path.join(out, `metrics.jsonl.tmp-${process.pid}`), "mine");
    const r = pnn(["train", moonsNet, "--quiet", "--out", out]);
    expect(r.status, r.all).toBe(0);
    expect(fs.readdirSync(out).filter((f) => f.includes(".tmp-"))).toEqual([`metrics.jsonl.tmp-${process.pid}`]);
  });
});

describe("pnn infer --input: every row used or refused (PNN6005 at the cell)", () => {
  const row = (first: string) => `${first},0.1`;
  const infer = (input: string, extra: string[] = [], net = moonsNet, ckpt = moonsCkpt) => pnn(["infer", net, "--weights", ckpt, "--input", input, ...extra]);
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it("rows starting with NaN, a letter or a quote are refused, not dropped and renumbered", () => {
    for (const [first, shown] of [["NaN", "'NaN', not a number"], ["abc", "'abc', not a number"], ['"x"', "'x', not a number"]] as const) {
      const f = file(`rows-${first.replace(/\W/g, "q")}.csv`, `0.5,0.5\n${row(first)}\n0.2,0.3\n`);
      expectDiagnostic(infer(f), "PNN6005", `${f}:2:1`, new RegExp(`row 2 \\(line 2\\), value 1 is ${shown}`));
    }
  });

  it("an empty cell ('0.1,,0.2') is refused, not merged away", () => {
    expectDiagnostic(infer("0.1,"), "PNN6005", "--input:1:5", /value 2 is empty/);
    expectDiagnostic(infer(",0.2"), "PNN6005", "--input:1:1", /value 1 is empty/);
    expectDiagnostic(infer("0.1,,0.2"), "PNN6005", "--input:1:6", /has 3 values; the network takes 2/);
  });

  it("1e999 is refused; all-1e300 input is an error, not 'class -1' with NaN scores", () => {
    expectDiagnostic(infer("1e999,0"), "PNN6005", "--input:1:1", /'1e999', beyond the largest float64/);
    expectDiagnostic(infer("1e300,1e300"), "PNN6005", "--input:1:1", /row 1: the network's outputs are not finite \((NaN|-?Infinity)\) for this input, whose largest value is 1\.000e\+300/);
  });

  it("a header naming the columns is read; a header-only file, a wrong-length row and an empty input are refused", () => {
    const f = file("named.csv", "b,label,a\n0.1,yes,0.2\n");
    const r = infer(f, ["--raw", "--json"], csvNet, csvCkpt);
    expect(r.status, r.all).toBe(0);
    expectDiagnostic(infer(file("hdr.csv", "a,b\n")), "PNN6005", /hdr\.csv:1:1: error PNN6005: a header but no rows of numbers/);
    expectDiagnostic(infer("0.1,0.2,0.3"), "PNN6005", "--input:1:9", /has 3 values; the network takes 2/);
    expectDiagnostic(infer(file("empty.csv", "\n\n")), "PNN6005", /empty\.csv:1:1: error PNN6005: no input rows/);
  });

  it("--chip abc, -1, 1e20 and 2.5 are refused; --chip without --device; --device without a device model", () => {
    for (const c of ["abc", "-1", "1e20", "2.5"]) expectUsage(infer("0.1,0.2", ["--device", `--chip=${c}`]), new RegExp(`--chip must be a whole number ≥ 0, got '${c.replace(".", "\\.")}'`));
    expectUsage(infer("0.1,0.2", ["--chip", "1"]), /--chip picks a simulated chip and needs --device/);
    expectUsage(infer("0.1,0.2", ["--device"]), /--device: network Tiny has no device model/);
  });

  it("raw features: refused with the reason, or normalised with --raw exactly as training did; class names printed", () => {
    // d.csv's column a is 100…160: raw values, far from the z-scores the network takes.
    expectDiagnostic(infer("130,5", [], csvNet, csvCkpt), "PNN6005", "--input:1:1", /feature 1 is 130, but the network takes the csv data set's features normalised .*these look like raw features: pass --raw/);
    const raw = infer("130,5", ["--raw", "--json"], csvNet, csvCkpt);
    expect(raw.status, raw.all).toBe(0);
    const got = JSON.parse(raw.stdout) as { predictions: number[]; labels: string[]; scores: number[][] };
    expect(got.labels[0]).toBe(["no", "yes"][got.predictions[0]!]);
    // the same row normalised by hand with the normalisation the checkpoint recorded gives the same scores
    const n = (JSON.parse(loadCheckpoint(csvCkpt).metadata.data!) as { normalization: { log: boolean; mean: number[]; std: number[] } }).normalization;
    expect(n.log).toBe(false);
    const z = [130, 5].map((v, j) => (v - n.mean[j]!) / n.std[j]!);
    const byHand = infer(z.join(","), ["--json"], csvNet, csvCkpt);
    expect(JSON.parse(byHand.stdout).scores).toEqual(got.scores);
    const text = infer("130,5", ["--raw"], csvNet, csvCkpt);
    expect(text.stdout).toMatch(/^0: (no|yes) \(class [01]\)  scores \[/);
    expectUsage(infer("0.1,0.2", ["--raw"]), /--raw: data set moons uses its features as they are/);
  });

  it("the reproducer: raw vowel formants (rows of data/vowels.csv, header and all) are refused without --raw and classified by name with it", () => {
    const out = path.join(dir, "run-vowels");
    expect(pnn(["train", VOWELS, "--quiet", "--epochs", "1", "--out", out]).status).toBe(0);
    const ckpt = path.join(out, "checkpoint.safetensors");
    const rows = file("vowels-raw.csv", fs.readFileSync(path.join(REPO, "data/vowels.csv"), "utf8").split("\n").slice(0, 4).join("\n") + "\n");
    expectDiagnostic(pnn(["infer", VOWELS, "--weights", ckpt, "--input", rows]), "PNN6005", `${rows}:2:8`, /feature 1 is \d+, but the network takes the vowels data set's features normalised \(x = \(log\(raw\) − mean\) \/ std.*pass --raw/);
    const r = pnn(["infer", VOWELS, "--weights", ckpt, "--input", rows, "--raw"]);
    expect(r.status, r.all).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^\d: (ae|ah|aw|er|ih|iy|uw) \(class [0-6]\)  scores \[(-?\d+\.\d{4}(, )?){7}\]$/);
  }, 60_000);
});
