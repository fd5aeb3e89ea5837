/**
 * The bridge between a `file` argument's text and a programmed mesh: reads the matrix (and says
 * which diagnostic applies when it cannot), and decomposes it for lowering (cached by text and
 * topology, since one layer is lowered several times: twin, device, training).
 *   unitary: U = M(phases) · diag(e^{i·inputPhases})                        (decompose.ts)
 *   weights: W = gain · M_U · diag(attenuation) · M_V† (SVD, programMatrix in decompose.ts)
 */
import type { DiagnosticCode } from "../../diagnostics/catalog.js";
import type { CMatrix } from "./cmatrix.js";
import { decompose, programMatrix, type MatrixProgram, type MeshProgram } from "./decompose.js";
import { isUnitary, parseMatrixCsv, UNITARY_TOLERANCE } from "./matrix-file.js";
import type { Topology } from "./topology.js";

export type ProgrammedRead = { readonly ok: true; readonly matrix: CMatrix } | { readonly ok: false; readonly message: string; readonly code: DiagnosticCode };

/** `text`: the matrix file's contents (a `file` argument's value). */
export function readProgrammedMatrix(text: string | undefined, kind: "unitary" | "weights"): ProgrammedRead {
  if (text === undefined) return { ok: false, message: "a matrix file is required", code: "PNN2040" };
  const read = parseMatrixCsv(text);
  if (!read.ok) return { ok: false, message: read.message, code: read.kind === "not_square" ? "PNN2042" : "PNN2041" };
  if (kind === "unitary") {
    const u = isUnitary(read.matrix);
    if (!u.ok)
      return { ok: false, code: "PNN3040", message: `the matrix is not unitary (max |UᴴU − I| = ${u.error.toPrecision(3)} > ${UNITARY_TOLERANCE}); a lossless mesh can only realise a unitary — write more digits, or use optics.weights for a general matrix` };
  }
  return { ok: true, matrix: read.matrix };
}

const unitaries = new Map<string, MeshProgram>();
const matrices = new Map<string, MatrixProgram>();

function matrixOf(text: string): CMatrix {
  const read = parseMatrixCsv(text);
  if (!read.ok) throw new Error(`programmed matrix: ${read.message} (the checker should have refused it)`);
  return read.matrix;
}

export function unitaryProgram(text: string, topology: Topology): MeshProgram {
  const key = `${topology}\n${text}`;
  let p = unitaries.get(key);
  if (!p) unitaries.set(key, (p = decompose(matrixOf(text), topology)));
  return p;
}

export function weightsProgram(text: string, topology: Topology): MatrixProgram {
  const key = `${topology}\n${text}`;
  let p = matrices.get(key);
  if (!p) matrices.set(key, (p = programMatrix(matrixOf(text), topology)));
  return p;
}
