/**
 * Learning rules, runtime side: the contract between the trainer and one rule's stepper (the
 * rule's module, compiler/rules/, defines it; the driver hands it to the trainer). The trainer
 * owns the loop (epochs, shuffling, batches, the optimizer, checkpoints, evaluation); a stepper
 * owns one step — turning a batch into a loss, logits and a parameter update — and says what
 * the step cost: device queries (what a real chip would be asked to do) and digital FLOPs.
 * Steps may be asynchronous (a GPU backend reads results back asynchronously).
 */
import type { Span } from "../../diagnostics/span.js";
import type { Executable, Tensor } from "../backend.js";
import type { ProgramManifest } from "../manifest.js";
import type { ModelSpec } from "../model.js";
import type { OptimizerConfig, OptimizerState } from "../optim.js";

export type Params = Map<string, Float64Array>;

/** What a rule's step cost. Device queries are counted per sample (one forward pass of one input). */
export interface StepCost {
  /** Forward passes of one sample on the (simulated) device. */
  deviceForwards?: number;
  /** Relaxations of an energy-based device to a steady state (per sample). */
  relaxations?: number;
  /** Intensity or voltage measurements made on the device beyond plain forward outputs. */
  measurements?: number;
  /** Digital floating-point operations (gradient computation, updates). */
  digitalFlops?: number;
}

export interface StepResult {
  /** Weighted mean loss of the batch (NaN/∞ → the trainer reports divergence). */
  readonly loss: number;
  /** Batch logits, row-major [batch, classes], for the running training accuracy. */
  readonly logits: ArrayLike<number>;
  /**
   * The update direction per parameter path, as a gradient (the optimizer steps against it), or
   * undefined when the rule has already changed `params` itself (e.g. a closed-form fit).
   */
  readonly grads?: ReadonlyMap<string, ArrayLike<number>>;
  readonly cost: StepCost;
}

/** One training batch: x [batch, features], labels, per-row weights (zero for padding rows), the step's random key. */
export interface BatchInput {
  readonly x: Tensor;
  readonly labels: Tensor;
  readonly weights: Tensor;
  readonly key: Tensor;
  /** Real rows in this batch (the rest are zero-weight padding). */
  readonly n: number;
  /** Optimizer step counter (0-based), for per-step randomness. */
  readonly step: number;
  /**
   * Which fixed shard of the step's batch this is (data-parallel training, docs/scaling.md);
   * absent or 0 for an unsharded batch. Host-side randomness that differs per sample (in-situ
   * measurement noise, local learning's negatives) is keyed by it; randomness that must be the
   * same for the whole batch (zeroth-order perturbations, a resampled chip) is not.
   */
  readonly shard?: number;
  /**
   * The batch's rows in the training split, in batch order (n of them), when the stepper reads
   * them itself (RuleStepper.readsRows); x is then not filled.
   */
  readonly rows?: Int32Array;
}

export interface RuleContext {
  readonly spec: ModelSpec;
  /** The rule's own programs, by name. */
  readonly programs: Readonly<Record<string, Executable>>;
  /** What each program's inputs and outputs are (roles), by program name. */
  readonly manifests: Readonly<Record<string, ProgramManifest>>;
  /** Digital FLOPs of one run of each program, by name. */
  readonly flops: Readonly<Record<string, number>>;
  /**
   * Parameters, updated in place by the optimizer: bind them once. A step reads them and never
   * writes them (a rule that measures at perturbed parameters perturbs its own copy): the shards
   * of a data-parallel step read the same shared arrays at once. Only a rule's own update (a
   * step without gradients, or a ShardMerger) writes them.
   */
  readonly params: Params;
  /** The simulated chip the run trains on (chip 0), when the network has a device model. */
  readonly chip?: Params;
  readonly seed: number;
  /** Rows in the training split (one epoch), for rules that make one pass over the data. */
  readonly trainSamples?: number;
  /**
   * The trainer's optimizer and its state, for rules whose program does the update itself
   * (runtime/rules/fused-optim.ts); they read the state and never count the step.
   */
  readonly optimizer?: { readonly config: OptimizerConfig; readonly state: OptimizerState };
  /** Where a run-time error of the rule points (the train block). */
  readonly span?: Span;
}

export interface RuleStepper {
  step(batch: BatchInput): StepResult | Promise<StepResult>;
  /**
   * A stepper that keeps parameters and optimizer state inside an executable between steps
   * (runtime/rules/fused-optim.ts, resident) copies them into the context's arrays here. The
   * trainer calls it before it reads them: evaluation, checkpoints, the end of the run.
   */
  sync?(): Promise<void>;
  /**
   * The stepper reads the batch's rows from the training split itself (data-parallel training:
   * each thread its own shard's rows, runtime/parallel/resident.ts), so the trainer passes their
   * indices (BatchInput.rows) and does not copy x, which one thread would do for all.
   */
  readonly readsRows?: boolean;
  /**
   * Whether a step reads the context's parameter arrays on the host (perturbing them, reading
   * values), beyond binding them as program inputs. `false` lets the resident data-parallel step
   * bring the float64 parameters up to date only when the trainer syncs (resident.ts); absent
   * means it may.
   */
  readonly readsParams?: boolean;
}

// ── data-parallel training (runtime/parallel/, docs/scaling.md) ────────────────

/** One shard's step: its part of the loss (Σ w·loss over its rows), its logits, and what is summed over the shards. */
export interface ShardResult {
  readonly loss: number;
  readonly logits: ArrayLike<number>;
  /** By name (a parameter path for gradients): summed over the step's shards in shard order. */
  readonly sums: ReadonlyMap<string, ArrayLike<number>>;
  readonly cost: StepCost;
}

/** A rule's step on one shard of a batch (a worker thread runs it on its own copy of the parameters). */
export interface ShardStepper {
  /** The length of every sum it returns, by name (shared memory is laid out from it before the first step). */
  readonly sums: ReadonlyMap<string, number>;
  step(batch: BatchInput): ShardResult | Promise<ShardResult>;
  /** As RuleStepper.readsParams. */
  readonly readsParams?: boolean;
}

/** Applies the shards' summed sums of one step to the parameters (on the main thread): a rule's own update. */
export interface ShardMerger {
  merge(sums: ReadonlyMap<string, ArrayLike<number>>, batch?: { readonly n: number; readonly step: number }): StepCost | void;
}
