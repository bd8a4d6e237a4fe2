// The village TV: show the board's panels one at a time, and fetch fresh data now and then.
// Plain ES5 with XMLHttpRequest: TV browsers are old. A failed fetch (the village network is
// down) leaves the panels as they were, cycling: the screen never turns into an error page.
(function () {
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-seconds"), 10) || 15;
  var reload = parseInt(body.getAttribute("data-reload"), 10) || 600;
  var KEY = "cx-tv-panel";
  var panels = [];
  var current = 0;
  var fetches = 0;

  function remember(i) {
    try { window.sessionStorage.setItem(KEY, String(i)); } catch (e) { /* private mode */ }
  }

  function recalled() {
    try { return parseInt(window.sessionStorage.getItem(KEY), 10) || 0; } catch (e) { return 0; }
  }

  // Panels with nothing to show are skipped, unless every panel is empty.
  function collect() {
    var all = Array.prototype.slice.call(document.querySelectorAll(".tv-panel"));
    panels = all.filter(function (p) { return !p.hasAttribute("data-empty"); });
    if (!panels.length) panels = all;
    var dots = document.getElementById("tv-dots");
    if (dots) {
      dots.innerHTML = "";
      panels.forEach(function () { dots.appendChild(document.createElement("li")); });
    }
  }

  function show(i) {
    if (!panels.length) return;
    current = ((i % panels.length) + panels.length) % panels.length;
    var all = document.querySelectorAll(".tv-panel");
    for (var k = 0; k < all.length; k++) all[k].classList.remove("is-current");
    panels[current].classList.add("is-current");
    var dots = document.querySelectorAll("#tv-dots li");
    for (var d = 0; d < dots.length; d++) dots[d].classList.toggle("is-current", d === current);
    remember(current);
  }

  function refresh() {
    fetches += 1;
    var xhr = new XMLHttpRequest();
    xhr.open("GET", window.location.href, true);
    xhr.onload = function () {
      if (xhr.status !== 200) return;
      // Once a day, reload the whole page (new styles or scripts after an upgrade).
      if (fetches * reload >= 86400) { window.location.reload(); return; }
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var fresh = doc.getElementById("tv-panels");
      var date = doc.getElementById("tv-date");
      if (!fresh) return;
      document.getElementById("tv-panels").innerHTML = fresh.innerHTML;
      if (date) document.getElementById("tv-date").textContent = date.textContent;
      collect();
      show(current);
    };
    xhr.send();
  }

  body.classList.add("tv-cycling");
  collect();
  show(recalled());
  window.setInterval(function () { show(current + 1); }, seconds * 1000);
  window.setInterval(refresh, reload * 1000);
  // A remote control's arrow keys step through the panels.
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight" || event.key === "ArrowDown") show(current + 1);
    if (event.key === "ArrowLeft" || event.key === "ArrowUp") show(current - 1);
  });
})();
