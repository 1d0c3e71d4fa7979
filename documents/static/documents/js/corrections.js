// Correct the selected words (or a dictionary suggestion), optionally everywhere, and
// optionally add the correction to the dictionary: selecting words shows a "Correct…" chip,
// which opens the popover ([data-popover]); so does a click on a word the dictionary flags.

import { replaceEverywhere } from "./find-replace.js";
import { normalize } from "./text.js";

export class Corrector {
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
    const editor = this.editor;
    const target = this.target;
    const corrected = normalize(this.toEl.value);
    if (!target || !corrected) return;
    if (this.allEl.checked) {
      const count = await editor.whole(() => replaceEverywhere(editor, target.original, corrected, { followCase: true }));
      this.messageEl.textContent = `Replaced ${count} occurrence${count === 1 ? "" : "s"}.`;
    } else {
      const text = target.text;
      editor.setText(target.i, normalize(text.slice(0, target.start) + corrected + text.slice(target.end)));
      this.messageEl.textContent = "Replaced.";
    }
    if (!addToDictionary) {
      this.close();
      editor.status(`${this.messageEl.textContent} Not saved yet.`, "dirty");
      return;
    }
    const body = new FormData();
    body.append("csrfmiddlewaretoken", editor.csrf);
    body.append("term_original", target.original);
    body.append("term_corrected", corrected);
    try {
      const response = await fetch(editor.root.dataset.glossaryUrl, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRFToken": editor.csrf },
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      this.messageEl.textContent = data.message || `Dictionary: HTTP ${response.status}`;
      if (response.ok) {
        editor.status(data.message);
        setTimeout(() => this.close(), 1200);
      }
    } catch {
      this.messageEl.textContent = "Could not reach the server to add the entry.";
    }
  }
}
