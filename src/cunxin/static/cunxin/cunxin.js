// cunxin's little script: no double submits on slow rural networks.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.submitted === "1") { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
  // Disable after the browser has collected the form data (a disabled submitter is not sent).
  setTimeout(function () { buttons.forEach(function (b) { b.setAttribute("disabled", "disabled"); }); }, 0);
  // A form that stays on the page (a download, the back button) unlocks again.
  setTimeout(function () {
    form.dataset.submitted = "";
    buttons.forEach(function (b) { b.removeAttribute("disabled"); });
  }, 8000);
});
