// The text and the recording together: a click on a segment's time seeks there, a click on a
// word plays from it (Alt+click only moves the cursor), the word being spoken is highlighted
// and, with "Follow playback" on, kept in view; a search hit opens at its word.

import { Player, wireControls } from "./player.js";
import { isEditing } from "./segments.js";
import { normalize } from "./text.js";
import { lastAtOrBefore, realign } from "./timing.js";

export class PlayerSync {
  constructor(editor) {
    this.editor = editor;
    this.current = { i: -1, k: -1, segEl: null, wordEl: null };
    this.followEl = editor.root.querySelector("[data-follow]");
    this.#wireClicks();
    this.#wirePlayer();
  }

  #wireClicks() {
    const editor = this.editor;
    editor.container.addEventListener("click", (event) => {
      const seek = event.target.closest("[data-seek]");
      if (seek) {
        editor.player?.seek(Number(seek.dataset.seek));
        return;
      }
      const span = event.target.closest(".seg__text span[data-w]");
      if (!span || event.altKey) return;
      const selection = getSelection();
      if (selection && !selection.isCollapsed) return;
      const segEl = span.closest(".seg");
      const i = +segEl.dataset.i;
      const seg = editor.segs[i];
      realign(seg);
      const k = this.#wordIndex(segEl, span);
      const t = seg.starts[Math.min(k, seg.starts.length - 1)];
      // What the help promises: play from there (Alt+click only moves the cursor).
      if (t != null) editor.player?.playFrom(t + 0.001);
      editor.doubt?.visited(i, k);
      if (span.dataset.occ !== undefined) editor.corrector.suggest(i, +span.dataset.occ, span);
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

  #wirePlayer() {
    const media = this.editor.root.querySelector("[data-player]");
    if (!media) return;
    const player = new Player(media);
    this.editor.player = player;
    wireControls(player, this.editor.root.querySelector("[data-player-controls]"));
    player.onTime((t) => this.#onTime(t));
    this.followEl?.addEventListener("change", () => {
      localStorage.setItem("editor-follow", this.followEl.checked ? "1" : "0");
    });
    if (this.followEl && localStorage.getItem("editor-follow") === "0") this.followEl.checked = false;
  }

  #onTime(t) {
    const segs = this.editor.segs;
    const i = lastAtOrBefore(segs, t, (seg) => seg.start);
    let k = -1;
    if (i >= 0) {
      const seg = segs[i];
      realign(seg);
      k = lastAtOrBefore(seg.starts, t);
    }
    if (i === this.current.i && k === this.current.k && this.current.segEl?.isConnected) return;
    this.current.i = i;
    this.current.k = k;
    this.#show(true);
  }

  #show(scroll) {
    const view = this.editor.view;
    const { i, k } = this.current;
    this.current.wordEl?.classList.remove("is-current");
    this.current.segEl?.classList.remove("is-playing");
    this.current.segEl = null;
    this.current.wordEl = null;
    if (i < 0) return;
    const follow = scroll && (this.followEl ? this.followEl.checked : true) && !isEditing(this.editor);
    let segEl = view.element(i);
    if (!segEl && follow) segEl = view.ensureRendered(i);
    if (!segEl) return;
    const wordEl = k >= 0 ? segEl.querySelector(`.seg__text [data-w="${k}"]`) : null;
    segEl.classList.add("is-playing");
    wordEl?.classList.add("is-current");
    this.current.segEl = segEl;
    this.current.wordEl = wordEl;
    const target = wordEl || segEl;
    if (follow && !view.inView(target)) target.scrollIntoView({ block: "center" });
  }

  // Segments [from, to) were drawn again: mark the current word in them afresh.
  redraw(from, to) {
    if (this.current.i >= from && this.current.i < to) this.#show(false);
  }

  // A piece left the page: let go of its elements.
  dropped() {
    if (this.current.segEl && !this.current.segEl.isConnected) {
      this.current.segEl = null;
      this.current.wordEl = null;
    }
  }

  // Open at a moment of the recording (a search hit): that segment in view, the word spoken
  // then highlighted, the player there (it starts when the editor presses play).
  openAt(t) {
    const i = lastAtOrBefore(this.editor.segs, t, (seg) => seg.start);
    if (i < 0) return;
    if (!this.editor.segs[i].loaded) {
      // A long document's part the page has not fetched yet: there once it has.
      this.editor.load([i]).then(() => this.openAt(t), () => {});
      return;
    }
    const seg = this.editor.realignSegment(i);
    this.current.i = i;
    this.current.k = lastAtOrBefore(seg.starts, t);
    this.editor.view.ensureRendered(i);
    this.#show(false);
    this.#scrollToCenter(this.current.wordEl || this.current.segEl);
    this.editor.player?.seek(t);
  }

  // Centre an element in the transcript's own scroll box (not the window), settling once the
  // pieces around it have rendered at their real heights.
  #scrollToCenter(el, attempts = 3) {
    if (!el?.isConnected) return;
    const container = this.editor.container;
    const r = el.getBoundingClientRect();
    const c = container.getBoundingClientRect();
    container.scrollTop += r.top - c.top - (c.height - r.height) / 2;
    if (attempts > 1) {
      requestAnimationFrame(() => !this.editor.view.inView(el) && this.#scrollToCenter(el, attempts - 1));
    }
  }
}
