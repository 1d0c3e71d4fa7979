// The timed-text editor: a windowed view of the segments, click-to-seek, the spoken word
// highlighted during playback, find and replace, corrections with "Add to dictionary",
// save as a new version (with stale-save protection on the server), and autosaved drafts.
//
// Wired by data- attributes on [data-editor]; the data comes from <script id="editor-data">:
//   {based_on, label, segments: [[start, end, text, [word starts], [word ends](, [word
//    confidences])], ...], saved: {index: last saved text} (for segments restored from a
//    draft), source: [...]|null, suggestions: [{original, corrected, count}],
//    occurrences: {index: [[start, end, sg], ...]}, page, page_loaded, uncertain_below}
// Opened with ?t=<seconds> (a search hit), it starts at that word with the player there.
// Only the pieces of the transcript near the viewport exist in the DOM, so a three-hour
// lecture (3,000 segments) types as fast as a short one.

import { Autosave } from "./autosave.js";
import { DoubtReview } from "./doubt.js";
import { LeaveGuard } from "./leave-guard.js";
import { Player, wireControls } from "./player.js";

const PIECE = 40; // segments per piece
const RENDER_MARGIN = "1500px 0px";
const DROP_MARGIN = "8000px 0px";
const WORD_CHARS = "\\p{L}\\p{M}\\p{N}";

const escapeHtml = (s) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
// Control characters have no place in spoken text, and PostgreSQL cannot store NUL: a pasted
// or dropped one would make every save and autosave fail over a character nobody can see.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const normalize = (s) => s.replace(CONTROL_CHARS, "").replace(/\s+/g, " ").trim();
const tokens = (s) => (s ? s.split(" ") : []);
const wordKey = (t) => (t.match(/[\p{L}\p{M}\p{N}]+/gu) || [t]).join("").toLowerCase();
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const EDITABLE = (() => {
  try {
    const probe = document.createElement("div");
    probe.contentEditable = "plaintext-only";
    return probe.contentEditable === "plaintext-only" ? "plaintext-only" : "true";
  } catch {
    return "true";
  }
})();

