/** Image preprocessing for the TFLite fixture tests, with sharp. */
import sharp from 'sharp';

/** MobileNet v1 input: 224×224 RGB (stretched, not cropped), x/127.5 − 1, NHWC without the batch. */
export async function mobilenetInput(file: string): Promise<Float32Array> {
  const { data, info } = await sharp(file).resize(224, 224, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || data.length !== 224 * 224 * 3) throw new Error(`${file}: decoded to ${info.width}×${info.height}×${info.channels}`);
  return Float32Array.from(data, (v) => v / 127.5 - 1);
}

/** The MNIST LSTM's input (its evaluate.py): 28×28 grayscale as float, /255. */
export async function mnistSample(file: string): Promise<Float32Array> {
  const { data, info } = await sharp(file).grayscale().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== 28 || info.height !== 28 || info.channels !== 1) throw new Error(`${file}: decoded to ${info.width}×${info.height}×${info.channels}`);
  const max = Math.max(...data);
  return Float32Array.from(data, (v) => (max > 1 ? v / 255 : v));
}
