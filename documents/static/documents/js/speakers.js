// Segments and speakers (DESIGN.md "Speakers and segments"): split a segment at the cursor,
// merge it with the next, give a segment (or the rest of a speaker's turn from the word at
// the cursor) to a speaker, new or existing, rename a speaker, merge two speakers. Each
// change is an operation in editor.structure.ops, sent with the next save (and kept in
// drafts), and undoable until then: Ctrl+Z right after one, or the panel's Undo.
//
// Keys: Ctrl+Enter splits at the cursor, Ctrl+Shift+Enter merges with the next segment.

import { focusSegment } from "./segments.js";
import { escapeHtml, normalize, tokens, wordBounds } from "./text.js";
import { realign } from "./timing.js";

const LABEL = /^S([1-9][0-9]{0,3})$/;

export class Structure {
  constructor(editor, data) {
    this.editor = editor;
    this.names = { ...data.names };
    // A translation shows its English speakers; they are changed in the English.
    this.readOnly = !!data.read_only;
    this.nextId = data.next_id;
    // Labels are never handed out again (a merged-away speaker's S2 is not the next one's).
    this.nextSpeaker = data.next_speaker ?? 2;
    this.ops = [];
    this.undos = [];
    editor.segs.forEach((seg, i) => {
      seg.id = data.ids[i];
      seg.speaker = data.speakers[i];
      seg.occ = editor.occurrences[i];
    });
    this.panel = editor.root.querySelector("[data-speakers]");
    editor.structure = this;
    this.current = 0; // the segment the panel acts on
    this.lastWasStructure = false;
  }

  name(label) {
    return this.names[label] ?? label;
  }

  // -- the operations -------------------------------------------------------------------

