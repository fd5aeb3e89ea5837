// Draws images/icon.png (128×128): a Mach–Zehnder interferometer — two waveguides meeting in two
// couplers, a phase shifter on one arm — in light on a dark background. Plain Node (zlib), no
// dependencies; rerun after changing the drawing: `node scripts/icon.mjs`.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const N = 128;
const px = new Float64Array(N * N * 3);
const bg = [16, 32, 58];
for (let i = 0; i < N * N; i++) px.set(bg, i * 3);

/** Half the distance between the arms at x: close at the couplers (x = 40, 88), apart between them. */
const half = (x) => 3.5 + 19 * (1 - Math.exp(-(((x - 40) / 9) ** 2)) - Math.exp(-(((x - 88) / 9) ** 2))) * (x > 40 && x < 88 ? 1 : 0.6);
const arms = [];
for (let x = 6; x <= 122; x += 0.25) for (const s of [-1, 1]) arms.push([x, 64 + s * half(x)]);

const blend = (i, rgb, a) => { for (let k = 0; k < 3; k++) px[i * 3 + k] = px[i * 3 + k] * (1 - a) + rgb[k] * a; };
for (let y = 0; y < N; y++)
  for (let x = 0; x < N; x++) {
    let d = Infinity;
    for (const [ax, ay] of arms) if (Math.abs(ax - x) < 4) d = Math.min(d, Math.hypot(ax - x - 0.5, ay - y - 0.5));
    const a = Math.max(0, Math.min(1, 3.2 - d)); // 3 px wide, anti-aliased
    if (a > 0) blend(y * N + x, [120, 230, 255], a);
    // the phase shifter: a warm bar over the upper arm, between the couplers
    if (x >= 56 && x < 72 && y >= 64 - half(64) - 9 && y < 64 - half(64) - 5) blend(y * N + x, [255, 190, 70], 1);
  }

// PNG: 8-bit RGB, filter 0 on every row.
const raw = Buffer.alloc(N * (1 + N * 3));
for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) for (let k = 0; k < 3; k++) raw[y * (1 + N * 3) + 1 + x * 3 + k] = Math.round(px[(y * N + x) * 3 + k]);
const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const sum = Buffer.alloc(4); sum.writeUInt32BE(crc(body));
  return Buffer.concat([len, body, sum]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 2; // 8-bit, RGB
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "../images/icon.png");
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
