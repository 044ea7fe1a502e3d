// The worker's data: MNIST from the site in shards (the first training and test shards, then the
// rest streamed in behind training, one at a time, each shard's cache write overlapping the next
// download), the user's own IDX files, and test digits for the page. A newer load stops an older
// one's stream.
import { ctx, need, post, unwrap, UserError, trainerMade, engine, type Handlers } from './engine';
import { gunzip, keptOffline, resetKeptOffline, storesSettled, type Progress } from './fetch-data';
import {
  DownloadMeter,
  fetchManifest,
  fetchShard,
  forgetShard,
  joinIdx,
  type MnistSource,
  type Shard,
  type ShardData,
} from './mnist-shards';
import { MAX_IDX_FILE_BYTES, tooLargeMessage, type DataInfo } from './protocol';
import { run } from './scheduler';

// Every data load takes the next number; a shard stream from an older load stops appending.
let dataGeneration = 0;
// The MNIST shards still to come, while they stream in behind training.
let stream: {
  source: MnistSource;
  shards: Shard[];
  imageBytes: number;
  generation: number;
  running: boolean;
  progress: Progress;
} | null = null;

export const dataHandlers: Handlers<
  'data/load-mnist' | 'data/retry' | 'data/load-files' | 'data/test-image'
> = {
  async 'data/load-mnist'(req) {
    // Downloads at once, while the engine may still be loading; the trainer is needed only to add
    // the data. Without an init before this request, the default engine loads as for any request.
    const engineReady = ctx.modulePromise ? trainerMade : engine();
    const generation = ++dataGeneration;
    stream = null;
    resetKeptOffline();
    const progress = byteCounter(generation);
    const manifest = await fetchManifest(req, progress.report);
    progress.setManifest(manifest);
    const imageBytes = manifest.rows * manifest.cols;
    if (req.testOnly) {
      // Test only: the whole test set in both places (this worker never trains).
      const parts = await Promise.all(
        manifest.shards
          .filter((s) => s.set === 'test')
          .map((s) => fetchShard(req, s, imageBytes, progress.report)),
      );
      parts.sort((a, b) => a.shard.start - b.shard.start);
      const images = parts.map((p) => p.images).reduce(joinIdx);
      const labels = parts.map((p) => p.labels).reduce(joinIdx);
      const names = ['MNIST test images', 'MNIST test labels'];
      await Promise.all([engineReady, storesSettled()]);
      return setData([images, labels, images, labels], 'the MNIST test set', [...names, ...names], {
        bytesTotal: manifest.bytes,
        keptOffline: keptOffline(),
      });
    }
    // The first training and test shards together, then training can start; the rest streams.
    const first = (set: 'train' | 'test') =>
      manifest.shards.find((s) => s.set === set && s.start === 0)!;
    const [train, test] = await Promise.all(
      [first('train'), first('test')].map((s) => fetchShard(req, s, imageBytes, progress.report)),
    );
    await Promise.all([engineReady, storesSettled()]);
    if (generation !== dataGeneration)
      throw new UserError('another data set was chosen meanwhile', 'state');
    const names = [
      train.shard.images.file,
      train.shard.labels.file,
      test.shard.images.file,
      test.shard.labels.file,
    ];
    setData([train.images, train.labels, test.images, test.labels], 'MNIST', names, {
      trainTotal: manifest.train,
      testTotal: manifest.test,
      bytesTotal: manifest.bytes,
      keptOffline: keptOffline(),
    });
    unwrap(need().setFullTrainCount(manifest.train));
    const rest = manifest.shards.filter((s) => s.start !== 0);
    stream = {
      source: { baseUrl: req.baseUrl, files: req.files },
      shards: rest,
      imageBytes,
      generation,
      running: false,
      progress: progress.report,
    };
    const arrived = [train, test].reduce(
      (a, d) => a + d.shard.images.bytes + d.shard.labels.bytes,
      0,
    );
    ctx.dataInfo = {
      ...ctx.dataInfo!,
      epochSize: manifest.train,
      bytesLoaded: arrived,
      arriving: rest.length > 0,
    };
    void streamShards();
    return ctx.dataInfo;
  },

  'data/retry'() {
    if (!ctx.dataInfo) throw new UserError('load a data set first', 'state');
    if (stream && !stream.running && stream.shards.length) {
      ctx.dataInfo = { ...ctx.dataInfo, arriving: true, streamError: undefined };
      void streamShards();
    }
    return ctx.dataInfo;
  },

  async 'data/load-files'(req) {
    ++dataGeneration;
    stream = null;
    const f = req.files;
    const buffers = [f.trainImages, f.trainLabels, f.testImages, f.testLabels];
    // The page refuses such files before reading them; this guards the engine's memory as well.
    buffers.forEach((b, i) => {
      if (b.byteLength > MAX_IDX_FILE_BYTES)
        throw new UserError(tooLargeMessage(req.names[i], b.byteLength), 'too-large');
    });
    const raw = await Promise.all(
      buffers.map((b, i) =>
        gunzip(new Uint8Array(b), req.names[i], MAX_IDX_FILE_BYTES).catch((e: Error) => {
          throw new UserError(e.message, e.name === 'RangeError' ? 'too-large' : 'data');
        }),
      ),
    );
    return setData(raw, req.names.join(', '), req.names);
  },

  'data/test-image'(req) {
    if (!ctx.dataInfo)
      throw new UserError('load MNIST first: the test digits come from its test set', 'state');
    return unwrap(need().testImage(req.index));
  },
};

