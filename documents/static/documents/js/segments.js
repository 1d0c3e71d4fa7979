// Typing in the segments: each is a one-line text box (Enter moves on, Shift+Enter back),
// pasted and dropped text arrives plain, and every change is recorded in the editor's state.
// Also where the caret goes when a module moves it (next segment, a match, a word to review).

import { EDITABLE } from "./segment-html.js";
import { CONTROL_CHARS, normalize } from "./text.js";

export function wireSegments(editor) {
  const c = editor.container;
  c.addEventListener("input", (event) => {
    const textEl = event.target.closest?.(".seg__text");
    if (!textEl) return;
    const i = +textEl.parentElement.dataset.i;
    editor.segs[i].text = normalize(textEl.textContent);
    editor.touch(i);
  });
  c.addEventListener("focusout", (event) => {
    const segEl = event.target.closest?.(".seg");
    if (!segEl || segEl.contains(event.relatedTarget)) return;
    editor.view.refresh(+segEl.dataset.i);
  });
  c.addEventListener("keydown", (event) => {
    const textEl = event.target.closest?.(".seg__text");
    if (!textEl || event.key !== "Enter" || event.ctrlKey || event.metaKey || event.altKey) return;
    // Segments are single lines; Enter moves on instead of splitting the segment.
    event.preventDefault();
    focusSegment(editor, +textEl.parentElement.dataset.i + (event.shiftKey ? -1 : 1));
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
}

export function focusSegment(editor, i, atEnd = false) {
  if (i < 0 || i >= editor.segs.length) return;
  const missing = editor.view.unfetchedAround(i);
  if (missing.length) {
    // It or its piece's neighbours not fetched yet (a long document): there once they are.
    editor.load(missing).then(() => focusSegment(editor, i, atEnd), () => {});
    return;
  }
  const segEl = editor.view.ensureRendered(i);
  const textEl = segEl?.querySelector(".seg__text");
  if (!textEl) return;
  textEl.focus({ preventScroll: true });
  const range = document.createRange();
  range.selectNodeContents(textEl);
  range.collapse(!atEnd);
  const selection = getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  if (!editor.view.inView(segEl)) segEl.scrollIntoView({ block: "center" });
}

export function isEditing(editor) {
  const active = document.activeElement;
  return !!active && active.classList?.contains("seg__text") && editor.container.contains(active);
}

// Select characters [start, end) of segment i on screen.
export function select(editor, i, start, end) {
  const missing = editor.view.unfetchedAround(i);
  if (missing.length) {
    editor.load(missing).then(() => select(editor, i, start, end), () => {});
    return;
  }
  let segEl = editor.view.ensureRendered(i);
  if (!segEl) return;
  segEl = editor.view.refresh(i) || segEl;
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
  if (!editor.view.inView(segEl)) segEl.scrollIntoView({ block: "center" });
}
