/** Import choices shared by the import view and the window-wide drop target. */
class ImportPreferences {
  /** Label images by their sub-folder's name (a class-per-folder layout). */
  labelsFromSubfolders = $state(false);
}

export const importPreferences = new ImportPreferences();
