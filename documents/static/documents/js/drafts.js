// Unsaved text is kept as a draft (autosave.js): every few seconds, and before the page is
// left by its own links and forms, which ask when it cannot be kept (leave-guard.js). Also
// discarding a waiting draft in place, a finished job's reload waiting for a save, and
// exports saying they hold only saved text.

import { Autosave } from "./autosave.js";
import { LeaveGuard } from "./leave-guard.js";

export function wireAutosave(editor) {
  const url = editor.root.dataset.autosaveUrl;
  if (!url) return;
  editor.autosave = new Autosave({
    url,
    seconds: editor.root.dataset.autosaveSeconds,
    csrfToken: editor.csrf,
    page: editor.page,
    pageLoaded: editor.pageLoaded,
    revision: editor.revision,
    collect: () => {
      if (editor.leaving) return null;
      const { segments, structure } = editor.unsaved();
      return { revision: editor.revision, based_on: editor.basedOn, segments, structure };
    },
    onSaved: (data) => {
      editor.draftSavedAt = data.saved_at ? new Date(data.saved_at) : null;
      editor.updateStatus();
    },
    // The server's reason when it gave one (a refused character, say), not just "failed".
    onError: (error) =>
      editor.status(
        error instanceof TypeError || !error?.message || error.message.startsWith("HTTP ")
          ? "Autosave failed; your changes are still here."
          : `Autosave failed: ${error.message} Your changes are still here.`,
        "error",
      ),
    onNewer: (data) => {
      editor.newerDraft = true;
      editor.status(data.message, "error");
    },
  });
  if (editor.root.dataset.autosavePaused) editor.autosave.pause();
  editor.autosave.start();
  const discard = editor.root.querySelector("[data-discard-draft]");
  discard?.addEventListener("click", async (event) => {
    // In place: discarding the waiting draft keeps whatever was typed on this page.
    event.preventDefault();
    if (!confirm(discard.dataset.confirm)) return;
    const body = new FormData();
    body.append("csrfmiddlewaretoken", editor.csrf);
    try {
      const response = await fetch(discard.href, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRFToken": editor.csrf },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch {
      editor.status("Could not reach the server to discard the draft; try again.", "error");
      return;
    }
    editor.root.querySelector("[data-draft-banner]")?.remove();
    editor.autosave.resume();
    editor.autosave.settled(null); // whatever is typed here goes out with the next autosave
    editor.status("Draft discarded.");
    if (editor.hasUnsaved()) editor.autosave.send();
  });
}

// Keep what is typed when the page is left: links and forms save the draft first, other
// ways out ask (leave-guard.js); a finished job's reload waits for a save.
export function wireLeaving(editor) {
  editor.guard = new LeaveGuard({
    hasUnsaved: () => !editor.leaving && editor.hasUnsaved(),
    keepDraft: () => keepDraft(editor),
    describe: () => {
      const n = editor.dirty.size;
      if (n && !editor.draftKept) return `Your unsaved changes in ${n} segment${n === 1 ? "" : "s"}`;
      if (editor.structureCount() && !editor.draftKept) return "Your unsaved segment and speaker changes";
      return "The words you confirmed (drafts keep only text; save to keep them)";
    },
  }).start();
  document.addEventListener("max:before-reload", (event) => {
    if (!editor.hasUnsaved()) return;
    event.preventDefault();
    keepDraft(editor);
    editor.status("A background job finished. Save your changes, then reload to see its result.", "dirty");
  });
}

// Send the draft now; true when the server holds everything typed (or nothing is typed).
async function keepDraft(editor) {
  editor.draftKept = true;
  if (editor.dirty.size || editor.structureCount()) {
    editor.status("Keeping your changes as a draft…", "dirty");
    editor.draftKept = !!editor.autosave && (await editor.autosave.flush());
  }
  // Confirmed words are not text: a draft cannot carry them, only a save can.
  return editor.draftKept && editor.confirmed.size === 0;
}

// Exports are of saved versions: say so when there is unsaved text (it stays here).
export function wireExports(editor) {
  for (const link of editor.root.querySelectorAll("[data-export] a[download]")) {
    link.addEventListener("click", async () => {
      if (!editor.dirty.size && !editor.structureCount()) return;
      await keepDraft(editor);
      editor.status(
        `Exported ${editor.label}, the last saved version. Your unsaved changes are not in it: save first to export them.`,
        "dirty",
      );
    });
  }
}
