// Reload the page once a job that htmx is polling there succeeds, so its result (a new
// translation, a voice-over) appears. The page renders only running or failed jobs, so a
// "succeeded" status can only come from a poll.
document.addEventListener("htmx:afterSettle", () => {
  const jobs = document.querySelectorAll("[data-reload-when-job-done] [data-job-status]");
  if ([...jobs].some((job) => job.dataset.jobStatus === "succeeded")) {
    // A page with unsaved edits (the review editor) may hold the reload back: it cancels
    // this event and asks the editor to save first.
    const reload = new CustomEvent("max:before-reload", { cancelable: true });
    if (document.dispatchEvent(reload)) window.location.reload();
  }
});
