// Find and replace over the whole transcript (state, not DOM: unrendered pieces count too;
// in a long document the segments not fetched yet are fetched first: editor.whole).
// Wired by [data-findbar]; replacing marks segments unsaved, timings follow on save.

import { select } from "./segments.js";
import { followCaseOf, normalize, wholeWordRegExp } from "./text.js";

// Replace in every segment; returns how many were replaced. Timings follow on save. Every
// segment must be here (callers go through editor.whole).
export function replaceEverywhere(
  editor,
  find,
  replacement,
  { matchCase = false, wholeWords = true, followCase = false, speaker = null } = {},
) {
  const pattern = wholeWordRegExp(find, { matchCase, wholeWords });
  let count = 0;
  editor.segs.forEach((seg, i) => {
    // A speaker's own dictionary entry (a segment without a speaker is the default S1's).
    if (speaker && (seg.speaker ?? "S1") !== speaker) return;
    pattern.lastIndex = 0;
    if (!pattern.test(seg.text)) return;
    pattern.lastIndex = 0;
    const text = seg.text.replace(pattern, (found) => {
      count++;
      return followCase ? followCaseOf(found, replacement) : replacement;
    });
    editor.setText(i, normalize(text));
  });
  return count;
}

export class Finder {
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
      editor.whole(() => {
        if (action === "one") this.replaceOne();
        else if (action === "all") this.replaceAll();
        else this.next();
      });
    });
    for (const input of [this.find, this.replace]) {
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          clearTimeout(this.countTimer);
          editor.whole(() => this.next());
        }
      });
    }
    this.countTimer = 0;
    const changed = () => {
      this.stale();
      clearTimeout(this.countTimer);
      this.countTimer = setTimeout(() => editor.whole(() => this.#count()), 150);
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
    return wholeWordRegExp(query, {
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
    select(this.editor, m.i, m.start, m.end);
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
    const count = replaceEverywhere(this.editor, query, this.replace.value, {
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
