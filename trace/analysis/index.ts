/**
 * Diagnosis of a trace model (pure TypeScript, shared by the extension host, the webview, ipcviz
 * and the tests): deadlocks (cycles and stalls, finished or live), potential deadlocks by lock
 * order, hazards, and the summary fields.
 */

export { diagnose, liveDeadlocks, diagnosisIndices, lastActivity, type DiagnoseOptions } from "./diagnose";
export { LiveHangDetector, type LiveHangOptions, type LiveHangReport } from "./live";
export {
  addDiagnosisToSummary,
  diagnosisSummaryFields,
  formatDiagnosis,
  type DiagnosisSummaryFields,
  type SummaryDeadlock,
  type SummaryHazard,
  type SummaryPotentialDeadlock,
} from "./summaryFields";
export { findStuck, analyseWait, WaitContext, type WaitAnalysis, type WaitKind, type StuckResult } from "./waits";
export { explainStuck, who } from "./explain";
export type { Deadlock, PotentialDeadlock, Hazard, HazardKind, Diagnosis, WaitReport } from "./types";
