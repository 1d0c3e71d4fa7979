// Save as a new version (the Save button, Ctrl+S) and Finalize with unsaved changes (saved
// first, then finalized). The server refuses a stale save and answers with its conflict page;
// a save that merged in others' newer changes reloads the page to show them.

import { tokens } from "./text.js";

export class Saver {
  constructor(editor) {
    this.editor = editor;
    this.saving = false;
    this.finalizing = false;
    const root = editor.root;
    this.button = root.querySelector('[data-action="save"]');
    this.button?.addEventListener("click", () => this.save());
    const finalize = root.querySelector("[data-finalize-form]");
    finalize?.addEventListener("submit", async (event) => {
      if (this.finalizing) {
        event.preventDefault(); // a double click: one save, one finalize
        return;
      }
      if (!editor.hasUnsaved()) return; // posts as is (the leave guard stops a second post)
      event.preventDefault();
      if (!confirm("Save your changes as a new version first, then finalize it?")) return;
      this.finalizing = true;
      if (await this.save()) {
        editor.guard.submit(finalize);
      } else {
        this.finalizing = false;
      }
    });
  }

  async save() {
    const editor = this.editor;
    if (this.saving) return false;
    editor.structure?.takeTypedName();
    const { segments, structure } = editor.unsaved();
    // Words confirmed by ear: their segments go along (unchanged text) to drop the doubt.
    const confirmed = {};
    for (const i of editor.confirmed) {
      const seg = editor.realignSegment(i);
      segments[i] = seg.text;
      confirmed[i] = tokens(seg.text)
        .map((_, k) => k)
        .filter((k) => seg.probs && seg.probs[k] == null);
    }
    if (!Object.keys(segments).length && !structure) {
      editor.status("Nothing to save: no changes since the last version.");
      return true;
    }
    this.saving = true;
    if (this.button) this.button.disabled = true;
    editor.status("Saving…");
    const body = new FormData();
    body.append("csrfmiddlewaretoken", editor.csrf);
    body.append("based_on", String(editor.basedOn));
    body.append("segments", JSON.stringify(segments));
    if (structure) body.append("structure", JSON.stringify(structure));
    if (Object.keys(confirmed).length) body.append("confirmed", JSON.stringify(confirmed));
    if (editor.autosave?.paused) body.append("keep_draft", "1");
    const revision = editor.revision;
    const done = (result) => {
      this.saving = false;
      if (this.button) this.button.disabled = false;
      return result;
    };
    let response;
    let data = {};
    try {
      response = await fetch(editor.root.dataset.saveUrl, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRFToken": editor.csrf },
        credentials: "same-origin",
      });
      data = await response.json().catch(() => ({}));
    } catch {
      editor.status("Could not reach the server. Your changes are still here; try again.", "error");
      return done(false);
    }
    if (response.status === 409 && data.url) {
      // Refused: the server kept this text as a draft; show the conflict page.
      editor.leaving = true;
      editor.autosave?.pause();
      location.assign(data.url);
      return false;
    }
    if (!response.ok) {
      editor.status(data.message || `Saving failed (HTTP ${response.status}).`, "error");
      return done(false);
    }
    if (data.includes_newer) {
      // Others' newer changes are in the saved text: reload to show them.
      editor.leaving = true;
      editor.autosave?.pause();
      sessionStorage.setItem("editor-flash", data.message);
      location.reload();
      return true;
    }
    this.#saved(data, segments, confirmed);
    if (structure) editor.structure.saved(data.ids);
    if (editor.revision === revision) editor.autosave?.settled(revision);
    this.#showVersion(data);
    editor.status(data.message);
    return done(true);
  }

  // What was sent is the saved text now; word times come back from the server.
  #saved(data, segments, confirmed) {
    const editor = this.editor;
    for (const i of Object.keys(confirmed)) editor.confirmed.delete(+i);
    editor.basedOn = data.version_number;
    editor.label = data.label;
    for (const [index, text] of Object.entries(segments)) {
      const i = +index;
      const seg = editor.segs[i];
      seg.saved = text;
      if (seg.text === text) editor.dirty.delete(i);
      editor.view.element(i)?.classList.toggle("is-dirty", seg.text !== seg.saved);
    }
    for (const [index, compact] of Object.entries(data.segments || {})) {
      const seg = editor.segs[+index];
      if (seg.text === compact[2]) {
        seg.starts = compact[3];
        seg.ends = compact[4];
        // The server's word: no confidences back means every word of it is certain now.
        if (seg.probs) seg.probs = compact[5] || compact[3].map(() => null);
        seg.timed = seg.text;
        editor.doubt?.changed(+index);
      }
    }
  }

  #showVersion(data) {
    const root = this.editor.root;
    for (const el of root.querySelectorAll("[data-version-label]")) el.textContent = data.label;
    for (const el of root.querySelectorAll("[data-based-on]")) el.value = data.version_number;
    const finalizeButton = root.querySelector("[data-finalize-form] button");
    if (finalizeButton && data.status === "saved") {
      finalizeButton.disabled = data.became_final;
      finalizeButton.textContent = data.became_final ? `${data.label} is final` : `Finalize ${data.label}`;
      if (data.became_final) {
        const badge = root.querySelector("[data-final-label]");
        if (badge) badge.textContent = `Final: ${data.label}`;
      }
    }
    // Buttons that act on the latest version (an app's stand-in for Finalize, such as
    // "Request approval of …"): the new version is theirs now, and nothing was asked of it.
    if (data.status === "saved") {
      for (const button of root.querySelectorAll("button[data-names-latest]")) {
        button.disabled = false;
        button.removeAttribute("title");
        button.textContent = button.dataset.namesLatest.replace("{label}", data.label);
      }
    }
  }
}
