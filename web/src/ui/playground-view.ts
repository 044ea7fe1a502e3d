// What <cnn-playground> renders besides its banners: the header and the two columns of panels,
// each panel given its slice of the element's state and its events wired to the element's actions.
import { html } from 'lit';
import { encodeCompare, isPresetNetwork, MAX_COMPARE } from '../state/app-state';
import type { ConvExample } from '../lessons/lessons';
import type { Hparams, ModelSpec } from '../state/spec';
import type { IdxFiles, PadModel } from '../worker/protocol';
import type { RunRecord } from '../state/run-store';
import type { CnnPlayground } from './cnn-playground';
import type { ImportResult } from './runs-panel';

/** The full page with this state, for the embed header's "open" link. */
function fullPageUrl(p: CnnPlayground): string {
  const u = new URL(location.href);
  u.searchParams.delete('embed');
  u.hash = p.hash.link(p.appState);
  return u.href;
}

/** The ticked runs as the value of `runs=` (two to MAX_COMPARE of them), or ''. */
function compareLink(p: CnnPlayground): string {
  const setups = p.selectedSetups;
  return setups.length >= 2 && setups.length <= MAX_COMPARE
    ? encodeCompare(setups, p.hash.presets)
    : '';
}

/** The page's header, the embedded iframe's compact one, or only the lesson note inside a host page. */
export function renderHeader(p: CnnPlayground) {
  const hidden = p.appState?.hide.length ?? 0;
  const lessonNote = hidden
    ? html`<p class="lesson" data-testid="lesson-note">
        A lesson view: ${hidden} ${hidden === 1 ? 'part is' : 'parts are'} hidden.
        <button class="link" data-testid="show-all" @click=${() => p.setHide([])}>
          Show everything
        </button>
      </p>`
    : '';
  if (p.embed) {
    return html`<header class="header compact">
      <h1>CNN Playground</h1>
      ${lessonNote}
      <a class="open" href=${fullPageUrl(p)} target="_blank" rel="noopener" data-testid="open-full"
        >Open the full playground<span aria-hidden="true"> ↗</span></a
      >
    </header>`;
  }
  // Embedded in someone else's page: no landmarks of our own (the host page has its header and main).
  if (!p.syncUrl) return lessonNote ? html`<div class="header compact">${lessonNote}</div>` : '';
  return html`
    <header class="header">
      <h1>CNN Playground</h1>
      <p>
        Train a convolutional network on MNIST in your browser: WebAssembly SIMD in a worker,
        nothing leaves the page.
      </p>
      ${lessonNote}
    </header>
  `;
}

