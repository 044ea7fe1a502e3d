// Decodes a picked or captured image file into grey levels for the core's photo path: the
// browser decodes it (createImageBitmap), a canvas composites it over white and gives the bytes,
// and the grey level is the CLI's luminance (0.299 R + 0.587 G + 0.114 B) / 255, 1 = white.
// No preprocessing here: flattening the light, thresholding and framing are the core's.

/** A decoded photo: height * width grey levels in [0, 1], row-major, 1 = white. */
export interface DecodedPhoto {
  gray: Float32Array;
  height: number;
  width: number;
  /** The decoded image, for showing it (close it when done). */
  bitmap: ImageBitmap;
}

/**
 * Photos are read at most this many pixels on their longer side: a 12-megapixel phone photo is
 * scaled down by the browser while decoding (48 MB of floats would not be worth sending). Files up
 * to this size are read pixel for pixel, exactly as `cnn predict --photo` reads them.
 */
export const MAX_PHOTO_SIDE = 1024;

/** Decodes `file`; rejects with one sentence when the browser cannot read it as an image. */
export async function decodePhoto(file: Blob): Promise<DecodedPhoto> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch {
    throw new Error('That file is not an image the browser can read (try a PNG or JPEG photo).');
  }
  const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('This browser cannot read images into a canvas.');
  ctx.fillStyle = '#fff'; // transparent parts count as white paper, as in the CLI
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(bitmap, 0, 0, width, height);
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const gray = new Float32Array(width * height);
  for (let i = 0, o = 0; i < gray.length; i++, o += 4)
    gray[i] = (0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2]) / 255;
  return { gray, height, width, bitmap };
}
