// The villager's pay code renews itself before it expires; without this script the page reloads.
(function () {
  var box = document.getElementById("paycode");
  if (!box || !window.fetch) return;
  var img = box.querySelector("img");
  var digits = box.querySelector(".cx-digits");
  var stale = box.querySelector("[data-role=stale]");
  var every = (parseInt(box.dataset.refresh, 10) || 60) * 1000;
  var expires = Date.parse(box.dataset.expires) || 0;

  function group(code) { return code.replace(/(\d{4})(?=\d)/g, "$1 "); }

  function check() {
    var old = expires && Date.now() > expires;
    box.classList.toggle("cx-stale", !!old);
    if (stale) stale.hidden = !old;
  }

  function renew() {
    fetch(box.dataset.url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        img.src = data.qr;
        digits.textContent = group(data.code);
        expires = Date.parse(data.expires_at) || 0;
        check();
      })
      .catch(check);
  }

  setInterval(renew, every);
  setInterval(check, 5000);
  // Back from another app or a locked screen: the code shown may be old.
  document.addEventListener("visibilitychange", function () { if (!document.hidden) renew(); });
  box.dataset.renewing = "on";
})();
