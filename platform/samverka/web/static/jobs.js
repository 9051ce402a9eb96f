// Updates a job's progress bar in place: polls the JSON address in data-job-status (the
// macro job_progress in _jobs.html) every second until the job has finished. A file, not an
// inline script (CSP script-src 'self'). Without JavaScript the page's link reloads it.
const POLL_MS = 1000;

function show(box, state) {
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-job-text]");
  bar.max = state.total || 100;
  bar.value = state.total ? state.done : state.percent;
  bar.textContent = `${state.percent} %`;
  if (text.textContent !== state.text) text.textContent = state.text;
  const download = document.querySelector("[data-job-download]");
  if (download && state.download_url) {
    download.querySelector("a").href = state.download_url;
    download.hidden = false;
  }
}

async function poll(box) {
  try {
    const answer = await fetch(box.dataset.jobStatus, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (answer.ok) {
      const state = await answer.json();
      show(box, state);
      if (state.finished) return;
    }
  } catch (error) {
    // the network failed for a moment: try again at the next tick
  }
  window.setTimeout(() => poll(box), POLL_MS);
}

for (const box of document.querySelectorAll("[data-job-status]")) {
  const refresh = box.querySelector("[data-job-refresh]");
  if (refresh) refresh.hidden = true; // the bar updates by itself
  window.setTimeout(() => poll(box), POLL_MS);
}
