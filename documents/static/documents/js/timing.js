// Word times while the text changes on the page, and finding the word spoken at a moment.

import { tokens, wordKey } from "./text.js";

// The same spread the server uses: equal slices, the first starting at lo, the last ending at hi.
function spread(count, lo, hi, starts, ends) {
  if (lo == null || hi == null) {
    for (let k = 0; k < count; k++) {
      starts.push(lo);
      ends.push(hi);
    }
    return;
  }
  hi = Math.max(hi, lo);
  const step = (hi - lo) / count;
  for (let k = 0; k < count; k++) {
    starts.push(k === 0 ? lo : lo + step * k);
    ends.push(k === count - 1 ? hi : lo + step * (k + 1));
  }
}

// Client-side approximation of the server's realignment (common prefix and suffix keep their
// times, the middle shares the old middle's span), so clicks and highlighting stay right
// between saves. The server recomputes exactly on save.
export function realign(seg) {
  if (seg.timed === seg.text) return;
  const oldWords = tokens(seg.timed);
  const newWords = tokens(seg.text);
  const a = oldWords.map(wordKey);
  const b = newWords.map(wordKey);
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const starts = seg.starts.slice(0, p);
  const ends = seg.ends.slice(0, p);
  // Confidence stays with the words the engine heard; a word a human typed has none.
  // (the server's rule: the very same token, punctuation and case included).
  const probs = seg.probs ? seg.probs.slice(0, p).map((v, k) => (oldWords[k] === newWords[k] ? v : null)) : null;
  const middle = b.length - s - p;
  if (middle > 0) {
    if (probs) for (let k = 0; k < middle; k++) probs.push(null);
    let lo;
    let hi;
    if (a.length - s > p) {
      lo = seg.starts[p];
      hi = seg.ends[a.length - s - 1];
    } else {
      lo = p > 0 ? seg.ends[p - 1] : seg.start;
      hi = p < a.length ? seg.starts[p] : seg.end;
    }
    spread(middle, lo, hi, starts, ends);
  }
  for (let k = a.length - s; k < a.length; k++) {
    starts.push(seg.starts[k]);
    ends.push(seg.ends[k]);
    probs?.push(oldWords[k] === newWords[k - a.length + b.length] ? (seg.probs[k] ?? null) : null);
  }
  seg.starts = starts;
  seg.ends = ends;
  if (probs) seg.probs = probs;
  seg.timed = seg.text;
}

// Last index whose value is <= t in a non-decreasing array (nulls never match), or -1.
export function lastAtOrBefore(values, t, read = (v) => v) {
  let lo = 0;
  let hi = values.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = read(values[mid]);
    if (v != null && v <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
