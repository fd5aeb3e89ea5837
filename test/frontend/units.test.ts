// Units in source text: SI prefixes including the micro sign (µ U+00B5 and Greek μ U+03BC, which
// users type interchangeably), checked through the whole front end.
import { describe, expect, it } from "vitest";
import { parseUnit } from "../../compiler/units.js";
import { checkText } from "./helpers.js";

describe("units", () => {
  it("µm, μm and um are the same length", () => {
    for (const u of ["\u00b5m", "\u03bcm", "um"]) expect(parseUnit(u)).toEqual({ dim: parseUnit("m")!.dim, scale: 1e-6 });
  });

  it("a constant written with µ checks clean, and a mismatch names the unit", () => {
    expect(checkText("const pitch = 8 \u00b5m\nconst w = 1.55 \u03bcm\n")).toEqual([]);
    const ds = checkText('import freespace from "std/freespace"\nconst z = 5 \u00b5s\nnetwork N {\n  input x: real[4, 4]\n  output y = x |> freespace.propagate(distance: z, wavelength: 1 um, pitch: 8 um) |> flatten\n}\n');
    expect(ds.map((d) => d.code)).toContain("PNN3001");
  });
});

describe("units are checked everywhere a quantity flows, and notes point at where a unit was written", () => {
  const layer = (decls: string, body: string) =>
    `import optics from "std/optics"\nlayer M(n: int) {\n${decls}\n  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, ${body})\n}\nnetwork N {\n  input x: real[4]\n  output y = x |> optics.amplitude_encode |> M(n: 4) |> optics.photodetect\n}\n`;
  /** The diagnostics of `text` as [code, message, [note, the text the note points at]…]. */
  const said = (text: string) => checkText(text).map((d) => [d.code, d.message, ...(d.related ?? []).map((r) => [r.message, text.slice(r.span.start, r.span.end)])]);

  it("two units in one distribution: normal(0 rad, 3 mm), uniform(0 rad, 5 mm)", () => {
    const text = layer("  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)\n  device err: real[n * (n - 1)] ~ normal(0 rad, 3 mm)", "phases");
    expect(said(text)).toEqual([["PNN3001", "normal's mean is an angle (rad) but its std is a length (mm); write both in one unit", ["an angle (rad) written here", "rad"], ["a length (mm) written here", "mm"]]]);
    const u = layer("  param phases: real[n * (n - 1)] init uniform(0 rad, 5 mm)", "phases");
    expect(said(u)[0]!.slice(0, 2)).toEqual(["PNN3001", "uniform's bounds differ in units: an angle (rad) and a length (mm)"]);
    // a plain zero fits any unit
    expect(checkText(layer("  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)\n  device err: real[n * (n - 1)] ~ normal(0, 0.02 rad)", "phases + err"))).toEqual([]);
  });

  it("a constant where a distribution is expected is refused", () => {
    expect(said(layer("  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)\n  device e: real[n * (n - 1)] ~ 5 mm", "phases + e"))[0]!.slice(0, 2)).toEqual(["PNN3004", "a device variable needs a distribution like normal(0 rad, 0.02 rad), got a number"]);
  });

  it("millimetres added to radians: the notes point at the units of the parameter and the device variable", () => {
    const text = layer("  param phases: real[n * (n - 1)] init uniform(0 rad, 6.28 rad)\n  device err: real[n * (n - 1)] ~ normal(0 mm, 3 mm)", "phases + err");
    expect(said(text)).toEqual([["PNN3001", "cannot add an angle (rad) and a length (mm)", ["an angle (rad) written here", "rad"], ["a length (mm) written here", "mm"]]]);
  });

  it("a unit carried through a constant and a layer parameter still points at where it was written", () => {
    const text = `import optics from "std/optics"\nconst sigma = 3 mm\nlayer M(n: int, s: real = sigma) {\n  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)\n  device err: real[n * (n - 1)] ~ normal(0, s)\n  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, phases + err)\n}\nnetwork N {\n  input x: real[4]\n  output y = x |> optics.amplitude_encode |> M(n: 4) |> optics.photodetect\n}\n`;
    const ds = checkText(text);
    expect(ds.map((d) => d.code)).toEqual(["PNN3001"]);
    const note = ds[0]!.related![0]!;
    expect([note.span.line, text.slice(note.span.start, note.span.end)]).toEqual([2, "mm"]);
  });

  it("a plain number added to a length, constant or tensor, is refused; plain zero is not", () => {
    expect(said("const a = 1 mm + 2")[0]!.slice(0, 2)).toEqual(["PNN3001", "cannot add a length (mm) and a plain number"]);
    expect(checkText("const a = 1 mm + 0\nconst b = 0 + 2 s\n")).toEqual([]);
    const net = (expr: string) => `layer L(n: int) {\n  device e: real[n] ~ normal(0 mm, 1 mm)\n  forward(x: real[n]) -> real[n] = ${expr}\n}\nnetwork N {\n  input x: real[4]\n  output y = x |> L(n: 4)\n}\n`;
    expect(checkText(net("x + e")).map((d) => d.code)).toEqual(["PNN3001"]);
    expect(checkText(net("x * e + 0"))).toEqual([]);
    expect(checkText(net("e * 2 + e"))).toEqual([]);
  });

  it("a parameter's range and init are one quantity", () => {
    const text = `layer L(n: int) {\n  param g: real[n] init uniform(1 uS, 10 uS) range 0 V .. 1 V\n  forward(x: real[n]) -> real[n] = x * g\n}\nnetwork N {\n  input x: real[4]\n  output y = x |> L(n: 4)\n}\n`;
    expect(said(text)).toEqual([["PNN3001", "the range of 'g' is a voltage (V) but its init is a conductance (S)", ["a voltage (V) written here", "V"], ["a conductance (S) written here", "uS"]]]);
  });
});
