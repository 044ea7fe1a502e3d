#!/usr/bin/python3
"""Writes the photographed-style digit fixtures in tests/fixtures/photos/ (PNG, 8-bit grey).

Each is a real MNIST test digit (tests/data/mnist-small) scaled up into a pen stroke on "paper"
(or chalk on a board), lit unevenly, blurred and noised; labels.json gives the digit each shows
(null for the blank one). Deterministic: fixed seeds, NumPy only, PNG written with zlib + struct.
It does not simulate perspective, colour or JPEG artefacts. Run: /usr/bin/python3 tools/make_photo_fixtures.py
"""
import gzip
import json
import os
import struct
import zlib

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
OUT = os.path.join(ROOT, 'tests', 'fixtures', 'photos')


def mnist_test(index):
    """Test digit `index` as 28x28 floats in [0, 1] (ink = 1) and its label."""
    d = os.path.join(ROOT, 'tests', 'data', 'mnist-small')
    with gzip.open(os.path.join(d, 't10k-images-idx3-ubyte.gz')) as f:
        images = f.read()
    with gzip.open(os.path.join(d, 't10k-labels-idx1-ubyte.gz')) as f:
        labels = f.read()
    img = np.frombuffer(images, np.uint8, 784, 16 + 784 * index).reshape(28, 28) / 255.0
    return img, labels[8 + index]


def upscale(img, size):
    """Bilinear resize of a square image to size x size (pixel centres aligned)."""
    n = img.shape[0]
    t = (np.arange(size) + 0.5) * n / size - 0.5
    t = np.clip(t, 0, n - 1)
    i0 = np.floor(t).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    f = t - i0
    rows = img[i0] * (1 - f)[:, None] + img[i1] * f[:, None]
    return rows[:, i0] * (1 - f)[None, :] + rows[:, i1] * f[None, :]


def box_blur(img, r):
    """Separable (2r+1)-wide box blur, edges clamped."""
    if r <= 0:
        return img
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r, r)
        p = np.pad(img, pad, mode='edge')
        c = np.cumsum(p, axis=axis)
        c = np.insert(c, 0, 0, axis=axis)
        n = img.shape[axis]
        lo = np.take(c, np.arange(n), axis=axis)
        hi = np.take(c, np.arange(n) + 2 * r + 1, axis=axis)
        img = (hi - lo) / (2 * r + 1)
    return img


def pen_stroke(digit, size):
    """The digit as a pen stroke: upscaled, then a soft threshold (crisp edges, full ink inside)."""
    up = upscale(digit, size)
    return np.clip((up - 0.3) / 0.25, 0, 1)


def place(canvas_shape, stroke, top, left):
    m = np.zeros(canvas_shape)
    h, w = stroke.shape
    m[top:top + h, left:left + w] = stroke
    return m


def lighting(h, w, corner_lo, corner_hi, vignette=0.0):
    """Illumination from corner_hi (top-left) to corner_lo (bottom-right), with a vignette."""
    y, x = np.mgrid[0:h, 0:w]
    g = (x / w + y / h) / 2
    light = corner_hi + (corner_lo - corner_hi) * g
    r2 = ((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2
    return light * (1 - vignette * r2 / 2)


def write_png(path, img):
    """8-bit greyscale PNG of floats in [0, 1]."""
    a = np.clip(np.round(img * 255), 0, 255).astype(np.uint8)
    h, w = a.shape
    raw = b''.join(b'\x00' + a[r].tobytes() for r in range(h))

    def chunk(kind, data):
        body = kind + data
        return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body) & 0xFFFFFFFF)

    png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
    png += chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
    with open(path, 'wb') as f:
        f.write(png)


def pen_on_paper(index, rng):
    """Blue-black pen on white paper, soft daylight from the left, a little blur and sensor noise."""
    digit, label = mnist_test(index)
    h, w = 260, 300
    ink = place((h, w), pen_stroke(digit, 200), 25, 60)
    paper = 0.9 + 0.03 * box_blur(rng.standard_normal((h, w)), 3)  # paper texture
    reflect = paper * (1 - ink) + 0.12 * ink
    img = box_blur(reflect * lighting(h, w, 0.8, 1.0), 1) + 0.025 * rng.standard_normal((h, w))
    return img, label


def uneven_light(index, rng):
    """A pen digit under strong side light: the far corner gets a third of the near one's light."""
    digit, label = mnist_test(index)
    h = w = 320
    ink = place((h, w), pen_stroke(digit, 220), 40, 55)
    reflect = 0.9 * (1 - ink) + 0.1 * ink
    img = box_blur(reflect * lighting(h, w, 0.35, 1.05, vignette=0.3), 2) + 0.03 * rng.standard_normal((h, w))
    return img, label


def chalk_on_board(index, rng):
    """Light on dark: a chalk digit with gaps in the stroke on a dark board, lit from one side."""
    digit, label = mnist_test(index)
    h, w = 280, 280
    stroke = pen_stroke(digit, 210) * (0.75 + 0.25 * (rng.random((210, 210)) > 0.3))
    ink = place((h, w), stroke, 30, 40)
    reflect = 0.18 * (1 - ink) + 0.85 * ink
    img = box_blur(reflect * lighting(h, w, 0.7, 1.0), 1) + 0.03 * rng.standard_normal((h, w))
    return img, label


def scan_with_specks(index, rng):
    """A scan: white page, dust specks, the dark edge of the lid along the left side."""
    digit, label = mnist_test(index)
    h, w = 240, 240
    ink = place((h, w), pen_stroke(digit, 160), 45, 50)
    img = 0.95 * (1 - ink) + 0.08 * ink
    for _ in range(40):  # specks of 1 to 2 px
        y, x = rng.integers(0, h - 2), rng.integers(0, w - 2)
        s = rng.integers(1, 3)
        img[y:y + s, x:x + s] = 0.2
    img[:, :12] = 0.1  # the lid's shadow
    img = box_blur(img, 1) + 0.015 * rng.standard_normal((h, w))
    return img, label


def blank(rng):
    """Paper under uneven light with noise and no digit."""
    h, w = 200, 240
    paper = 0.9 + 0.03 * box_blur(rng.standard_normal((h, w)), 3)
    return paper * lighting(h, w, 0.6, 1.0) + 0.025 * rng.standard_normal((h, w)), None


def main():
    os.makedirs(OUT, exist_ok=True)
    made = [
        ('pen-on-paper', pen_on_paper(18, np.random.default_rng(1))),
        ('uneven-light', uneven_light(61, np.random.default_rng(2))),
        ('chalk-on-board', chalk_on_board(8, np.random.default_rng(3))),
        ('scan-with-specks', scan_with_specks(7, np.random.default_rng(4))),
        ('blank-paper', blank(np.random.default_rng(5))),
    ]
    labels = {}
    for name, (img, label) in made:
        file = f'{name}.png'
        write_png(os.path.join(OUT, file), np.clip(img, 0, 1))
        labels[file] = None if label is None else int(label)
    with open(os.path.join(OUT, 'labels.json'), 'w') as f:
        json.dump(labels, f, indent=2)
        f.write('\n')
    print(json.dumps(labels))


if __name__ == '__main__':
    main()
