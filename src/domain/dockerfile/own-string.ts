/**
 * A copy of `text` that keeps no other string alive. V8 shares the characters of a slice of 13 or
 * more characters with the string it was cut from, so a name kept from a Dockerfile would keep
 * the whole file's text in memory for as long as the model that holds it. Shorter strings are
 * always copies already; joining two pieces builds one flat string of its own.
 */
export function ownString(text: string): string {
  return text.length < 13 ? text : [text.slice(0, 1), text.slice(1)].join('');
}

// Enough for the strings many files of one catalog repeat (a builder image, a parent's name); the
// table starts over when full, so it never holds more than this many.
const maxKeptStrings = 4096;

/**
 * Strings kept by readings that may share them: an equal string is kept once (strings cannot
 * change, so sharing them is safe). Each kept string is its own copy, as ownString makes it.
 */
export class KeptStrings {
  private table: Map<string, string> | undefined;

  keep(text: string): string {
    if (text.length < 13) return text;
    this.table ??= new Map();
    const known = this.table.get(text);
    if (known !== undefined) return known;
    if (this.table.size >= maxKeptStrings) this.table.clear();
    const owned = ownString(text);
    this.table.set(owned, owned);
    return owned;
  }
}
