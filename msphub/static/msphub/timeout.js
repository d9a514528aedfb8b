// The timeout warning (GOV.UK pattern): two minutes before a signed-in session ends unused, a modal
// dialog says so and offers "Stay signed in", which renews the session without leaving the page.
// Without JavaScript nothing is shown and the session still ends (the server decides).
const dialog = document.getElementById("msphub-timeout");
const WARN_BEFORE = 120; // seconds

if (dialog && typeof dialog.showModal === "function") {
  const total = Number(dialog.dataset.timeoutSeconds);
  const count = dialog.querySelector(".msphub-timeout__count");
  const live = document.getElementById("msphub-timeout-live");
  const stay = dialog.querySelector(".msphub-timeout__stay");
  let warnTimer, endTimer, tick, endsAt;

  const words = (seconds) => {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    return `${seconds} second${seconds === 1 ? "" : "s"}`;
  };

  const update = () => {
    const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    count.textContent = words(left);
    // Screen readers hear the time left each 20 seconds, not every second.
    if (left % 20 === 0 || left <= 10) live.textContent = `You will be signed out in ${words(left)}.`;
  };

  const start = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    clearInterval(tick);
    endsAt = Date.now() + total * 1000;
    warnTimer = setTimeout(() => {
      update();
      dialog.showModal();
      tick = setInterval(update, 1000);
    }, Math.max(0, total - WARN_BEFORE) * 1000);
    endTimer = setTimeout(() => {
      const back = encodeURIComponent(window.location.pathname + window.location.search);
      window.location.assign(`${dialog.dataset.signIn}?next=${back}`);
    }, total * 1000);
  };

  stay.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch(stay.action, {
      method: "POST",
      body: new FormData(stay),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    });
    if (response.ok) {
      dialog.close();
      live.textContent = "";
      start();
    } else {
      stay.submit();
    }
  });
  // Escape closes a modal dialog; here it means "stay signed in", as the GOV.UK pattern does.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    stay.requestSubmit();
  });
  start();
}
