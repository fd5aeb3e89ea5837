/**
 * Accumulates the elaborated DAG of one network while sema walks it: nodes, parameters, device
 * variables, and the instance-path naming that makes checkpoints readable
 * (`h1.PhotonicLayer.phases`, `y.dense.weight`, a second dense in the same binding `y.dense_2`).
 */
import type { Span } from "../../diagnostics/span.js";
import type { TensorType } from "../../stdlib/types.js";
import type { DeviceVarInfo, ExternalBlock, ParamInfo, SemNode } from "./model.js";

export class NetworkBuilder {
  readonly nodes: SemNode[] = [];
  readonly params: ParamInfo[] = [];
  readonly deviceVars: DeviceVarInfo[] = [];
  /** External layer instances, in the order their expansion finished (inner before outer is impossible: they cannot nest). */
  readonly externals: ExternalBlock[] = [];
  /** External layer instances that `--simulate` runs on their own device model. */
  readonly simulated: ExternalBlock[] = [];
  private readonly used = new Map<string, number>();

  add(node: SemNode): number {
    this.nodes.push(node);
    return this.nodes.length - 1;
  }

  /** A unique instance path under `prefix` for a call of `callee`. */
  instancePath(prefix: string, callee: string): string {
    const base = `${prefix}.${callee}`;
    const n = (this.used.get(base) ?? 0) + 1;
    this.used.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  }

  addParam(p: ParamInfo): number {
    this.params.push(p);
    return this.add({ op: "param", param: this.params.length - 1, type: p.type, span: p.span });
  }

  addDevice(d: DeviceVarInfo): number {
    this.deviceVars.push(d);
    return this.add({ op: "device", device: this.deviceVars.length - 1, type: d.type, span: d.span });
  }

  addConst(value: number, span: Span): number {
    const type: TensorType = { dtype: "real", shape: [] };
    return this.add({ op: "const", value, type, span });
  }
}
