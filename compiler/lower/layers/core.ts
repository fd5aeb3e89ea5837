/**
 * Lowering of the core digital layers. Activations are [B, n]; weights are unbatched and
 * broadcast. dense: y = x Wᵀ + b (W stored [out, in], as PyTorch does).
 */
import type { LayerLowering } from "../context.js";
import { numConst, sliceLast } from "../context.js";

export const CORE_LOWERING: Record<string, LayerLowering> = {
  dense: ({ b }, x, a) => {
    const y = b.matmul(x, b.transpose(a.owned.weight, [1, 0]));
    return a.owned.bias ? b.add(y, a.owned.bias) : y;
  },
  gain: ({ b }, x, a) => {
    const y = b.mul(x, a.owned.gain);
    return a.owned.bias ? b.add(y, a.owned.bias) : y;
  },
  take: ({ b }, x, a) => {
    const start = numConst(a, "start") ?? 0;
    return sliceLast(b, x, start, start + (numConst(a, "count") ?? 1));
  },
  relu: ({ b }, x) => b.relu(x),
  tanh: ({ b }, x) => b.tanh(x),
  sigmoid: ({ b }, x) => b.sigmoid(x),
  softmax: ({ b }, x) => b.softmax(x, -1),
  reshape: ({ b, batch }, x, a) => b.reshape(x, [batch, numConst(a, "rows") ?? 1, numConst(a, "cols") ?? 1]),
  flatten: ({ b, batch }, x) => b.reshape(x, [batch, x.shape.slice(1).reduce((p, q) => p * q, 1)]),
};
