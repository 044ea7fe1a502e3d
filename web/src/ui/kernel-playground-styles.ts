// <cnn-kernel-playground>'s look: the kernel editor, the presets, and the digit before and after.
import { css } from 'lit';

export const kernelPlaygroundStyles = css`
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 18px;
    align-items: flex-start;
  }
  .kernel {
    display: grid;
    grid-template-columns: repeat(3, 4.2em);
    gap: 4px;
  }
  .kernel input {
    width: 100%;
    text-align: right;
  }
  .bar {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 14px;
    align-items: center;
    margin: 8px 0;
    font-size: 0.9rem;
  }
  .bar label {
    display: inline-flex;
    align-items: center;
    gap: 4px;
  }
  .bar .src {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px 10px;
  }
  .bar.use {
    margin-top: 14px;
    padding-top: 10px;
    border-top: 1px solid var(--border, #d8dce3);
  }
  input[type='number'].idx {
    width: 5.5em;
  }
  figure {
    margin: 0;
  }
  figcaption {
    font-size: 0.8rem;
    color: var(--muted, #5b6475);
    margin-bottom: 3px;
  }
  canvas {
    width: 168px;
    height: 168px;
    image-rendering: pixelated;
    border: 1px solid var(--border, #d8dce3);
    background: #000;
  }
`;