  // Split segment i before word k (1 ≤ k < words): the left part ends with its last word,
  // the right part starts with the first word after the cut.
  split(i, k) {
    const editor = this.editor;
    const seg = editor.segs[i];
    const words = tokens(seg.text);
    if (!(k >= 1 && k < words.length)) {
      editor.status("Put the cursor between two words of the segment to split it.", "error");
      return false;
    }
    realign(seg);
    const left = words.slice(0, k).join(" ");
    const right = words.slice(k).join(" ");
    const newId = this.nextId++;
    const second = {
      ...seg,
      id: newId,
      start: seg.starts[k] ?? seg.start,
      text: right,
      timed: right,
      saved: right,
      starts: seg.starts.slice(k),
      ends: seg.ends.slice(k),
      probs: seg.probs ? seg.probs.slice(k) : null,
      occText: null,
      occ: undefined,
    };
    const before = { ...seg };
    Object.assign(seg, {
      end: seg.ends[k - 1] ?? seg.end,
      text: left,
      timed: left,
      saved: left,
      starts: seg.starts.slice(0, k),
      ends: seg.ends.slice(0, k),
      probs: seg.probs ? seg.probs.slice(0, k) : null,
      occText: null,
    });
    editor.segs.splice(i + 1, 0, second);
    this.#record(
      { operation: "split", segment: seg.id, new_segment: newId, left, right },
      () => {
        const at = this.#index(seg.id);
        const rest = editor.segs[at + 1];
        const text = normalize(`${seg.text} ${rest.text}`);
        Object.assign(seg, before, { text });
        seg.timed = before.timed;
        editor.segs.splice(at + 1, 1);
        this.nextId--;
        return at;
      },
      i,
    );
    return true;
  }

  // Merge segment i with the next one: start of the first, end of the second, words joined.
  merge(i) {
    const editor = this.editor;
    const seg = editor.segs[i];
    const next = editor.segs[i + 1];
    if (!next) {
      editor.status("The last segment has no next segment to merge with.", "error");
      return false;
    }
    realign(seg);
    realign(next);
    const before = { ...seg };
    const leftCount = tokens(seg.text).length;
    const text = normalize(`${seg.text} ${next.text}`);
    // The server joins the saved texts (a merge carries no words): what was typed into
    // either part stays an unsaved edit of the merged segment.
    const saved = normalize(`${seg.saved} ${next.saved}`);
    Object.assign(seg, {
      end: next.end ?? seg.end,
      text,
      timed: text,
      saved,
      starts: [...seg.starts, ...next.starts],
      ends: [...seg.ends, ...next.ends],
      probs: seg.probs || next.probs ? [...(seg.probs || seg.starts.map(() => null)), ...(next.probs || next.starts.map(() => null))] : null,
      occText: null,
    });
    editor.segs.splice(i + 1, 1);
    this.#record(
      { operation: "merge", segment: seg.id, next: next.id },
      () => {
        const at = this.#index(seg.id);
        // Words typed since stay where they are: the first part keeps as many as it had.
        const words = tokens(seg.text);
        const left = words.slice(0, leftCount).join(" ");
        const right = words.slice(leftCount).join(" ");
        const restored = { ...next, text: right || next.text };
        if (restored.text !== next.text) restored.saved = next.saved;
        Object.assign(seg, before, { text: left || before.text });
        seg.timed = before.timed;
        editor.segs.splice(at + 1, 0, restored);
        return at;
      },
      i,
    );
    return true;
  }

  // Give segments (by index) to a speaker.
  assign(indexes, label) {
    const editor = this.editor;
    const changes = indexes
      .map((i) => [editor.segs[i], editor.segs[i].speaker])
      .filter(([seg]) => seg.speaker !== label);
    if (!changes.length) return false;
    const ops = changes.map(([seg]) => ({ operation: "speaker", segment: seg.id, speaker: label }));
    for (const [seg] of changes) seg.speaker = label;
    this.#record(ops, () => {
      for (const [seg, old] of changes) seg.speaker = old;
      return this.#index(changes[0][0].id);
    }, indexes[0]);
    return true;
  }

  // A new speaker (the next free label) with a name; returns the label.
  add(name) {
    const taken = new Set([...Object.keys(this.names), ...this.editor.segs.map((s) => s.speaker)]);
    let n = Math.max(this.nextSpeaker, 2);
    while (taken.has(`S${n}`)) n++;
    this.nextSpeaker = n + 1;
    const label = `S${n}`;
    this.rename(label, name, { quiet: true });
    return label;
  }

  rename(label, name, { quiet = false } = {}) {
    const clean = normalize(name || "");
    if (!clean) {
      this.editor.status("Type the speaker's name.", "error");
      return false;
    }
    const old = this.names[label];
    if (old === clean) return false;
    this.names[label] = clean;
    this.#record({ operation: "rename", speaker: label, name: clean }, () => {
      if (old === undefined) delete this.names[label];
      else this.names[label] = old;
      return null;
    }, null, { quiet });
    return true;
  }

  // Every segment of `label` goes to `into`; `label` disappears (the default S1 keeps the
  // merged-into speaker's name instead, as segments without a speaker are its).
  mergeSpeakers(label, into) {
    if (label === into) return false;
    const editor = this.editor;
    const op = { operation: "merge_speakers", speaker: label, into };
    const what = describe(op, this); // before the names change (S1 takes the other's name)
    const moved = editor.segs.filter((seg) => seg.speaker === label);
    const oldName = this.names[label];
    for (const seg of moved) seg.speaker = into;
    if (label === "S1") this.names.S1 = this.name(into);
    else delete this.names[label];
    this.#record(op, () => {
      for (const seg of moved) seg.speaker = label;
      if (oldName === undefined) delete this.names[label];
      else this.names[label] = oldName;
      return null;
    }, null, { what });
    return true;
  }

  // A name typed into the Speakers list but not yet confirmed (Enter or leaving the field):
  // a save takes it as it is (Ctrl+S from the field).
  takeTypedName() {
    const typing = this.panel?.querySelector("[data-speaker-list]")?.contains(document.activeElement)
      ? document.activeElement
      : null;
    const label = typing?.dataset.rename;
    if (label && normalize(typing.value) && normalize(typing.value) !== this.name(label)) {
      this.rename(label, typing.value);
    }
  }

  undo() {
    const entry = this.undos.pop();
    if (!entry) {
      this.editor.status("No segment or speaker change to undo.");
      return false;
    }
    this.ops.length = entry.opsBefore;
    const at = entry.revert();
    this.#changed(at);
    this.editor.status(`Undone: ${entry.what}.`, "dirty");
    return true;
  }

  // -- replaying a restored draft -------------------------------------------------------

  replay(replay) {
    if (!replay) return;
    for (const op of replay.structure || []) {
      const i = op.segment != null ? this.#index(op.segment) : -1;
      if (op.operation === "split" && i >= 0) {
        const k = tokens(op.left).length;
        const seg = this.editor.segs[i];
        const joined = normalize(`${op.left} ${op.right}`);
        if (seg.text !== joined) seg.text = joined;
        this.split(i, k);
      } else if (op.operation === "merge" && i >= 0) this.merge(i);
      else if (op.operation === "speaker" && i >= 0) this.assign([i], op.speaker);
      else if (op.operation === "rename") this.rename(op.speaker, op.name, { quiet: true });
      else if (op.operation === "merge_speakers") this.mergeSpeakers(op.speaker, op.into);
    }
    for (const [index, text] of Object.entries(replay.segments || {})) {
      const seg = this.editor.segs[+index];
      if (seg) seg.text = text;
    }
    this.#rebuildDirty();
  }

  // -- after a save ---------------------------------------------------------------------

  saved(ids) {
    this.ops = [];
    this.undos = [];
    if (Array.isArray(ids) && ids.length === this.editor.segs.length) {
      ids.forEach((id, i) => (this.editor.segs[i].id = id));
      this.nextId = Math.max(this.nextId, ...ids.map((id) => id + 1));
    }
    this.renderPanel();
  }

  // -- bookkeeping ----------------------------------------------------------------------

  #index(id) {
    return this.editor.segs.findIndex((seg) => seg.id === id);
  }

  #record(op, revert, at, { quiet = false, what = null } = {}) {
    const ops = Array.isArray(op) ? op : [op];
    what ??= describe(ops[0], this);
    this.undos.push({ opsBefore: this.ops.length, revert, what });
    this.ops.push(...ops);
    this.lastWasStructure = true;
    this.#changed(at);
    if (!quiet) this.editor.status(`${what}. Saved with the next version (Ctrl+Z undoes it).`, "dirty");
  }

  #rebuildDirty() {
    const editor = this.editor;
    editor.dirty.clear();
    editor.segs.forEach((seg, i) => seg.text !== seg.saved && editor.dirty.add(i));
    editor.occurrences = {};
    editor.segs.forEach((seg, i) => {
      if (seg.occ) editor.occurrences[i] = seg.occ;
    });
  }

  #changed(at) {
    const editor = this.editor;
    this.#rebuildDirty();
    editor.revision++;
    editor.finder?.stale();
    editor.view.rebuild(at);
    if (at != null) this.current = Math.min(at, editor.segs.length - 1);
    this.renderPanel();
    editor.updateStatus();
  }

  // -- the panel ------------------------------------------------------------------------

  counts() {
    const counts = {};
    for (const seg of this.editor.segs) counts[seg.speaker] = (counts[seg.speaker] || 0) + 1;
    return counts;
  }

  labels() {
    const counts = this.counts();
    const all = new Set([...Object.keys(counts), ...Object.keys(this.names)]);
    // S1 merged into another speaker only carries that speaker's name: it is nobody else.
    if (!counts.S1 && Object.entries(this.names).some(([l, n]) => l !== "S1" && n === this.names.S1)) {
      all.delete("S1");
    }
    return [...all].sort((a, b) => (+(LABEL.exec(a)?.[1] ?? 0)) - (+(LABEL.exec(b)?.[1] ?? 0)));
  }

  renderPanel() {
    const panel = this.panel;
    if (!panel || this.rendering) return;
    this.rendering = true;
    try {
      this.#renderPanel(panel);
    } finally {
      this.rendering = false;
    }
  }

  // A name being typed stays as typed, with its caret, when the list is redrawn.
  #renderPanel(panel) {
    const counts = this.counts();
    const labels = this.labels();
    const seg = this.editor.segs[this.current];
    const list = panel.querySelector("[data-speaker-list]");
    const typing = list.contains(document.activeElement) ? document.activeElement : null;
    const editing = typing?.dataset.rename
      ? { label: typing.dataset.rename, value: typing.value, start: typing.selectionStart, end: typing.selectionEnd }
      : null;
    list.innerHTML = labels
      .map((label) => {
        const others = labels
          .filter((l) => l !== label)
          .map((l) => `<option value="${l}">${escapeHtml(this.name(l))}</option>`)
          .join("");
        return (
          `<li data-speaker-row="${label}">` +
          `<input type="text" value="${escapeHtml(this.name(label))}" aria-label="Name of speaker ${label}" data-rename="${label}" maxlength="80">` +
          `<span class="muted">${counts[label] || 0} seg.</span>` +
          (others
            ? `<select data-merge-into="${label}" aria-label="Merge ${escapeHtml(this.name(label))} into"><option value="">Merge into…</option>${others}</select>`
            : "") +
          "</li>"
        );
      })
      .join("");
    const field = editing && list.querySelector(`[data-rename="${editing.label}"]`);
    if (field) {
      field.value = editing.value;
      field.focus();
      field.setSelectionRange(editing.start, editing.end);
    }
    const target = panel.querySelector("[data-speaker-target]");
    if (target) {
      target.textContent = seg ? `Segment ${this.current + 1} · ${this.name(seg.speaker)}` : "";
    }
    const choose = panel.querySelector("[data-assign-speaker]");
    if (choose) {
      const kept = choose.value;
      choose.innerHTML =
        labels.map((l) => `<option value="${l}">${escapeHtml(this.name(l))}</option>`).join("") +
        '<option value="new">New speaker…</option>';
      choose.value = labels.includes(kept) || kept === "new" ? kept : seg?.speaker || "S1";
      panel.querySelector("[data-new-speaker]").hidden = choose.value !== "new";
    }
    const undo = panel.querySelector("[data-structure-undo]");
    if (undo) {
      const last = this.undos[this.undos.length - 1];
      undo.disabled = !last;
      undo.textContent = last ? `Undo: ${last.what}` : "Undo";
    }
  }
}

