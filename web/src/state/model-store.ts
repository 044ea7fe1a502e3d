// Keeps the current model in IndexedDB so a reload finds it again: one record with the model
// file's bytes and the link (URL hash) it belongs to. Storage failures (no IndexedDB, private
// mode, quota) are reported as false/null, never thrown: the page works without it and says so.

const DB_NAME = 'cnn-playground';
const STORE = 'models';
const KEY = 'current';

export interface StoredModel {
  bytes: ArrayBuffer;
  /** The AppState hash the model was trained under. */
  hash: string;
  step: number;
  savedAt: number;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run<T>(
  mode: IDBTransactionMode,
  f: (s: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export async function storeModel(m: StoredModel): Promise<boolean> {
  try {
    await run('readwrite', (s) => s.put(m, KEY));
    return true;
  } catch {
    return false;
  }
}

/** The stored model; 'damaged' for a record that is not one (the caller forgets it); null: none. */
export async function loadStoredModel(): Promise<StoredModel | 'damaged' | null> {
  let m: unknown;
  try {
    if (typeof indexedDB === 'undefined') return null;
    m = await run<unknown>('readonly', (s) => s.get(KEY));
  } catch {
    return null;
  }
  if (m === undefined) return null;
  const r = m as Partial<StoredModel> | null;
  return r &&
    r.bytes instanceof ArrayBuffer &&
    typeof r.hash === 'string' &&
    typeof r.step === 'number'
    ? (r as StoredModel)
    : 'damaged';
}

export async function forgetStoredModel(): Promise<void> {
  try {
    await run('readwrite', (s) => s.delete(KEY));
  } catch {
    // nothing stored, or no storage
  }
}
