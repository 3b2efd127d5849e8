// The staff page's script (served from the page itself; no inline script anywhere).
// - upload: the button is disabled and a processing message with the elapsed time is shown;
// - results: a correction or an undo is sent with fetch and only the rows it touched are replaced
//   (the table is not reloaded); a group correction first shows what it will change and waits
//   for a second click; while the rest of the file is predicted, its progress is shown.
"use strict";

(function () {
  const token = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function say(text, isError) {
    const status = document.getElementById("status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  // -- upload ------------------------------------------------------------------------------------
  const upload = document.getElementById("upload");
  if (upload) {
    upload.addEventListener("submit", function () {
      const button = document.getElementById("sort-button");
      const processing = document.getElementById("processing");
      const elapsed = document.getElementById("elapsed");
      button.disabled = true;
      button.textContent = "処理中… / working";
      processing.hidden = false;
      const start = Date.now();
      setInterval(function () {
        elapsed.textContent = "（" + Math.round((Date.now() - start) / 1000) + " 秒経過）";
      }, 500);
    });
  }

  // -- corrections without reloading ---------------------------------------------------------------
  const table = document.getElementById("results");

  function visibleRows() {
    return Array.from(table.querySelectorAll("tbody tr[data-row]")).map((tr) => tr.dataset.row).join(",");
  }

  async function send(form, extra) {
    const data = new FormData(form);
    for (const [k, v] of Object.entries(extra || {})) data.set(k, v);
    data.set("visible", visibleRows());
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    say("保存しています… / saving");
    try {
      const response = await fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": token() },
      });
      const answer = await response.json();
      if (!response.ok || !answer.ok) {
        say(answer.message || "保存できませんでした。 / not saved", true);
        buttons.forEach((b) => (b.disabled = false));
        return;
      }
      for (const [row, html] of Object.entries(answer.rows || {})) {
        const old = document.getElementById("row-" + row);
        if (!old) continue;
        const holder = document.createElement("tbody");
        holder.innerHTML = html; // rendered and escaped by the server's template
        old.replaceWith(holder.firstElementChild);
      }
      const waiting = document.getElementById("waiting");
      if (waiting && answer.waiting !== undefined) waiting.textContent = answer.waiting;
      say(answer.message || "");
    } catch (e) {
      say("保存できませんでした（サーバーに接続できません）。 / could not reach the page's server", true);
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  function confirmPanel(form, text, apply) {
    const old = form.parentElement.querySelector(".confirm");
    if (old) old.remove();
    const panel = document.createElement("div");
    panel.className = "confirm";
    panel.setAttribute("role", "alertdialog");
    const p = document.createElement("p");
    p.textContent = text;
    const yes = document.createElement("button");
    yes.type = "button";
    yes.className = "primary apply";
    yes.textContent = "適用する / apply";
    const no = document.createElement("button");
    no.type = "button";
    no.className = "cancel";
    no.textContent = "やめる / cancel";
    yes.addEventListener("click", function () { panel.remove(); apply(); });
    no.addEventListener("click", function () { panel.remove(); });
    panel.append(p, yes, no);
    form.after(panel);
    yes.focus();
  }

  if (table) {
    table.addEventListener("submit", function (event) {
      const form = event.target;
      if (!form.matches("form.correct, form.withdraw")) return;
      event.preventDefault();
      const count = parseInt(form.dataset.count || "1", 10);
      if (form.matches("form.withdraw")) {
        if (count > 1) {
          confirmPanel(form, count + " 件の修正をまとめて取り消します。 / Withdraw " + count + " corrections.",
                       () => send(form));
        } else {
          send(form);
        }
        return;
      }
      const button = event.submitter;
      if (!button || !button.value) return;
      if (count > 1) {
        const tr = form.closest("tr");
        const responses = Array.from(tr.querySelectorAll(".group-responses li .cell")).map((e) => "「" + e.textContent + "」");
        const text = "同じ意見・同じ回答の " + count + " 件すべてを「" + button.textContent + "」に修正します。" +
          (responses.length ? " 回答: " + responses.join(" / ") : "") + " / Correct all " + count + " rows.";
        confirmPanel(form, text, () => send(form, { label: button.value, confirm: "1" }));
      } else {
        send(form, { label: button.value });
      }
    });
  }

  // -- progress while the rest of the file is predicted ------------------------------------------
  const progress = document.getElementById("progress");
  if (progress) {
    const bar = progress.querySelector("progress");
    const text = document.getElementById("progress-text");
    const poll = async function () {
      try {
        const answer = await (await fetch(progress.dataset.status, { headers: { "Accept": "application/json" } })).json();
        const share = answer.distinct_total ? answer.distinct_done / answer.distinct_total : 0;
        const rows = answer.finished ? answer.total : Math.max(answer.ready, Math.round(share * answer.total));
        bar.value = rows;
        text.textContent = rows + " / " + answer.total + " 行";
        if (answer.finished) {
          if (answer.error) { text.textContent = answer.error; return; }
          document.getElementById("progress-done").hidden = false;
          progress.classList.add("finished");
          return;
        }
      } catch (e) { /* the next poll tries again */ }
      setTimeout(poll, 1000);
    };
    setTimeout(poll, 500);
  }
})();