function describe(op, structure) {
  if (op.operation === "split") return "Segment split";
  if (op.operation === "merge") return "Segments merged";
  if (op.operation === "speaker") return `Given to ${structure.name(op.speaker)}`;
  if (op.operation === "rename") return `Speaker named “${op.name}”`;
  return `${structure.name(op.speaker) || op.speaker} merged into ${structure.name(op.into)}`;
}

// Where the caret is: [segment index, character offset], or null.
function caret(editor) {
  const selection = getSelection();
  if (!selection.rangeCount) return null;
  const node = selection.anchorNode;
  const el = node?.nodeType === 1 ? node : node?.parentElement;
  const textEl = el?.closest?.(".seg__text");
  if (!textEl || !editor.container.contains(textEl)) return null;
  const range = document.createRange();
  range.selectNodeContents(textEl);
  range.setEnd(selection.anchorNode, selection.anchorOffset);
  return [+textEl.parentElement.dataset.i, range.toString().length];
}

// The word a caret offset points at: the word it is in or just before.
// A caret inside a word counts at the nearer edge of that word (words are never cut).
function wordAt(text, offset) {
  const bounds = wordBounds(text);
  for (let k = 0; k < bounds.length; k++) {
    const [start, end] = bounds[k];
    if (offset <= start) return k;
    if (offset < end) return offset - start < end - offset ? k : k + 1;
  }
  return bounds.length;
}

