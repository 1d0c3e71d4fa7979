// The markup of one segment: its time (a button that plays from there), the source text
// beside it when there is one, and its words as spans, marked when the dictionary knows one
// is wrong or the engine was unsure of it.

import { escapeHtml, tokens, wordBounds } from "./text.js";
import { realign } from "./timing.js";

export const EDITABLE = (() => {
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

// Word indexes covered by known wrong terms (from the dictionary), while the segment still
// has the text they were found in.
function marks(editor, i) {
  const seg = editor.segs[i];
  const found = editor.occurrences[i];
  const marked = new Map();
  if (!found || seg.occText !== seg.text) return marked;
  const bounds = wordBounds(seg.text);
  found.forEach(([start, end], n) => {
    bounds.forEach(([ws, we], k) => {
      if (ws < end && we > start) marked.set(k, n);
    });
  });
  return marked;
}

export function segmentHtml(editor, i) {
  const seg = editor.segs[i];
  realign(seg);
  const words = tokens(seg.text);
  const marked = marks(editor, i);
  const classes = ["seg"];
  if (editor.source) classes.push("seg--with-source");
  // The voice-over budget (translations): characters that fit the time the speaker took.
  let budgetNote = "";
  if (editor.budgetCps && seg.start != null && seg.end != null) {
    const budget = Math.floor((seg.end - seg.start) * editor.budgetCps);
    const length = [...seg.text.trim().replace(/\s+/g, " ")].length;
    if (length > budget) {
      classes.push("is-over-budget");
      budgetNote = `<span class="seg__budget" data-over-budget>Over the voice-over budget: ${length} of ${budget} characters</span>`;
    }
  }
  if (seg.text !== seg.saved) classes.push("is-dirty");
  let html = `<div class="${classes.join(" ")}" data-i="${i}">`;
  // A chip names the speaker where the speaker changes (speakers.js); Tab reaches it, so a
  // keyboard can change a segment's speaker from its chip too.
  const structure = editor.structure;
  if (structure && (i === 0 || editor.segs[i - 1].speaker !== seg.speaker)) {
    const name = escapeHtml(structure.name(seg.speaker));
    html += structure.readOnly
      ? `<span class="seg__speaker seg__speaker--fixed">${name}</span>`
      : `<button type="button" class="seg__speaker" data-speaker-chip title="Change the speaker" aria-label="Speaker: ${name}. Change the speaker of segment ${i + 1}">${name}</button>`;
  }
  html +=
    seg.start == null
      ? `<span class="seg__time">${i + 1}</span>`
      : `<button type="button" class="seg__time" tabindex="-1" data-seek="${seg.start}" title="Play from here">${formatTime(seg.start, editor.withHours)}</button>`;
  if (editor.source) html += `<div class="seg__source" dir="auto">${escapeHtml(editor.source[i] ?? "")}${budgetNote}</div>`;
  html += `<div class="seg__text" contenteditable="${EDITABLE}" spellcheck="true" role="textbox" aria-label="Segment ${i + 1}">`;
  html += words
    .map((w, k) => {
      const classes = [];
      let attrs = "";
      if (marked.has(k)) {
        classes.push("is-suggestion");
        attrs += ` data-occ="${marked.get(k)}" title="Dictionary suggestion"`;
      }
      if (editor.isUncertain(seg, k)) classes.push("is-uncertain");
      if (classes.length) attrs += ` class="${classes.join(" ")}"`;
      return `<span data-w="${k}"${attrs}>${escapeHtml(w)}</span>`;
    })
    .join(" ");
  html += "</div></div>";
  return html;
}
