// Review by doubt: the words the speech engine was unsure of (confidence below the
// EDITOR_UNCERTAIN_BELOW setting) are shaded by the editor; "Next uncertain word" (F8,
// Shift+F8 back) selects the next one and plays it, "Mark correct" (F9) confirms the one just
// heard and moves on, and a counter says how many are left. A word the editor typed or
// confirmed is certain; confirmations are saved with the next version.
//
// Wired by [data-doubt] (buttons [data-doubt-next], [data-doubt-confirm], [data-doubt-count]),
// which the page only has when the engine gave confidences.

import { select } from "./segments.js";
import { wordBounds } from "./text.js";

const WORD_TAIL = 0.35; // seconds played after the word, so its end is heard

export class DoubtReview {
  constructor(editor, root, threshold) {
    this.editor = editor;
    this.root = root;
    this.threshold = threshold;
    this.counts = new Map(); // segment index -> uncertain words in it (only non-zero kept)
    this.total = 0;
    this.cursor = null; // {i, k, text}: the word last visited
    editor.segs.forEach((_, i) => this.#count(i));
    if (!editor.allLoaded()) {
      // A long document: the counter needs every segment's words (fetched now).
      editor.fillListeners.push(() => {
        editor.segs.forEach((_, i) => this.#count(i));
        this.#render();
      });
      editor.loadAll().catch(() => {});
    }
    if (!root) return;
    this.countEl = root.querySelector("[data-doubt-count]");
    this.nextButton = root.querySelector("[data-doubt-next]");
    this.confirmButton = root.querySelector("[data-doubt-confirm]");
    this.nextButton?.addEventListener("click", () => this.next(1));
    this.confirmButton?.addEventListener("click", () => this.confirmAndNext());
    // Keep the selection in the text when a button is pressed.
    for (const button of [this.nextButton, this.confirmButton]) {
      button?.addEventListener("mousedown", (event) => event.preventDefault());
    }
    root.hidden = false;
    this.#render();
  }

  #count(i) {
    const seg = this.editor.realignSegment(i);
    let n = 0;
    if (seg.probs) {
      for (let k = 0; k < seg.probs.length; k++) if (this.editor.isUncertain(seg, k)) n++;
    }
    this.total += n - (this.counts.get(i) || 0);
    if (n) this.counts.set(i, n);
    else this.counts.delete(i);
  }

  // Segment i's text or confirmations changed.
  changed(i) {
    this.#count(i);
    this.#render();
  }

  visited(i, k) {
    this.cursor = { i, k, text: this.editor.segs[i].text };
  }

  #render() {
    if (this.countEl) {
      const n = this.total;
      this.countEl.textContent = n
        ? `${n} uncertain word${n === 1 ? "" : "s"} left`
        : "No uncertain words left";
    }
    if (this.nextButton) this.nextButton.disabled = !this.total;
    if (this.confirmButton) this.confirmButton.disabled = !this.total;
  }

  // Where to search from: the word last visited, else the caret in the text, else the start.
  #position() {
    if (this.cursor) return this.cursor;
    const selection = getSelection();
    const textEl = selection.rangeCount ? selection.anchorNode?.parentElement?.closest(".seg__text") : null;
    if (textEl && this.editor.container.contains(textEl)) {
      const word = selection.anchorNode.parentElement.closest("[data-w]");
      return { i: +textEl.parentElement.dataset.i, k: word ? +word.dataset.w - 1 : -1 };
    }
    return null;
  }

  #find(direction) {
    const segs = this.editor.segs;
    const count = segs.length;
    if (!this.total || !count) return null;
    const from = this.#position() || { i: direction > 0 ? 0 : count - 1, k: direction > 0 ? -1 : Infinity };
    // Each segment once, starting with the cursor's own, then wrapping round.
    for (let step = 0; step <= count; step++) {
      const i = (((from.i + direction * step) % count) + count) % count;
      if (!this.counts.has(i)) continue;
      const seg = this.editor.realignSegment(i);
      const words = seg.probs.length;
      const ks = direction > 0 ? [...Array(words).keys()] : [...Array(words).keys()].reverse();
      for (const k of ks) {
        if (step === 0 && (direction > 0 ? k <= from.k : k >= from.k)) continue;
        if (step === count && (direction > 0 ? k > from.k : k < from.k)) continue;
        if (this.editor.isUncertain(seg, k)) return { i, k };
      }
    }
    return null;
  }

  next(direction = 1) {
    if (!this.editor.allLoaded()) {
      this.editor.whole(() => this.next(direction));
      return;
    }
    const found = this.#find(direction);
    if (!found) {
      this.editor.status("No uncertain words left.");
      return;
    }
    this.#go(found.i, found.k);
  }

  #go(i, k) {
    const editor = this.editor;
    const seg = editor.realignSegment(i);
    this.visited(i, k);
    const [start, end] = wordBounds(seg.text)[k];
    select(editor, i, start, end);
    const from = seg.starts[k];
    if (from != null) editor.player?.playSpan(from + 0.001, (seg.ends[k] ?? from) + WORD_TAIL);
  }

  // The word just heard is right: confirm it and go on to the next.
  confirmAndNext() {
    const cursor = this.cursor;
    if (cursor && this.editor.segs[cursor.i].text === cursor.text) {
      if (this.editor.confirmWord(cursor.i, cursor.k)) this.changed(cursor.i);
    }
    this.next(1);
  }
}
