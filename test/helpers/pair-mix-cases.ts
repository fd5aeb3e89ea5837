// The pair_mix / pair_mix_grad cases both backends' op tables run against the interpreter
// (test/wasm/ops.test.ts, test/wgsl/ops.test.ts): partners an involution; odd N leaves a fixed
// point and a lone last mode; plain and adjoint, real and complex.
import type { GraphBuilder, Node } from "../../compiler/ir/graph.js";

type Build = (b: GraphBuilder, xs: Node[]) => Node;
type Add<In> = (op: string, ins: In[], build: Build, label?: string) => void;

export function addPairMixCases<In>(add: Add<In>, f: (shape: number[]) => In, c: (shape: number[]) => In): void {
  const evenPartners = (b: GraphBuilder) => b.const([1, 0, 3, 2, 5, 4], "i32", [6]);
  const oddPartners = (b: GraphBuilder) => b.const([0, 2, 1, 4, 3], "i32", [5]);
  add("pair_mix", [c([3, 6]), c([6]), c([6])], (b, [x, d, o]) => b.pairMix(x!, d!, o!, evenPartners(b)));
  add("pair_mix", [c([2, 2, 5]), c([5]), c([5])], (b, [x, d, o]) => b.pairMix(x!, d!, o!, oddPartners(b), true), "adjoint, odd");
  add("pair_mix", [f([4, 5]), f([5]), f([5])], (b, [x, d, o]) => b.pairMix(x!, d!, o!, oddPartners(b), true), "real adjoint");
  add("pair_mix_grad", [c([3, 5]), c([3, 5])], (b, [g, x]) => b.pairMixGrad(g!, x!, oddPartners(b), true), "partner, odd");
  add("pair_mix_grad", [c([4, 6]), c([4, 6])], (b, [g, x]) => b.pairMixGrad(g!, x!, evenPartners(b), false));
  add("pair_mix_grad", [f([3, 5]), f([3, 5])], (b, [g, x]) => b.pairMixGrad(g!, x!, oddPartners(b), true), "real, partner");
}
