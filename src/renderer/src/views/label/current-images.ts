import type { ImageItem } from '../../../../shared/contract';
import type { Workspace } from '../../state/Workspace.svelte.ts';

/** The images as the engine has them now, by id: labels change under an open dialog (an undo, another window). */
export async function currentImages(ws: Workspace, imageIds: number[]): Promise<Map<number, ImageItem>> {
  const images = imageIds.length > 0 ? await ws.attempt(() => ws.client.getImages({ imageIds })) : [];
  return new Map((images ?? []).map((image) => [image.id, image]));
}

/** The rows with each image replaced by its current state where known. */
export function withImages<T extends { image: ImageItem }>(rows: readonly T[], current: Map<number, ImageItem>): T[] {
  return rows.map((r) => ({ ...r, image: current.get(r.image.id) ?? r.image }));
}
