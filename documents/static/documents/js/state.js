// What the editor holds about the document, shared by its modules: every segment's text and
// word times, which segments are unsaved, the version they are based on, and the status line.
//
// The data comes from <script id="editor-data">:
//   {based_on, label, segments: [[start, end, text, [word starts], [word ends](, [word
//    confidences])], ...], saved: {index: last saved text} (for segments restored from a
//    draft), source: [...]|null, suggestions: [{original, corrected, count}],
//    occurrences: {index: [[start, end, sg], ...]}, page, page_loaded, uncertain_below,
//    lazy: {url, chunk}|null}
//
// A long document's page carries the first screens of segments in full and the rest as
// [start, end, length of the text]: those are fetched from lazy.url (the version this page
// opened) EDITOR_CHUNK_SEGMENTS at a time, as the editor scrolls to them (pieces.js) or a
// module needs them (load), or all of them (whole: find across everything, replace all,
// merging with a segment not fetched yet, review by doubt).
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
    this.lazy = data.lazy || null;
    // Segments not fetched yet, by their position in the version this page opened (splits
    // and merges move the others; these keep their place in that version).
    this.unfetched = new Map();
    this.chunks = new Map(); // chunk number -> Promise of its fetch
    this.fetching = 0; // fetches under way
    this.fillListeners = [];
    this.segs = data.segments.map((compact, i) => {
      if (compact.length === 3) {
        // [start, end, length]: a segment the page fetches later.
        const [start, end, len] = compact;
        const stub = { start, end, len, text: "", starts: [], ends: [], probs: null, timed: "", saved: "", occText: null, loaded: false, at: i };
        this.unfetched.set(i, stub);
        return stub;
      }
      const [start, end, text, starts, ends, probs] = compact;
      return {
        start,
        end,
        text,
        starts,
        ends,
        probs: probs || null,
        timed: text,
        saved: saved[i] ?? text,
        occText: this.occurrences[i] ? text : null,
        loaded: true,
      };
    });
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

  // -- segments fetched later (long documents) ---------------------------------------------

  allLoaded() {
    return this.unfetched.size === 0;
  }

  // Fetch the segments (objects of this.segs, or their indexes) not fetched yet; resolves
  // when they are here.
  load(which) {
    const chunks = new Set();
    for (const item of which) {
      const seg = typeof item === "number" ? this.segs[item] : item;
      if (seg && !seg.loaded) chunks.add(Math.floor(seg.at / this.lazy.chunk));
    }
    return Promise.all([...chunks].map((c) => this.#chunk(c)));
  }

  // Every segment; resolves when all are here.
  loadAll() {
    if (this.allLoaded()) return Promise.resolve();
    if (!this.loadingAll) {
      this.loadingAll = this.load(this.unfetched.values()).finally(() => {
        this.loadingAll = null;
      });
    }
    return this.loadingAll;
  }

  // Run fn over the whole document: at once when every segment is here, else once the rest
  // has been fetched (returns fn's result, or a Promise of it).
  whole(fn) {
    if (this.allLoaded()) return fn();
    this.status("Loading the rest of the document…");
    return this.loadAll().then(
      () => {
        this.updateStatus();
        return fn();
      },
      () => {
        this.status("Could not load the rest of the document. Check the connection and try again.", "error");
        return undefined;
      },
    );
  }

  #chunk(c) {
    let promise = this.chunks.get(c);
    if (promise) return promise;
    const size = this.lazy.chunk;
    const url = `${this.lazy.url}&from=${c * size}&to=${(c + 1) * size}`;
    this.fetching++;
    promise = fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json();
      })
      .then((data) => this.#fill(data))
      .catch((error) => {
        this.chunks.delete(c); // asked again next time
        throw error;
      })
      .finally(() => {
        this.fetching--;
      });
    this.chunks.set(c, promise);
    return promise;
  }

  #fill(data) {
    const filled = [];
    data.segments.forEach(([start, end, text, starts, ends, probs], k) => {
      const at = data.from + k;
      const seg = this.unfetched.get(at);
      if (!seg) return;
      const occ = this.structure ? seg.occ : this.occurrences[at];
      Object.assign(seg, { start, end, text, starts, ends, probs: probs || null, timed: text, saved: text, occText: occ ? text : null, loaded: true });
      delete seg.len;
      if (this.source && data.source) this.source[at] = data.source[k];
      this.unfetched.delete(at);
      filled.push(seg);
    });
    if (filled.length) for (const listener of this.fillListeners) listener(filled);
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
