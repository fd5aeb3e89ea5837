// preprocess.mjs — a drawing to the network's input, the way the training data looks: MNIST
// digits sit in a 20×20 box centred (by centre of mass) in 28×28, pixels in [0, 1]; the
// network reads them average-pooled to size×size (runtime/data/mnist.ts). Pure functions, no DOM.

/** Ink intensity [0, 1] per pixel of an RGBA image (white strokes on black, or any bright ink). */
export function inkFromRgba(rgba, width, height) {
  const ink = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) ink[i] = Math.max(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]) / 255;
  return ink;
}

/** Crops the ink to its bounding box, fits it in 20×20 (area sampling), centres its mass in 28×28. */
export function toMnist28(ink, width, height) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (ink[y * width + x] > 0.05) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
  const out = new Float32Array(28 * 28);
  if (x1 < 0) return out;
  const side = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const scale = 20 / side;
  const w = Math.max(1, Math.round((x1 - x0 + 1) * scale)), h = Math.max(1, Math.round((y1 - y0 + 1) * scale));
  const box = new Float32Array(w * h);
  for (let by = 0; by < h; by++)
    for (let bx = 0; bx < w; bx++) {
      // average of the source pixels this box pixel covers
      const sx0 = x0 + Math.floor(bx / scale), sx1 = Math.max(sx0 + 1, x0 + Math.floor((bx + 1) / scale));
      const sy0 = y0 + Math.floor(by / scale), sy1 = Math.max(sy0 + 1, y0 + Math.floor((by + 1) / scale));
      let s = 0, n = 0;
      for (let y = sy0; y < Math.min(sy1, height); y++) for (let x = sx0; x < Math.min(sx1, width); x++) { s += ink[y * width + x]; n++; }
      box[by * w + bx] = n ? s / n : 0;
    }
  let m = 0, cx = 0, cy = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const v = box[y * w + x]; m += v; cx += v * x; cy += v * y; }
  const ox = Math.round(14 - (m ? cx / m : w / 2)), oy = Math.round(14 - (m ? cy / m : h / 2));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const tx = x + ox, ty = y + oy;
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = Math.min(1, box[y * w + x]);
    }
  return out;
}

/** Average-pools 28×28 to size×size (size divides 28), as the mnist data set does. */
export function pool(img28, size) {
  const k = 28 / size;
  const out = new Float32Array(size * size);
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) {
      let s = 0;
      for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) s += img28[(r * k + dy) * 28 + c * k + dx];
      out[r * size + c] = s / (k * k);
    }
  return out;
}

export function softmax(logits) {
  const m = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}
