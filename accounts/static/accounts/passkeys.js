// A passkey added: show the page again, with it in the list (and the server's message).
document.addEventListener("otp_webauthn.register_complete", () => window.location.reload());
