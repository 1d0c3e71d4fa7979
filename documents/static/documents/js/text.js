// How the editor reads text: what a typed or pasted character becomes, where the words are,
// and what counts as the same word. Pure functions, shared by the editor's modules.

const WORD_CHARS = "\\p{L}\\p{M}\\p{N}";

export const escapeHtml = (s) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
// Control characters have no place in spoken text, and PostgreSQL cannot store NUL: a pasted
// or dropped one would make every save and autosave fail over a character nobody can see.
export const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
export const normalize = (s) => s.replace(CONTROL_CHARS, "").replace(/\s+/g, " ").trim();
export const tokens = (s) => (s ? s.split(" ") : []);
export const wordKey = (t) => (t.match(/[\p{L}\p{M}\p{N}]+/gu) || [t]).join("").toLowerCase();
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Character offsets of each word in a segment's text (words are single-space separated).
export function wordBounds(text) {
  let offset = 0;
  return tokens(text).map((w) => {
    const b = [offset, offset + w.length];
    offset += w.length + 1;
    return b;
  });
}

export function wholeWordRegExp(text, { matchCase = false, wholeWords = true } = {}) {
  const body = escapeRegExp(normalize(text));
  const source = wholeWords ? `(?<![${WORD_CHARS}])${body}(?![${WORD_CHARS}])` : body;
  return new RegExp(source, matchCase ? "gu" : "giu");
}

export function followCaseOf(sample, replacement) {
  if (sample.length > 1 && sample === sample.toUpperCase() && sample !== sample.toLowerCase()) {
    return replacement.toUpperCase();
  }
  const first = sample[0];
  if (first && first === first.toUpperCase() && first !== first.toLowerCase()) {
    return replacement[0].toUpperCase() + replacement.slice(1);
  }
  return replacement;
}
