// The built-in lessons: the tutorials this project grew from, each with its own network and
// settings (a preset plus the hyper-parameters the tutorial used), what to watch, and what the
// playground measured with those settings (the same figures as presets/README.md; the test
// tests/cli/lessons.test.mjs holds the two together and has the core parse every lesson's spec).
// Data only: the Lessons panel shows it, app-state.ts reads `#lesson=<id>` with it.
import type { Hparams } from '../state/spec';

/** A network and its settings: a preset with some hyper-parameters changed. */
export interface LessonNetwork {
  preset: string;
  hparams: Partial<Hparams>;
  /** The settings in a few words, as the lesson names them. */
  label: string;
}

/** One measured run: `cnn train` on the full MNIST, the test accuracy on all 10,000 test images. */
export interface Measured {
  /** Which of the lesson's settings: the tutorial's or the fix. */
  run: 'tutorial' | 'fix';
  settings: string;
  epochs: number;
  /** Test accuracy in percent, as printed (two decimals). */
  accuracy: string;
  command: string;
}

/** A convolution example the explainer has (conv-geometry.ts's PRESET_NAMES). */
export interface ConvExample {
  example: 'cs231n' | 'tf-valid-1' | 'tf-same-1' | 'tf-same-2' | 'tf-valid-2';
  label: string;
  /** The output shape the tutorial states, H×W×C. */
  output: string;
}

export interface Lesson {
  id: string;
  title: string;
  source: { name: string; url: string };
  /** The lesson's text, a few sentences. */
  text: string;
  watch: string[];
  /** Network lessons: the tutorial's own network and settings. */
  network?: LessonNetwork;
  /** Where the tutorial's setting is bad: the better one, and why. */
  fix?: LessonNetwork & { why: string };
  /** Convolution lessons: the explainer's examples, the first opens with the lesson. */
  conv?: ConvExample[];
  measured: Measured[];
}

