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
