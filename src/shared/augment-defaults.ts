/**
 * The paper's random-resized-crop area range, shared by the engine (which applies it) and the UI (which shows
 * it as the default): 8–100 % of the image, 20–100 % for CIFAR-sized views, where a smaller crop keeps too few pixels.
 */
export function defaultCropScale(outSide: number): [number, number] {
  return outSide <= 32 ? [0.2, 1] : [0.08, 1];
}
