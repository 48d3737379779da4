/**
 * The trace model (pure TypeScript: no vscode, no DOM, no Node APIs; the extension host, the
 * webview, ipcviz and the tests share it): causal order, clocks, state at any event, stepping,
 * and a readable dump.
 */

export { TraceModel, type TraceModelOptions, type ProcessLane } from "./model";
export {
  ModelState,
  MsgLog,
  type ModelRefs,
  type BlockInfo,
  type CallInfo,
  type ThreadState,
  type ExitInfo,
  type ProcState,
  type ProcessStatus,
  type Channel,
  type QueueState,
  type PipeState,
  type Holder,
  type LockState,
  type ConditionState,
  type EventState,
  type BarrierState,
  type ValueState,
  type ProxyState,
  type ManagerState,
  type WorkerState,
  type JobState,
  type PoolState,
  type ObjState,
} from "./state";
export { splitArgs, parseDictLiteral } from "./pyRepr";
export { step, ModelCursor, type StepTarget, type StepDirection } from "./stepping";
export { dumpState, inspectState, shortSite, fullSite, objectLabel, processLabel, nameIn, shortNameIn, objectText, ms, type StateView, type StateSection, type StateRow } from "./dump";
export { KIND_NAMES, kindCode } from "./kinds";
export { CausalOrderer } from "./order";
export { VectorClocks } from "./clocks";
