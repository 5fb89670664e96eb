// Vandaag, live: conflicts arrive and leave without a reload (Server-Sent Events).
// Without JavaScript the page still shows every open conflict as of its loading.
(function () {
  "use strict";
  var root = document.getElementById("live-conflicts");
  if (!root || !window.EventSource) { return; }
  var announcer = document.getElementById("announcer");
  var liveState = document.getElementById("live-state");
  var total = document.getElementById("open-count");

  function list(severity) { return root.querySelector('ul.conflict-list[data-severity="' + severity + '"]'); }

  function refreshCounts() {
    var open = 0;
    root.querySelectorAll("ul.conflict-list").forEach(function (ul) {
      var severity = ul.getAttribute("data-severity");
      var count = ul.children.length;
      open += count;
      var counter = root.querySelector('.group-count[data-severity="' + severity + '"]');
      if (counter) { counter.textContent = String(count); }
      var empty = root.querySelector('p.empty[data-severity="' + severity + '"]');
      if (empty) { empty.hidden = count > 0; }
    });
    if (total) { total.textContent = String(open); }
  }

  function announce(text) {
    if (!announcer || !text) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function apply(change) {
    var existing = document.getElementById("conflict-" + change.conflict_id);
    if (change.status === "open" && change.html) {
      var holder = document.createElement("template");
      holder.innerHTML = change.html.trim();
      var item = holder.content.firstElementChild;
      var target = list(change.severity);
      if (existing) { existing.remove(); }
      if (target) {
        item.classList.add("arrived");
        target.insertBefore(item, target.firstElementChild);
      }
    } else if (existing) {
      existing.remove();
    }
    refreshCounts();
    announce(change.announce);
  }

  var source = new EventSource(root.getAttribute("data-stream"));
  source.addEventListener("open", function () { if (liveState) { liveState.hidden = false; } root.setAttribute("data-live", "open"); });
  source.addEventListener("error", function () { if (liveState) { liveState.hidden = true; } });
  source.addEventListener("conflict", function (message) {
    try { apply(JSON.parse(message.data)); } catch (error) { /* a malformed frame is skipped */ }
  });
})();