function formatTime(seconds, withHours) {
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return withHours || h ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

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
function realign(seg) {
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

// Where ?t= (or a #t= media fragment) asks the editor to open, in seconds, or null.
function requestedTime() {
  const fromQuery = new URLSearchParams(location.search).get("t");
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("t");
  const t = Number.parseFloat(fromQuery ?? fromHash ?? "");
  return Number.isFinite(t) && t >= 0 ? t : null;
}

// This tab's copy of the unsaved text of an editor page, written when the page is left.
const handoffKey = () => `editor-unsaved:${location.pathname}`;

// Character offsets of each word in a segment's text (words are single-space separated).
function wordBounds(text) {
  let offset = 0;
  return tokens(text).map((w) => {
    const b = [offset, offset + w.length];
    offset += w.length + 1;
    return b;
  });
}

// Last index whose value is <= t in a non-decreasing array (nulls never match), or -1.
function lastAtOrBefore(values, t, read = (v) => v) {
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

function followCaseOf(sample, replacement) {
  if (sample.length > 1 && sample === sample.toUpperCase() && sample !== sample.toLowerCase()) {
    return replacement.toUpperCase();
  }
  const first = sample[0];
  if (first && first === first.toUpperCase() && first !== first.toLowerCase()) {
    return replacement[0].toUpperCase() + replacement.slice(1);
  }
  return replacement;
}

class Editor {
  constructor(root, data) {
    this.root = root;
    this.csrf = root.dataset.csrf;
    this.basedOn = data.based_on;
    this.label = data.label;
    this.source = data.source;
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
    this.segEls = new Map();
    this.rendered = new Set();
    this.current = { i: -1, k: -1, segEl: null, wordEl: null };
    this.saving = false;
    this.leaving = false;
    this.statusEl = root.querySelector("[data-status]");
    this.container = root.querySelector("[data-transcript]");
    this.followEl = root.querySelector("[data-follow]");
  }

  start() {
    const takenOver = this.#takeOverUnsaved();
    this.container.hidden = false;
    this.#buildPieces();
    this.#wireTranscript();
    this.#wirePlayer();
    this.#wireSave();
    this.#wireAutosave();
    this.#wireLeaving();
    this.#keepInThisTab();
    this.#wireKeys();
    this.finder = new Finder(this, this.root.querySelector("[data-findbar]"));
    this.corrector = new Corrector(this);
    this.#renderSuggestions();
    this.#wireDictionaryForm();
    this.#wireExports();
    if (this.uncertainBelow != null) {
      this.doubt = new DoubtReview(this, this.root.querySelector("[data-doubt]"), this.uncertainBelow);
    }
    for (const el of this.root.querySelectorAll("[data-script-only]")) el.hidden = false;
    const t = requestedTime();
    if (t != null) this.openAt(t);
    const flash = sessionStorage.getItem("editor-flash");
    if (takenOver) {
      this.autosave?.settled(null); // the beacon may never have arrived: send them again
      this.status(
        `Your unsaved changes in ${takenOver} segment${takenOver === 1 ? "" : "s"} are back ` +
          "(typed before this page was reloaded or left). Save to keep them as a version.",
        "dirty",
      );
    } else if (flash) {
      sessionStorage.removeItem("editor-flash");
      this.status(flash);
    } else {
      this.updateStatus();
    }
    window.maxEditor = this; // for the browser tests and the benchmark
    performance.mark("max-editor-ready");
  }

  // A reload (or Back, then Forward) right after typing: the page's last draft leaves as a
  // beacon when it is left, and may reach the server only after the new page was rendered,
  // which then opened without the edits and without offering a draft. So the old page also
  // leaves its unsaved text in this tab's sessionStorage; the new page takes it over, and
  // with it the old page's place as the draft's writer (its autosave may then replace the
  // beacon's draft instead of being refused as "another page"). Returns how many segments.
  #takeOverUnsaved() {
    let entry = null;
    try {
      entry = JSON.parse(sessionStorage.getItem(handoffKey()) || "null");
      sessionStorage.removeItem(handoffKey());
    } catch {
      return 0;
    }
    if (!entry || typeof entry.segments !== "object" || !entry.segments) return 0;
    const how = performance.getEntriesByType("navigation")[0]?.type;
    if (how !== "reload" && how !== "back_forward") return 0;
    // The server offers a draft (or restored one), or a version was saved since: that wins.
    if (this.root.dataset.autosavePaused || this.dirty.size || entry.based_on !== this.basedOn) return 0;
    for (const [index, text] of Object.entries(entry.segments)) {
      const seg = this.segs[+index];
      if (!seg || typeof text !== "string") continue;
      const clean = normalize(text);
      if (clean === seg.text) continue;
      seg.text = clean;
      this.dirty.add(+index);
    }
    if (!this.dirty.size) return 0;
    this.revision++;
    this.page = String(entry.page || this.page);
    this.pageLoaded = String(entry.page_loaded || this.pageLoaded);
    return this.dirty.size;
  }

  #keepInThisTab() {
    addEventListener("pagehide", () => {
      try {
        if (this.leaving || !this.dirty.size) {
          sessionStorage.removeItem(handoffKey());
          return;
        }
        const segments = {};
        for (const i of this.dirty) segments[i] = this.segs[i].text;
        sessionStorage.setItem(
          handoffKey(),
          JSON.stringify({ page: this.page, page_loaded: this.pageLoaded, based_on: this.basedOn, segments }),
        );
      } catch {
        // Storage full or switched off: the beacon still carries the draft.
      }
    });
    addEventListener("pageshow", (event) => {
      // Back from the cache: this very page is live again, its copy is not needed.
      if (event.persisted) sessionStorage.removeItem(handoffKey());
    });
  }

  // -- pieces ---------------------------------------------------------------------------------

  #buildPieces() {
    const count = Math.ceil(this.segs.length / PIECE);
    const width = this.container.clientWidth || 800;
    const textWidth = Math.max(200, (width - 120) / (this.source ? 2 : 1));
    this.charsPerLine = Math.max(20, Math.floor(textWidth / 8.2));
    this.lineHeight = 26;
    this.segPadding = 12;
    // Heights through the CSSOM: the Content-Security-Policy refuses style attributes in markup.
    this.pieces = [];
    for (let k = 0; k < count; k++) {
      const piece = document.createElement("div");
      piece.className = "piece";
      piece.dataset.piece = String(k);
      piece.style.height = `${this.#estimate(k)}px`;
      this.pieces.push(piece);
    }
    this.container.replaceChildren(...this.pieces);
    const render = new IntersectionObserver(
      (entries) => entries.forEach((e) => e.isIntersecting && this.renderPiece(+e.target.dataset.piece)),
      { root: this.container, rootMargin: RENDER_MARGIN },
    );
    const drop = new IntersectionObserver(
      (entries) => entries.forEach((e) => !e.isIntersecting && this.#dropPiece(+e.target.dataset.piece)),
      { root: this.container, rootMargin: DROP_MARGIN },
    );
    for (const piece of this.pieces) {
      render.observe(piece);
      drop.observe(piece);
    }
    if (!count) this.container.innerHTML = '<p class="muted">No segments.</p>';
  }

  #estimate(k) {
    let height = 0;
    const end = Math.min(this.segs.length, (k + 1) * PIECE);
    for (let i = k * PIECE; i < end; i++) {
      const lines = Math.max(1, Math.ceil(this.segs[i].text.length / this.charsPerLine));
      height += lines * this.lineHeight + this.segPadding;
    }
    return Math.round(height);
  }

  #calibrate(k) {
    // After the first real piece, scale the placeholders below it to the measured height.
    if (this.calibrated) return;
    this.calibrated = true;
    const ratio = this.pieces[k].offsetHeight / Math.max(1, this.#estimate(k));
    if (!(ratio > 0.5 && ratio < 2)) return;
    this.lineHeight *= ratio;
    this.segPadding *= ratio;
    for (let j = k + 1; j < this.pieces.length; j++) {
      if (!this.rendered.has(j)) this.pieces[j].style.height = `${this.#estimate(j)}px`;
    }
  }

  renderPiece(k) {
    if (this.rendered.has(k) || !this.pieces[k]) return;
    const from = k * PIECE;
    const to = Math.min(this.segs.length, from + PIECE);
    const html = [];
    for (let i = from; i < to; i++) html.push(this.#segHtml(i));
    const piece = this.pieces[k];
    piece.innerHTML = html.join("");
    piece.style.height = "";
    for (const el of piece.children) this.segEls.set(+el.dataset.i, el);
    this.rendered.add(k);
    this.#calibrate(k);
    if (this.current.i >= from && this.current.i < to) this.#showCurrent(false);
  }

  #dropPiece(k) {
    if (!this.rendered.has(k)) return;
    const piece = this.pieces[k];
    if (piece.contains(document.activeElement)) return;
    const selection = getSelection();
    if (selection.rangeCount && piece.contains(selection.anchorNode)) return;
    piece.style.height = `${piece.offsetHeight}px`;
    const from = k * PIECE;
    for (let i = from; i < Math.min(this.segs.length, from + PIECE); i++) this.segEls.delete(i);
    piece.textContent = "";
    this.rendered.delete(k);
    if (this.current.segEl && !this.current.segEl.isConnected) {
      this.current.segEl = null;
      this.current.wordEl = null;
    }
  }

  ensureRendered(i) {
    this.renderPiece(Math.floor(i / PIECE));
    return this.segEls.get(i);
  }

  #marks(i, words) {
    // Word indexes covered by known wrong terms (from the dictionary), while the segment
    // still has the text they were found in.
    const seg = this.segs[i];
    const found = this.occurrences[i];
    const marks = new Map();
    if (!found || seg.occText !== seg.text) return marks;
    let offset = 0;
    const bounds = words.map((w) => {
      const b = [offset, offset + w.length];
      offset += w.length + 1;
      return b;
    });
    found.forEach(([start, end], n) => {
      bounds.forEach(([ws, we], k) => {
        if (ws < end && we > start) marks.set(k, n);
      });
    });
    return marks;
  }

  #segHtml(i) {
    const seg = this.segs[i];
    realign(seg);
    const words = tokens(seg.text);
    const marks = this.#marks(i, words);
    const classes = ["seg"];
    if (this.source) classes.push("seg--with-source");
    if (seg.text !== seg.saved) classes.push("is-dirty");
    let html = `<div class="${classes.join(" ")}" data-i="${i}">`;
    html +=
      seg.start == null
        ? `<span class="seg__time">${i + 1}</span>`
        : `<button type="button" class="seg__time" tabindex="-1" data-seek="${seg.start}" title="Play from here">${formatTime(seg.start, this.withHours)}</button>`;
    if (this.source) html += `<div class="seg__source" dir="auto">${escapeHtml(this.source[i] ?? "")}</div>`;
    html += `<div class="seg__text" contenteditable="${EDITABLE}" spellcheck="true" role="textbox" aria-label="Segment ${i + 1}">`;
    html += words
      .map((w, k) => {
        const classes = [];
        let attrs = "";
        if (marks.has(k)) {
          classes.push("is-suggestion");
          attrs += ` data-occ="${marks.get(k)}" title="Dictionary suggestion"`;
        }
        if (this.isUncertain(seg, k)) classes.push("is-uncertain");
        if (classes.length) attrs += ` class="${classes.join(" ")}"`;
        return `<span data-w="${k}"${attrs}>${escapeHtml(w)}</span>`;
      })
      .join(" ");
    html += "</div></div>";
    return html;
  }

  // Re-render one segment from the state (after programmatic changes or when editing ends).
  refresh(i, { force = false } = {}) {
    const segEl = this.segEls.get(i);
    if (!segEl) return null;
    const textEl = segEl.querySelector(".seg__text");
    const seg = this.segs[i];
    if (!force && textEl.textContent === seg.text && textEl.children.length === tokens(seg.text).length) {
      return segEl;
    }
    const holder = document.createElement("div");
    holder.innerHTML = this.#segHtml(i);
    const fresh = holder.firstElementChild;
    segEl.replaceWith(fresh);
    this.segEls.set(i, fresh);
    if (this.current.i === i) this.#showCurrent(false);
    return fresh;
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

  wordBounds(i) {
    return wordBounds(this.segs[i].text);
  }

  // The editor listened and the word is right: it is no longer uncertain (saved with the
  // next version, like an edit).
  confirmWord(i, k) {
    const seg = this.realignSegment(i);
    if (!this.isUncertain(seg, k)) return false;
    seg.probs[k] = null;
    this.confirmed.add(i);
    this.revision++;
    this.refresh(i, { force: true });
    this.updateStatus();
    return true;
  }

  hasUnsaved() {
    return this.dirty.size > 0 || this.confirmed.size > 0;
  }

  // -- editing --------------------------------------------------------------------------------

  setText(i, text) {
    const seg = this.segs[i];
    if (seg.text === text) return;
    seg.text = text;
    this.touch(i);
    this.refresh(i, { force: true });
  }

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
    this.segEls.get(i)?.classList.toggle("is-dirty", isDirty);
    this.updateStatus();
  }

  #wireTranscript() {
    const c = this.container;
    c.addEventListener("input", (event) => {
      const textEl = event.target.closest?.(".seg__text");
      if (!textEl) return;
      const i = +textEl.parentElement.dataset.i;
      this.segs[i].text = normalize(textEl.textContent);
      this.touch(i);
    });
    c.addEventListener("focusout", (event) => {
      const segEl = event.target.closest?.(".seg");
      if (!segEl || segEl.contains(event.relatedTarget)) return;
      this.refresh(+segEl.dataset.i);
    });
    c.addEventListener("keydown", (event) => {
      const textEl = event.target.closest?.(".seg__text");
      if (!textEl || event.key !== "Enter" || event.ctrlKey || event.metaKey || event.altKey) return;
      // Segments are single lines; Enter moves on instead of splitting the segment.
      event.preventDefault();
      this.focusSegment(+textEl.parentElement.dataset.i + (event.shiftKey ? -1 : 1));
    });
    c.addEventListener("paste", (event) => {
      const textEl = event.target.closest?.(".seg__text");
      if (!textEl) return;
      event.preventDefault();
      const text = (event.clipboardData?.getData("text/plain") || "")
        .replace(CONTROL_CHARS, "")
        .replace(/\s+/g, " ");
      document.execCommand("insertText", false, text);
    });
    c.addEventListener("drop", (event) => {
      if (EDITABLE !== "plaintext-only") event.preventDefault();
    });
    c.addEventListener("click", (event) => {
      const seek = event.target.closest("[data-seek]");
      if (seek) {
        this.player?.seek(Number(seek.dataset.seek));
        return;
      }
      const span = event.target.closest(".seg__text span[data-w]");
      if (!span || event.altKey) return;
      const selection = getSelection();
      if (selection && !selection.isCollapsed) return;
      const segEl = span.closest(".seg");
      const i = +segEl.dataset.i;
      const seg = this.segs[i];
      realign(seg);
      const k = this.#wordIndex(segEl, span);
      const t = seg.starts[Math.min(k, seg.starts.length - 1)];
      // What the help promises: play from there (Alt+click only moves the cursor).
      if (t != null) this.player?.playFrom(t + 0.001);
      this.doubt?.visited(i, k);
      if (span.dataset.occ !== undefined) this.corrector.suggest(i, +span.dataset.occ, span);
    });
  }

  #wordIndex(segEl, span) {
    // Count words before the clicked one in what is on screen (edits may have shifted spans).
    const textEl = segEl.querySelector(".seg__text");
    const range = document.createRange();
    range.setStart(textEl, 0);
    range.setEndBefore(span);
    const before = normalize(range.toString());
    return before ? before.split(" ").length : 0;
  }

  focusSegment(i, atEnd = false) {
    if (i < 0 || i >= this.segs.length) return;
    const segEl = this.ensureRendered(i);
    const textEl = segEl?.querySelector(".seg__text");
    if (!textEl) return;
    textEl.focus({ preventScroll: true });
    const range = document.createRange();
    range.selectNodeContents(textEl);
    range.collapse(!atEnd);
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (!this.inView(segEl)) segEl.scrollIntoView({ block: "center" });
  }

  editing() {
    const active = document.activeElement;
    return !!active && active.classList?.contains("seg__text") && this.container.contains(active);
  }

  inView(el) {
    const r = el.getBoundingClientRect();
    const c = this.container.getBoundingClientRect();
    return r.top >= c.top + 8 && r.bottom <= c.bottom - 8;
  }

  // Select characters [start, end) of segment i on screen.
  select(i, start, end) {
    let segEl = this.ensureRendered(i);
    if (!segEl) return;
    segEl = this.refresh(i) || segEl;
    const textEl = segEl.querySelector(".seg__text");
    textEl.focus({ preventScroll: true });
    const walker = document.createTreeWalker(textEl, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let offset = 0;
    let startSet = false;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const length = node.nodeValue.length;
      if (!startSet && start <= offset + length) {
        range.setStart(node, start - offset);
        startSet = true;
      }
      if (startSet && end <= offset + length) {
        range.setEnd(node, end - offset);
        break;
      }
      offset += length;
    }
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (!this.inView(segEl)) segEl.scrollIntoView({ block: "center" });
  }

  // -- playback -------------------------------------------------------------------------------

  #wirePlayer() {
    const media = this.root.querySelector("[data-player]");
    if (!media) return;
    this.player = new Player(media);
    wireControls(this.player, this.root.querySelector("[data-player-controls]"));
    this.player.onTime((t) => this.#onTime(t));
    this.followEl?.addEventListener("change", () => {
      localStorage.setItem("editor-follow", this.followEl.checked ? "1" : "0");
    });
    if (this.followEl && localStorage.getItem("editor-follow") === "0") this.followEl.checked = false;
  }

  #onTime(t) {
    const i = lastAtOrBefore(this.segs, t, (seg) => seg.start);
    let k = -1;
    if (i >= 0) {
      const seg = this.segs[i];
      realign(seg);
      k = lastAtOrBefore(seg.starts, t);
    }
    if (i === this.current.i && k === this.current.k && this.current.segEl?.isConnected) return;
    this.current.i = i;
    this.current.k = k;
    this.#showCurrent(true);
  }

  #showCurrent(scroll) {
    const { i, k } = this.current;
    this.current.wordEl?.classList.remove("is-current");
    this.current.segEl?.classList.remove("is-playing");
    this.current.segEl = null;
    this.current.wordEl = null;
    if (i < 0) return;
    const follow = scroll && (this.followEl ? this.followEl.checked : true) && !this.editing();
    let segEl = this.segEls.get(i);
    if (!segEl && follow) segEl = this.ensureRendered(i);
    if (!segEl) return;
    const wordEl = k >= 0 ? segEl.querySelector(`.seg__text [data-w="${k}"]`) : null;
    segEl.classList.add("is-playing");
    wordEl?.classList.add("is-current");
    this.current.segEl = segEl;
    this.current.wordEl = wordEl;
    const target = wordEl || segEl;
    if (follow && !this.inView(target)) target.scrollIntoView({ block: "center" });
  }

  // Open at a moment of the recording (a search hit): that segment in view, the word spoken
  // then highlighted, the player there (it starts when the editor presses play).
  openAt(t) {
    const i = lastAtOrBefore(this.segs, t, (seg) => seg.start);
    if (i < 0) return;
    const seg = this.realignSegment(i);
    this.current.i = i;
    this.current.k = lastAtOrBefore(seg.starts, t);
    this.ensureRendered(i);
    this.#showCurrent(false);
    this.scrollToCenter(this.current.wordEl || this.current.segEl);
    this.player?.seek(t);
  }

  // Centre an element in the transcript's own scroll box (not the window), settling once the
  // pieces around it have rendered at their real heights.
  scrollToCenter(el, attempts = 3) {
    if (!el?.isConnected) return;
    const r = el.getBoundingClientRect();
    const c = this.container.getBoundingClientRect();
    this.container.scrollTop += r.top - c.top - (c.height - r.height) / 2;
    if (attempts > 1) requestAnimationFrame(() => !this.inView(el) && this.scrollToCenter(el, attempts - 1));
  }

  // -- saving ---------------------------------------------------------------------------------

  #wireSave() {
    this.saveButton = this.root.querySelector('[data-action="save"]');
    this.saveButton?.addEventListener("click", () => this.save());
    const finalize = this.root.querySelector("[data-finalize-form]");
    finalize?.addEventListener("submit", async (event) => {
      if (this.finalizing) {
        event.preventDefault(); // a double click: one save, one finalize
        return;
      }
      if (!this.hasUnsaved()) return; // posts as is (the leave guard stops a second post)
      event.preventDefault();
      if (!confirm("Save your changes as a new version first, then finalize it?")) return;
      this.finalizing = true;
      if (await this.save()) {
        this.guard.submit(finalize);
      } else {
        this.finalizing = false;
      }
    });
  }

  async save() {
    if (this.saving) return false;
    const segments = {};
    for (const i of this.dirty) segments[i] = this.segs[i].text;
    // Words confirmed by ear: their segments go along (unchanged text) to drop the doubt.
    const confirmed = {};
    for (const i of this.confirmed) {
      const seg = this.realignSegment(i);
      segments[i] = seg.text;
      confirmed[i] = tokens(seg.text)
        .map((_, k) => k)
        .filter((k) => seg.probs && seg.probs[k] == null);
    }
    if (!Object.keys(segments).length) {
      this.status("Nothing to save: no changes since the last version.");
      return true;
    }
    this.saving = true;
    if (this.saveButton) this.saveButton.disabled = true;
    this.status("Saving…");
    const body = new FormData();
    body.append("csrfmiddlewaretoken", this.csrf);
    body.append("based_on", String(this.basedOn));
    body.append("segments", JSON.stringify(segments));
    if (Object.keys(confirmed).length) body.append("confirmed", JSON.stringify(confirmed));
    if (this.autosave?.paused) body.append("keep_draft", "1");
    const revision = this.revision;
    const done = (result) => {
      this.saving = false;
      if (this.saveButton) this.saveButton.disabled = false;
      return result;
    };
    let response;
    let data = {};
    try {
      response = await fetch(this.root.dataset.saveUrl, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRFToken": this.csrf },
        credentials: "same-origin",
      });
      data = await response.json().catch(() => ({}));
    } catch {
      this.status("Could not reach the server. Your changes are still here; try again.", "error");
      return done(false);
    }
    if (response.status === 409 && data.url) {
      // Refused: the server kept this text as a draft; show the conflict page.
      this.leaving = true;
      this.autosave?.pause();
      location.assign(data.url);
      return false;
    }
    if (!response.ok) {
      this.status(data.message || `Saving failed (HTTP ${response.status}).`, "error");
      return done(false);
    }
    if (data.includes_newer) {
      // Others' newer changes are in the saved text: reload to show them.
      this.leaving = true;
      this.autosave?.pause();
      sessionStorage.setItem("editor-flash", data.message);
      location.reload();
      return true;
    }
    for (const i of Object.keys(confirmed)) this.confirmed.delete(+i);
    this.basedOn = data.version_number;
    this.label = data.label;
    for (const [index, text] of Object.entries(segments)) {
      const i = +index;
      const seg = this.segs[i];
      seg.saved = text;
      if (seg.text === text) this.dirty.delete(i);
      this.segEls.get(i)?.classList.toggle("is-dirty", seg.text !== seg.saved);
    }
    for (const [index, compact] of Object.entries(data.segments || {})) {
      const seg = this.segs[+index];
      if (seg.text === compact[2]) {
        seg.starts = compact[3];
        seg.ends = compact[4];
        // The server's word: no confidences back means every word of it is certain now.
        if (seg.probs) seg.probs = compact[5] || compact[3].map(() => null);
        seg.timed = seg.text;
        this.doubt?.changed(+index);
      }
    }
    if (this.revision === revision) this.autosave?.settled(revision);
    for (const el of this.root.querySelectorAll("[data-version-label]")) el.textContent = data.label;
    for (const el of this.root.querySelectorAll("[data-based-on]")) el.value = data.version_number;
    const finalizeButton = this.root.querySelector("[data-finalize-form] button");
    if (finalizeButton && data.status === "saved") {
      finalizeButton.disabled = data.became_final;
      finalizeButton.textContent = data.became_final ? `${data.label} is final` : `Finalize ${data.label}`;
      if (data.became_final) {
        const badge = this.root.querySelector("[data-final-label]");
        if (badge) badge.textContent = `Final: ${data.label}`;
      }
    }
    this.status(data.message);
    return done(true);
  }

  // -- autosave -------------------------------------------------------------------------------

  #wireAutosave() {
    const url = this.root.dataset.autosaveUrl;
    if (!url) return;
    this.autosave = new Autosave({
      url,
      seconds: this.root.dataset.autosaveSeconds,
      csrfToken: this.csrf,
      page: this.page,
      pageLoaded: this.pageLoaded,
      revision: this.revision,
      collect: () => {
        if (this.leaving) return null;
        const segments = {};
        for (const i of this.dirty) segments[i] = this.segs[i].text;
        return { revision: this.revision, based_on: this.basedOn, segments };
      },
      onSaved: (data) => {
        this.draftSavedAt = data.saved_at ? new Date(data.saved_at) : null;
        this.updateStatus();
      },
      // The server's reason when it gave one (a refused character, say), not just "failed".
      onError: (error) =>
        this.status(
          error instanceof TypeError || !error?.message || error.message.startsWith("HTTP ")
            ? "Autosave failed; your changes are still here."
            : `Autosave failed: ${error.message} Your changes are still here.`,
          "error",
        ),
      onNewer: (data) => {
        this.newerDraft = true;
        this.status(data.message, "error");
      },
    });
    if (this.root.dataset.autosavePaused) this.autosave.pause();
    this.autosave.start();
    const discard = this.root.querySelector("[data-discard-draft]");
    discard?.addEventListener("click", async (event) => {
      // In place: discarding the waiting draft keeps whatever was typed on this page.
      event.preventDefault();
      if (!confirm(discard.dataset.confirm)) return;
      const body = new FormData();
      body.append("csrfmiddlewaretoken", this.csrf);
      try {
        const response = await fetch(discard.href, {
          method: "POST",
          body,
          headers: { Accept: "application/json", "X-CSRFToken": this.csrf },
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      } catch {
        this.status("Could not reach the server to discard the draft; try again.", "error");
        return;
      }
      this.root.querySelector("[data-draft-banner]")?.remove();
      this.autosave.resume();
      this.autosave.settled(null); // whatever is typed here goes out with the next autosave
      this.status("Draft discarded.");
      if (this.hasUnsaved()) this.autosave.send();
    });
  }

  // Keep what is typed when the page is left: links and forms save the draft first, other
  // ways out ask (leave-guard.js); a finished job's reload waits for a save.
  #wireLeaving() {
    this.guard = new LeaveGuard({
      hasUnsaved: () => !this.leaving && this.hasUnsaved(),
      keepDraft: () => this.keepDraft(),
      describe: () => {
        const n = this.dirty.size;
        if (n && !this.draftKept) return `Your unsaved changes in ${n} segment${n === 1 ? "" : "s"}`;
        return "The words you confirmed (drafts keep only text; save to keep them)";
      },
    }).start();
    document.addEventListener("max:before-reload", (event) => {
      if (!this.hasUnsaved()) return;
      event.preventDefault();
      this.keepDraft();
      this.status("A background job finished. Save your changes, then reload to see its result.", "dirty");
    });
  }

  // Send the draft now; true when the server holds everything typed (or nothing is typed).
  async keepDraft() {
    this.draftKept = true;
    if (this.dirty.size) {
      this.status("Keeping your changes as a draft…", "dirty");
      this.draftKept = !!this.autosave && (await this.autosave.flush());
    }
    // Confirmed words are not text: a draft cannot carry them, only a save can.
    return this.draftKept && this.confirmed.size === 0;
  }

  // Exports are of saved versions: say so when there is unsaved text (it stays here).
  #wireExports() {
    for (const link of this.root.querySelectorAll("[data-export] a[download]")) {
      link.addEventListener("click", async () => {
        if (!this.dirty.size) return;
        await this.keepDraft();
        this.status(
          `Exported ${this.label}, the last saved version. Your unsaved changes are not in it: save first to export them.`,
          "dirty",
        );
      });
    }
  }

  // "Add a correction" in the side panel: posted in place, so nothing typed is lost.
  #wireDictionaryForm() {
    const form = this.root.querySelector("[data-dictionary-form]");
    if (!form) return;
    const messageEl = form.querySelector("[data-dictionary-message]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (form.dataset.posting) return;
      form.dataset.posting = "1";
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      const body = new FormData(form);
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body,
          headers: { Accept: "application/json", "X-CSRFToken": this.csrf },
          credentials: "same-origin",
        });
        const data = await response.json().catch(() => ({}));
        messageEl.textContent = data.message || `Dictionary: HTTP ${response.status}`;
        messageEl.classList.toggle("is-error", !response.ok);
        if (response.ok) {
          const original = normalize(body.get("term_original") || "");
          const corrected = normalize(body.get("term_corrected") || "");
          form.reset();
          this.#offerSuggestion({ original, corrected });
        }
      } catch {
        messageEl.textContent = "Could not reach the server to add the entry. Nothing was lost; try again.";
        messageEl.classList.add("is-error");
      } finally {
        delete form.dataset.posting;
        if (button) button.disabled = false;
      }
    });
  }

  // -- keyboard -------------------------------------------------------------------------------

  #wireKeys() {
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        if (this.corrector?.open) {
          this.corrector.close();
        } else {
          this.player?.toggle();
        }
        event.preventDefault();
        return;
      }
      if (event.key === "F8" && this.doubt) {
        // Like "next problem" in code editors; Shift goes back.
        event.preventDefault();
        this.doubt.next(event.shiftKey ? -1 : 1);
        return;
      }
      if (event.key === "F9" && this.doubt) {
        event.preventDefault();
        this.doubt.confirmAndNext();
        return;
      }
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (event.code === "Space") this.player?.toggle();
      else if (key === ",") this.player?.skip(-5);
      else if (key === ".") this.player?.skip(5);
      else if (key === "s") this.save();
      else if (key === "f" || key === "h") this.finder?.focus(key === "h");
      else return;
      event.preventDefault();
    });
  }

  // -- status and suggestions -----------------------------------------------------------------

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
    let text = n
      ? `Unsaved changes in ${n} segment${n === 1 ? "" : "s"}`
      : "Confirmed words not saved yet";
    if (this.newerDraft) text += " · autosave paused (a newer draft exists: reload to get it)";
    else if (this.autosave?.paused) text += " · autosave paused (older draft waiting)";
    else if (this.draftSavedAt) text += ` · draft kept ${this.draftSavedAt.toLocaleTimeString()}`;
    this.status(`${text}.`, "dirty");
  }

  #renderSuggestions() {
    for (const s of this.suggestions) this.#addSuggestion(s);
  }

  // A dictionary entry just added in the side panel: offer it if the text has the term.
  #offerSuggestion({ original, corrected }) {
    if (!original || original === corrected) return;
    const pattern = this.wholeWordRegExp(original);
    const count = this.segs.reduce((n, seg) => n + (seg.text.match(pattern) || []).length, 0);
    if (count) this.#addSuggestion({ original, corrected, count });
  }

  #addSuggestion(s) {
    const holder = this.root.querySelector("[data-suggestions]");
    if (!holder) return;
    let list = holder.querySelector("ul");
    if (!list) {
      list = document.createElement("ul");
      holder.append(list);
    }
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = `${s.original} → ${s.corrected} (${s.count})`;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary";
    button.textContent = "Apply all";
    button.title = `Replace every “${s.original}” with “${s.corrected}” (not saved until you save)`;
    button.addEventListener("click", () => {
      const count = this.replaceEverywhere(s.original, s.corrected, { followCase: true });
      label.textContent = `${s.original} → ${s.corrected}: ${count} replaced`;
      button.disabled = true;
    });
    item.append(label, button);
    item.dataset.suggestion = String(list.children.length);
    list.append(item);
  }

  wholeWordRegExp(text, { matchCase = false, wholeWords = true } = {}) {
    const body = escapeRegExp(normalize(text));
    const source = wholeWords ? `(?<![${WORD_CHARS}])${body}(?![${WORD_CHARS}])` : body;
    return new RegExp(source, matchCase ? "gu" : "giu");
  }

  // Replace in every segment; returns how many were replaced. Timings follow on save.
  replaceEverywhere(find, replacement, { matchCase = false, wholeWords = true, followCase = false } = {}) {
    const pattern = this.wholeWordRegExp(find, { matchCase, wholeWords });
    let count = 0;
    this.segs.forEach((seg, i) => {
      pattern.lastIndex = 0;
      if (!pattern.test(seg.text)) return;
      pattern.lastIndex = 0;
      const text = seg.text.replace(pattern, (found) => {
        count++;
        return followCase ? followCaseOf(found, replacement) : replacement;
      });
      this.setText(i, normalize(text));
    });
    return count;
  }
}

