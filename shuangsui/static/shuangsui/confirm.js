/* 不可撤销的操作先确认：<form data-confirm="将发生什么"> 提交前弹出对话框（<dialog>），
   说明将发生什么、且不可撤销；点“确认”才提交，“取消”或 Esc 则不提交。
   没有 JavaScript 时，表单里 <noscript> 中的必选勾选框起同样的作用（见 templates/_confirm.html）。
   本文件随项目发布，不依赖任何外部脚本。 */
(function () {
  "use strict";
  var dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.innerHTML =
      '<form method="dialog">' +
      '<h2 id="confirm-title">请确认</h2>' +
      '<p id="confirm-text"></p>' +
      '<p class="confirm-warning" id="confirm-warning">此操作不可撤销。</p>' +
      '<p class="actions"><button value="cancel" id="confirm-cancel">取消</button> ' +
      '<button value="ok" class="primary" id="confirm-ok">确认</button></p>' +
      "</form>";
    document.body.appendChild(dialog);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var text = form.getAttribute && form.getAttribute("data-confirm");
    if (!text) return;
    if (form.dataset.confirmed === "1") {
      delete form.dataset.confirmed;
      return;
    }
    event.preventDefault();
    var submitter = event.submitter || null;
    if (typeof HTMLDialogElement === "undefined") {
      if (window.confirm(text + "\n此操作不可撤销。")) {
        form.dataset.confirmed = "1";
        form.submit();
      }
      return;
    }
    if (!dialog) build();
    dialog.querySelector("#confirm-text").textContent = text;
    dialog.querySelector("#confirm-ok").textContent =
      form.getAttribute("data-confirm-ok") || "确认";
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue !== "ok") return;
      form.dataset.confirmed = "1";
      if (form.requestSubmit) form.requestSubmit(submitter);
      else form.submit();
    };
    dialog.showModal();
    dialog.querySelector("#confirm-cancel").focus();
  });
})();
