// Issue 16: `pnn fmt` keeps the file it formats what it was — it replaced a symbolic link with a
// regular file, broke hard links, changed the owner of a file formatted as root, and replaced
// invalid UTF-8 bytes with U+FFFD. Now it writes through the link to its target, keeps mode,
// owner and hard links, and refuses invalid UTF-8 with PNN1003 at the first bad byte.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { firstInvalidUtf8, runFmt } from "../../cli/fmt.js";
import { textSink } from "../frontend/helpers.js";

const UGLY = "network N{\ninput x:real[4]\nh=x|>f(1)\n}\n";
const PRETTY = "network N {\n  input x: real[4]\n  h = x |> f(1)\n}\n";

function folder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "pnn-fmtw-"));
}

async function fmt(file: string): Promise<{ code: number; out: string; err: string }> {
  const out = textSink();
  const err = textSink();
  const code = await runFmt([file], { check: false }, out, err);
  return { code, out: out.text(), err: err.text() };
}

describe("pnn fmt writes through links and keeps the file's identity", () => {
  it("a symbolic link stays a link; its target is formatted", async () => {
    const d = folder();
    fs.mkdirSync(path.join(d, "real"));
    const target = path.join(d, "real", "n.pnn");
    fs.writeFileSync(target, UGLY);
    const link = path.join(d, "link.pnn");
    fs.symlinkSync("real/n.pnn", link);
    expect((await fmt(link)).code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe("real/n.pnn");
    expect(fs.readFileSync(target, "utf8")).toBe(PRETTY);
    expect(fs.readdirSync(path.join(d, "real"))).toEqual(["n.pnn"]); // no temporary file left
  });

  it("hard links all see the new text (the inode is kept)", async () => {
    const d = folder();
    const a = path.join(d, "a.pnn");
    const b = path.join(d, "b.pnn");
    fs.writeFileSync(a, UGLY);
    fs.linkSync(a, b);
    const ino = fs.statSync(a).ino;
    expect((await fmt(a)).code).toBe(0);
    expect(fs.statSync(a).ino).toBe(ino);
    expect(fs.statSync(a).nlink).toBe(2);
    expect(fs.readFileSync(b, "utf8")).toBe(PRETTY);
    expect(fs.readdirSync(d).sort()).toEqual(["a.pnn", "b.pnn"]);
  });

  it("mode and owner are kept (as root: another user's file stays theirs)", async () => {
    const d = folder();
    const f = path.join(d, "m.pnn");
    fs.writeFileSync(f, UGLY);
    fs.chmodSync(f, 0o640);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) fs.chownSync(f, 1234, 5678);
    else console.log("owner check SKIPPED: not root (only root can give a file to another user)");
    expect((await fmt(f)).code).toBe(0);
    const st = fs.statSync(f);
    expect(st.mode & 0o7777).toBe(0o640);
    if (asRoot) expect([st.uid, st.gid]).toEqual([1234, 5678]);
    expect(fs.readFileSync(f, "utf8")).toBe(PRETTY);
  });

  it("invalid UTF-8 is refused with PNN1003 at the first bad byte; the bytes are unchanged (was: replaced with U+FFFD)", async () => {
    const d = folder();
    const f = path.join(d, "latin1.pnn");
    const bytes = Buffer.concat([Buffer.from("network N{\ninput x:real[4]\n// caf"), Buffer.from([0xe9]), Buffer.from("\nh=x\n}\n")]);
    fs.writeFileSync(f, bytes);
    const r = await fmt(f);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}:3:7: error PNN1003: invalid UTF-8 (byte 0xe9 at byte offset 33)`);
    expect(fs.readFileSync(f).equals(bytes)).toBe(true);
  });

  it("firstInvalidUtf8 follows RFC 3629 (overlongs, surrogates, truncation, > U+10FFFF)", () => {
    const at = (...b: number[]) => firstInvalidUtf8(Uint8Array.from(b));
    expect(at(0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80)).toBe(-1); // a é € 😀
    expect(at(0x61, 0xc0, 0x80)).toBe(1); // overlong NUL
    expect(at(0xe0, 0x80, 0x80)).toBe(0); // overlong
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // a surrogate
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // beyond U+10FFFF
    expect(at(0x61, 0xe2, 0x82)).toBe(1); // cut short
    expect(at(0x80)).toBe(0); // a lone continuation byte
    expect(at(0xef, 0xbf, 0xbd)).toBe(-1); // U+FFFD itself is fine
  });

  it("a directory, a device and a missing file are reported (exit 2), not thrown", async () => {
    const d = folder();
    for (const [f, why] of [[d, /not a regular file \(a directory\)/], ["/dev/zero", /not a regular file \(a device\)/], [path.join(d, "no.pnn"), /no such file/]] as const) {
      const r = await fmt(f);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(why);
    }
  });
});
