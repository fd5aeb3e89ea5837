// bench/peers/weights.mjs — the one set of MLP weights and inputs every engine in the bench
// runs (Glorot-uniform from a fixed-seed xorshift generator), and a float64 reference forward
// pass to check each engine's output against.

export const SIZES = [784, 128, 10];

function xorshift(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export function mlpWeights(seed = 1234) {
  const r = xorshift(seed);
  const [nin, nh, nout] = SIZES;
  const glorot = (a, b) => Float32Array.from({ length: a * b }, () => (2 * r() - 1) * Math.sqrt(6 / (a + b)));
  return {
    sizes: SIZES,
    w1: glorot(nin, nh),
    b1: Float32Array.from({ length: nh }, () => 0.1 * (r() - 0.5)),
    w2: glorot(nh, nout),
    b2: Float32Array.from({ length: nout }, () => 0.1 * (r() - 0.5)),
  };
}

export function inputs(batch, seed = 99) {
  const r = xorshift(seed + batch);
  return Float32Array.from({ length: batch * SIZES[0] }, () => r());
}

export function labels(batch, seed = 7) {
  const r = xorshift(seed + batch);
  return Int32Array.from({ length: batch }, () => Math.floor(r() * SIZES[2]));
}

/** float64 forward pass: relu(x W1 + b1) W2 + b2, row-major [batch, out]. */
export function referenceForward(w, x, batch) {
  const [nin, nh, nout] = w.sizes;
  const y = new Float64Array(batch * nout);
  const h = new Float64Array(nh);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < nh; j++) {
      let s = w.b1[j];
      for (let i = 0; i < nin; i++) s += x[b * nin + i] * w.w1[i * nh + j];
      h[j] = Math.max(s, 0);
    }
    for (let k = 0; k < nout; k++) {
      let s = w.b2[k];
      for (let j = 0; j < nh; j++) s += h[j] * w.w2[j * nout + k];
      y[b * nout + k] = s;
    }
  }
  return y;
}

export function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** float64 mean softmax cross-entropy of the forward pass against integer labels. */
export function referenceLoss(w, x, y, batch) {
  const z = referenceForward(w, x, batch);
  const n = w.sizes[2];
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const row = z.subarray(b * n, (b + 1) * n);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    total += lse - row[y[b]];
  }
  return total / batch;
}
