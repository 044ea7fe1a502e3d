// The training runs the Runs panel lists: their record, the check that a stored or imported record
// is one (nothing read from IndexedDB or a file is trusted), the export file, and their storage in
// IndexedDB (a database of its own, one record per run). Storage failures (no IndexedDB, private
// mode, quota) are reported as false/null, never thrown: the panel then keeps runs in memory and
// says so. It does not record anything: the RunTracker (web/src/ui/run-tracker.ts) does.
import { isSpecShape } from './app-state';
import type { ModelSpec } from './spec';

/** The most runs kept; past it the oldest go. */
export const MAX_RUNS = 50;
/** Points kept per curve: past it every other point goes (the curve keeps its shape). */
export const MAX_POINTS = 1000;
/** The export file's `format`, and its version. */
export const RUNS_FORMAT = 'cnn-playground-runs';
export const RUNS_VERSION = 1;
/** Files larger than this are refused before they are read. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

export interface RunRecord {
  id: string;
  /** "Run 3": numbers grow over the list's life. */
  number: number;
  name: string;
  /** The preset the model came from ('' for a loaded file). */
  preset: string;
  /** Whether the network (layers) is the preset's, the hyper-parameters aside. */
  presetNetwork: boolean;
  /** The spec with every hyper-parameter, as the run started. */
  spec: ModelSpec;
  threads: number;
  /** Date.now() at the first step, and at the last change. */
  startedAt: number;
  updatedAt: number;
  /** Wall seconds of training (pauses not counted). */
  seconds: number;
  step: number;
  epoch: number;
  /** [epoch, training loss, training-batch accuracy] per chunk of steps. */
  steps: Array<[number, number, number]>;
  /** [epoch, test accuracy, test loss, test images used] per evaluation. */
  evals: Array<[number, number, number, number]>;
  /** The last test accuracy, with the test images it used of how many. */
  final: { accuracy: number; count: number; total: number } | null;
  /** Hyper-parameters changed while the run trained, as "lr 0.01 at step 40". */
  changes: string[];
}

/** Drops every other point of a curve that passed MAX_POINTS (the last point stays). */
export function thin<T>(points: T[]): T[] {
  if (points.length <= MAX_POINTS) return points;
  const last = points[points.length - 1];
  const out = points.filter((_, i) => i % 2 === 0);
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

// ---- checking a record -----------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const tuples = (v: unknown, n: number) =>
  Array.isArray(v) &&
  v.length <= 4 * MAX_POINTS &&
  v.every((t) => Array.isArray(t) && t.length === n && t.every(finite));

/** Why `v` is not a run record (a phrase), or null when it is one. */
export function runProblem(v: unknown): string | null {
  if (!isObject(v)) return 'it is not an object';
  if (typeof v.id !== 'string' || !v.id || v.id.length > 100) return 'it has no id';
  if (!finite(v.number) || typeof v.name !== 'string' || v.name.length > 200)
    return 'its number or name is missing';
  if (typeof v.preset !== 'string' || typeof v.presetNetwork !== 'boolean')
    return 'its preset is missing';
  if (!isSpecShape(v.spec)) return 'its model spec is not one';
  if (![v.threads, v.startedAt, v.updatedAt, v.seconds, v.step, v.epoch].every(finite))
    return 'its times or step counts are not numbers';
  if (!tuples(v.steps, 3) || !tuples(v.evals, 4)) return 'its curves are not lists of numbers';
  const f = v.final;
  if (f !== null && !(isObject(f) && finite(f.accuracy) && finite(f.count) && finite(f.total)))
    return 'its final accuracy is not a number';
  if (!Array.isArray(v.changes) || !v.changes.every((c) => typeof c === 'string'))
    return 'its list of changes is not text';
  return null;
}

/** A copy of a checked record holding only the known fields (unknown keys are dropped). */
function cleanRun(v: RunRecord): RunRecord {
  return {
    id: v.id,
    number: v.number,
    name: v.name,
    preset: v.preset,
    presetNetwork: v.presetNetwork,
    spec: structuredClone(v.spec),
    threads: v.threads,
    startedAt: v.startedAt,
    updatedAt: v.updatedAt,
    seconds: v.seconds,
    step: v.step,
    epoch: v.epoch,
    steps: v.steps.map((t) => [t[0], t[1], t[2]]),
    evals: v.evals.map((t) => [t[0], t[1], t[2], t[3]]),
    final: v.final
      ? { accuracy: v.final.accuracy, count: v.final.count, total: v.final.total }
      : null,
    changes: [...v.changes],
  };
}

// ---- the export file -------------------------------------------------------------------------

export function exportRuns(runs: RunRecord[]): string {
  return JSON.stringify({ format: RUNS_FORMAT, version: RUNS_VERSION, runs }, null, 1);
}

/** The runs of an export file, or the one sentence that says why it is not one. */
export function parseRunsFile(text: string, fileName: string): RunRecord[] | string {
  const not = `${fileName} is not a runs file exported by this playground`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return `${not} (it is not JSON); nothing was imported.`;
  }
  if (!isObject(data) || data.format !== RUNS_FORMAT || !Array.isArray(data.runs))
    return `${not}; nothing was imported.`;
  if (data.version !== RUNS_VERSION)
    return `${fileName} was exported by another version of the playground (runs file version ${String(data.version)}); nothing was imported.`;
  const runs: RunRecord[] = [];
  for (let i = 0; i < data.runs.length; i++) {
    const why = runProblem(data.runs[i]);
    if (why) return `${not}: its run ${i + 1} is damaged (${why}); nothing was imported.`;
    runs.push(cleanRun(data.runs[i] as RunRecord));
  }
  return runs;
}

/** The list with `incoming` added (runs already present, by id, are skipped), newest MAX_RUNS kept. */
export function mergeRuns(
  list: RunRecord[],
  incoming: RunRecord[],
): { list: RunRecord[]; added: number; skipped: number; dropped: number } {
  const have = new Set(list.map((r) => r.id));
  const fresh = incoming.filter((r) => !have.has(r.id) && have.add(r.id));
  const all = [...list, ...fresh].sort((a, b) => a.startedAt - b.startedAt);
  const dropped = Math.max(0, all.length - MAX_RUNS);
  return {
    list: all.slice(dropped),
    added: fresh.length,
    skipped: incoming.length - fresh.length,
    dropped,
  };
}

// ---- IndexedDB -------------------------------------------------------------------------------

const DB_NAME = 'cnn-playground-runs';
const STORE = 'runs';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') throw new Error('no IndexedDB');
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T> | void) {
  const db = await open();
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = f(t.objectStore(STORE));
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

/** The stored runs, oldest first, damaged records left out; null when there is no storage. */
export async function loadRuns(): Promise<{ runs: RunRecord[]; damaged: number } | null> {
  let all: unknown;
  try {
    all = await tx<unknown[]>('readonly', (s) => s.getAll());
  } catch {
    return null;
  }
  const list = Array.isArray(all) ? all : [];
  const runs = list.filter((r) => runProblem(r) === null).map((r) => cleanRun(r as RunRecord));
  runs.sort((a, b) => a.startedAt - b.startedAt);
  return { runs, damaged: list.length - runs.length };
}

export async function storeRun(run: RunRecord): Promise<boolean> {
  try {
    await tx('readwrite', (s) => void s.put(run));
    return true;
  } catch {
    return false;
  }
}

export async function deleteStoredRuns(ids: string[]): Promise<boolean> {
  try {
    await tx('readwrite', (s) => {
      for (const id of ids) s.delete(id);
    });
    return true;
  } catch {
    return false;
  }
}
