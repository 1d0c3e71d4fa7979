// A reload (or Back, then Forward) right after typing: the page's last draft leaves as a
// beacon when it is left, and may reach the server only after the new page was rendered,
// which then opened without the edits and without offering a draft. So the old page also
// leaves its unsaved text in this tab's sessionStorage; the new page takes it over, and
// with it the old page's place as the draft's writer (its autosave may then replace the
// beacon's draft instead of being refused as "another page").

import { normalize } from "./text.js";

// This tab's copy of the unsaved text of an editor page, written when the page is left.
const handoffKey = () => `editor-unsaved:${location.pathname}`;

// Whether the page before this one left text behind (a long document fetches all of its
// segments before taking it over).
export function unsavedLeftBehind() {
  try {
    return sessionStorage.getItem(handoffKey()) != null;
  } catch {
    return false;
  }
}

// Take over the text the page before this one left behind; returns how many segments.
export function takeOverUnsaved(editor) {
  let entry = null;
  try {
    entry = JSON.parse(sessionStorage.getItem(handoffKey()) || "null");
    sessionStorage.removeItem(handoffKey());
  } catch {
    return 0;
  }
  if (!entry || typeof entry.segments !== "object" || !entry.segments) return 0;
  // Split, merge and speaker changes come back through the structure module, which exists
  // only later in start(): kept for it (editor.js hands them over).
  if (Array.isArray(entry.structure) && entry.structure.length) editor.handoffStructure = entry;
  const how = performance.getEntriesByType("navigation")[0]?.type;
  if (how !== "reload" && how !== "back_forward") return 0;
  // The server offers a draft (or restored one), or a version was saved since: that wins.
  if (editor.root.dataset.autosavePaused || editor.dirty.size || entry.based_on !== editor.basedOn) {
    editor.handoffStructure = null;
    return 0;
  }
  if (editor.handoffStructure) return -1;
  for (const [index, text] of Object.entries(entry.segments)) {
    const seg = editor.segs[+index];
    if (!seg || typeof text !== "string") continue;
    const clean = normalize(text);
    if (clean === seg.text) continue;
    seg.text = clean;
    editor.dirty.add(+index);
  }
  if (!editor.dirty.size) return 0;
  editor.revision++;
  editor.page = String(entry.page || editor.page);
  editor.pageLoaded = String(entry.page_loaded || editor.pageLoaded);
  return editor.dirty.size;
}

export function keepInThisTab(editor) {
  addEventListener("pagehide", () => {
    try {
      if (editor.leaving || (!editor.dirty.size && !editor.structureCount())) {
        sessionStorage.removeItem(handoffKey());
        return;
      }
      const { segments, structure } = editor.unsaved();
      sessionStorage.setItem(
        handoffKey(),
        JSON.stringify({ page: editor.page, page_loaded: editor.pageLoaded, based_on: editor.basedOn, segments, structure }),
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
