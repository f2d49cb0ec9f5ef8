/* Tryggbot embed: one line on the kommun's page,
     <script src="https://CHAT-ADDRESS/embed.js" data-lang="sv" async></script>
   puts a button there that opens the chat in a dialog (a frame of the chat page). The
   kommun's own Content-Security-Policy must allow this script and the frame; the chat
   allows being framed only by the origins in its [web] allowed_origins. */
(function () {
  "use strict";
  var base = __TRYGGBOT_BASE__;
  var script = document.currentScript;
  if (!script) { return; }
  var lang = script.getAttribute("data-lang") || document.documentElement.lang || "sv";
  var label = script.getAttribute("data-label") || "Tryggbot";
  var title = script.getAttribute("data-title") || label;
  var close = script.getAttribute("data-close") || "×";
  var open = document.createElement("button");
  open.type = "button";
  open.className = "tryggbot-open";
  open.textContent = label;
  var dialog = document.createElement("dialog");
  dialog.className = "tryggbot-dialog";
  dialog.setAttribute("aria-label", title);
  dialog.style.width = "min(40rem, 100vw - 1rem)";
  dialog.style.height = "min(48rem, 100vh - 2rem)";
  dialog.style.padding = "0";
  var shut = document.createElement("button");
  shut.type = "button";
  shut.textContent = close;
  shut.setAttribute("aria-label", close);
  var frame = document.createElement("iframe");
  frame.title = title;
  frame.style.border = "0";
  frame.style.width = "100%";
  frame.style.height = "calc(100% - 3rem)";
  dialog.appendChild(shut);
  dialog.appendChild(frame);
  open.addEventListener("click", function () {
    if (!frame.src) { frame.src = base + "/?lang=" + encodeURIComponent(lang); }
    if (dialog.showModal) { dialog.showModal(); } else { window.location.href = frame.src; }
  });
  shut.addEventListener("click", function () { dialog.close(); open.focus(); });
  script.parentNode.insertBefore(open, script.nextSibling);
  document.body.appendChild(dialog);
}());
