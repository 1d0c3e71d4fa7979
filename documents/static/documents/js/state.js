// What the editor holds about the document, shared by its modules: every segment's text and
// word times, which segments are unsaved, the version they are based on, and the status line.
//
// The data comes from <script id="editor-data">:
//   {based_on, label, segments: [[start, end, text, [word starts], [word ends](, [word
//    confidences])], ...], saved: {index: last saved text} (for segments restored from a
//    draft), source: [...]|null, suggestions: [{original, corrected, count}],
//    occurrences: {index: [[start, end, sg], ...]}, page, page_loaded, uncertain_below}
//
// The modules hang their parts on it (editor.view, .sync, .player, .saver, .autosave, .guard,
// .finder, .corrector, .doubt) and reach each other through them.

import { realign } from "./timing.js";

export class Editor {
  constructor(root, data) {
    this.root = root;
    this.csrf = root.dataset.csrf;
    this.basedOn = data.based_on;
    this.label = data.label;
    this.source = data.source;
    this.budgetCps = data.budget_cps ?? null;
    this.suggestions = data.suggestions || [];
    this.occurrences = data.occurrences || {};
    const saved = data.saved || {};
    this.segs = data.segments.map(([start, end, text, starts, ends, probs], i) => ({
      start,
      end,
      text,
      starts,
      ends,
      probs: probs || null,
      timed: text,
      saved: saved[i] ?? text,
      occText: this.occurrences[i] ? text : null,
    }));
    this.page = data.page || "";
    this.pageLoaded = data.page_loaded || "";
    this.uncertainBelow = data.uncertain_below ?? null;
    this.dirty = new Set();
    // Segments where the editor confirmed words the engine was unsure of (saved with them).
    this.confirmed = new Set();
    this.segs.forEach((seg, i) => seg.text !== seg.saved && this.dirty.add(i));
    this.revision = this.dirty.size ? 1 : 0;
    this.withHours = this.segs.some((seg) => (seg.end ?? 0) >= 3600);
    this.leaving = false;
    this.statusEl = root.querySelector("[data-status]");
    this.container = root.querySelector("[data-transcript]");
  }

  // A word the engine was unsure of, that no human has typed or confirmed since.
  isUncertain(seg, k) {
    const p = this.uncertainBelow != null && seg.probs ? seg.probs[k] : null;
    return p != null && p < this.uncertainBelow;
  }

  realignSegment(i) {
    realign(this.segs[i]);
    return this.segs[i];
  }

  hasUnsaved() {
    return this.dirty.size > 0 || this.confirmed.size > 0 || this.structureCount() > 0;
  }

  // Split, merge and speaker changes not saved yet (speakers.js).
  structureCount() {
    return this.structure ? this.structure.ops.length : 0;
  }

  // What a save or a draft carries: the texts of unsaved segments (by position after the
  // structure changes) and the structure changes.
  unsaved() {
    const segments = {};
    for (const i of this.dirty) segments[i] = this.segs[i].text;
    const structure = this.structure?.ops.length ? [...this.structure.ops] : null;
    return { segments, structure };
  }

  setText(i, text) {
    const seg = this.segs[i];
    if (seg.text === text) return;
    seg.text = text;
    this.touch(i);
    this.view.refresh(i, { force: true });
  }

  // Segment i's text changed (typed, or set by a module).
  touch(i) {
    const seg = this.segs[i];
    const wasDirty = this.dirty.has(i);
    const isDirty = seg.text !== seg.saved;
    this.revision++;
    this.finder?.stale();
    this.doubt?.changed(i);
    if (wasDirty === isDirty) return;
    if (isDirty) this.dirty.add(i);
    else this.dirty.delete(i);
    this.view.element(i)?.classList.toggle("is-dirty", isDirty);
    this.updateStatus();
  }

  // The editor listened and the word is right: it is no longer uncertain (saved with the
  // next version, like an edit).
  confirmWord(i, k) {
    const seg = this.realignSegment(i);
    if (!this.isUncertain(seg, k)) return false;
    seg.probs[k] = null;
    this.confirmed.add(i);
    this.revision++;
    this.view.refresh(i, { force: true });
    this.updateStatus();
    return true;
  }

  status(text, kind = "") {
    if (!this.statusEl) return;
    this.statusEl.textContent = text;
    this.statusEl.classList.toggle("is-error", kind === "error");
    this.statusEl.classList.toggle("is-dirty", kind === "dirty");
  }

  updateStatus() {
    if (!this.hasUnsaved()) {
      this.status(`All changes saved (${this.label}).`);
      return;
    }
    const n = this.dirty.size;
    const m = this.structureCount();
    let text = n
      ? `Unsaved changes in ${n} segment${n === 1 ? "" : "s"}`
      : m
        ? `${m} unsaved segment or speaker change${m === 1 ? "" : "s"}`
        : "Confirmed words not saved yet";
    if (n && m) text += ` and ${m} segment or speaker change${m === 1 ? "" : "s"}`;
    if (this.newerDraft) text += " · autosave paused (a newer draft exists: reload to get it)";
    else if (this.autosave?.paused) text += " · autosave paused (older draft waiting)";
    else if (this.draftSavedAt) text += ` · draft kept ${this.draftSavedAt.toLocaleTimeString()}`;
    this.status(`${text}.`, "dirty");
  }
}