function setData(
  raw: Uint8Array[],
  source: string,
  names: readonly string[],
  whole: Partial<DataInfo> = {},
): DataInfo {
  const t = need();
  // The core names the file and its role: "train.gz (training images): ...".
  const info = unwrap(t.setData(raw[0], raw[1], raw[2], raw[3], [...names]));
  ctx.testSet = { images: raw[2], labels: raw[3] };
  ctx.dataInfo = {
    ...info,
    source,
    trainTotal: info.trainCount,
    testTotal: info.testCount,
    bytesLoaded: whole.bytesTotal ?? 0,
    bytesTotal: 0,
    arriving: false,
    keptOffline: true,
    ...whole,
  };
  run.stepsPerEpoch = 0;
  return ctx.dataInfo;
}

// At most one 'data/progress' in this many ms (and the last one): a message per chunk read, a few
// hundred a second from a fast disk or link, re-rendered the page each time and slowed the load.
const PROGRESS_INTERVAL_MS = 100;

/** 'data/progress' for one data load, silent once another load has started. */
function byteCounter(generation: number): DownloadMeter {
  let last = -Infinity;
  return new DownloadMeter((file, loaded, total, fromCache) => {
    if (generation !== dataGeneration) return;
    const now = performance.now();
    if (now - last < PROGRESS_INTERVAL_MS && loaded < total) return;
    last = now;
    post({ type: 'data/progress', file, loaded, total, fromCache });
  });
}

/**
 * Fetches the remaining MNIST shards one after another (so each gets the whole bandwidth) and
 * appends each to the trainer's data between training chunks. A failed shard stops the stream
 * with one sentence in DataInfo.streamError; training goes on with what arrived, and 'data/retry'
 * resumes.
 */
async function streamShards(): Promise<void> {
  const s = stream;
  if (!s || s.running) return;
  s.running = true;
  const current = () => s.generation === dataGeneration && stream === s;
  // Each shard's download starts as the one before it has arrived, before that one is unpacked
  // and appended: one download at a time (each has the whole link), and the link never waits for
  // the worker. arriving[k] is the shard s.shards[k] (both lose their first as it is appended).
  // The downloads stop with the stream (a shard refused, or a newer load).
  const arriving: Array<Promise<ShardData>> = [];
  const todo = [...s.shards];
  let stopped = false;
  const download = (i: number): void => {
    if (i >= todo.length || stopped || !current()) return;
    const p = fetchShard(s.source, todo[i], s.imageBytes, s.progress, () => download(i + 1));
    p.catch(() => {}); // awaited below, or dropped with a stream that stopped
    arriving.push(p);
  };
  download(0);
  try {
    while (s.shards.length) {
      const shard = s.shards[0];
      let data: ShardData;
      try {
        data = await arriving.shift()!;
        if (!current()) return;
        try {
          appendShard(data);
        } catch (e) {
          await forgetShard(s.source, shard); // the core refused it: download it afresh on Retry
          throw e;
        }
      } catch (e) {
        if (!current()) return;
        const n = (x: number) => x.toLocaleString('en-US');
        const set = shard.set === 'train' ? 'training' : 'test';
        const have = shard.set === 'train' ? ctx.dataInfo!.trainCount : ctx.dataInfo!.testCount;
        const message = `MNIST ${set} images ${n(shard.start + 1)}–${n(shard.start + shard.count)} did not arrive: ${(e as Error).message}; the page goes on with the ${n(have)} ${set} images that did.`;
        ctx.dataInfo = { ...ctx.dataInfo!, arriving: false, streamError: message };
        post({ type: 'data/grown', info: ctx.dataInfo });
        return;
      }
      s.shards.shift();
      // The shards' cache writes run behind the downloads; the last shard waits for them, so
      // the set is reported complete only with keptOffline true or false for all of it.
      if (!s.shards.length) {
        await storesSettled();
        if (!current()) return;
      }
      ctx.dataInfo = {
        ...ctx.dataInfo!,
        arriving: s.shards.length > 0,
        streamError: undefined,
        keptOffline: keptOffline(),
      };
      post({ type: 'data/grown', info: ctx.dataInfo });
    }
  } finally {
    stopped = true;
    s.running = false;
  }
}

function appendShard(d: ShardData): void {
  const t = need();
  const train = d.shard.set === 'train';
  const info = unwrap(train ? t.appendTrain(d.images, d.labels) : t.appendTest(d.images, d.labels));
  if (!train)
    ctx.testSet = {
      images: joinIdx(ctx.testSet!.images, d.images),
      labels: joinIdx(ctx.testSet!.labels, d.labels),
    };
  const bytes = d.shard.images.bytes + d.shard.labels.bytes;
  ctx.dataInfo = {
    ...ctx.dataInfo!,
    trainCount: info.trainCount,
    testCount: info.testCount,
    bytesLoaded: Math.min(ctx.dataInfo!.bytesLoaded + bytes, ctx.dataInfo!.bytesTotal),
  };
}