// Find and replace over the whole transcript (state, not DOM: unrendered pieces count too).
class Finder {
  constructor(editor, form) {
    this.editor = editor;
    this.form = form;
    this.matches = null;
    this.index = -1;
    if (!form) return;
    this.find = form.querySelector("[data-find]");
    this.replace = form.querySelector("[data-replace]");
    this.matchCaseEl = form.querySelector("[data-match-case]");
    this.wholeWordsEl = form.querySelector("[data-whole-words]");
    this.statusEl = form.querySelector("[data-find-status]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      // A count still pending from typing would overwrite what this action reports.
      clearTimeout(this.countTimer);
      const action = event.submitter?.value || "next";
      if (action === "one") this.replaceOne();
      else if (action === "all") this.replaceAll();
      else this.next();
    });
    for (const input of [this.find, this.replace]) {
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          clearTimeout(this.countTimer);
          this.next();
        }
      });
    }
    this.countTimer = 0;
    const changed = () => {
      this.stale();
      clearTimeout(this.countTimer);
      this.countTimer = setTimeout(() => this.#count(), 150);
    };
    this.find.addEventListener("input", changed);
    this.matchCaseEl.addEventListener("change", changed);
    this.wholeWordsEl.addEventListener("change", changed);
  }

  focus(toReplace) {
    const input = toReplace ? this.replace : this.find;
    input?.focus();
    input?.select();
  }

  stale() {
    this.matches = null;
  }

  #pattern() {
    const query = normalize(this.find.value);
    if (!query) return null;
    return this.editor.wholeWordRegExp(query, {
      matchCase: this.matchCaseEl.checked,
      wholeWords: this.wholeWordsEl.checked,
    });
  }

  #compute() {
    if (this.matches) return this.matches;
    const pattern = this.#pattern();
    this.matches = [];
    if (!pattern) return this.matches;
    this.editor.segs.forEach((seg, i) => {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(seg.text); m; m = pattern.exec(seg.text)) {
        this.matches.push({ i, start: m.index, end: m.index + m[0].length });
        if (!m[0].length) pattern.lastIndex++;
      }
    });
    return this.matches;
  }

  #count() {
    if (!normalize(this.find.value)) {
      this.say("");
      return;
    }
    const n = this.#compute().length;
    this.say(n ? `${n} match${n === 1 ? "" : "es"}` : "No matches");
  }

  say(text) {
    if (this.statusEl) this.statusEl.textContent = text;
  }

  next() {
    const matches = this.#compute();
    if (!matches.length) {
      this.say(normalize(this.find.value) ? "No matches" : "Type something to find.");
      return;
    }
    this.index = (this.index + 1) % matches.length;
    const m = matches[this.index];
    this.editor.select(m.i, m.start, m.end);
    this.say(`${this.index + 1} of ${matches.length}`);
  }

  replaceOne() {
    const matches = this.#compute();
    const m = matches[this.index];
    if (!m) {
      this.next();
      return;
    }
    const seg = this.editor.segs[m.i];
    const text = normalize(seg.text.slice(0, m.start) + this.replace.value + seg.text.slice(m.end));
    this.editor.setText(m.i, text);
    this.stale();
    const rest = this.#compute();
    if (!rest.length) {
      this.index = -1;
      this.say("Replaced. No more matches.");
      return;
    }
    // Continue from the same place: the next match now sits at this index.
    this.index = rest.findIndex((r) => r.i > m.i || (r.i === m.i && r.start >= m.start)) - 1;
    if (this.index < -1) this.index = rest.length - 1;
    this.next();
  }

  replaceAll() {
    const query = normalize(this.find.value);
    if (!query) {
      this.say("Type something to find.");
      return;
    }
    const count = this.editor.replaceEverywhere(query, this.replace.value, {
      matchCase: this.matchCaseEl.checked,
      wholeWords: this.wholeWordsEl.checked,
    });
    this.stale();
    this.index = -1;
    this.say(
      count
        ? `Replaced ${count} occurrence${count === 1 ? "" : "s"} — not saved yet. Save to keep them.`
        : "No matches",
    );
  }
}

