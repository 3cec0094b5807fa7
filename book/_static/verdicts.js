// Colour the verdicts of each chapter's own scorecard table (a pandas table in the "Scorecard" section)
// like the badges of the Scorecard page.
document.addEventListener("DOMContentLoaded", () => {
  const verdicts = ["reproduced", "not_reproduced", "inconclusive", "not_tested"];
  document.querySelectorAll("#scorecard table td").forEach((cell) => {
    const verdict = cell.textContent.trim();
    if (verdicts.includes(verdict)) {
      const badge = document.createElement("span");
      badge.className = `verdict verdict-${verdict}`;
      badge.textContent = verdict.replace("_", " ");
      cell.replaceChildren(badge);
    }
  });
});