/** The two columns of panels; a lesson's hidden panels are not rendered at all. */
export function renderColumns(p: CnnPlayground, left: boolean, right: boolean) {
  const s = p.appState;
  const on = (k: string) => p.shown(k);
  return html`
    <div class="col" ?hidden=${!left}>
      ${
        // The full page lists the lessons; an embedded playground (an element in a host page, or
        // the ?embed=1 iframe) only when its link names one, so a teacher's embed shows what it
        // was made to show.
        on('lessons') && s && ((p.syncUrl && !p.embed) || s.lesson)
          ? html`<cnn-lessons-panel
              .current=${s.lesson ?? ''}
              .hparams=${p.hparams}
              ?links=${p.syncUrl}
              @lesson-open=${(e: CustomEvent<{ id: string; fix?: boolean; example?: ConvExample['example'] }>) => p.openLesson(e.detail.id, e.detail)}
            ></cnn-lessons-panel>`
          : ''
      }
      ${
        on('data')
          ? html`<cnn-data-panel
              .info=${p.dataInfo}
              .progress=${p.dataProgress}
              .error=${p.dataError}
              ?busy=${p.dataBusy}
              @data-files=${(e: CustomEvent<{ files: IdxFiles; names: string[] }>) => p.session.loadFiles(e.detail.files, e.detail.names)}
              @data-mnist=${() => p.session.loadMnist()}
              @data-retry=${() => p.session.retryMnist()}
              @data-error=${(e: CustomEvent<string>) => (p.dataError = e.detail)}
            ></cnn-data-panel>`
          : ''
      }
      ${
        on('model')
          ? html`<cnn-model-panel
              .presets=${p.presetNames}
              .preset=${s && isPresetNetwork(s, p.hash.presets) ? s.preset : ''}
              .spec=${s?.spec ?? null}
              .summary=${p.summary}
              .error=${p.specError}
              .errorLayer=${p.specErrorLayer}
              .hide=${s?.hide ?? []}
              @preset-change=${(e: CustomEvent<string>) => p.configure(e.detail, structuredClone(p.session.presets[e.detail]), { lesson: undefined })}
              @spec-apply=${(e: CustomEvent<ModelSpec>) => p.configure(s?.preset ?? '', e.detail)}
              @spec-revert=${() => (p.specError = '')}
              .fileStatus=${p.fileStatus}
              .fileError=${p.fileError}
              @model-download=${() => p.session.download()}
              @model-download-onnx=${() => p.session.download('onnx')}
              @model-file=${(e: CustomEvent<File>) => p.session.loadModelFile(e.detail)}
            ></cnn-model-panel>`
          : ''
      }
      ${
        on('pad')
          ? html`<cnn-draw-panel
              .client=${p.client}
              .modelVersion=${p.modelVersion}
              .whyShown=${on('inside')}
              @why-open=${() =>
                p.renderRoot
                  .querySelector<HTMLElement & { showWhy(): void }>('cnn-inspect-panel')
                  ?.showWhy()}
              @digit-drawn=${(e: CustomEvent<{ image: Float32Array; model: PadModel } | null>) => {
                p.drawn = e.detail?.image ?? null;
                p.padModel = e.detail?.model ?? 'current';
              }}
            ></cnn-draw-panel>`
          : ''
      }
      ${
        on('share') && s && p.syncUrl
          ? html`<cnn-share-panel
              .link=${p.hash.shareLink(p.appState)}
              .hide=${s.hide}
              .pageUrl=${location.origin + location.pathname}
              .runsLink=${compareLink(p)}
              .runsCount=${p.runSelection.length}
            ></cnn-share-panel>`
          : ''
      }
    </div>
    <div class="col" ?hidden=${!right}>
      ${
        on('train')
          ? html`<cnn-train-panel
              .state=${p.trainState}
              .hparams=${p.hparams}
              .progress=${p.pacer.value}
              .threads=${p.threadInfo}
              .hide=${s?.hide ?? []}
              ?ready=${p.ready && !!p.dataInfo}
              @train-start=${p.train}
              @train-pause=${p.pause}
              @train-step=${p.step}
              @train-reset=${p.reset}
              @eval-run=${p.evaluate}
              @hparams-change=${(e: CustomEvent<Partial<Hparams>>) => p.changeHparams(e.detail)}
              @threads-change=${(e: CustomEvent<number>) => p.changeThreads(e.detail)}
            ></cnn-train-panel>`
          : ''
      }
      <cnn-metrics-panel ?hidden=${!on('curves')}></cnn-metrics-panel>
      ${
        on('runs')
          ? html`<cnn-runs-panel
              .runs=${p.runs.runs}
              .version=${p.runs.version}
              .kept=${p.runs.kept}
              ?embedded=${!p.syncUrl}
              .currentId=${p.runs.currentId}
              .queue=${s?.compare ?? []}
              .queueAt=${p.runs.queueAt}
              .presets=${p.hash.presets}
              @runs-selection=${(e: CustomEvent<string[]>) => (p.runSelection = e.detail)}
              @run-restore=${(e: CustomEvent<string>) => p.restoreRun(e.detail)}
              @run-rename=${(e: CustomEvent<{ id: string; name: string }>) => p.runs.rename(e.detail.id, e.detail.name)}
              @runs-delete=${(e: CustomEvent<string[]>) => p.runs.remove(e.detail)}
              @runs-import=${(e: CustomEvent<{ runs: RunRecord[]; result?: ImportResult }>) => {
                e.detail.result = p.runs.add(e.detail.runs);
              }}
              @runs-train-queue=${p.trainQueue}
              @runs-dismiss-queue=${() => p.dismissQueue()}
            ></cnn-runs-panel>`
          : ''
      }
      ${
        on('inside')
          ? html`<cnn-inspect-panel
              .client=${p.client}
              .trainState=${p.trainState}
              .step=${p.pacer.value?.step ?? 0}
              .modelVersion=${p.modelVersion}
              .drawn=${p.drawn}
              .padModel=${p.padModel}
              .testCount=${p.dataInfo?.testCount ?? 0}
            ></cnn-inspect-panel>`
          : ''
      }
      ${
        on('conv')
          ? html`<cnn-learn-panel
              .client=${p.client}
              .example=${p.convExample}
              .modelVersion=${p.modelVersion}
              .testCount=${p.dataInfo?.testCount ?? 0}
              .drawn=${p.drawn}
              @model-changed=${() => p.session.modelEdited()}
            ></cnn-learn-panel>`
          : ''
      }
      ${on('eval') ? html`<cnn-eval-panel .report=${p.report}></cnn-eval-panel>` : ''}
    </div>
  `;
}
