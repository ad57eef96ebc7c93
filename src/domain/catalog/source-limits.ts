/** image.yml files larger than this are refused unread: the file holds a few short fields. */
export const maxMetadataBytes = 64 * 1024;

/** Symlink targets longer than this are not read: no file system resolves a longer path. */
export const maxLinkTargetBytes = 4096;

