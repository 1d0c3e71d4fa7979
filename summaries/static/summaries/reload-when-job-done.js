// Reload the summary page once the job that htmx is polling succeeds, so the new texts
// appear. Finished jobs are not polled, so a page opened after the job never reloads.
document.addEventListener("htmx:afterSettle", () => {
  const job = document.querySelector("[data-reload-when-job-done] [data-job-status]");
  if (job && job.dataset.jobStatus === "succeeded") {
    window.location.reload();
  }
});
