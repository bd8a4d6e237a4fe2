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

// --- The record entry form (records/new/) ------------------------------------------------------

// A random (version 4) UUID; crypto.randomUUID needs HTTPS, getRandomValues does not.
function cxNewId() {
  if (window.crypto && crypto.randomUUID && window.isSecureContext) return crypto.randomUUID();
  var b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
}

// The chosen item's unit beside the quantity; an item scored per time always counts 1.
function cxShowUnit(input) {
  var unit = document.getElementById("qty-unit");
  if (unit) unit.textContent = input.dataset.unit || "";
  var qty = input.form && input.form.elements.namedItem("quantity");
  if (!qty) return;
  if (input.dataset.fixed) { qty.value = "1"; qty.readOnly = true; } else { qty.readOnly = false; }
}

// A ticked villager or item moves into its "picked" box, so the next search does not lose it.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[data-pick]")) return;
  var box = document.querySelector(input.dataset.pick);
  var label = input.closest("label");
  if (box && label && input.checked && !box.contains(label)) {
    if (input.hasAttribute("data-pick-single")) box.innerHTML = "";
    box.querySelectorAll("input").forEach(function (old) {
      if (old.value === input.value) old.closest("label").remove();
    });
    box.appendChild(label);
  }
  if (input.name === "item" && input.checked) cxShowUnit(input);
});

// Enter in a search box searches (and does not send the form); Enter elsewhere saves. An Enter
// that confirms a Chinese input method's composition is left alone.
document.addEventListener("keydown", function (event) {
  var input = event.target;
  if (event.key !== "Enter" || event.isComposing || input.tagName !== "INPUT" || !input.form) return;
  var save = input.form.querySelector("[data-default-submit]");
  if (!save) return;
  event.preventDefault();
  if (input.hasAttribute("data-live-search")) {
    if (window.htmx) window.htmx.trigger(input, "search");
    return;
  }
  if (input.form.requestSubmit) input.form.requestSubmit(save); else save.click();
});

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[name=item][data-pick]:checked").forEach(cxShowUnit);
});

// A form restored by the back button after it was sent is a new form: it gets a new id, so it
// does not quietly return the record the first sending made. (Sending the same page twice, a
// double tap or a retry, keeps its id and returns the first record.)
document.addEventListener("submit", function (event) { event.target.dataset.sent = "1"; });
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  document.querySelectorAll("form[data-sent='1'] input[name=client_id]").forEach(function (input) {
    input.value = cxNewId();
    input.form.dataset.sent = "";
    input.form.dataset.submitted = "";
    input.form.querySelectorAll("[disabled]").forEach(function (b) { b.removeAttribute("disabled"); });
  });
});

// Photos are made smaller on the phone as soon as they are picked (a village's mobile network is
// slow): at most 1600 px on the long side, as JPEG. Whatever fails keeps the original photo, and
// a form sent before this finishes simply sends the originals.
function cxShrink(file) {
  var MAX = 1600;
  if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size < 400 * 1024) return Promise.resolve(file);
  return createImageBitmap(file).then(function (bitmap) {
    var scale = Math.min(1, MAX / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) {
      canvas.toBlob(function (blob) {
        if (!blob || blob.size >= file.size) { resolve(file); return; }
        resolve(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
      }, "image/jpeg", 0.82);
    });
  }).catch(function () { return file; });
}

document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[type=file][data-shrink]") || !input.files.length) return;
  if (!window.DataTransfer || !window.createImageBitmap) return;
  Promise.all(Array.prototype.map.call(input.files, cxShrink)).then(function (photos) {
    var list = new DataTransfer();
    photos.forEach(function (photo) { list.items.add(photo); });
    input.files = list.files;
  }).catch(function () {});
});

// "Select all" of a list of checkboxes (the review queue): ticks every one that may be ticked.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("input[data-check-all]") || !box.form) return;
  box.form.querySelectorAll("input[name='" + box.dataset.checkAll + "']:not(:disabled)").forEach(function (c) {
    c.checked = box.checked;
  });
});

// Behaviour that pages once wrote inline (onchange=, onclick=, <script>): the
// Content-Security-Policy runs only script files, so the pages mark elements instead.
// A select that sends its form as soon as it changes (a filter).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) {
    if (field.form.requestSubmit) field.form.requestSubmit(); else field.form.submit();
  }
});
// A print button, and a "back" link that goes back when there is somewhere to go back to.
document.addEventListener("click", function (event) {
  var target = event.target.closest ? event.target.closest("[data-print], [data-back]") : null;
  if (!target) return;
  if (target.hasAttribute("data-print")) { event.preventDefault(); window.print(); return; }
  if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
});
// A running total of quantity × price (the shop counter): form[data-total="id of the total"].
document.addEventListener("input", function (event) {
  var form = event.target.form;
  if (!form || !form.dataset.total) return;
  var total = 0;
  form.querySelectorAll("input[data-price]").forEach(function (i) {
    total += (parseInt(i.value, 10) || 0) * parseInt(i.dataset.price, 10);
  });
  var shown = document.getElementById(form.dataset.total);
  if (shown) shown.textContent = total;
});
