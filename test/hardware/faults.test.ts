// A device that misbehaves in the middle of training (test/hardware/faulty_device.py: crash, hang,
// garbage line, wrong row count, NaN, reply to an unknown id, a device-side error), with no
// retries: `pnn train` stops with one diagnostic that names the device, its address and the
// request (a stable code at the `external` declaration, no stack trace), exit 1; the checkpoint
// of the last finished epoch is valid; no device program is left running; and once the device
// works again (the fault happens once), `pnn train --resume` finishes the run — with the same
// parameters as a run that never failed (the device is deterministic).
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCheckpoint } from "../../runtime/checkpoint.js";
import { hasStackTrace, pnn, tmpDir } from "../train/helpers.js";
import { alive, FAULTY, HAS_PYTHON, pidsIn, PYTHON, tanhNet } from "./helpers.js";

// iris: 100 training rows in 7 batches, 50 test rows in 4: 11 forward queries per epoch. The
// fault comes at forward query 16, in epoch 2 of 3, after epoch 1's checkpoint.
const FAULTS: Record<string, [code: string, says: string]> = {
  crash: ["PNN6030", 'request 16 (forward of 16 rows): the program exited with code 3; its last words on stderr: "laser interlock tripped"'],
  hang: ["PNN6030", "request 16 (forward of 16 rows): no reply within 1 s"],
  garbage: ["PNN6031", 'its reply to request 16 (forward of 16 rows) breaks the protocol: the reply is not JSON: "#### stage controller: limit switch"'],
  rows: ["PNN6031", "the reply has 15 rows of y for 16 rows of x"],
  nan: ["PNN6031", "the reply holds NaN, which is not a JSON number"],
  id: ["PNN6031", "a reply to request 1016, which pnn never sent (it waits for request 16)"],
  error: ["PNN6030", "request 16 (forward of 16 rows): it answered with an error: detector saturated"],
};

const tensors = (file: string) => {
  const ck = loadCheckpoint(file);
  return { meta: ck.metadata, params: [...ck.tensors].filter(([k]) => !k.startsWith("optimizer")).map(([k, t]) => [k, Array.from(t.data)]) };
};

describe.skipIf(!HAS_PYTHON)("a device that fails mid-epoch: a clear error, a valid checkpoint, --resume finishes", () => {
  const dir = tmpDir("pnn-faults-");
  beforeAll(() => fs.copyFileSync(FAULTY, path.join(dir, "faulty_device.py")));
  const source = (fault: string) => tanhNet(`stdio("${PYTHON} faulty_device.py --fault ${fault} --after 15 --once flag.${fault} --pid pids.${fault}", timeout: 1 s, retries: 0)`);

  // the same run with a device that never fails: what the resumed runs must end with
  let healthy: ReturnType<typeof pnn>;
  let reference: ReturnType<typeof tensors>;
  beforeAll(() => {
    fs.writeFileSync(path.join(dir, "healthy.pnn"), source("none"));
    healthy = pnn(["train", path.join(dir, "healthy.pnn"), "--out", path.join(dir, "run-healthy"), "--allow-commands", "--backend", "ref", "--quiet"], dir);
    expect(healthy.status, healthy.all).toBe(0);
    reference = tensors(path.join(dir, "run-healthy", "checkpoint.safetensors"));
  });

  for (const [fault, [code, says]] of Object.entries(FAULTS))
    it(`${fault}: ${code} naming device and request, exit 1, checkpoint of epoch 1, then --resume`, () => {
      const file = path.join(dir, `${fault}.pnn`);
      fs.writeFileSync(file, source(fault));
      const out = path.join(dir, `run-${fault}`);
      const args = ["train", file, "--out", out, "--allow-commands", "--backend", "ref", "--quiet"];
      const r = pnn(args, dir);
      expect(r.status, r.all).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^\\S*/${fault}\\.pnn:4:3: error ${code}: device Box \\(stdio:${PYTHON} faulty_device\\.py --fault ${fault} `));
      expect(r.stderr).toContain(says);
      expect(r.stderr).toContain("--resume");
      expect(hasStackTrace(r.all), r.all).toBe(false);
      // the last finished epoch's checkpoint is there and valid
      const ck = tensors(path.join(out, "checkpoint.safetensors"));
      expect(ck.meta.epoch).toBe("1");
      // no device program outlives pnn
      for (const pid of pidsIn(path.join(dir, `pids.${fault}`))) expect(alive(pid), `pid ${pid}`).toBe(false);
      // the device works again (its fault happened once): resume finishes the run
      const resumed = pnn([...args, "--resume"], dir);
      expect(resumed.status, resumed.all).toBe(0);
      const done = tensors(path.join(out, "checkpoint.safetensors"));
      expect(done.meta.epoch).toBe("3");
      expect(done.params).toEqual(reference.params);
      expect(JSON.parse(done.meta.device_rows!)).toEqual(JSON.parse(reference.meta.device_rows!));
      for (const pid of pidsIn(path.join(dir, `pids.${fault}`))) expect(alive(pid), `pid ${pid}`).toBe(false);
    });
});
