// docs/hardware.md is tested: its Python and Node servers are the example files, verbatim (and the
// Python one stays about 30 lines of protocol); its .pnn listings check clean; the example files
// are formatted; and the commands it shows train through each server — the Python one over stdio
// as the file declares it, the Node one over TCP.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checkText } from "../frontend/helpers.js";
import { lastJson, pnn, REPO, tmpDir } from "../train/helpers.js";
import { freePort, HAS_PYTHON, PYTHON, startServer, TANH_MJS, TANH_PY } from "./helpers.js";

const doc = fs.readFileSync(path.join(REPO, "docs/hardware.md"), "utf8");
// a fence's info string may carry the block's intent after the language (docs/writing-docs.md)
const blocks = (lang: string) => [...doc.matchAll(new RegExp("```" + lang + "(?: [^\\n]*)?\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);

describe("docs/hardware.md", () => {
  it("shows the example servers verbatim, the Python one in about 30 lines of code", () => {
    expect(blocks("python")).toEqual([fs.readFileSync(TANH_PY, "utf8")]);
    expect(blocks("js")).toEqual([fs.readFileSync(TANH_MJS, "utf8")]);
    const withoutDocstring = fs.readFileSync(TANH_PY, "utf8").replace(/"""[\s\S]*?"""/, "");
    const code = withoutDocstring.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
    expect(code.length).toBeLessThanOrEqual(32);
  });

  it("its .pnn listings check clean and the example files are formatted", () => {
    const listings = blocks("pnn");
    expect(listings.length).toBeGreaterThanOrEqual(3);
    for (const l of listings) expect(checkText(l).map((d) => `${d.code} ${d.message}`), l.slice(0, 80)).toEqual([]);
    const files = ["examples/devices/box.pnn", "examples/lab/vowels_lab.pnn"].map((f) => path.join(REPO, f));
    const r = pnn(["fmt", "--check", ...files]);
    expect(r.status, r.all).toBe(0);
    expect(fs.readFileSync(files[0]!, "utf8")).toContain(blocks("pnn")[1]!.trim().split("\n").slice(0, 6).join("\n"));
  });

  it.skipIf(!HAS_PYTHON)("its commands train through the Python server (stdio) and the Node server (TCP)", async () => {
    const dir = tmpDir("pnn-docs-");
    const file = path.join(dir, "box.pnn");
    fs.writeFileSync(file, fs.readFileSync(path.join(REPO, "examples/devices/box.pnn"), "utf8").replace("epochs = 20", "epochs = 2").replace('stdio("python3 tanh_device.py")', `stdio("${PYTHON} ${TANH_PY}")`));
    const viaStdio = pnn(["train", file, "--allow-commands", "--out", path.join(dir, "a"), "--json"]);
    expect(viaStdio.status, viaStdio.all).toBe(0);
    const port = await freePort();
    const server = await startServer(process.execPath, [TANH_MJS, String(port)], port);
    try {
      const viaTcp = pnn(["train", file, "--external", `Box=tcp:127.0.0.1:${port}`, "--out", path.join(dir, "b"), "--json"]);
      expect(viaTcp.status, viaTcp.all).toBe(0);
      // the two servers are the same device: the same run, to rounding
      const a = lastJson(viaStdio.stdout), b = lastJson(viaTcp.stdout);
      expect(b.device_test_accuracy).toBe(a.device_test_accuracy);
      expect(b.device_forwards).toBe(a.device_forwards);
    } finally {
      await server.stop();
    }
  });
});