// The rest of a speaker's turn from segment i: i and the following segments of that speaker.
function turnFrom(editor, i) {
  const label = editor.segs[i].speaker;
  const out = [];
  for (let j = i; j < editor.segs.length && editor.segs[j].speaker === label; j++) out.push(j);
  return out;
}

// Wire the panel, the chips and the keys; `structure` was made before the transcript was
// drawn (its chips need it). A restored draft's changes are replayed here.
export function wireSpeakers(editor, structure, replay) {
  const panel = structure.panel;

  const where = () => caret(editor);
  const splitAtCaret = () => {
    const at = where();
    if (!at) {
      editor.status("Click into a segment, between two words, to split it there.", "error");
      return;
    }
    const [i, offset] = at;
    editor.segs[i].text = normalize(editor.view.element(i)?.querySelector(".seg__text")?.textContent ?? editor.segs[i].text);
    if (structure.split(i, wordAt(editor.segs[i].text, offset))) focusSegment(editor, i + 1);
  };
  // Merge segment i with the next, once both are here (a long document fetches them first).
  const mergeWithNext = (i, focus) => {
    const pair = [editor.segs[i], editor.segs[i + 1]].filter(Boolean);
    const go = () => structure.merge(i) && focus && focusSegment(editor, i, true);
    if (pair.every((seg) => seg.loaded)) go();
    else editor.load(pair).then(go, () => editor.status("Could not load the next segment. Try again.", "error"));
  };
  const mergeAtCaret = () => {
    const at = where();
    mergeWithNext(at ? at[0] : structure.current, true);
  };
  const assignFromPanel = (fromWord) => {
    const choose = panel.querySelector("[data-assign-speaker]");
    let label = choose.value;
    const mark = structure.undos.length; // what this does is undone at once
    if (label === "new") {
      const input = panel.querySelector("[data-new-speaker] input");
      if (!normalize(input.value)) {
        editor.status("Type the new speaker's name.", "error");
        input.focus();
        return;
      }
      label = structure.add(input.value);
      input.value = "";
      choose.value = label;
    }
    let i = structure.current;
    // The caret counts only in the segment the panel names (a chip click names another).
    const caretAt = where() || structure.lastCaret;
    const at = caretAt && caretAt[0] === i ? caretAt : null;
    if (editor.segs[i]?.speaker === label) {
      editor.status(`Segment ${i + 1} is already ${structure.name(label)}'s.`);
      return;
    }
    let didSplit = false;
    if (fromWord && at) {
      // A new voice starts at the word at the cursor: cut there, give it the rest of the turn.
      const [index, offset] = at;
      i = index;
      const k = wordAt(editor.segs[i].text, offset);
      if (k > 0 && k < tokens(editor.segs[i].text).length) {
        didSplit = structure.split(i, k);
        if (didSplit) i += 1;
      }
    }
    structure.assign(fromWord ? turnFrom(editor, i) : [i], label);
    // One undo for a new speaker, a cut and the assignment: their entries become one.
    const entries = structure.undos.splice(mark);
    if (entries.length > 1) {
      structure.undos.push({
        opsBefore: entries[0].opsBefore,
        what: entries[entries.length - 1].what,
        revert: () => {
          let at = null;
          for (const entry of [...entries].reverse()) at = entry.revert() ?? at;
          return at;
        },
      });
      structure.renderPanel();
    } else structure.undos.push(...entries);
  };

  editor.container.addEventListener("focusin", (event) => {
    const segEl = event.target.closest?.(".seg");
    if (!segEl) return;
    structure.current = +segEl.dataset.i;
    structure.renderPanel();
  });
  editor.container.addEventListener("input", () => {
    structure.lastWasStructure = false;
  });
  editor.container.addEventListener("click", (event) => {
    const chip = event.target.closest?.("[data-speaker-chip]");
    if (!chip) return;
    structure.current = +chip.closest(".seg").dataset.i;
    structure.renderPanel();
    const choose = panel?.querySelector("[data-assign-speaker]");
    if (choose) choose.value = editor.segs[structure.current]?.speaker || "S1";
    panel?.scrollIntoView({ block: "nearest" });
    choose?.focus();
  });
  document.addEventListener("keydown", (event) => {
    const ctrl = event.ctrlKey || event.metaKey;
    if (ctrl && !event.altKey && event.key === "Enter" && editor.container.contains(document.activeElement)) {
      event.preventDefault();
      if (event.shiftKey) mergeAtCaret();
      else splitAtCaret();
      return;
    }
    // In a field (a speaker's name, the find bar) Ctrl+Z undoes that field's typing.
    const inField = event.target.closest?.("input, textarea, select");
    if (ctrl && !event.shiftKey && !event.altKey && event.key.toLowerCase() === "z" && structure.lastWasStructure && !inField) {
      event.preventDefault();
      structure.undo();
      structure.lastWasStructure = structure.undos.length > 0;
    }
  });
  if (panel) {
    panel.hidden = false;
    panel.querySelector("[data-split]")?.addEventListener("click", splitAtCaretOrCurrent);
    // The second click of a double click would merge the next pair too.
    panel.querySelector("[data-merge-next]")?.addEventListener("click", (event) => {
      if (event.detail < 2) mergeWithNext(structure.current, false);
    });
    panel.querySelector("[data-structure-undo]")?.addEventListener("click", () => structure.undo());
    panel.querySelector("[data-assign-speaker]")?.addEventListener("change", (event) => {
      panel.querySelector("[data-new-speaker]").hidden = event.target.value !== "new";
      if (event.target.value === "new") panel.querySelector("[data-new-speaker] input").focus();
    });
    panel.querySelector("[data-assign-segment]")?.addEventListener("click", () => assignFromPanel(false));
    panel.querySelector("[data-assign-from-word]")?.addEventListener("click", () => assignFromPanel(true));
    // Buttons in the panel take the focus: remember the caret in the transcript before.
    panel.addEventListener("pointerdown", () => {
      structure.lastCaret = where();
    });
    panel.addEventListener("change", (event) => {
      if (structure.rendering) return; // a field being redrawn, not the editor's choice
      const renaming = event.target.closest?.("[data-rename]");
      if (renaming) {
        if (!structure.rename(renaming.dataset.rename, renaming.value)) structure.renderPanel();
        return;
      }
      const into = event.target.closest?.("[data-merge-into]");
      if (into && into.value) {
        const label = into.dataset.mergeInto;
        const question = `Merge ${structure.name(label)} into ${structure.name(into.value)}? Every segment of ${structure.name(label)} goes to ${structure.name(into.value)}.`;
        if (confirm(question)) structure.mergeSpeakers(label, into.value);
        else into.value = "";
      }
    });
  }
  // The panel's Split button: the caret as it was before the button took the focus.
  function splitAtCaretOrCurrent() {
    const at = structure.lastCaret;
    if (at) {
      const [i, offset] = at;
      structure.split(i, wordAt(editor.segs[i].text, offset));
    } else {
      editor.status("Click into a segment, between two words, then split.", "error");
    }
  }
  structure.replay(replay);
  structure.renderPanel();
}
