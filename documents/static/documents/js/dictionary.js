// The dictionary in the side panel: its known corrections that occur in the text, each with
// "Apply all" ([data-suggestions]), and "Add a correction" ([data-dictionary-form]), posted in
// place so nothing typed is lost; a new entry whose term is in the text is offered at once.

import { replaceEverywhere } from "./find-replace.js";
import { normalize, wholeWordRegExp } from "./text.js";

export function wireDictionary(editor) {
  for (const s of editor.suggestions) addSuggestion(editor, s);
  const form = editor.root.querySelector("[data-dictionary-form]");
  if (!form) return;
  const messageEl = form.querySelector("[data-dictionary-message]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.posting) return;
    form.dataset.posting = "1";
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    const body = new FormData(form);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRFToken": editor.csrf },
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      messageEl.textContent = data.message || `Dictionary: HTTP ${response.status}`;
      messageEl.classList.toggle("is-error", !response.ok);
      if (response.ok) {
        const original = normalize(body.get("term_original") || "");
        const corrected = normalize(body.get("term_corrected") || "");
        const speaker = body.get("speaker") || null;
        form.reset();
        editor.whole(() => offerSuggestion(editor, { original, corrected, speaker }));
      }
    } catch {
      messageEl.textContent = "Could not reach the server to add the entry. Nothing was lost; try again.";
      messageEl.classList.add("is-error");
    } finally {
      delete form.dataset.posting;
      if (button) button.disabled = false;
    }
  });
}

// A dictionary entry just added in the side panel: offer it if the text has the term (in
// its speaker's segments, for a speaker's own entry).
function offerSuggestion(editor, { original, corrected, speaker }) {
  if (!original || original === corrected) return;
  const pattern = wholeWordRegExp(original);
  const count = editor.segs
    .filter((seg) => !speaker || (seg.speaker ?? "S1") === speaker)
    .reduce((n, seg) => n + (seg.text.match(pattern) || []).length, 0);
  if (count) addSuggestion(editor, { original, corrected, count, speaker });
}

function addSuggestion(editor, s) {
  const holder = editor.root.querySelector("[data-suggestions]");
  if (!holder) return;
  let list = holder.querySelector("ul");
  if (!list) {
    list = document.createElement("ul");
    holder.append(list);
  }
  const item = document.createElement("li");
  const label = document.createElement("span");
  const only = s.speaker ? ` (${editor.structure?.name(s.speaker) ?? s.speaker} only)` : "";
  label.textContent = `${s.original} → ${s.corrected}${only} (${s.count})`;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button button--secondary";
  button.textContent = "Apply all";
  button.title = `Replace every “${s.original}” with “${s.corrected}” (not saved until you save)`;
  button.addEventListener("click", () => {
    button.disabled = true;
    editor.whole(() => {
      const count = replaceEverywhere(editor, s.original, s.corrected, {
        followCase: true,
        speaker: s.speaker || null,
      });
      label.textContent = `${s.original} → ${s.corrected}: ${count} replaced`;
    });
  });
  item.append(label, button);
  item.dataset.suggestion = String(list.children.length);
  list.append(item);
}
