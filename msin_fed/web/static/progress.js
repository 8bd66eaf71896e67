// Bulk share progress: polls the job's status and moves the progress bar; reloads the page
// once the job has finished so that the lists of shared and refused reports appear.
// A file, not an inline script, so the Content-Security-Policy can forbid inline scripts.
const box = document.getElementById("share-progress");
if (box && box.dataset.finished !== "true") {
  const bar = document.getElementById("progress-bar");
  const label = box.querySelector("label");
  const poll = async () => {
    try {
      const answer = await fetch(box.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" });
      if (answer.ok) {
        const s = await answer.json();
        const count = s.done + s.failed;
        bar.max = s.total;
        bar.value = count;
        bar.textContent = `${count} of ${s.total}`;
        label.textContent = `${count} of ${s.total} reports done`;
        if (s.finished) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A failed poll is tried again; the Refresh link works without this script.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
}
