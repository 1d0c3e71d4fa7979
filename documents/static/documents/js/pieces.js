// The transcript in pieces: only the pieces near the viewport exist in the DOM, so a
// three-hour lecture (3,000 segments) types as fast as a short one. The others are empty
// boxes of their estimated (later measured) height, so the scroll bar stays true. In a long
// document a piece whose segments the page has not fetched yet (state.js) stays such a box
// until they arrive, then is drawn if it is still near the viewport.

import { segmentHtml } from "./segment-html.js";
import { tokens } from "./text.js";

const PIECE = 40; // segments per piece
const RENDER_MARGIN = "1500px 0px";
const DROP_MARGIN = "8000px 0px";

export class Pieces {
  constructor(editor) {
    this.editor = editor;
    this.container = editor.container;
    this.segEls = new Map();
    this.rendered = new Set();
    this.near = new Set(); // pieces within the render margin
    this.#build();
    editor.fillListeners.push(() => {
      for (const k of this.near) this.render(k);
    });
  }

  #build() {
    const segs = this.editor.segs;
    const count = Math.ceil(segs.length / PIECE);
    const width = this.container.clientWidth || 800;
    const textWidth = Math.max(200, (width - 120) / (this.editor.source ? 2 : 1));
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
    this.near.clear();
    const render = new IntersectionObserver(
      (entries) =>
        entries.forEach((e) => {
          const k = +e.target.dataset.piece;
          if (!e.isIntersecting) {
            this.near.delete(k);
            return;
          }
          this.near.add(k);
          this.render(k);
        }),
      { root: this.container, rootMargin: RENDER_MARGIN },
    );
    const drop = new IntersectionObserver(
      (entries) => entries.forEach((e) => !e.isIntersecting && this.#drop(+e.target.dataset.piece)),
      { root: this.container, rootMargin: DROP_MARGIN },
    );
    for (const piece of this.pieces) {
      render.observe(piece);
      drop.observe(piece);
    }
    this.observers = [render, drop];
    if (!count) this.container.innerHTML = '<p class="muted">No segments.</p>';
  }

  #estimate(k) {
    const segs = this.editor.segs;
    let height = 0;
    const end = Math.min(segs.length, (k + 1) * PIECE);
    for (let i = k * PIECE; i < end; i++) {
      const seg = segs[i];
      const lines = Math.max(1, Math.ceil((seg.loaded ? seg.text.length : seg.len) / this.charsPerLine));
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

  render(k) {
    if (this.rendered.has(k) || !this.pieces[k]) return;
    const from = k * PIECE;
    const to = Math.min(this.editor.segs.length, from + PIECE);
    const segs = this.editor.segs;
    const missing = [];
    for (let i = from; i < to; i++) if (!segs[i].loaded) missing.push(segs[i]);
    if (missing.length) {
      // Drawn when they arrive (the fill listener), if still near the viewport.
      this.editor.load(missing).catch(() => {
        this.editor.status("Could not load these segments. Check the connection; scroll to try again.", "error");
      });
      return;
    }
    const html = [];
    for (let i = from; i < to; i++) html.push(segmentHtml(this.editor, i));
    const piece = this.pieces[k];
    piece.innerHTML = html.join("");
    piece.style.height = "";
    for (const el of piece.children) this.segEls.set(+el.dataset.i, el);
    this.rendered.add(k);
    this.#calibrate(k);
    this.editor.sync?.redraw(from, to);
  }

  #drop(k) {
    if (!this.rendered.has(k)) return;
    const piece = this.pieces[k];
    if (piece.contains(document.activeElement)) return;
    const selection = getSelection();
    if (selection.rangeCount && piece.contains(selection.anchorNode)) return;
    piece.style.height = `${piece.offsetHeight}px`;
    const from = k * PIECE;
    for (let i = from; i < Math.min(this.editor.segs.length, from + PIECE); i++) this.segEls.delete(i);
    piece.textContent = "";
    this.rendered.delete(k);
    this.editor.sync?.dropped();
  }

  // After segments were split or merged (speakers.js): every index after the change moved, so
  // the pieces are laid out again, keeping the scroll position and segment `at` on screen.
  rebuild(at) {
    const top = this.container.scrollTop;
    for (const observer of this.observers || []) observer.disconnect();
    this.segEls.clear();
    this.rendered.clear();
    this.calibrated = false;
    this.#build();
    this.container.scrollTop = top;
    if (at == null) return;
    const el = this.ensureRendered(at);
    if (el && !this.inView(el)) el.scrollIntoView({ block: "center" });
  }

  // Segment i's element, drawn now if its piece is not (undefined while its data is still
  // being fetched: see reveal).
  ensureRendered(i) {
    this.render(Math.floor(i / PIECE));
    return this.segEls.get(i);
  }

  // Segments not fetched yet that segment i's piece needs before it can be drawn (a piece
  // can straddle two fetched chunks: segment i here, some of its neighbours not yet).
  unfetchedAround(i) {
    const from = Math.floor(i / PIECE) * PIECE;
    return this.editor.segs.slice(from, from + PIECE).filter((seg) => !seg.loaded);
  }

  // Segment i's element once its piece's data is here (fetched first if need be).
  async reveal(i) {
    const missing = this.unfetchedAround(i);
    if (missing.length) await this.editor.load(missing);
    return this.ensureRendered(i);
  }

  // Segment i's element, when its piece is on the page.
  element(i) {
    return this.segEls.get(i);
  }

  // Re-render one segment from the state (after programmatic changes or when editing ends).
  refresh(i, { force = false } = {}) {
    const segEl = this.segEls.get(i);
    if (!segEl) return null;
    const textEl = segEl.querySelector(".seg__text");
    const seg = this.editor.segs[i];
    if (!force && textEl.textContent === seg.text && textEl.children.length === tokens(seg.text).length) {
      return segEl;
    }
    const holder = document.createElement("div");
    holder.innerHTML = segmentHtml(this.editor, i);
    const fresh = holder.firstElementChild;
    segEl.replaceWith(fresh);
    this.segEls.set(i, fresh);
    this.editor.sync?.redraw(i, i + 1);
    return fresh;
  }

  inView(el) {
    const r = el.getBoundingClientRect();
    const c = this.container.getBoundingClientRect();
    return r.top >= c.top + 8 && r.bottom <= c.bottom - 8;
  }
}