export const LESSONS: readonly Lesson[] = [
  {
    id: 'keras-book',
    title: 'Keras book convnet',
    source: {
      name: 'Deep Learning with Python (F. Chollet), 5.1 “Introduction to convnets”',
      url: 'https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/first_edition/5.1-introduction-to-convnets.ipynb',
    },
    text:
      'The first convnet of the Keras book: three 3×3 convolutions with ReLU, two 2×2 max-poolings, ' +
      'a 64-unit dense layer and a softmax over the 10 digits. The book trains it with RMSprop ' +
      '(lr 0.001, batch 64) for 5 epochs and reports about 99 % test accuracy, against 97.8 % for ' +
      'the book’s dense network of chapter 2. The lesson adds a cosine decay of the learning rate over ' +
      'the planned epochs, nothing else. The keras-book preset also doubles the rate to 0.002: over 5 ' +
      'epochs 0.002 ends level or a little higher, and in a one-epoch run (Epochs = 1) it reaches 98.98 % ' +
      'against 98.67 % (seed 1; 99.0-99.1 % against 98.5-98.7 % over five seeds).',
    watch: [
      'The test accuracy after each epoch, against the book’s 99 %.',
      'The feature maps of the first convolution (Inside the network): edges and strokes.',
      'The shapes in the summary: 28×28 → 26×26 → 13×13 → 11×11 → 5×5 → 3×3, VALID convolutions shrink by 2.',
    ],
    network: {
      preset: 'keras-book',
      hparams: { lr: 0.001 },
      label: 'RMSprop lr 0.001, batch 64, 5 epochs (the book’s)',
    },
    measured: [
      {
        run: 'tutorial',
        settings: 'RMSprop lr 0.001, batch 64, cosine decay, seed 1',
        epochs: 1,
        accuracy: '97.52',
        command: 'cnn train --spec presets/lessons/keras-book-lr0.001.json --epochs 5 --seed 1',
      },
      {
        run: 'tutorial',
        settings: 'RMSprop lr 0.001, batch 64, cosine decay, seed 1',
        epochs: 2,
        accuracy: '99.05',
        command: 'cnn train --spec presets/lessons/keras-book-lr0.001.json --epochs 5 --seed 1',
      },
      {
        run: 'tutorial',
        settings: 'RMSprop lr 0.001, batch 64, cosine decay, seed 1',
        epochs: 5,
        accuracy: '99.26',
        command: 'cnn train --spec presets/lessons/keras-book-lr0.001.json --epochs 5 --seed 1',
      },
    ],
  },
  {
    id: 'tflearn',
    title: 'TFLearn example',
    source: {
      name: 'TFLearn, examples/images/convnet_mnist.py',
      url: 'https://github.com/tflearn/tflearn/blob/master/examples/images/convnet_mnist.py',
    },
    text:
      'TFLearn’s MNIST convnet: two 3×3 convolutions with L2 regularisation, each followed by max ' +
      'pooling and local response normalisation (LRN), then two tanh dense layers with dropout ' +
      '(keep probability 0.8, our rate 0.2). The example trains with Adam at lr 0.01 for 20 epochs. ' +
      'That learning rate is ten times Adam’s usual 0.001: the net still trains, but over the 20 ' +
      'epochs its test accuracy goes up and down between 95 and 97.5 % and never reaches 98 %, ' +
      'while lr 0.001 passes 98 % in one epoch. ' +
      'The tflearn preset uses lr 0.001 and 2 epochs.',
    watch: [
      'The test accuracy after each epoch at lr 0.01: it stalls and wobbles instead of climbing.',
      'Try the fix (lr 0.001) and compare the test accuracy after one epoch.',
      'The LRN layers change no shapes: they rescale each activation by its neighbours across channels.',
    ],
    network: {
      preset: 'tflearn',
      hparams: { lr: 0.01, epochs: 20 },
      label: 'Adam lr 0.01, batch 64, 20 epochs (the example’s)',
    },
    fix: {
      preset: 'tflearn',
      hparams: {},
      label: 'Adam lr 0.001, 2 epochs (the tflearn preset)',
      why: 'Adam’s usual learning rate, 0.001, reaches a higher accuracy in one epoch than lr 0.01 in any of its 20.',
    },
    measured: [
      {
        run: 'tutorial',
        settings: 'Adam lr 0.01, batch 64, seed 1',
        epochs: 1,
        accuracy: '97.17',
        command: 'cnn train --spec presets/lessons/tflearn-lr0.01.json --epochs 20 --seed 1',
      },
      {
        run: 'tutorial',
        settings: 'Adam lr 0.01, batch 64, seed 1',
        epochs: 2,
        accuracy: '97.28',
        command: 'cnn train --spec presets/lessons/tflearn-lr0.01.json --epochs 20 --seed 1',
      },
      {
        run: 'tutorial',
        settings: 'Adam lr 0.01, batch 64, seed 1',
        epochs: 20,
        accuracy: '97.44',
        command: 'cnn train --spec presets/lessons/tflearn-lr0.01.json --epochs 20 --seed 1',
      },
      {
        run: 'fix',
        settings: 'Adam lr 0.001, batch 64, seed 1',
        epochs: 1,
        accuracy: '98.19',
        command: 'cnn train --preset tflearn --epochs 2 --seed 1',
      },
      {
        run: 'fix',
        settings: 'Adam lr 0.001, batch 64, seed 1',
        epochs: 2,
        accuracy: '98.88',
        command: 'cnn train --preset tflearn --epochs 2 --seed 1',
      },
    ],
  },
  {
    id: 'tf-tutorial',
    title: 'TensorFlow MNIST tutorial',
    source: {
      name: 'TensorFlow, “Build a Convolutional Neural Network using Estimators” (cnn_mnist.py; the Deep MNIST net)',
      url: 'https://github.com/tensorflow/tensorflow/blob/r1.15/tensorflow/examples/tutorials/layers/cnn_mnist.py',
    },
    text:
      'The network of TensorFlow’s MNIST tutorials: two 5×5 SAME convolutions (32 and 64 filters), ' +
      'each with 2×2 max pooling, a 1024-unit dense layer, dropout 0.4 and the softmax. The tutorial ' +
      'trains it with plain gradient descent at lr 0.001, batch 100, for 20,000 steps: about 33 ' +
      'epochs, hours in a browser. Plain SGD at that rate learns slowly; the lesson runs 3 epochs so ' +
      'you can see how far it gets: after one epoch it reads about half the test digits. The fix, momentum 0.9 and lr 0.01 (the tf-tutorial preset), ' +
      'gets much further in one epoch.',
    watch: [
      'How slowly the loss falls with plain SGD at lr 0.001 compared with the fix.',
      'The test accuracy after 1 and after 3 epochs, against the fix’s.',
      'The size: 3.3 million parameters, most of them in the 1024-unit dense layer (see the summary).',
    ],
    network: {
      preset: 'tf-tutorial',
      hparams: { lr: 0.001, momentum: 0, epochs: 3 },
      label: 'plain SGD lr 0.001, batch 100, 3 of the tutorial’s 33 epochs',
    },
    fix: {
      preset: 'tf-tutorial',
      hparams: {},
      label: 'SGD with momentum 0.9, lr 0.01, 2 epochs (the tf-tutorial preset)',
      why: 'Momentum 0.9 with lr 0.01 takes steps about 100 times larger on a steady gradient.',
    },
    measured: [
      {
        run: 'tutorial',
        settings: 'SGD lr 0.001, momentum 0, batch 100, seed 1',
        epochs: 1,
        accuracy: '48.53',
        command: 'cnn train --spec presets/lessons/tf-tutorial-sgd.json --epochs 3 --seed 1',
      },
      {
        run: 'tutorial',
        settings: 'SGD lr 0.001, momentum 0, batch 100, seed 1',
        epochs: 2,
        accuracy: '75.97',
        command: 'cnn train --spec presets/lessons/tf-tutorial-sgd.json --epochs 3 --seed 1',
      },
      {
        run: 'tutorial',
        settings: 'SGD lr 0.001, momentum 0, batch 100, seed 1',
        epochs: 3,
        accuracy: '83.10',
        command: 'cnn train --spec presets/lessons/tf-tutorial-sgd.json --epochs 3 --seed 1',
      },
      {
        run: 'fix',
        settings: 'SGD lr 0.01, momentum 0.9, batch 100, seed 1',
        epochs: 1,
        accuracy: '97.85',
        command: 'cnn train --preset tf-tutorial --epochs 3 --seed 1',
      },
      {
        run: 'fix',
        settings: 'SGD lr 0.01, momentum 0.9, batch 100, seed 1',
        epochs: 2,
        accuracy: '98.70',
        command: 'cnn train --preset tf-tutorial --epochs 3 --seed 1',
      },
    ],
  },
  {
    id: 'cs231n',
    title: 'cs231n convolution demo',
    source: {
      name: 'CS231n, “Convolutional Neural Networks”, Convolution Demo',
      url: 'https://cs231n.github.io/convolutional-networks/#conv',
    },
    text:
      'The demo of Stanford’s CS231n notes: an input of 5×5×3 zero-padded with P = 1 to 7×7×3, two ' +
      'filters of 3×3×3 (each with a bias), stride S = 2. The output is (W − F + 2P)/S + 1 = ' +
      '(5 − 3 + 2)/2 + 1 = 3 on each side, with one channel per filter: 3×3×2. Each output value is ' +
      'the sum of 27 products (3×3 window × 3 channels) plus the filter’s bias.',
    watch: [
      'The window jumps two cells at a time (stride 2), so it visits 3 positions per row.',
      'The padding cells (0) count in the sum: the corner outputs see them.',
      'The core computes every output; the products written out beside it are a check.',
    ],
    conv: [
      { example: 'cs231n', label: '5×5×3, pad 1, two 3×3×3 filters, stride 2', output: '3×3×2' },
    ],
    measured: [],
  },
  {
    id: 'tf-conv2d',
    title: 'tf.nn.conv2d padding and stride',
    source: {
      name: 'TensorFlow, tf.nn.conv2d and “Notes on padding”; Dumoulin & Visin, A guide to convolution arithmetic',
      url: 'https://www.tensorflow.org/api_docs/python/tf/nn#notes_on_padding_2',
    },
    text:
      'TensorFlow names two paddings. VALID uses no padding: the output has ceil((W − F + 1)/S) ' +
      'positions per side. SAME pads just enough that the output has ceil(W/S) positions, the ' +
      'padding split evenly with the extra pixel at the bottom and right. On a 5×5 input with a 3×3 ' +
      'kernel: VALID stride 1 gives 3×3, SAME stride 1 gives 5×5, SAME stride 2 gives 3×3 and VALID ' +
      'stride 2 gives 2×2.',
    watch: [
      'SAME with stride 1 keeps the size: one cell of padding on every side.',
      'SAME with stride 2: ceil(5/2) = 3, and the core’s padding (top, left, bottom, right) in the caption.',
      'VALID with stride 2: ceil((5 − 3 + 1)/2) = 2; the windows start at columns 0 and 2 and never leave the input.',
    ],
    conv: [
      { example: 'tf-valid-1', label: 'VALID, stride 1', output: '3×3×1' },
      { example: 'tf-same-1', label: 'SAME, stride 1', output: '5×5×1' },
      { example: 'tf-same-2', label: 'SAME, stride 2', output: '3×3×1' },
      { example: 'tf-valid-2', label: 'VALID, stride 2', output: '2×2×1' },
    ],
    measured: [],
  },
];

/** The lesson with this id, or undefined (never Object.prototype's keys). */
export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}
