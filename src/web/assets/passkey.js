// The pages' one script: a passkey's ceremony. It is drawn inline into the three
// pages that offer one (adding a passkey, a sign-in's second step, a step-up) and
// allowed there, and nowhere else, by its SHA-256 in the Content-Security-Policy.
// It reads the options the server put on the form (data-passkey), asks the browser
// for a credential (data-passkey-mode: create or get), writes the browser's answer
// as JSON (binary fields in unpadded base64url) into the form's answer field and
// submits the form; the server checks everything. Without it the button stays
// hidden and the page's other fields work as before.
"use strict";
(function () {
  var form = document.querySelector("form[data-passkey]");
  if (!form || !window.PublicKeyCredential || !navigator.credentials) return;
  var button = form.querySelector("[data-passkey-start]");
  var answer = form.querySelector("[data-passkey-answer]");
  var status = form.querySelector("[data-passkey-status]");

  function bytes(text) {
    var plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(plain.length);
    for (var i = 0; i < plain.length; i++) out[i] = plain.charCodeAt(i);
    return out;
  }
  function text(buffer) {
    var view = new Uint8Array(buffer);
    var plain = "";
    for (var i = 0; i < view.length; i++) plain += String.fromCharCode(view[i]);
    return btoa(plain).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function ids(list) {
    return (list || []).map(function (c) {
      return { type: c.type, id: bytes(c.id), transports: c.transports };
    });
  }

  var mode = form.getAttribute("data-passkey-mode");
  var options = JSON.parse(form.getAttribute("data-passkey")).publicKey;
  options.challenge = bytes(options.challenge);
  if (mode === "create") {
    options.user.id = bytes(options.user.id);
    options.excludeCredentials = ids(options.excludeCredentials);
  } else {
    options.allowCredentials = ids(options.allowCredentials);
  }

  function json(credential) {
    var r = credential.response;
    var out = {
      id: credential.id,
      rawId: text(credential.rawId),
      type: credential.type,
      extensions: credential.getClientExtensionResults(),
      response: { clientDataJSON: text(r.clientDataJSON) },
    };
    if (mode === "create") {
      out.response.attestationObject = text(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = text(r.authenticatorData);
      out.response.signature = text(r.signature);
      out.response.userHandle = r.userHandle ? text(r.userHandle) : null;
    }
    return out;
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "";
    var asked =
      mode === "create"
        ? navigator.credentials.create({ publicKey: options })
        : navigator.credentials.get({ publicKey: options });
    asked.then(
      function (credential) {
        answer.value = JSON.stringify(json(credential));
        form.submit();
      },
      function () {
        status.textContent = form.getAttribute("data-passkey-failed");
      }
    );
  });
})();
