// The timed-text editor, wired by data- attributes on [data-editor], its data read from
// <script id="editor-data"> (state.js). Opened with ?t=<seconds> (a search hit), it starts at
// that word with the player there. One module per behaviour:
//   state.js        the document: segments, what is unsaved, the status line
//   pieces.js       the windowed transcript (segment-html.js: one segment's markup)
//   segments.js     typing in the segments, moving the caret
//   player-sync.js  click-to-seek, the spoken word highlighted and followed (player.js)
//   save.js         save as a new version, finalize
//   drafts.js       autosave (autosave.js), leaving the page (leave-guard.js), exports
//   handoff.js      unsaved text carried across a reload in this tab
//   shortcuts.js    the keyboard
//   find-replace.js, corrections.js (the correction popover), dictionary.js (side panel),
//   doubt.js        review by doubt
//   speakers.js     split and merge segments, speakers (chips, the Speakers panel)
// text.js and timing.js hold the shared rules for words and their times.
// When everything is wired, the page marks "max-editor-ready" (performance.mark). A long
// document's page carries its first segments; state.js fetches the others when needed.

import { Corrector } from "./corrections.js";
import { wireDictionary } from "./dictionary.js";
import { DoubtReview } from "./doubt.js";
import { wireAutosave, wireExports, wireLeaving } from "./drafts.js";
import { Finder } from "./find-replace.js";
import { keepInThisTab, takeOverUnsaved, unsavedLeftBehind } from "./handoff.js";
import { Pieces } from "./pieces.js";
import { PlayerSync } from "./player-sync.js";
import { Saver } from "./save.js";
import { wireSegments } from "./segments.js";
import { wireShortcuts } from "./shortcuts.js";
import { Structure, wireSpeakers } from "./speakers.js";
import { Editor } from "./state.js";

// Where ?t= (or a #t= media fragment) asks the editor to open, in seconds, or null.
function requestedTime() {
  const fromQuery = new URLSearchParams(location.search).get("t");
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("t");
  const t = Number.parseFloat(fromQuery ?? fromHash ?? "");
  return Number.isFinite(t) && t >= 0 ? t : null;
}

async function start(root, data) {
  const editor = new Editor(root, data);
  if (!editor.allLoaded() && unsavedLeftBehind()) {
    // Unsaved text (or splits and merges) of the page before this one may be anywhere in a
    // long document: every segment first.
    await editor.loadAll().catch(() => {});
  }
  let takenOver = takeOverUnsaved(editor);
  editor.container.hidden = false;
  const structure = data.structure ? new Structure(editor, data.structure) : null;
  editor.view = new Pieces(editor);
  wireSegments(editor);
  editor.sync = new PlayerSync(editor);
  editor.saver = new Saver(editor);
  wireAutosave(editor);
  wireLeaving(editor);
  keepInThisTab(editor);
  wireShortcuts(editor);
  editor.finder = new Finder(editor, root.querySelector("[data-findbar]"));
  editor.corrector = new Corrector(editor);
  wireDictionary(editor);
  wireExports(editor);
  if (editor.uncertainBelow != null) {
    editor.doubt = new DoubtReview(editor, root.querySelector("[data-doubt]"), editor.uncertainBelow);
  }
  if (structure && !data.structure.read_only) {
    wireSpeakers(editor, structure, data.structure.replay);
    const handed = editor.handoffStructure;
    if (takenOver === -1 && handed) {
      // The page before this one (reloaded) had split, merged or re-assigned segments.
      structure.replay(handed);
      editor.page = String(handed.page || editor.page);
      editor.pageLoaded = String(handed.page_loaded || editor.pageLoaded);
      takenOver = editor.dirty.size + editor.structureCount();
    }
  }
  if (takenOver < 0) takenOver = 0;
  for (const el of root.querySelectorAll("[data-script-only]")) el.hidden = false;
  const t = requestedTime();
  if (t != null) editor.sync.openAt(t);
  const flash = sessionStorage.getItem("editor-flash");
  if (takenOver) {
    editor.autosave?.settled(null); // the beacon may never have arrived: send them again
    editor.status(
      `Your unsaved changes in ${takenOver} segment${takenOver === 1 ? "" : "s"} are back ` +
        "(typed before this page was reloaded or left). Save to keep them as a version.",
      "dirty",
    );
  } else if (flash) {
    sessionStorage.removeItem("editor-flash"); // written by save.js before a reload
    editor.status(flash);
  } else {
    editor.updateStatus();
  }
  // Other apps' modules (presence, comments) reach the editor through its root.
  root.maxEditor = editor;
  root.dispatchEvent(new CustomEvent("max:editor-ready", { detail: editor }));
  performance.mark("max-editor-ready");
}

const root = document.querySelector("[data-editor]");
const dataEl = document.getElementById("editor-data");
if (root && dataEl) start(root, JSON.parse(dataEl.textContent));
