/** Labels from a class-per-sub-folder layout (ImageFolder): root/cat/1.jpg is labelled "cat". */
import type { ProjectStore } from '../store/project-store';
import { relativePath } from '../store/image-paths';

/** The class a file's folder names, or null for a file directly in the imported folder. */
export function classFromSubfolder(root: string, path: string): string | null {
  const parts = relativePath(root, path).split('/');
  return parts.length > 1 ? parts[0] : null;
}

/** A folder as imported, with the files found under it. */
export interface ImportedFolder {
  root: string;
  paths: string[];
}

/**
 * Labels every image found under a class folder that has no label yet (a label the user set is kept), as one
 * undoable change however many folders were imported together. Returns how many images it labelled.
 */
export function labelFromSubfolders(store: ProjectStore, folders: ImportedFolder[]): number {
  const labelled = new Set(store.labels.labelled().map((l) => l.imageId));
  const classOf = new Map<number, string>();
  for (const { root, paths } of folders) {
    for (const path of paths) {
      const name = classFromSubfolder(root, path);
      const imageId = store.images.idByPath(path);
      // Of two identical files in two class folders, the first found decides.
      if (name !== null && imageId !== undefined && !labelled.has(imageId) && !classOf.has(imageId)) classOf.set(imageId, name);
    }
  }
  if (classOf.size === 0) return 0;
  // By name, so undoing the change also removes the classes it created.
  const labels = [...classOf].map(([imageId, className]) => ({ imageId, className }));
  const roots = folders.map((f) => f.root).join(', ');
  return store.labels.applyByName(labels, 'folders', `labels from the sub-folders of ${roots}`);
}
