// The recording page follows its recording's transcript status: when the transcription
// panel is swapped in (say, Transcribe was clicked there and a job now runs), the status
// poller is told "panel-swapped" and asks at once, so the badge follows the new job.
// An hx-trigger filter could say this, but htmx evaluates filters with Function(), which
// the Content-Security-Policy (no 'unsafe-eval') forbids.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target?.id !== "transcription-panel") return;
  const poller = document.querySelector("[data-status-watch]");
  if (poller) window.htmx.trigger(poller, "panel-swapped");
});

// Retry and Cancel in the panel swap only their job's box, not the panel: the badge is told
// once that swap has settled, so it follows the retried (or cancelled) job too.
document.addEventListener("htmx:beforeRequest", (event) => {
  const source = event.detail.elt;
  if (event.detail.requestConfig?.verb !== "post") return;
  if (!source?.closest?.("#transcription-panel")) return;
  if (event.detail.target?.id === "transcription-panel") return; // the listener above has it
  document.addEventListener(
    "htmx:afterSettle",
    () => {
      const poller = document.querySelector("[data-status-watch]");
      if (poller) window.htmx.trigger(poller, "panel-swapped");
    },
    { once: true },
  );
});