// Correct the selected words (or a dictionary suggestion), optionally everywhere, and
// optionally add the correction to the dictionary.
class Corrector {
  constructor(editor) {
    this.editor = editor;
    const root = editor.root;
    this.chip = root.querySelector("[data-correct-chip]");
    this.popover = root.querySelector("[data-popover]");
    this.form = root.querySelector("[data-correct-form]");
    this.originalEl = root.querySelector("[data-correct-original]");
    this.toEl = root.querySelector("[data-correct-to]");
    this.allEl = root.querySelector("[data-correct-all]");
    this.messageEl = root.querySelector("[data-correct-message]");
    this.open = false;
    this.target = null;
    if (!this.popover) return;
    const container = editor.container;
    container.addEventListener("mouseup", () => setTimeout(() => this.#fromSelection(), 0));
    container.addEventListener("keyup", (event) => event.shiftKey && this.#fromSelection());
    this.chip.addEventListener("mousedown", (event) => event.preventDefault());
    this.chip.addEventListener("click", () => this.#openFor(this.pending));
    root.querySelector("[data-popover-close]")?.addEventListener("click", () => this.close());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#apply(event.submitter?.value === "dictionary");
    });
  }

  #fromSelection() {
    const selection = getSelection();
    if (!selection.rangeCount || selection.isCollapsed) {
      this.chip.hidden = true;
      return;
    }
    const range = selection.getRangeAt(0);
    const startEl = range.startContainer.parentElement?.closest(".seg__text");
    const endEl = range.endContainer.parentElement?.closest(".seg__text");
    const textEl = startEl || (range.startContainer.classList?.contains("seg__text") ? range.startContainer : null);
    const original = normalize(range.toString());
    if (!textEl || (endEl && endEl !== textEl) || !original || original.length > 200) {
      this.chip.hidden = true;
      return;
    }
    const before = document.createRange();
    before.setStart(textEl, 0);
    before.setEnd(range.startContainer, range.startOffset);
    const start = before.toString().length;
    this.pending = {
      i: +textEl.parentElement.dataset.i,
      text: textEl.textContent,
      start,
      end: start + range.toString().length,
      original,
      corrected: original,
    };
    this.#place(this.chip, range.getBoundingClientRect());
    this.chip.hidden = false;
  }

  // A click on a word the dictionary knows is wrong: offer its correction.
  suggest(i, n, span) {
    const seg = this.editor.segs[i];
    const [start, end, replacement] = this.editor.occurrences[i][n];
    this.#openFor(
      { i, text: seg.text, start, end, original: seg.text.slice(start, end), corrected: replacement },
      span.getBoundingClientRect(),
    );
  }

