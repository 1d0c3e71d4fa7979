// The editor's keys (listed on the page under "Shortcuts"): Escape closes the correction
// popover or plays/pauses, F8/Shift+F8 and F9 review by doubt, Ctrl+Space plays/pauses,
// Ctrl+, and Ctrl+. skip 5 s, Ctrl+S saves, Ctrl+F finds, Ctrl+H replaces.

export function wireShortcuts(editor) {
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      if (editor.corrector?.open) {
        editor.corrector.close();
      } else {
        editor.player?.toggle();
      }
      event.preventDefault();
      return;
    }
    if (event.key === "F8" && editor.doubt) {
      // Like "next problem" in code editors; Shift goes back.
      event.preventDefault();
      editor.doubt.next(event.shiftKey ? -1 : 1);
      return;
    }
    if (event.key === "F9" && editor.doubt) {
      event.preventDefault();
      editor.doubt.confirmAndNext();
      return;
    }
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    const key = event.key.toLowerCase();
    if (event.code === "Space") editor.player?.toggle();
    else if (key === ",") editor.player?.skip(-5);
    else if (key === ".") editor.player?.skip(5);
    else if (key === "s") editor.saver.save();
    else if (key === "f" || key === "h") editor.finder?.focus(key === "h");
    else return;
    event.preventDefault();
  });
}
