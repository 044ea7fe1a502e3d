// The draw panel's Photo… button: each photographed-style fixture (tests/fixtures/photos) is
// uploaded, and the page must read the digit the CLI reads from the same file (`cnn predict
// --photo`, build-native/cnn) with the same 28x28 the model sees; a blank photo and a file that is
// not an image give one sentence. Not a test of the preprocessing's numbers (tests/native).
import { expect, test, type Locator } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openPlayground, shot } from './helpers';

const root = path.resolve('.'); // the tests run from the repository's root
const photos = path.join(root, 'tests/fixtures/photos');
const labels = JSON.parse(readFileSync(path.join(photos, 'labels.json'), 'utf8')) as Record<
  string,
  number | null
>;
const model = path.join(root, 'web/public/models/pretrained.safetensors');
const tmp = mkdtempSync(path.join(tmpdir(), 'cnn-photo-e2e-'));

/** The CLI's reading of a photo: its class and the 28x28 it saw (bytes of --save-preprocessed). */
function cli(file: string): { cls: number; image: number[] } {
  const pgm = path.join(tmp, `${path.basename(file)}.pgm`);
  const r = spawnSync(
    path.join(root, 'build-native/cnn'),
    ['predict', '--model', model, '--image', file, '--photo', '--json', '--save-preprocessed', pgm],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return { cls: JSON.parse(r.stdout).class, image: Array.from(readFileSync(pgm).subarray(13)) };
}

/** A canvas's red channel. */
function pixels(canvas: Locator): Promise<number[]> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: d.length / 4 }, (_, i) => d[i * 4]);
  });
}

test('the pad reads photographed digits as the CLI does, and refuses a blank photo', async ({
  page,
}) => {
  await openPlayground(page);
  const panel = page.locator('cnn-draw-panel');
  const input = panel.getByTestId('pad-photo-input');
  const reader = panel.locator('cnn-digit-pad');
  await expect(panel.getByTestId('pad-photo')).toBeVisible();
  expect(await input.getAttribute('capture')).toBe('environment');
  expect(await input.getAttribute('accept')).toBe('image/*');

  for (const [file, label] of Object.entries(labels)) {
    if (label === null) continue;
    const full = path.join(photos, file);
    const expected = cli(full);
    expect(expected.cls, `the CLI reads ${file}`).toBe(label);
    await input.setInputFiles(full);
    await expect(reader).toHaveAttribute('data-photo-file', file);
    await expect(reader).toHaveAttribute('data-photo', 'read');
    await expect(panel.getByTestId('pad-top')).toHaveAttribute('data-class', String(expected.cls));
    await expect(panel.getByTestId('pad-status')).toContainText(
      'Photo read by the pretrained model',
    );
    // The 28x28 the model saw is the CLI's, up to float rounding.
    const seen = await pixels(panel.getByTestId('pad-preview'));
    const worst = Math.max(...seen.map((v, i) => Math.abs(v - expected.image[i])));
    expect(worst, `${file}: largest difference from the CLI's 28x28`).toBeLessThanOrEqual(2);
    if (file === 'uneven-light.png') await shot(page, 'photo-uneven-light');
  }
  await panel.screenshot({ path: 'test-results/screenshots/photo-draw-panel.png' });

  await input.setInputFiles(path.join(photos, 'blank-paper.png'));
  await expect(reader).toHaveAttribute('data-photo-file', 'blank-paper.png');
  await expect(reader).toHaveAttribute('data-photo', 'error');
  await expect(panel.getByTestId('pad-status')).toHaveText(
    /^blank-paper\.png: the photo looks blank \(.*\)$/,
  );
  await expect(panel.getByTestId('pad-top')).not.toHaveAttribute('data-class', /\d/);

  const notImage = path.join(tmp, 'notes.png');
  writeFileSync(notImage, 'this is not a picture');
  await input.setInputFiles(notImage);
  await expect(panel.getByTestId('pad-status')).toHaveText(
    'That file is not an image the browser can read (try a PNG or JPEG photo).',
  );

  // Drawing again takes the pad back from the photo.
  await panel.getByTestId('pad-clear').click();
  await expect(panel.getByText('Draw a digit here')).toBeVisible();
});