  #place(el, rect) {
    const box = this.editor.root.getBoundingClientRect();
    el.style.top = `${rect.bottom - box.top + 6}px`;
    // Inside the page's width: a phone never scrolls sideways to reach the popover.
    const room = document.documentElement.clientWidth - box.left - (el.offsetWidth || 0) - 8;
    el.style.left = `${Math.max(0, Math.min(rect.left - box.left, room))}px`;
  }

  #openFor(target, rect) {
    if (!target) return;
    const anchor = rect || this.chip.getBoundingClientRect(); // before the chip hides
    this.target = target;
    this.originalEl.textContent = target.original;
    this.toEl.value = target.corrected;
    this.allEl.checked = false;
    this.messageEl.textContent = "";
    this.chip.hidden = true;
    this.popover.hidden = false; // first, so its width is known when placing it
    this.#place(this.popover, anchor);
    this.open = true;
    this.toEl.focus();
    this.toEl.select();
  }

  close() {
    this.popover.hidden = true;
    this.open = false;
  }

  async #apply(addToDictionary) {
    const target = this.target;
    const corrected = normalize(this.toEl.value);
    if (!target || !corrected) return;
    if (this.allEl.checked) {
      const count = this.editor.replaceEverywhere(target.original, corrected, { followCase: true });
      this.messageEl.textContent = `Replaced ${count} occurrence${count === 1 ? "" : "s"}.`;
    } else {
      const text = target.text;
      this.editor.setText(target.i, normalize(text.slice(0, target.start) + corrected + text.slice(target.end)));
      this.messageEl.textContent = "Replaced.";
    }
    if (!addToDictionary) {
      this.close();
      this.editor.status(`${this.messageEl.textContent} Not saved yet.`, "dirty");
      return;
    }
    const body = new FormData();
    body.append("csrfmiddlewaretoken", this.editor.csrf);
    body.append("term_original", target.original);
    body.append("term_corrected", corrected);
    try {
      const response = await fetch(this.editor.root.dataset.glossaryUrl, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRFToken": this.editor.csrf },
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      this.messageEl.textContent = data.message || `Dictionary: HTTP ${response.status}`;
      if (response.ok) {
        this.editor.status(data.message);
        setTimeout(() => this.close(), 1200);
      }
    } catch {
      this.messageEl.textContent = "Could not reach the server to add the entry.";
    }
  }
}

const root = document.querySelector("[data-editor]");
const dataEl = document.getElementById("editor-data");
if (root && dataEl) {
  new Editor(root, JSON.parse(dataEl.textContent)).start();
}
